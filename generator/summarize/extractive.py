"""Extractive summaries: the abstract's most informative sentences, used when there is no LLM reply."""

from __future__ import annotations

import re
from collections import Counter

from ..records import Note, Paper, Summary

EXTRACTIVE_SENTENCES = 3
EXTRACTIVE_MAX_CHARS = 600

# A sentence ends at . ! or ? followed by space and an upper-case letter, digit or opening
# bracket; the lookbehinds keep common abbreviations ("e.g.", "et al.", "Fig.") inside it.
_SENTENCE_END = re.compile(
    r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bet al\.)(?<!\bvs\.)(?<!\bFig\.)(?<!\bEq\.)(?<!\bcf\.)"
    r"(?<=[.!?])\s+(?=[A-Z0-9(\[$])"
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?\s?%|\b\d+\.\d+\b|\b\d+(?:x|×)")
# Phrases that announce a contribution or a finding: the sentences a reader wants first.
_CUES = re.compile(
    r"\b(we (?:propose|present|introduce|develop|show|find|demonstrate)|our (?:method|model|approach"
    r"|framework|results)|outperform\w*|achiev\w*|improv\w*|state-of-the-art|results? (?:show|demonstrate))\b",
    re.IGNORECASE,
)
_STOPWORDS = frozenset(
    "a an and are as at be been but by can for from has have in into is it its of on or our that the"
    " their then there these this those to was we were which while with without than such also based"
    " using use used via both between over under however thus paper work".split()
)


def extractive(paper: Paper, reason: Note) -> Summary:
    """The abstract's most informative sentences (up to 3, in their original order)."""
    return Summary(kind="extractive", tldr={"en": _key_sentences(paper)}, reason=reason)


def _key_sentences(paper: Paper) -> str:
    abstract = " ".join(paper.abstract.split())
    sentences = [s for s in _SENTENCE_END.split(abstract) if s]
    if len(sentences) <= EXTRACTIVE_SENTENCES:
        return _clip(abstract)
    counts = Counter(w for s in sentences for w in _content_words(s))
    title_words = set(_content_words(paper.title))

    def score(sentence: str) -> float:
        words = _content_words(sentence)
        if not words:
            return 0.0
        # Words the abstract repeats or shares with the title carry its subject.
        weight = sum(counts[w] + 2 * (w in title_words) for w in set(words)) / (len(words) ** 0.5)
        return weight + 3 * bool(_CUES.search(sentence)) + 2 * bool(_NUMBER.search(sentence))

    best = sorted(range(len(sentences)), key=lambda i: (-score(sentences[i]), i))
    chosen: list[int] = []
    for index in best:
        if len(chosen) == EXTRACTIVE_SENTENCES:
            break
        if chosen and sum(len(sentences[i]) for i in chosen) + len(sentences[index]) > EXTRACTIVE_MAX_CHARS:
            continue
        chosen.append(index)
    return _clip(" ".join(sentences[i] for i in sorted(chosen)))


def _content_words(text: str) -> list[str]:
    return [w for w in (m.lower() for m in _WORD.findall(text)) if w not in _STOPWORDS]


def _clip(text: str) -> str:
    """Cut an over-long text at a word boundary (one run-on sentence can be a whole abstract)."""
    if len(text) <= EXTRACTIVE_MAX_CHARS:
        return text
    return text[:EXTRACTIVE_MAX_CHARS].rsplit(" ", 1)[0] + " …"
