"""The fitted text models over the hashed terms: a linear SVM on the terms and a "themes" model
(a logistic regression over LSA directions), and the Model record that scores with them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from .config import RankConfig
from .terms import N_FEATURES, Terms, as_written


@dataclass(frozen=True)
class Themes:
    """LSA directions of the hashed terms and a logistic regression over them: the lab's
    subjects, which a paper can share without sharing the library's exact words."""

    terms: np.ndarray  # hashed term indices the directions are made of
    basis: np.ndarray  # float32 (terms, directions)
    coef: np.ndarray  # logistic weights per direction
    intercept: float

    def margins(self, rows: sp.csr_matrix) -> np.ndarray:
        return directions_of(rows, self.terms, self.basis) @ self.coef + self.intercept


def directions_of(rows: sp.csr_matrix, terms: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Each row's position along the LSA directions, L2-normalised (so long abstracts do not weigh more)."""
    return normalize(np.asarray(rows[:, terms].astype(np.float32) @ basis))


@dataclass(frozen=True)
class Field:
    """The lab's field: a linear SVM on the words around the radar's keywords, learnt from the
    lab's papers and the archive papers that use a keyword, against the archive papers that use
    none, with the keywords' own terms left out (word pairs holding a keyword's word stay). So
    it reads the words a keyword comes with, not the keyword: it lifts a paper of the lab's field
    that names none of the keywords, in words the library lacks (pathology, angiography, retinal
    imaging: on-theme papers the other text models left at ranks 41-675). It does not tell every
    keyword used in another field from the lab's use: "CT" of an industrial part shares the
    words of registration and scans (benchmarks/RANKING.md)."""

    masked: np.ndarray  # hashed terms of the keywords, left out of every row
    coef: np.ndarray
    intercept: float

    def margins(self, rows: sp.csr_matrix) -> np.ndarray:
        return without(rows, self.masked) @ self.coef + self.intercept


class FieldPapers(NamedTuple):
    """What a Field is fitted on: the keywords' terms to leave out, and per paper 1 if it is of
    the lab's field (its own papers, or an archive paper using a keyword), else 0."""

    masked: np.ndarray
    labels: np.ndarray
    weights: np.ndarray


def without(rows: sp.csr_matrix, terms: np.ndarray) -> sp.csr_matrix:
    """The rows without these terms, L2-normalised again."""
    kept = rows.copy()
    kept.data[np.isin(kept.indices, terms)] = 0.0
    kept.eliminate_zeros()
    return normalize(kept, copy=False)


@dataclass(frozen=True)
class Model:
    """The term space and, when the radar has papers to learn from, the text model over it."""

    config: RankConfig
    terms: Terms  # the caller's cache of word hashes (see generator.rank.RankCache)
    idf: np.ndarray  # per hashed term; 0 for terms too common to matter
    coef: np.ndarray | None  # linear SVM weights per hashed term
    intercept: float
    # (SVM margin, theme margin, field margin, topics mentioned, followed author)
    weights: tuple[float, float, float, float, float]
    bias: float
    themes: Themes | None = None
    field: Field | None = None

    def text(self, title: str, abstract: str) -> str:
        """The text the model reads: the title weighs more than any sentence of the abstract."""
        return paper_text(title, abstract, self.config)

    def vectors(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Sublinear TF-IDF rows, L2-normalised."""
        return self.weigh(self.terms.counts(texts))

    def weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        rows = counts.copy()
        rows.data = (1.0 + np.log(rows.data)) * self.idf[rows.indices]
        rows.eliminate_zeros()  # terms too common to matter: smaller rows, faster products
        return normalize(rows, copy=False)

    def margins(self, rows: sp.csr_matrix) -> np.ndarray:
        if self.coef is None:
            return np.zeros(rows.shape[0])
        return rows @ self.coef + self.intercept

    def theme_margins(self, rows: sp.csr_matrix) -> np.ndarray:
        if self.themes is None:
            return np.zeros(rows.shape[0])
        return self.themes.margins(rows)

    def field_margins(self, rows: sp.csr_matrix) -> np.ndarray:
        if self.field is None:
            return np.zeros(rows.shape[0])
        return self.field.margins(rows)

    def score(self, margin: float, theme: float, field: float, topics: int, followed: bool) -> float:
        """Calibrated probability of belonging with the lab's papers, on a 0-100 scale."""
        w_margin, w_theme, w_field, w_topics, w_author = self.weights
        logit = (self.bias + w_margin * margin + w_theme * theme + w_field * field + w_topics * topics
                 + w_author * followed)
        return 100.0 / (1.0 + math.exp(-logit))

    def why_terms(self, rows: sp.csr_matrix, papers: Sequence[tuple[str, str]]) -> list[tuple[str, ...]]:
        """Per row, the terms that pushed its score up most, word pairs preferred over their words:
        by their weight in the SVM and the field model, as much as each margin counts in the score
        (the field's rows are the same rows less the keywords, whose own matches are shown); each
        as the paper, its (title, abstract) of `papers`, writes it (terms.as_written)."""
        if self.coef is None:
            return [() for _ in papers]
        wanted, candidates = self.config.why_count, self.config.why_candidates
        coef = self.weights[0] * self.coef
        if self.field is not None:
            coef = coef + self.weights[2] * self.field.coef
        pushes = sp.csr_matrix(rows.multiply(coef))  # each term's share of the two margins in the score
        why = []
        for i, (title, abstract) in enumerate(papers):
            text = self.text(title, abstract)
            start, end = pushes.indptr[i], pushes.indptr[i + 1]
            push, indices = pushes.data[start:end], pushes.indices[start:end]
            # A few more than needed: words that repeat a chosen pair, and pairs across punctuation, are skipped.
            top = np.argpartition(-push, min(candidates, len(push) - 1))[:candidates] \
                if len(push) else np.zeros(0, dtype=int)
            top = top[push[top] > 0]
            terms = self.terms.at(text, (int(indices[t]) for t in top))
            ranked = sorted(((-float(push[t]), terms[int(indices[t])]) for t in top
                             if int(indices[t]) in terms))
            chosen: list[str] = []  # the terms as the models read them
            # As the paper writes them ("shot" and "zero" are both "zero-shot"); no pair across punctuation.
            shown: list[str] = []
            for (_, term), written in zip(ranked, as_written(title, abstract, [t for _, t in ranked]), strict=True):
                if len(shown) == wanted:
                    break
                repeats = any(term in c.split() or c in term.split() for c in chosen)
                if written is not None and written not in shown and not repeats:
                    chosen.append(term)
                    shown.append(written)
            why.append(tuple(shown))
        return why


def paper_text(title: str, abstract: str, config: RankConfig) -> str:
    """The text the models read: the title weighs more than any sentence of the abstract."""
    return " ".join([title] * config.title_repeat + [abstract])


def svm(rows: sp.csr_matrix, labels: np.ndarray, weights: np.ndarray, config: RankConfig) -> LinearSVC:
    """The linear SVM on these rows, classes balanced, each row weighing `weights`.

    Identical rows with the same label (the same text twice in an archive) are fitted as one row
    weighing their sum: the same objective, but liblinear's dual coordinate descent stalls on
    repeated support vectors (on the speed benchmark's archive of copied papers, 206 iterations
    instead of 25). The balanced class weights are those of the rows as given."""
    unique, merged = _merge_repeats(rows, labels)
    if len(unique) == len(labels):
        return LinearSVC(C=config.svm_c, class_weight="balanced", random_state=0, max_iter=5000).fit(
            rows, labels, sample_weight=weights)
    n, positives = len(labels), int(labels.sum())
    balanced = {0: n / (2 * (n - positives)), 1: n / (2 * positives)}
    return LinearSVC(C=config.svm_c, class_weight=balanced, random_state=0, max_iter=5000).fit(
        rows[unique], labels[unique], sample_weight=np.bincount(merged, weights=weights))


def _merge_repeats(rows: sp.csr_matrix, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first of each group of identical rows with the same label, and each row's group."""
    # Identical rows have the same sum, bit for bit (summed in the same order). When no two rows
    # share a sum, as in any real archive, there is nothing to merge: the rows are not compared
    # one by one (50 ms per 20,000 rows, six fits a day).
    if len(np.unique(np.asarray(rows.sum(axis=1)).ravel())) == len(labels):
        everyone = np.arange(len(labels), dtype=np.int64)
        return everyone, everyone
    groups: dict[tuple[int, bytes, bytes], int] = {}
    merged = np.empty(len(labels), dtype=np.int64)
    first: list[int] = []
    for i in range(len(labels)):
        start, end = rows.indptr[i], rows.indptr[i + 1]
        key = (int(labels[i]), rows.indices[start:end].tobytes(), rows.data[start:end].tobytes())
        group = groups.setdefault(key, len(groups))
        if group == len(first):
            first.append(i)
        merged[i] = group
    return np.array(first, dtype=np.int64), merged


def theme_fit(directions: np.ndarray, labels: np.ndarray, weights: np.ndarray,
              config: RankConfig) -> tuple[np.ndarray, float]:
    logistic = LogisticRegression(C=config.theme_c, class_weight="balanced", max_iter=1000)
    logistic.fit(directions, labels, sample_weight=weights)
    return logistic.coef_.ravel().astype(np.float32), float(logistic.intercept_[0])


def idf(counts: sp.csr_matrix, config: RankConfig) -> np.ndarray:
    """Smoothed IDF per hashed term, zero for terms in more than max_df of the texts."""
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    n = counts.shape[0]
    values = np.log((1 + n) / (1 + df)) + 1.0
    values[df > config.max_df * n] = 0.0
    return values


def keyword_mentions(counts: sp.csr_matrix, keywords: Sequence[tuple[int, ...]]) -> np.ndarray:
    """Per row of term counts (rows) and keyword (columns), whether the row holds every term of the
    keyword (see Terms.keyword_terms): a cheap reading of "uses the keyword", in its exact words
    only (TopicMatcher reads the forms authors write, but half a millisecond a paper)."""
    if not keywords:
        return np.zeros((counts.shape[0], 0), dtype=bool)
    columns = sorted({term for keyword in keywords for term in keyword})
    present = (counts[:, columns] > 0).toarray()
    at = {term: i for i, term in enumerate(columns)}
    return np.column_stack([present[:, [at[t] for t in keyword]].all(axis=1) for keyword in keywords])


def lsa(rows: sp.csr_matrix, n_own: int, config: RankConfig) -> tuple[np.ndarray, np.ndarray] | None:
    """The terms and LSA directions of the lab's papers and a seeded sample of theme_sample
    negatives; None when the papers share too few terms."""
    negatives = np.random.default_rng(0).permutation(np.arange(n_own, rows.shape[0]))
    sample = rows[np.sort(np.concatenate([np.arange(n_own), negatives[:config.theme_sample]]))]
    terms = np.flatnonzero(np.bincount(sample.indices, minlength=N_FEATURES) >= config.theme_min_df)
    dimensions = min(config.themes, len(terms) - 1, sample.shape[0] - 1)
    if dimensions < 2:
        return None
    svd = TruncatedSVD(dimensions, n_iter=3, random_state=0).fit(sample[:, terms].astype(np.float32))
    return terms, svd.components_.T.astype(np.float32)
