"""Hashed word and word-pair counts: the term space every text model of the ranker reads.

The archive is vectorised on every fit and again for the related-papers index, so vectorising is
the bulk of a day's ranking: words are hashed once per distinct word and word pairs are hashed
from their words' hashes with numpy, instead of hashing every bigram string. A `Terms` object
keeps the word hashes and the word sequences of the texts it has seen; the caller owns it (see
generator.rank.RankCache), so nothing is kept between runs that the caller does not keep.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, strip_accents_unicode
from sklearn.utils import murmurhash3_32

N_FEATURES = 2**20  # hashed term space: fixed memory, collisions negligible at this size
TEXT_CACHE = 60_000  # texts whose word hashes are kept: a 60-day archive and the day's papers
WORD_CACHE = 2**20  # distinct words kept: far more than an archive's vocabulary
_TOKEN = re.compile(r"\b[a-z_][a-z0-9_]+\b")  # sklearn's default words, on lower-cased text
_PAIR_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))
_PAIR_SHIFT = np.uint64(64 - N_FEATURES.bit_length() + 1)
_STOP = -1


def tokens(text: str) -> list[str]:
    """Lower-cased words without accents, stop words included, in text order."""
    if not text.isascii():
        text = strip_accents_unicode(text)
    return _TOKEN.findall(text.lower())


def words(text: str) -> list[str]:
    """Lower-cased words without accents and English stop words, in text order."""
    return [word for word in tokens(text) if word not in ENGLISH_STOP_WORDS]


def term_indices(hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hashed term indices of a word sequence: of its words, and of its adjacent word pairs."""
    pairs = ((hashes[:-1] * _PAIR_MIX[0] + hashes[1:]) * _PAIR_MIX[1]) >> _PAIR_SHIFT
    return (hashes % np.uint64(N_FEATURES)).astype(np.int64), pairs.astype(np.int64)


_HYPHEN = "-\u2010\u2011"  # hyphen-minus, hyphen, non-breaking hyphen
_COMPOUND_AFTER = re.compile(rf"(?:[{re.escape(_HYPHEN)}]\w+)+")
_WORDS_BETWEEN = re.compile(rf"[\s{re.escape(_HYPHEN)}]+(?:\w+[\s{re.escape(_HYPHEN)}]+)*")  # no punctuation: "Model (SAM)"


def as_written(title: str, abstract: str, terms: Sequence[str]) -> list[str | None]:
    """Terms (words and word pairs of a paper's `words`) as the paper writes them: with the
    hyphenated word each is a piece of ("shot" -> "zero-shot", "ray" -> "X-ray", "net" ->
    "U-Net") and the stop words between a pair's words ("models medicine" -> "models in
    medicine"), since a reader cannot tell what "shot" or "ray" stood for; in the case of its
    last occurrence within a sentence of the abstract ("U-Net", "Dice"), or else in lower case
    but for acronyms and inner capitals (a word capitalised by the title or a sentence's start:
    "Segment" -> "segment", "X-Ray" -> "X-ray"). None for a term that is no phrase of the paper:
    a pair whose words stand across punctuation wherever they meet ("model sam" of "Model
    (SAM)"), or across the title and the abstract. The terms as they are where the paper cannot
    be read back to them (a character whose accent-stripped lower case is not one character)."""
    parts = []
    for text, prose in ((abstract, True), (title, False)):  # the abstract's case is a sentence's
        reading = _as_read(text)
        if reading is None:
            return [*terms]
        kept = [m for m in _TOKEN.finditer(reading) if m.group() not in ENGLISH_STOP_WORDS]
        occurrences: dict[tuple[str, ...], list[int]] = {}
        for i, match in enumerate(kept):
            occurrences.setdefault((match.group(),), []).append(i)
            if i:
                occurrences.setdefault((kept[i - 1].group(), match.group()), []).append(i - 1)
        parts.append((text, prose, kept, occurrences))
    written: list[str | None] = []
    for term in terms:
        wanted, form = tuple(term.split()), None
        for text, prose, kept, occurrences in parts:
            spans = [span for at in reversed(occurrences.get(wanted, ())) if (span := _span(text, kept, at, len(wanted)))]
            if spans:
                in_sentence = next((span for span in spans if prose and _within_sentence(text, span[0])), None)
                start, end = in_sentence or spans[0]
                form = " ".join(text[start:end].split())
                if in_sentence is None:
                    form = _CAPITALISED.sub(lambda m: m[0].lower(), form)
                break
        written.append(form)
    return written


_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")


def _span(text: str, kept: Sequence[re.Match[str]], at: int, length: int) -> tuple[int, int] | None:
    """Where the term of `length` words from kept[at] stands in `text`, with the hyphenated
    words it is a piece of; None for a pair across punctuation."""
    start, end = kept[at].start(), kept[at + length - 1].end()
    if length > 1 and not _WORDS_BETWEEN.fullmatch(text, kept[at].end(), kept[at + 1].start()):
        return None
    while start >= 2 and text[start - 1] in _HYPHEN and text[start - 2].isalnum():
        start -= 1
        while start and text[start - 1].isalnum():
            start -= 1
    if after := _COMPOUND_AFTER.match(text, end):
        end = after.end()
    return start, end


def _within_sentence(text: str, start: int) -> bool:
    """Whether the word before `start` begins in lower case or a digit, or a comma stands
    between: a word's capitals there are its own, not a title's ("Chest X-Ray") or a sentence
    start's."""
    i = start - 1
    while i >= 0 and (text[i].isspace() or text[i] == "("):
        i -= 1
    if i < 0 or text[i] in ".:!?":
        return False
    if text[i] in ",;":
        return True
    while i > 0 and not text[i - 1].isspace():
        i -= 1
    return text[i].islower() or text[i].isdigit()


def _as_read(text: str) -> str | None:
    """The text as `tokens` reads it (accents stripped, lower case), character for character so
    that positions in it are positions in `text`; None when a character does not stay one."""
    if text.isascii():
        return text.lower()
    chars = [strip_accents_unicode(c).lower() for c in text]
    return "".join(chars) if all(len(c) == 1 for c in chars) else None


class _WordHashes(dict[str, int]):
    """Word -> murmur hash, computed once per distinct word; English stop words -> _STOP.

    A dict filled on a miss, because looking up every word of a 20,000-paper archive is the
    bulk of vectorising it and a plain dict lookup (mapped in C) is the cheapest per word.
    """

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def __missing__(self, word: str) -> int:
        if len(self) >= self.limit:
            self.clear()
        value = _STOP if word in ENGLISH_STOP_WORDS else murmurhash3_32(word, seed=0, positive=True)
        self[word] = value
        return value


class Terms:
    """Hashed term counts of texts, with the word hashes and texts' word sequences kept (bounded)."""

    def __init__(self, *, text_cache: int = TEXT_CACHE, word_cache: int = WORD_CACHE):
        self.text_cache = text_cache
        self.word_hashes = _WordHashes(word_cache)
        self.sequences: dict[str, np.ndarray] = {}

    def sequence(self, text: str) -> np.ndarray:
        """The word hashes of a text, kept (least recently used dropped first)."""
        hashes = self.sequences.pop(text, None)
        if hashes is None:
            hashes = np.fromiter(map(self.word_hashes.__getitem__, tokens(text)), dtype=np.int64)
            hashes = hashes[hashes != _STOP].astype(np.uint64)
        self.sequences[text] = hashes
        if len(self.sequences) > self.text_cache:
            del self.sequences[next(iter(self.sequences))]
        return hashes

    def counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Counts of hashed words and word pairs (word 1-2-grams), one row per text."""
        sequences = [self.sequence(text) for text in texts]
        lengths = np.array([len(s) for s in sequences], dtype=np.int64)
        hashes = np.concatenate(sequences) if sequences else np.zeros(0, dtype=np.uint64)
        doc = np.repeat(np.arange(len(texts)), lengths)
        word_terms, pairs = term_indices(hashes)
        within = doc[:-1] == doc[1:]  # pairs do not span two texts
        rows = np.concatenate([doc, doc[:-1][within]])
        columns = np.concatenate([word_terms, pairs[within]])
        counts = sp.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(len(texts), N_FEATURES))
        counts.sum_duplicates()
        return counts

    def keyword_terms(self, keyword: str) -> tuple[int, ...]:
        """The hashed terms that stand for a keyword in a text's counts: its word, or the word
        pairs of a keyword of several words (stop words dropped, as in every text). None when the
        counts lose a piece of it, since they could not tell the keyword from what is left: a piece
        that is no term ("3D medical" would stand for every "medical", "X-ray" for every "ray") or
        a stop word ("Segment Anything" for every "segment", "few-shot" for every "zero-shot");
        only a whole stop word between two kept words is let go ("models in medicine" is the pair
        "models medicine" in any text that says it)."""
        words_of = keyword.split()
        for i, word in enumerate(words_of):
            for piece in word.split("-"):
                found = tokens(piece)
                stop = bool(found) and all(token in ENGLISH_STOP_WORDS for token in found)
                between = piece == word and 0 < i < len(words_of) - 1
                if not found or (stop and not between):
                    return ()
        word_terms, pairs = term_indices(self.sequence(keyword))
        return tuple(int(t) for t in (pairs if len(pairs) else word_terms))

    def at(self, text: str, indices: Iterable[int]) -> dict[int, str]:
        """The word or word pair of `text` behind each hashed term index (first occurrence)."""
        kept = words(text)
        word_indices, pair_indices = term_indices(self.sequence(text))
        found = {}
        for index in indices:
            if (at := np.flatnonzero(pair_indices == index)).size:
                found[index] = f"{kept[at[0]]} {kept[at[0] + 1]}"
            elif (at := np.flatnonzero(word_indices == index)).size:
                found[index] = kept[at[0]]
        return found
