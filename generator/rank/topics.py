"""The radar's declared entries in a paper: its topics (by keyword), followed authors and vetoes.

Keywords match in the forms authors write them (see keyword_parts); a card names a topic when the
paper is about it, not on a passing mention, while the score counts every topic mentioned (see
TopicMatcher).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from ..radar import author_matches
from .config import DEFAULT_CONFIG


def followed_authors(names: Sequence[str], followed: Sequence[str]) -> list[str]:
    """The followed authors (as the lab writes them) among a paper's author names."""
    return [f for f in followed if any(author_matches(name, f) for name in names)]


def veto(text: str, exclude: Sequence[str]) -> str | None:
    """The first `exclude` keyword the text mentions, if any."""
    return next((word for word in exclude if keyword_pattern(word).search(text)), None)


def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """A keyword in the forms authors write it (see keyword_parts); acronyms match in capitals
    only (so that "CT" does not match "act" or "ct" and "SAM" not "same")."""
    body, _ = keyword_parts(keyword)
    return re.compile(body if keyword.strip().isupper() else f"(?i:{body})")


# A word ending in one of these is the same word with another of them: "radiology",
# "radiological", "radiologist"; "endoscopic", "endoscopy".
_ENDINGS = ("ically", "ical", "ics", "ic", "ies", "ists", "ist", "y")
_OTHER_ENDINGS = r"(?:ically|ical|ics|ic|ies|ists|ist|y)"
_MIN_STEM = 5  # shorter stems are other words ("med" + "ical")
# Inside a word, where authors may put a hyphen or a space: "nnU-Net" / "nnUNet" / "nn-UNet",
# "SAM2" / "SAM 2", "MedSAM" / "Med-SAM".
_JOINT = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")


def keyword_parts(keyword: str) -> tuple[str, tuple[str, ...]]:
    """The regular expression of a keyword in the forms authors write it, and the pieces of text
    every form contains (a cheap test before the expression).

    Spaces and hyphens between words are interchangeable or left out ("image registration",
    "image-registration"); inside a word a hyphen may stand between a small and a capital
    letter or a letter and a digit ("nnU-Net" is "nnUNet"); a word takes the plural and, with a
    stem of _MIN_STEM letters or more, its other endings of _ENDINGS ("endoscopic" matches
    "endoscopy"). An acronym of three capitals or more also matches inside a name that prefixes
    it or numbers it ("SAM" in "MedSAM", "GeoSAM-3D", "SAM2"; "MRI" in "fMRI")."""
    text = keyword.strip()
    words = [w for w in re.split(r"[\s-]+", text) if w]
    patterns, needles = [], []
    for word in words:
        pieces = _JOINT.split(word)
        stem, forms = pieces[-1], r"(?:s|es)?"
        ending = next((e for e in _ENDINGS if stem.lower().endswith(e)), None)
        if ending and len(stem) - len(ending) >= _MIN_STEM and not stem.isupper():
            stem, forms = stem[: -len(ending)], _OTHER_ENDINGS + "?"
        pieces[-1] = stem
        patterns.append(r"[\s-]?".join(re.escape(piece) for piece in pieces) + forms)
        needles += [piece if text.isupper() else piece.lower() for piece in pieces]
    body = r"[\s-]*".join(patterns)
    letters = re.sub(r"[^A-Za-z]", "", text)
    if text.isupper() and len(letters) >= 3 and len(words) == 1:
        body = r"(?:[A-Z]?[a-z]+)?" + body + r"(?:[\s-]?\d+)?"
    return r"\b" + body + r"\b", tuple(needles)


class TopicMatch(NamedTuple):
    """The radar topics in a paper: those it is about, by which keywords (what its card names),
    and how many topics it mentions (what the score counts)."""

    names: list[str]
    keywords: list[str]
    mentioned: int


class TopicMatcher:
    """The radar topics a paper is about, and by which keywords; and how many it mentions.

    A paper is about a topic when one of its keywords is in the title, or when the abstract
    mentions the topic `mentions` times, not on a passing mention ("applications include medical
    image segmentation"): so a card does not name a topic the paper only mentions. The score
    counts a topic on `evidence` mentions (one by default, at most `mentions`, so that the score
    counts every topic a card names): the field model lowers most passing mentions in other
    fields, and on the shipped days counting one mention featured more of the lab's papers than
    off-theme ones (benchmarks/RANKING.md). Keywords within a word of each other are one mention:
    "Segment Anything Model (SAM)", "skin lesion segmentation" (two overlapping keywords), "MRI
    and CT".
    """

    def __init__(self, topics: Mapping[str, Sequence[str]], mentions: int = DEFAULT_CONFIG.topic_mentions,
                 evidence: int = DEFAULT_CONFIG.topic_evidence):
        if not 1 <= evidence <= mentions:
            raise ValueError(f"topic evidence {evidence} must be from 1 to the card's mentions ({mentions})")
        self._needed = mentions
        self._evidence = evidence
        self._topics: list[tuple[str, list[_Keyword]]] = [
            (name, [(k, _needles(k), keyword_pattern(k)) for k in kept])
            for name, words in topics.items() if (kept := [k for k in words if k.strip()])
        ]
        needles = {needle for _, keywords in self._topics for _, pieces, _ in keywords for needle in pieces}
        self._exact = sorted(piece for exact, piece in needles if exact)
        self._lower = sorted(piece for exact, piece in needles if not exact)

    def match(self, title: str, abstract: str) -> TopicMatch:
        names: list[str] = []
        keywords: list[str] = []
        mentioned = 0
        in_title_present, in_abstract_present = self._present(title), self._present(abstract)
        for name, patterns in self._topics:
            in_title = _spans(patterns, title, in_title_present)
            in_abstract = _spans(patterns, abstract, in_abstract_present)
            mentions = _mentions(in_abstract, abstract)
            mentioned += bool(in_title) or mentions >= self._evidence
            if in_title or mentions >= self._needed:
                names.append(name)
                keywords += [*dict.fromkeys(k for *_, k in in_title + in_abstract if k not in keywords)]
        return TopicMatch(names, keywords, mentioned)

    def _present(self, text: str) -> set[tuple[bool, str]]:
        """The keywords' pieces of text that `text` holds: a substring test per distinct piece
        first, since most papers hold no keyword and `in` is far cheaper than a regular
        expression (this makes matching a 20,000-paper archive affordable)."""
        lower = text.lower()
        return {(True, piece) for piece in self._exact if piece in text} | \
            {(False, piece) for piece in self._lower if piece in lower}


# A keyword, the pieces of text (case matters, piece) it needs, and its pattern.
_Keyword = tuple[str, frozenset[tuple[bool, str]], re.Pattern[str]]


def _spans(patterns: Sequence[_Keyword], text: str, present: set[tuple[bool, str]]) -> list[tuple[int, int, str]]:
    """(start, end, keyword) of every keyword match in `text`, in text order; only keywords whose
    pieces the text holds (`present`) are searched for."""
    return sorted((m.start(), m.end(), keyword) for keyword, needles, pattern in patterns
                  if needles <= present for m in pattern.finditer(text))


_ONE_WORD_APART = re.compile(r"\W*(?:\w+\W*)?")


def _mentions(spans: Sequence[tuple[int, int, str]], text: str) -> int:
    """How many separate mentions the keyword matches (in text order) make in `text`: matches
    that overlap or stand within a word of each other are one."""
    count, end = 0, -1
    for start, stop, _ in spans:
        if end < 0 or (start > end and not _ONE_WORD_APART.fullmatch(text, end, start)):
            count += 1
        end = max(end, stop)
    return count


def _needles(keyword: str) -> frozenset[tuple[bool, str]]:
    """The pieces of text a text must hold for `keyword` to match, each with whether case matters."""
    exact = keyword.strip().isupper()
    return frozenset((exact, piece) for piece in keyword_parts(keyword)[1])
