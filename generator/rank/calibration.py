"""Calibration: the text models' margins, the topics and the followed authors combined into one
score, a probability (0-100) that a paper belongs with the lab's own; and the featured set, the
papers at or above a floor on that score.

The combination is a logistic regression fitted on out-of-fold margins of the lab's papers
against the archive, so its weights are those of a new day and the score means the same on a
busy day as on a quiet one. A declared topic or followed author never weighs less than
`floor_share` of its keyword-only weight: against the library the text models already know its
words, so its measured weight is near zero, yet a new day's paper on the lab's subject in other
words needs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.model_selection import StratifiedKFold

from ..radar import Radar
from ..records import LibraryPaper, Paper
from .config import RankConfig
from .models import Field, FieldPapers, Themes, directions_of, svm, theme_fit, without
from .topics import TopicMatcher, followed_authors


def matched_count(scores: Sequence[float], *, floor: float) -> int:
    """How many of a day's papers matched the radar: those scoring at least the relevance floor."""
    return sum(1 for score in scores if score >= floor)


def featured_count(scores: Sequence[float], *, floor: float, minimum: int, cap: int) -> int:
    """How many of a day's ranked papers (their scores, best first) are featured: those scoring
    at least `floor`, at least `minimum` so that a quiet day is not empty, and at most `cap`."""
    return min(len(scores), cap, max(minimum, matched_count(scores, floor=floor)))


def combination(rows: sp.csr_matrix, labels: np.ndarray, weights: np.ndarray,
                papers: Sequence[LibraryPaper | Paper], radar: Radar,
                lsa: tuple[np.ndarray, np.ndarray] | None, field: FieldPapers | None, config: RankConfig, *,
                chosen_by_topics: bool, topics_known: Mapping[str, int],
                ) -> tuple[tuple[float, float, float, float, float], float, Themes | None, Field | None]:
    """Weights of the SVM, theme and field margins, topics and authors, measured by a logistic
    regression on margins the text models give papers they were not fitted on (k-fold), so that
    they are those of a new day; the theme model, fitted on the same papers, and the field model
    (models.Field), fitted on all of them, each only when its weight is positive.

    When archive papers `chosen_by_topics` are among the positives (fitting.declared), the
    topics chose them, so against them a topic always looks decisive: in a radar without a
    library the topic weight was measured at 6.9 and the intercept at -8.7, and a paper mentioning
    one topic scored 14, below the featured floor. The topic and author weights are then held at
    keyword_weights (a radar's weights without papers) and only the margins and the intercept
    are measured."""
    # The weights need the margins' spread, not every negative: a subsample keeps the k-fold
    # fits cheap on a large archive. Drawn at random (seeded: deterministic), not the lowest ids,
    # which would be the oldest papers.
    negatives = np.random.default_rng(0).permutation(np.flatnonzero(labels == 0))
    keep = np.sort(np.concatenate([np.flatnonzero(labels == 1), negatives[:config.combination_negatives]]))
    rows, labels, weights = rows[keep], labels[keep], weights[keep]
    papers = [papers[i] for i in keep]
    folds = list(StratifiedKFold(n_splits=config.folds, shuffle=True, random_state=0).split(rows, labels))
    # The field model is measured and fitted on these papers too, so that its weight is that of
    # the model scoring (an SVM fitted on more rows, regularised less, has wider margins). Every
    # fold must hold papers of the field and papers outside it, or there is no field to learn.
    if field is not None:
        field = FieldPapers(field.masked, field.labels[keep], field.weights[keep])
        if any(len(np.unique(field.labels[train])) < 2 for train, _ in folds):
            field = None
    field_rows = without(rows, field.masked) if field is not None else None
    margins = np.zeros(len(labels))
    theme_margins = np.zeros(len(labels))
    field_margins = np.zeros(len(labels))
    # The theme regression is fitted on these papers, not the whole archive: with 200 inputs
    # they are plenty, and it keeps the fit within its budget on a 20,000-paper archive.
    directions = directions_of(rows, *lsa) if lsa is not None else np.zeros((len(labels), 0))
    for train, test in folds:
        model = svm(rows[train], labels[train], weights[train], config)
        margins[test] = model.decision_function(rows[test])
        if lsa is not None:
            coef, intercept = theme_fit(directions[train], labels[train], weights[train], config)
            theme_margins[test] = directions[test] @ coef + intercept
        if field is not None and field_rows is not None:
            fitted = svm(field_rows[train], field.labels[train], field.weights[train], config)
            field_margins[test] = fitted.decision_function(field_rows[test])
    topics = TopicMatcher(radar.topics, config.topic_mentions, config.topic_evidence)
    # The archive papers fitting.declared looked at are not matched again.
    n_topics = [topics_known[p.id] if isinstance(p, Paper) and p.id in topics_known
                else topics.match(p.title, p.abstract).mentioned for p in papers]
    followed = [bool(followed_authors(p.authors, radar.authors)) for p in papers]
    features = np.column_stack([margins, theme_margins, field_margins, n_topics, followed])
    # A margin never counts against a paper: with a negative measured weight (it adds nothing the
    # other margins do not say) it is left out. A declared topic or followed author never weighs
    # less than floor_share of when it is the only evidence (keyword_weights): below that it is
    # held there and the other weights and the intercept are measured around it.
    floors = {3: config.floor_share * config.keyword_weights[0],
              4: config.floor_share * config.keyword_weights[1]}
    held: dict[int, float] = {3: config.keyword_weights[0], 4: config.keyword_weights[1]} if chosen_by_topics else {}
    if field is not None:
        # Against the library the archive's papers of the lab's field are negatives, so measured
        # here the field margin weighed against a paper (-2.0 on the demo radar). It is held at
        # the weight it has in telling the field's papers from the others: the slope of a
        # logistic regression of the field labels on its out-of-fold margins (papers weighing
        # nothing left out).
        counted = field.weights > 0
        slope, _ = logistic(field_margins[counted, None], field.labels[counted], 0.0)
        held[2] = max(float(slope[0]), 0.0)
    margin_columns = [0, 1] if lsa is not None else [0]
    free = [column for column in [*margin_columns, 3, 4] if column not in held]
    while True:
        offset = features[:, list(held)] @ np.array(list(held.values())) if held else 0.0
        coef, bias = logistic(features[:, free], labels, offset)
        measured = {**dict(zip(free, coef.tolist(), strict=True)), **held}
        negative = [column for column in (0, 1) if column in free and measured[column] < 0]
        if negative:
            free.remove(negative[0])
            continue
        low = [column for column in free if column in floors and measured[column] < floors[column]]
        if not low:
            break
        free.remove(low[0])
        held[low[0]] = floors[low[0]]
    themes = None
    if lsa is not None and measured.get(1, 0.0) > 0:
        themes = Themes(*lsa, *theme_fit(directions, labels, weights, config))
    field_model = None
    if field is not None and field_rows is not None and measured[2] > 0:
        fitted = svm(field_rows, field.labels, field.weights, config)
        field_model = Field(field.masked, fitted.coef_.ravel().copy(), float(fitted.intercept_[0]))
    combined = (measured.get(0, 0.0), measured.get(1, 0.0), measured.get(2, 0.0), measured[3], measured[4])
    return combined, bias, themes, field_model


def logistic(features: np.ndarray, labels: np.ndarray, offset: np.ndarray | float,
              ) -> tuple[np.ndarray, float]:
    """Weights and intercept of an L2 logistic regression (C=1, classes balanced) whose logit
    also carries a fixed `offset` per row: sklearn's LogisticRegression has no offset."""
    n, positives = len(labels), int(labels.sum())
    class_weight = np.where(labels == 1, n / (2 * positives), n / (2 * (n - positives)))
    signs = 2.0 * labels - 1.0
    design = np.column_stack([features, np.ones(n)])

    def loss(beta: np.ndarray) -> tuple[float, np.ndarray]:
        margin = signs * (design @ beta + offset)
        penalty = np.append(beta[:-1], 0.0)  # the intercept is not penalised
        value = float(class_weight @ np.logaddexp(0.0, -margin) + 0.5 * penalty @ penalty)
        gradient = design.T @ (class_weight * -signs * expit(-margin)) + penalty
        return value, gradient

    beta = minimize(loss, np.zeros(design.shape[1]), jac=True, method="L-BFGS-B").x
    return beta[:-1], float(beta[-1])
