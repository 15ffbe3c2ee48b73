"""Ranking: score each candidate for the lab's radar (0-100), say why, and find related papers.

The method starts from arxiv-sanity-lite (TF-IDF word unigrams+bigrams, a linear SVM with the
lab's papers as positives) and changes what the measurements in benchmarks/rank.py favoured
(the log of what was measured, with and without gain, is benchmarks/RANKING.md):

- negatives are a bounded, stable sample of the archive of earlier days, so the model and its
  scores do not depend on the day being ranked; archive papers mentioning two of the radar's topics
  or more are learnt with the lab's papers, not against them (fitting.declared), and for a radar
  without topics the archive papers nearest its papers (fitting.nearest);
- a second, small model reads themes rather than terms (LSA directions and a logistic
  regression), lifting papers that share the lab's subject but few of its exact words;
- a third reads the lab's field: the words around the radar's keywords, learnt from the archive
  papers that use them (the keywords themselves left out), each weighing as much as the lab's
  papers cover its topics; it finds the field's papers in words neither the library nor the
  keywords hold (pathology, angiography, retinal imaging) (models.Field, fitting.field_papers);
  its weight is held at what it has in telling the field's papers from the others, and with it the
  SVM margin's measured weight falls to about 0: the lab's papers then shape the score as the
  field's positives and weights, through the theme model and through the topics;
- the margins, the radar topics a paper mentions (once is enough: the field model lowers most
  passing mentions in other fields; a card names only the topics the paper is about) and
  the followed authors are combined into a calibrated probability of belonging with the lab's
  papers (calibration), so a floor on the 0-100 score means the same on a busy day as on a quiet
  one (the floor chosen on two shipped days is 34 or 35 on the third): featured are the papers
  above it;
- the community's attention (Hugging Face upvotes, comments, stars) raises the score of a paper on
  the lab's themes by at most community.COMMUNITY_SHARE of itself; an off-theme paper keeps its
  score (generator/community.py, measured by benchmarks/rank.py community).

Modules: config (RankConfig, the tuning, passed in), topics (keywords, topics, authors, vetoes),
terms (hashed word and word-pair counts), models (the text models), fitting, calibration (the
combined score and the featured count), neighbours (related papers). Nothing is cached between
calls unless the caller passes a RankCache, whose keys include the config.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ..community import boost
from ..radar import Radar
from ..records import LibraryPaper, Match, Paper, Ranked
from .calibration import featured_count, matched_count
from .config import DEFAULT_CONFIG, RankConfig
from .fitting import fingerprint, fit, training_papers
from .models import Model, paper_text
from .neighbours import Neighbours, pool_key
from .terms import Terms
from .topics import TopicMatcher, followed_authors, veto

__all__ = ["DEFAULT_CONFIG", "RankCache", "RankConfig", "featured_count", "followed_authors",
           "matched_count", "paper_text", "rank"]


class RankCache:
    """What ranking keeps between calls, owned by the caller: the word hashes of texts seen, the
    last fitted model and the last related-papers index, each keyed by everything it depends on
    (the config included). One model and one index at a time: memory stays bounded."""

    def __init__(self) -> None:
        self.terms = Terms()
        self._model: tuple[str, Model] | None = None
        self._neighbours: tuple[str, Model, Neighbours] | None = None

    def model(self, radar: Radar, archive: Sequence[Paper], config: RankConfig) -> Model:
        """The model for this radar, archive and config, fitted once."""
        liked, negatives = training_papers(radar, archive, config)
        key = fingerprint(radar, liked + negatives, config)
        if self._model is None or self._model[0] != key:
            self._model = None  # the old model is not kept while the new one is fitted
            self._model = (key, fit(radar, liked, negatives, config, self.terms))
        return self._model[1]

    def neighbours(self, model: Model, pool: Sequence[tuple[date, Paper]],
                   library: Sequence[LibraryPaper]) -> Neighbours:
        """The index of related papers, built once per model and pool (vectorising the archive is
        most of the work of a day's ranking)."""
        key = pool_key(pool, library)
        if self._neighbours is None or self._neighbours[0] != key or self._neighbours[1] is not model:
            self._neighbours = None
            self._neighbours = (key, model, Neighbours(model, pool, library))
        return self._neighbours[2]


def rank(
    candidates: Sequence[Paper],
    radar: Radar,
    archive: Sequence[Paper],
    *,
    featured: int,
    related_pool: Sequence[tuple[date, Paper]] = (),
    config: RankConfig = DEFAULT_CONFIG,
    cache: RankCache | None = None,
) -> list[Ranked]:
    """The candidates best first, each with its score, matched radar entries and why-terms.

    `archive` holds papers of earlier days (negatives and background); `related_pool` the earlier
    digests' papers with their dates. The first `featured` papers get their related papers.
    Deterministic: the same inputs give the same output, with or without a `cache`.
    """
    if not candidates:
        return []
    cache = cache or RankCache()
    model = cache.model(radar, archive if archive else candidates, config)
    texts = [model.text(p.title, p.abstract) for p in candidates]
    rows = model.vectors(texts)
    margins = model.margins(rows)
    themes = model.theme_margins(rows)
    fields = model.field_margins(rows)
    whys = model.why_terms(rows, [(p.title, p.abstract) for p in candidates])
    topics = TopicMatcher(radar.topics, config.topic_mentions, config.topic_evidence)
    disliked = set(radar.disliked)
    scored = []
    for i, paper in enumerate(candidates):
        topic_names, keywords, mentioned = topics.match(paper.title, paper.abstract)
        followed = followed_authors(paper.authors, radar.authors)
        matched = tuple([Match("topic", t) for t in topic_names] + [Match("author", a) for a in followed])
        vetoed = veto(texts[i], radar.exclude) or ("disliked" if paper.id in disliked else None)
        if vetoed:
            scored.append((0.0, 0, paper.id, Ranked(paper, 0.0, matched, (f"excluded: {vetoed}",))))
            continue
        # The community's attention lifts a paper on the lab's themes a little (generator/community.py).
        score = boost(model.score(margins[i], themes[i], fields[i], mentioned, bool(followed)), paper, bool(matched),
                      floor=config.floor)
        why = whys[i] or tuple(keywords[:config.why_count])
        scored.append((score, len(keywords), paper.id, Ranked(paper, score, matched, why)))
    # Equal scores (a radar without papers to learn from): more of the lab's keywords go first.
    scored.sort(key=lambda item: (-item[0], -item[1], item[2]))
    ranked = [item[3] for item in scored]
    related = cache.neighbours(model, related_pool, radar.library).nearest([r.paper for r in ranked[:featured]])
    return [Ranked(r.paper, r.score, r.matched, r.why, related[i]) if i < featured else r
            for i, r in enumerate(ranked)]
