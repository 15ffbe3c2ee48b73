"""Fitting the model of a radar: the lab's papers (library, liked, and archive papers mentioning its
declared topics, or nearest its papers when it declares none) against a bounded, stable sample of
the archive."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from ..radar import Radar
from ..records import LibraryPaper, Paper
from .calibration import combination
from .config import RankConfig
from .models import FieldPapers, Model, idf, keyword_mentions, lsa, paper_text, svm
from .terms import Terms
from .topics import TopicMatcher


def training_papers(radar: Radar, archive: Sequence[Paper], config: RankConfig) -> tuple[list[Paper], list[Paper]]:
    """The archive's liked papers, and its bounded, stable sample the model learns against."""
    unique = sorted({p.id: p for p in archive}.values(), key=lambda p: p.id)
    return [p for p in unique if p.id in set(radar.liked)], sample(unique, radar, config)


def fingerprint(radar: Radar, papers: Sequence[Paper], config: RankConfig) -> str:
    """What the model of `fit` depends on: the config, the radar and its training papers."""
    digest = hashlib.sha256(repr((config, radar.library, radar.liked, radar.disliked,
                                  sorted(radar.topics.items()), radar.authors)).encode())
    for paper in papers:
        digest.update(f"{paper.id}v{paper.version}\n".encode())
    return digest.hexdigest()


def fit(radar: Radar, liked: Sequence[Paper], negatives: Sequence[Paper], config: RankConfig,
        terms: Terms) -> Model:
    """The model of this radar: its library, liked papers and the archive papers mentioning its topics
    (see declared), or, for a radar without topics, the archive papers nearest its papers (see
    nearest), learnt against the other `negatives`."""
    mentioned = topics_mentioned(negatives, radar, config)
    chosen = declared(negatives, radar, config, mentioned)
    # The dense products of the fit are small (200 theme directions by a few thousand papers):
    # BLAS threads buy them nothing and spin, which on a shared machine costs more than they save
    # (benchmarks/RANKING.md: CPU 11 s with two threads, 6.4 s with one, for the same fit).
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit(radar, [*liked, *(p for p, own in zip(negatives, chosen, strict=True) if own)],
                    [p for p, own in zip(negatives, chosen, strict=True) if not own], config, terms,
                    chosen_by_topics=any(chosen), topics_known=mentioned)


def sample(papers: Sequence[Paper], radar: Radar, config: RankConfig) -> list[Paper]:
    """At most max_negatives papers, chosen by a stable hash of the id (so the same papers stay
    in as the archive grows), never the lab's own papers."""
    own = set(radar.liked) | {p.arxiv_id for p in radar.library if p.arxiv_id}
    ordered = sorted((p for p in papers if p.id not in own), key=_stable_order)
    return sorted(ordered[:config.max_negatives], key=lambda p: p.id)


def topics_mentioned(papers: Sequence[Paper], radar: Radar, config: RankConfig) -> dict[str, int]:
    """How many of the radar's topics each of the first archive_topic_sample papers in a stable
    order mentions (TopicMatch.mentioned, what the score counts), by id (matching costs about
    half a millisecond a paper: the others are not looked at); none when archive papers are not
    learnt by their topics (archive_topics 0)."""
    if config.archive_topics <= 0 or not radar.topics:
        return {}
    topics = TopicMatcher(radar.topics, config.topic_mentions, config.topic_evidence)
    return {p.id: topics.match(p.title, p.abstract).mentioned
            for p in sorted(papers, key=_stable_order)[:config.archive_topic_sample]}


def declared(papers: Sequence[Paper], radar: Radar, config: RankConfig,
             mentioned: Mapping[str, int] | None = None) -> list[bool]:
    """Per archive paper, whether it mentions archive_topics of the radar's topics or more (of the
    first archive_topic_sample papers in a stable order; the others are not looked at): the
    lab's subject by its own declaration, so the text models learn it with the lab's papers,
    not against them. Counted as negatives, such papers taught the models the library's own
    words rather than its subject, and new papers on that subject in other words (pathology,
    OCT, angiography) ranked 100th and below. `mentioned`: topics_mentioned of these papers, if known."""
    if config.archive_topics <= 0 or not radar.topics:
        return [False] * len(papers)
    mentioned = topics_mentioned(papers, radar, config) if mentioned is None else mentioned
    return [mentioned.get(p.id, 0) >= config.archive_topics for p in papers]


def _stable_order(paper: Paper) -> str:
    """An order of papers that does not change as the archive grows: a hash of the id."""
    return hashlib.sha1(paper.id.encode()).hexdigest()


def _fit(radar: Radar, liked: Sequence[Paper], negatives: Sequence[Paper], config: RankConfig,
         terms: Terms, *, chosen_by_topics: bool, topics_known: Mapping[str, int]) -> Model:
    disliked = set(radar.disliked)
    own: list[LibraryPaper | Paper] = [*radar.library, *liked]
    counts = terms.counts([paper_text(p.title, p.abstract, config) for p in [*own, *negatives]])
    model = Model(config, terms, idf(counts, config), None, 0.0, (0.0, 0.0, 0.0, *config.keyword_weights),
                  config.keyword_intercept)
    if len(own) < config.folds or len(negatives) < config.folds:
        return model
    rows = model.weigh(counts)
    labels = np.array([1] * len(own) + [0] * len(negatives))
    is_disliked = np.array([False] * len(own) + [p.id in disliked for p in negatives])
    if not radar.topics:
        labels[nearest(rows, labels, is_disliked, config.archive_neighbours)] = 1
    # A disliked paper counts as much as a liked one (balanced weights give each positive this).
    weights = np.ones(len(labels))
    weights[is_disliked] = len(labels) / (2 * int(labels.sum()))
    text_model = svm(rows, labels, weights, config)
    directions = lsa(rows, len(own), config)
    field = field_papers(counts, labels, radar, config, terms, disliked=is_disliked)
    combined, bias, themes, field_model = combination(
        rows, labels, weights, [*own, *negatives], radar, directions, field, config,
        chosen_by_topics=chosen_by_topics, topics_known=topics_known)
    return Model(config, terms, model.idf, text_model.coef_.ravel().copy(), float(text_model.intercept_[0]),
                 combined, bias, themes, field_model)


def nearest(rows: sp.csr_matrix, labels: np.ndarray, excluded: np.ndarray, count: int) -> np.ndarray:
    """The `count` rows labelled 0 nearest the rows labelled 1 (cosine to their centroid; the rows
    are L2-normalised), never an `excluded` one (a disliked paper), nearest first.

    A radar that declares no topics has nothing to choose the archive papers of its subject by
    (declared), and a few liked papers are too few for the text models: learnt with the papers
    nearest them, a radar of 5 liked papers featured twice as many on-theme papers on some shipped
    days (RankConfig.archive_neighbours)."""
    if count <= 0:
        return np.zeros(0, dtype=int)
    centroid = np.asarray(rows[labels == 1].mean(axis=0)).ravel()
    similarity = np.asarray(rows @ centroid, dtype=float).ravel()
    similarity[(labels == 1) | excluded] = -np.inf
    chosen = np.argsort(-similarity, kind="stable")[:count]
    return chosen[np.isfinite(similarity[chosen])]


def field_papers(counts: sp.csr_matrix, labels: np.ndarray, radar: Radar, config: RankConfig,
                 terms: Terms, *, disliked: np.ndarray | None = None) -> FieldPapers | None:
    """What the field model (models.Field) learns from: the keywords' terms it leaves out, and
    per paper whether it is of the lab's field (the lab's own papers, and archive papers using a
    keyword; a `disliked` one never) and how much it weighs; None when the field model is
    switched off (config.field False), the radar has no keywords, or fewer than `folds` archive
    papers use a keyword or fewer use none.

    An archive paper weighs the share of the lab's papers using its keywords' topics, relative to
    the topic most of them use: the topics say what the field is, the lab's papers how much of it
    each topic is (on the demo radar 75 of its 91 papers use a keyword of its imaging modalities
    and 11 one of medical LLMs, so a paper using only LLM keywords weighs 0.15). Unweighted, the
    field lifted clinical text as much as images (benchmarks/RANKING.md)."""
    if not config.field:
        return None
    topics = {name: kept for name, words in radar.topics.items()
              if (kept := [t for k in words if k.strip() and (t := terms.keyword_terms(k))])}
    if not topics:
        return None
    mentions = {name: np.asarray(keyword_mentions(counts, keywords).any(axis=1)) for name, keywords in topics.items()}
    own = labels == 1
    share = {name: float(used[own].sum()) for name, used in mentions.items()}
    most = max(share.values()) or 1.0
    weight = np.max(np.column_stack([used * (share[name] / most) for name, used in mentions.items()]), axis=1)
    # A paper using only keywords of topics no paper of the lab's is about weighs nothing either way.
    archive = ~own & np.any(np.column_stack(list(mentions.values())), axis=1)
    if disliked is not None:
        archive &= ~disliked
    if int((weight[archive] > 0).sum()) < config.folds or int((~own & ~archive).sum()) < config.folds:
        return None
    weights = np.ones(len(labels))
    weights[archive] = weight[archive]
    masked = np.unique(np.concatenate([np.array(k) for keywords in topics.values() for k in keywords]))
    return FieldPapers(masked, (own | archive).astype(int), weights)
