"""The ranker: learned from the library, explained, vetoed, deterministic, with related papers."""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.utils import murmurhash3_32

from generator import community
from generator.radar import Radar, load_library, load_radar
from generator.rank import DEFAULT_CONFIG, RankCache, RankConfig, featured_count, matched_count, rank
from generator.rank.calibration import combination, logistic
from generator.rank.fitting import declared, field_papers, nearest
from generator.rank.models import Model, idf, keyword_mentions, svm
from generator.rank.terms import Terms, as_written, term_indices, words
from generator.rank.topics import TopicMatcher, keyword_pattern
from generator.records import Match, Paper, SourceRef
from generator.settings import RadarSettings, load
from tests.support.papers import listing_papers

REPO = Path(__file__).resolve().parent.parent
TOPICS = {
    "Segment Anything in medicine": ("segment anything", "SAM", "MedSAM"),
    "Distribution shift": ("domain shift", "domain adaptation", "out-of-distribution"),
    "Medical imaging": ("medical image", "MRI", "CT", "ultrasound", "histopathology"),
}
MEDICAL = re.compile(r"\b(medical|clinical|MRI|CT|ultrasound|patholog\w*|radiolog\w*|lesions?|"
                     r"tumou?rs?|cancer|X-ray|segment anything)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def library():
    return load_library(REPO / "radar" / "library.bib")


@pytest.fixture(scope="module")
def archive() -> list[Paper]:
    return listing_papers("background-5k", limit=1500)


@pytest.fixture(scope="module")
def day() -> list[Paper]:
    return listing_papers("2026-06-04")


@pytest.fixture(scope="module")
def radar(library) -> Radar:
    return Radar(library=library, topics=TOPICS, authors=("Klaus Maier-Hein", "Hao Chen"))


@pytest.fixture(scope="module")
def ranked(day, radar, archive):
    pool = [(date(2026, 6, 1), paper) for paper in archive[:400]]
    return rank(day, radar, archive, featured=10, related_pool=pool)


def test_demo_library_puts_medical_imaging_on_top(ranked, day) -> None:
    assert sorted(r.paper.id for r in ranked) == sorted(p.id for p in day)
    top = [r.paper for r in ranked[:10]]
    assert sum(bool(MEDICAL.search(f"{p.title} {p.abstract}")) for p in top) >= 9
    bottom = [r.paper for r in ranked[-100:]]
    assert sum(bool(MEDICAL.search(f"{p.title} {p.abstract}")) for p in bottom) <= 10


def test_scores_are_0_to_100_best_first(ranked) -> None:
    scores = [r.score for r in ranked]
    assert all(0.0 <= s <= 100.0 for s in scores)
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > 50 > scores[len(scores) // 2]


def test_why_and_matched_explain_the_score(ranked) -> None:
    for r in ranked[:30]:
        assert r.why, r.paper.title
        # Each term as the paper writes it (a title's capitals aside): in its text, and never a
        # piece of a hyphenated word.
        text = " ".join(f"{r.paper.title} {r.paper.abstract}".split())
        for term in r.why:
            assert re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text, re.IGNORECASE), (term, r.paper.title)
    assert all(r.why for r in ranked)
    assert any(Match("topic", "Medical imaging") in r.matched for r in ranked[:10])
    for r in ranked:
        for name in r.matched:
            assert name.name in TOPICS or name.kind == "author"


def test_related_for_featured_papers_only(ranked) -> None:
    for r in ranked[:10]:
        assert len(r.related) == 3
        assert all(rel.url.startswith("https://") and rel.id != r.paper.id for rel in r.related)
        assert all(rel.date == "2026-06-01" or rel.date is None for rel in r.related)
    assert all(not r.related for r in ranked[10:])


def test_related_papers_come_from_the_library_too(radar, day) -> None:
    linked = [p for p in radar.library if p.arxiv_id]
    twin = replace(day[0], id="2606.99999", title=linked[0].title, abstract=linked[0].abstract)
    [first] = [r for r in rank([twin, *day[1:40]], radar, day[40:], featured=40)
               if r.paper.id == twin.id]
    assert first.related[0].id == linked[0].arxiv_id
    assert first.related[0].url == f"https://arxiv.org/abs/{linked[0].arxiv_id}"
    assert first.related[0].date is None


def test_deterministic(day, radar, archive, ranked) -> None:
    pool = [(date(2026, 6, 1), paper) for paper in archive[:400]]
    assert rank(day, radar, archive, featured=10, related_pool=pool) == ranked  # refitted from scratch
    cache = RankCache()
    assert rank(day, radar, archive, featured=10, related_pool=pool, cache=cache) == ranked
    assert rank(day, radar, archive, featured=10, related_pool=pool, cache=cache) == ranked  # from the cache


def test_model_fitted_once_for_unchanged_inputs(radar, archive) -> None:
    cache = RankCache()
    first = cache.model(radar, archive, DEFAULT_CONFIG)
    assert cache.model(radar, list(reversed(archive)), DEFAULT_CONFIG) is first
    assert cache.model(radar, archive, replace(DEFAULT_CONFIG)) is first  # an equal config
    # The config is part of the key: another config is another model, with no cache to clear.
    other = cache.model(radar, archive, replace(DEFAULT_CONFIG, theme_c=10.0))
    assert other is not first and other.config.theme_c == 10.0
    assert cache.model(radar, archive[1:], DEFAULT_CONFIG) is not first


def test_followed_author_is_matched_and_raises_the_score(day, radar, archive) -> None:
    plain = day[5]
    followed = replace(plain, id="2606.99998", authors=(*plain.authors, "K. H. Maier-Hein"))
    results = {r.paper.id: r for r in rank([plain, followed, *day[10:60]], radar, archive, featured=0)}
    assert Match("author", "Klaus Maier-Hein") in results[followed.id].matched
    assert Match("author", "Klaus Maier-Hein") not in results[plain.id].matched
    # No library paper names him: nothing to measure, so the lab's word (the keyword weight) stands.
    lift = _logit(results[followed.id].score) - _logit(results[plain.id].score)
    assert lift >= DEFAULT_CONFIG.keyword_weights[1] * 0.9


def test_a_declared_topic_counts_at_least_its_keyword_weight(day, radar, archive) -> None:
    # Against the library the text models already know its words, so a measured topic weight is
    # near zero; the lab's declared topic must still lift a paper that names it.
    plain = day[5]
    topical = replace(plain, id="2606.99997", title=f"{plain.title} for ultrasound")
    results = {r.paper.id: r for r in rank([plain, topical, *day[10:60]], radar, archive, featured=0)}
    assert Match("topic", "Medical imaging") in results[topical.id].matched
    lift = _logit(results[topical.id].score) - _logit(results[plain.id].score)
    assert lift >= DEFAULT_CONFIG.keyword_weights[0] * 0.9  # measured: 0.6 without the floor, 3.1 with


def _logit(score: float) -> float:
    score = min(max(score, 1e-9), 100 - 1e-9)
    return math.log(score / (100 - score))


def test_weights_measured_around_a_held_weight() -> None:
    # The combination's logistic regression: sklearn's own fit when nothing is held, and with a
    # column held at a weight (an offset) the others are measured around it.
    rng = np.random.default_rng(1)
    features = rng.normal(size=(3000, 3))
    labels = (features @ [2.0, -1.0, 0.5] + rng.normal(size=3000) > 2.5).astype(int)
    reference = LogisticRegression(class_weight="balanced").fit(features, labels)
    coef, bias = logistic(features, labels, 0.0)
    assert np.allclose(coef, reference.coef_[0], atol=1e-2) and abs(bias - reference.intercept_[0]) < 1e-2
    held, _ = logistic(features[:, :2], labels, features[:, 2] * 5.0)
    free, _ = logistic(features[:, :2], labels, 0.0)
    assert not np.allclose(held, free, atol=0.05)


def test_repeated_rows_are_fitted_as_one_weighing_their_sum() -> None:
    # The same SVM objective: repeats of a row count as that row with their summed weight, and the
    # balanced class weights stay those of every row given.
    rng = np.random.default_rng(2)
    rows = sp.random(300, 50, density=0.2, format="csr", random_state=rng)
    labels = (rows @ rng.normal(size=50) > 0.3).astype(int)
    repeats = rng.choice(300, 200)
    stacked = sp.vstack([rows, rows[repeats]]).tocsr()
    both = np.concatenate([labels, labels[repeats]])
    weights = np.ones(500)
    merged = svm(stacked, both, weights, DEFAULT_CONFIG)
    counted = np.bincount(repeats, minlength=300) + 1.0
    balanced = {0: 500 / (2 * (500 - both.sum())), 1: 500 / (2 * both.sum())}
    reference = LinearSVC(C=DEFAULT_CONFIG.svm_c, class_weight=balanced, random_state=0, max_iter=5000, tol=1e-8)
    reference.fit(rows, labels, sample_weight=counted)
    assert np.allclose(merged.decision_function(rows), reference.decision_function(rows), atol=1e-3)
    plain = svm(rows, labels, np.ones(300), DEFAULT_CONFIG)  # nothing repeated: sklearn's own fit
    assert plain.class_weight == "balanced"
    mirrored = sp.vstack([rows, rows[:, ::-1]]).tocsr()  # rows summing the same, none the same
    assert svm(mirrored, np.concatenate([labels, labels]), np.ones(600), DEFAULT_CONFIG).class_weight == "balanced"


def test_exclude_vetoes(day, radar, archive) -> None:
    top = rank(day[:80], radar, archive, featured=0)[0].paper
    word = next(w for w in re.findall(r"[A-Za-z]{6,}", top.title))
    vetoed = rank(day[:80], replace(radar, exclude=(word,)), archive, featured=0)
    assert vetoed[-1].paper.id == top.id or all(
        r.score == 0 for r in vetoed[vetoed.index(next(r for r in vetoed if r.paper.id == top.id)):])
    last = next(r for r in vetoed if r.paper.id == top.id)
    assert last.score == 0.0
    assert last.why == (f"excluded: {word}",)


def test_disliked_papers_are_negatives_and_vetoed(day, radar, archive) -> None:
    top = rank(day[:80], radar, archive, featured=0)[0].paper
    near_copy = replace(top, id="2606.99997", title=top.title + " (extended)")
    disliking = replace(radar, disliked=(top.id,))
    before = {r.paper.id: r.score for r in rank([near_copy, *day[:80]], radar, archive, featured=0)}
    # As a paper of an earlier day, the disliked one teaches the model what the lab does not want.
    after = {r.paper.id: r.score for r in rank([near_copy, *day[:80]], disliking, [top, *archive],
                                                featured=0)}
    assert after[near_copy.id] < before[near_copy.id]
    assert after[top.id] == 0.0


def test_liked_papers_in_the_archive_are_positives(day, archive) -> None:
    medical = [p for p in archive if MEDICAL.search(p.title)][:30]
    radar = Radar(liked=tuple(p.id for p in medical))
    top = rank(day, radar, archive, featured=0)[:10]
    assert sum(bool(MEDICAL.search(f"{r.paper.title} {r.paper.abstract}")) for r in top) >= 7


def test_without_a_library_topics_weigh_their_keyword_weight(archive) -> None:
    # The lab's own papers are then the archive papers its topics chose: measured against them a
    # topic looked decisive (6.9, intercept -8.7) and a paper about one topic fell below the floor.
    demo = load_radar(load(REPO / "pelicanconfig.py", env={}))  # its topics are about several archive papers
    model = RankCache().model(Radar(topics=demo.topics, authors=demo.authors), archive, DEFAULT_CONFIG)
    assert model.coef is not None  # learnt from the archive papers mentioning two topics or more
    assert model.weights[3:] == DEFAULT_CONFIG.keyword_weights
    assert model.score(0.0, 0.0, 0.0, 1, False) > model.score(0.0, 0.0, 0.0, 0, False)


def test_keywords_only_radar_still_ranks_sensibly(day, archive) -> None:
    radar = Radar(topics=TOPICS, authors=("Hao Chen",))
    ranked = rank(day, radar, archive, featured=5)
    topics = TopicMatcher(TOPICS)
    # The keywords lead: the first ten papers mention a topic, the first fifteen are medical, and
    # every paper naming a topic in its title is in the first twenty. "Every match above every
    # non-match" held while a topic counted on two mentions; counted on one, the text models learn
    # from more archive papers and may put a medical paper naming no keyword (BreastGPT, 12th)
    # above an MRI-reconstruction paper naming MRI in its title (16th), or leave an off-theme paper
    # by a namesake of the followed author far down (55th).
    assert all(topics.match(r.paper.title, r.paper.abstract).mentioned for r in ranked[:10])
    assert all(MEDICAL.search(r.paper.title + r.paper.abstract) for r in ranked[:15])
    titled = [i for i, r in enumerate(ranked) if topics.match(r.paper.title, "").names]
    assert len(titled) >= 5 and max(titled) < 20
    assert all(0 <= r.score <= 100 for r in ranked)
    top = ranked[0]
    # Why: the words the text models learnt from the archive papers mentioning two topics or more
    # (with them the SVM and field margins weigh in the score, so the why-terms are theirs, not the
    # keywords that were shown when only the topics counted).
    text = " ".join(f"{top.paper.title} {top.paper.abstract}".split()).lower()
    assert len(top.why) == DEFAULT_CONFIG.why_count and all(term.lower() in text for term in top.why)
    assert ranked[0].score > ranked[-1].score


def test_keyword_patterns() -> None:
    ct = keyword_pattern("CT")
    assert ct.search("low-dose CT scans") and not ct.search("we act on a ct") and not ct.search("CTA")
    shift = keyword_pattern("out-of-distribution")
    assert shift.search("Out of distribution detection")
    assert keyword_pattern("foundation model").search("Foundation Models for MRI")


@pytest.mark.parametrize(("keyword", "text"), [
    ("nnU-Net", "trained with nnUNet"), ("nnUNet", "an nnU-Net baseline"), ("nnU-Net", "nn-UNet"),
    ("SAM", "GeoSAM-3D propagates prompts"), ("SAM", "fine-tuned SAM2"), ("SAM", "SAM-based"),
    ("MRI", "resting-state fMRI"), ("radiology", "radiological findings"), ("endoscopic", "endoscopy video"),
    ("histopathology", "histopathological slides"), ("chest X-ray", "chest x rays"),
    ("COVID-19 detection", "COVID19 detection"), ("image registration", "image-registration"),
])
def test_keywords_match_the_forms_authors_write_them_in(keyword: str, text: str) -> None:
    assert keyword_pattern(keyword).search(text)


@pytest.mark.parametrize(("keyword", "text"), [
    ("SAM", "the same model"), ("SAM", "Sam Altman"), ("SAM", "ESAMP"), ("CT", "CTA"), ("CT", "DICT"),
    ("medical image", "medicine image"), ("clinical NLP", "clinic NLP"),
])
def test_keyword_forms_stay_whole_words(keyword: str, text: str) -> None:
    assert not keyword_pattern(keyword).search(text)


@pytest.mark.parametrize(("scores", "floor", "minimum", "cap", "count"), [
    ([90, 80, 60, 40, 10], 50, 2, 30, 3),  # those above the floor
    ([90, 80, 60, 40, 10], 95, 2, 30, 2),  # a quiet day: the minimum
    ([90, 80, 60, 40, 10], 5, 2, 4, 4),  # a busy day: the cap
    ([90], 50, 5, 30, 1),  # never more than there are
    ([90, 80, 60, 40, 10], 95, 4, 2, 2),  # the cap wins over the minimum
    ([], 50, 5, 30, 0),
])
def test_featured_are_the_papers_above_the_floor_within_minimum_and_cap(
        scores: list[float], floor: float, minimum: int, cap: int, count: int) -> None:
    assert featured_count(scores, floor=floor, minimum=minimum, cap=cap) == count
    assert matched_count(scores, floor=floor) == sum(s >= floor for s in scores)


def test_a_topic_is_matched_by_the_title_or_repeated_mentions_not_a_passing_one() -> None:
    topics = TopicMatcher({**TOPICS, "Lesions": ("skin lesion", "lesion segmentation")})
    def match(title: str, abstract: str) -> list[str]:
        return topics.match(title, abstract)[0]
    assert match("Geodesic active contours", "Applications include medical image segmentation.") == []
    assert topics.match("Curvature priors for medical image segmentation", "We propose priors.")[:2] == (
        ["Medical imaging"], ["medical image"])
    assert match("SAM-Med2D", "") == ["Segment Anything in medicine"]
    assert match("Curvature priors", "We segment MRI volumes. Results on MRI improve.") == ["Medical imaging"]
    # Two keywords of one topic in separate places are two mentions of it; one each of two topics is not.
    assert topics.match("Curvature priors", "We segment MRI volumes and process the CT scans.")[:2] == (
        ["Medical imaging"], ["MRI", "CT"])
    assert match("Curvature priors", "SAM features under domain shift.") == []
    # Keywords that overlap or stand within a word of each other are one mention.
    assert match("Priors", "We adapt the Segment Anything Model (SAM) to remote sensing.") == []
    assert match("Priors", "A benchmark for skin lesion segmentation.") == []
    assert match("Priors", "Useful for MRI and CT.") == []
    assert match("Priors", "A skin lesion dataset of 2,000 images. Lesion segmentation baselines.") == ["Lesions"]
    # Each keyword is named once, however often the paper repeats it (the why-terms, the ties).
    assert topics.match("SAM for MRI", "SAM on MRI scans. SAM and MRI and CT.")[1] == ["SAM", "MRI", "CT"]


def test_the_score_counts_every_topic_mentioned_a_card_names_those_the_paper_is_about() -> None:
    topics = TopicMatcher(TOPICS)
    assert topics.match("Geodesic active contours", "Applications include medical image segmentation.") == (
        [], [], 1)
    assert topics.match("Priors", "SAM features under domain shift.") == ([], [], 2)
    assert topics.match("Curvature priors", "We segment MRI volumes. Results on MRI improve.") == (
        ["Medical imaging"], ["MRI"], 1)
    assert topics.match("MedSAM for MRI", "No other mention.").mentioned == 2
    assert topics.match("Priors", "Nothing of the radar.").mentioned == 0
    # Counted as a card names them: one mention is not evidence enough.
    strict = TopicMatcher(TOPICS, evidence=2)
    assert strict.match("Priors", "SAM features under domain shift.").mentioned == 0
    assert strict.match("Curvature priors", "We segment MRI volumes. Results on MRI improve.").mentioned == 1
    # The score counts every topic a card names: evidence is 1 to the card's mentions.
    for evidence in (0, 3):
        with pytest.raises(ValueError, match="topic evidence"):
            TopicMatcher(TOPICS, mentions=2, evidence=evidence)


def test_a_passing_mention_lifts_a_paper_as_a_topic_does_but_its_card_does_not_name_it(
        day, radar, archive) -> None:
    plain = day[5]
    passing = replace(plain, id="2606.99996", abstract=f"{plain.abstract} It may also apply to ultrasound.")
    results = {r.paper.id: r for r in rank([plain, passing, *day[10:60]], radar, archive, featured=0)}
    assert not [m for m in results[passing.id].matched if m.kind == "topic"]
    lift = _logit(results[passing.id].score) - _logit(results[plain.id].score)
    assert DEFAULT_CONFIG.keyword_weights[0] * 0.9 <= lift <= DEFAULT_CONFIG.keyword_weights[0] * 1.5
    # Counted only when the paper is about the topic (evidence 2), the mention does not lift it.
    about_only = replace(DEFAULT_CONFIG, topic_evidence=2)
    again = {r.paper.id: r for r in rank([plain, passing, *day[10:60]], radar, archive, featured=0,
                                         config=about_only)}
    assert abs(_logit(again[passing.id].score) - _logit(again[plain.id].score)) < 1.0


def test_no_candidates() -> None:
    assert rank([], Radar(topics=TOPICS), [], featured=30) == []


def test_first_day_without_archive(day, radar) -> None:
    ranked = rank(day[:100], radar, [], featured=3)
    assert len(ranked) == 100
    assert MEDICAL.search(ranked[0].paper.title + ranked[0].paper.abstract)


def test_term_counts_words_and_word_pairs() -> None:
    counts = Terms().counts(["Café imaging of the lesion", "lesion imaging"])
    first, second = counts[0], counts[1]
    # "of" and "the" are stop words: words cafe, imaging, lesion and pairs "cafe imaging",
    # "imaging lesion"; the second text's pair is the reverse, a different term.
    assert first.nnz == 5 and second.nnz == 3
    assert first.sum() == 5 and second.sum() == 3
    shared = set(first.indices) & set(second.indices)
    assert len(shared) == 2  # the two words; no pair spans the two texts
    accented = Terms().counts(["cafe imaging of the lesion"])
    assert (accented != first).nnz == 0


def test_why_terms_name_the_paper_words_that_score(radar, archive) -> None:
    model = RankCache().model(radar, archive, DEFAULT_CONFIG)
    texts = ["Segment anything for skin lesion segmentation in dermoscopy images",
             "Reinforcement learning for robot grasping"]
    papers = [(text, "") for text in texts]
    why = model.why_terms(model.vectors([model.text(*paper) for paper in papers]), papers)
    assert why[0] and all(term.lower() in texts[0].lower() for term in why[0])
    assert all(a not in b.split() for a in why[0] for b in why[0] if a != b)
    # Each term is one of the row's hashed terms that pushes the margin up: the words behind the
    # indices line up with the hashed sequence (stop words dropped from both alike).
    row = model.vectors([model.text(*papers[0])])
    # The terms push the SVM and the field margins as much as each counts in the score.
    coef = model.weights[0] * model.coef + (model.weights[2] * model.field.coef if model.field is not None else 0.0)
    pushing = {int(i) for i, v in zip(row.indices, row.data * coef[row.indices], strict=True) if v > 0}
    for term in why[0]:
        read = words(term)  # the term as the models read it ("Segment anything for skin": a pair)
        hashes = np.array([murmurhash3_32(w, seed=0, positive=True) for w in read], dtype=np.uint64)
        index = term_indices(hashes)[1 if len(read) == 2 else 0][0]
        assert int(index) in pushing


def test_a_why_term_is_shown_as_the_paper_writes_it() -> None:
    title = "Zero-Shot X-Ray-to-CT Synthesis with Robust Models"
    abstract = ("We train a U-Net on models in medicine and zero-shot data, with pre-polysomnography "
                "labels from Segment Anything Model (SAM). Reports of the Dice score. Dice is low. "
                "Synthesis works.")
    # A piece of a hyphenated word is shown with the whole word: "shot" alone says nothing.
    assert as_written(title, abstract, ["shot", "zero", "zero shot"]) == ["zero-shot"] * 3
    assert as_written(title, abstract, ["net", "pre"]) == ["U-Net", "pre-polysomnography"]
    # A pair with the stop words between its words.
    assert as_written(title, abstract, ["models medicine"]) == ["models in medicine"]
    # The case of the last occurrence within a sentence of the abstract, or else lower case but
    # for acronyms and inner capitals: a title's or a sentence start's capitals are not the word's.
    assert as_written(title, abstract, ["dice", "synthesis", "ray", "robust"]) == [
        "Dice", "synthesis", "X-ray-to-CT", "robust"]
    # No phrase of the paper: a pair across punctuation, or across the title and the abstract.
    assert as_written(title, abstract, ["model sam", "models train", "absent"]) == [None, None, None]
    # Accents and other hyphens: positions still line up with the text.
    assert as_written("", "Le Segmentación zero\u2011shot: café-based", ["shot", "based", "segmentacion"]) == [
        "zero\u2011shot", "café-based", "Segmentación"]
    # A character that is not one character as the terms read it (a ligature): the terms as they are.
    assert as_written("", "\ufb01ne-tuned zero-shot", ["shot"]) == ["shot"]


def test_why_terms_name_a_hyphenated_word_once_and_whole(radar, archive) -> None:
    model = RankCache().model(radar, archive, replace(DEFAULT_CONFIG, why_count=8))
    title = "Zero-shot semi-supervised segmentation of X-ray images with a U-Net"
    abstract = "We study zero-shot semi-supervised medical image segmentation of chest X-ray radiographs."
    why = model.why_terms(model.vectors([model.text(title, abstract)]), [(title, abstract)])[0]
    assert why and len(set(why)) == len(why)
    for term in why:
        assert re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", f"{title} {abstract}", re.IGNORECASE), term


def test_text_memo_is_bounded() -> None:
    terms = Terms(text_cache=3)
    terms.counts([f"paper number {n} about imaging" for n in range(10)])
    assert len(terms.sequences) == 3


def test_word_hash_memo_is_bounded_and_skips_stop_words() -> None:
    terms = Terms(word_cache=5)
    counts = terms.counts(["the alpha beta gamma delta epsilon zeta eta theta of"])
    assert len(terms.word_hashes) <= 5
    assert counts.sum() == 8 + 7  # 8 words (not "the", "of") and their 7 adjacent pairs
    expected = [murmurhash3_32(w, seed=0, positive=True) for w in ("alpha", "beta")]
    assert terms.sequence("the alpha of beta").tolist() == expected


def test_theme_model_is_a_measured_signal(radar, archive) -> None:
    model = RankCache().model(radar, archive, DEFAULT_CONFIG)
    assert model.themes is not None and model.weights[1] > 0
    # A paper on the lab's subject in words the library seldom uses still scores as its theme.
    texts = ["Deep learning for diagnosis from chest radiographs and clinical scans of patients",
             "Reinforcement learning for robot grasping with tactile feedback"]
    medical, robotics = model.theme_margins(model.vectors(texts))
    assert medical > robotics


def test_archive_papers_mentioning_the_lab_s_topics_are_learnt_with_its_papers(archive) -> None:
    radar = Radar(topics=TOPICS)
    about = [replace(archive[0], id="2606.90001", title="MedSAM for ultrasound lesions",
                     abstract="We adapt segment anything to ultrasound."),
             replace(archive[1], id="2606.90002", title="Domain shift in MRI", abstract="MRI under domain shift.")]
    papers = [*about, *archive[2:40]]
    two = replace(DEFAULT_CONFIG, archive_topics=2)
    flags = declared(papers, radar, two)
    assert flags[:2] == [True, True]  # two topics or more each
    assert flags[2:] == [TopicMatcher(TOPICS).match(p.title, p.abstract).mentioned >= 2 for p in archive[2:40]]
    assert not any(declared(papers, radar, replace(DEFAULT_CONFIG, archive_topics=0)))
    assert not any(declared(papers, Radar(), two))


def test_community_attention_moves_on_theme_papers_a_little_and_off_theme_papers_not_at_all(ranked) -> None:
    crowd = SourceRef("huggingface", "x", "https://huggingface.co/papers/x", upvotes=500, fields=(("comments", 40),))
    floor = DEFAULT_CONFIG.floor
    bottom = ranked[-1]  # off-theme: no radar match, a low score
    assert not bottom.matched and bottom.score < floor
    loud = replace(bottom.paper, sources=(crowd,))
    assert community.boost(bottom.score, loud, False, floor=floor) == bottom.score
    top = ranked[0]
    boosted = community.boost(top.score, replace(top.paper, sources=(crowd,)), bool(top.matched), floor=floor)
    assert top.score < boosted <= min(100.0, top.score * (1 + community.COMMUNITY_SHARE))
    assert community.attention(top.paper) == 0.0  # an arXiv listing carries no attention


def test_the_community_boost_takes_the_radar_s_floor(day, radar, archive) -> None:
    """A paper with no radar match counts as on the lab's themes from the configured floor, not a
    fixed one: the same crowd lifts it under a floor below its score and not under one above."""
    plain = rank(day[:80], radar, archive, featured=0)
    quiet = next(r for r in reversed(plain) if not r.matched and 1.0 < r.score < 99.0)
    crowd = SourceRef("huggingface", quiet.paper.id, "https://huggingface.co/papers/x", upvotes=500)
    loud = [replace(p, sources=(crowd,)) if p.id == quiet.paper.id else p for p in day[:80]]

    def score(floor: float) -> float:
        again = rank(loud, radar, archive, featured=0, config=replace(DEFAULT_CONFIG, floor=floor))
        return next(r.score for r in again if r.paper.id == quiet.paper.id)

    assert score(quiet.score + 0.5) == quiet.score
    assert quiet.score < score(quiet.score - 0.5) <= quiet.score * (1 + community.COMMUNITY_SHARE)


def test_an_off_theme_paper_with_500_upvotes_is_not_featured(day, radar, archive) -> None:
    plain = rank(day[:80], radar, archive, featured=0)
    loudest = plain[-1].paper
    crowd = SourceRef("huggingface", loudest.id, "https://huggingface.co/papers/x", upvotes=500)
    again = rank([replace(p, sources=(crowd,)) if p.id == loudest.id else p for p in day[:80]],
                 radar, archive, featured=0)
    assert [r.paper.id for r in again][-1] == loudest.id
    assert again[-1].score == plain[-1].score


def test_keyword_terms_stand_for_a_keyword_in_the_counts() -> None:
    terms = Terms()
    word, pairs = term_indices(terms.sequence("ultrasound"))[0], term_indices(terms.sequence("medical image analysis"))[1]
    assert terms.keyword_terms("ultrasound") == tuple(word)
    assert terms.keyword_terms("medical image analysis") == tuple(pairs) and len(pairs) == 2
    assert terms.keyword_terms("3D medical") == ()  # "3D" is no term: it would stand for every "medical"
    # The counts lose a piece of these: each would stand for something else.
    for lossy in ("Segment Anything", "few-shot medical", "X-ray", "U-Net", "chest X-ray", "well-calibrated"):
        assert terms.keyword_terms(lossy) == (), lossy
    assert len(terms.keyword_terms("large language models in medicine")) == 3  # "in" between kept words
    assert len(terms.keyword_terms("nnU-Net")) == 1  # the pair "nnu net"
    counts = terms.counts(["medical image analysis of scans", "analysis of medical images", "an ultrasound probe",
                           "image analysis in medicine"])
    found = keyword_mentions(counts, [terms.keyword_terms("medical image analysis"), terms.keyword_terms("ultrasound")])
    assert found.tolist() == [[True, False], [False, False], [False, True], [False, False]]  # exact words only


def test_field_papers_weigh_as_the_lab_covers_their_topics() -> None:
    # The topics say what the field is, the lab's papers how much of it each topic is.
    terms = Terms()
    own = ["alpha beta one", "alpha beta two", "alpha beta three", "alpha beta gamma", "gamma four"]
    archive = ["alpha beta five"] * 3 + ["gamma six"] * 3 + ["delta seven"] * 5
    counts = terms.counts(own + archive)
    labels = np.array([1] * len(own) + [0] * len(archive))
    radar = Radar(topics={"A": ("alpha beta",), "B": ("gamma",)})
    field = field_papers(counts, labels, radar, DEFAULT_CONFIG, terms)
    assert field is not None
    assert field.labels.tolist() == [1] * 5 + [1] * 6 + [0] * 5
    assert field.weights.tolist() == [1.0] * 5 + [1.0] * 3 + [0.5] * 3 + [1.0] * 5  # B: 2 of the lab's papers, A: 4
    assert set(field.masked) == set(terms.keyword_terms("alpha beta") + terms.keyword_terms("gamma"))
    # A disliked archive paper is never of the lab's field, whatever keyword it uses.
    disliked = np.zeros(len(labels), dtype=bool)
    disliked[5] = True
    assert field_papers(counts, labels, radar, DEFAULT_CONFIG, terms, disliked=disliked).labels[5] == 0
    assert field_papers(counts, labels, Radar(), DEFAULT_CONFIG, terms) is None  # no keywords, no field
    assert field_papers(counts, labels, radar, replace(DEFAULT_CONFIG, field=False), terms) is None
    # Too few archive papers outside the field (a keyword as broad as "delta"): nothing to learn against.
    assert field_papers(counts, labels, Radar(topics={"A": ("alpha beta", "gamma", "delta")}), DEFAULT_CONFIG,
                        terms) is None


def test_a_radar_whose_keywords_every_paper_uses_still_ranks(day, library, archive) -> None:
    broad = Radar(library=library, topics={"Methods": ("learning", "model", "data", "network", "method", "models")})
    ranked = rank(day[:40], broad, archive[:100], featured=5)
    assert len(ranked) == 40 and all(0 <= r.score <= 100 for r in ranked)


def test_field_weight_is_measured_on_the_field_labels() -> None:
    # The library (10 papers about "alpha") and the field (archive papers using "gamma", which the
    # library also uses) differ; the combination measures the field on its own labels, row for row.
    rng = np.random.default_rng(0)
    vocabulary = [f"word{i}" for i in range(300)]
    def text(*words: str) -> str:
        return " ".join([*words, *rng.choice(vocabulary, 30)])
    own = [text("alpha", "gamma", "delta") for _ in range(10)]
    field_texts = [text("gamma", "delta", "epsilon") for _ in range(150)]
    others = [text() for _ in range(1500)]
    terms = Terms()
    counts = terms.counts(own + field_texts + others)
    labels = np.array([1] * 10 + [0] * 1650)
    radar = Radar(topics={"Gamma": ("gamma",)})
    config = replace(DEFAULT_CONFIG, combination_negatives=500)  # a subsample: rows must stay aligned
    field = field_papers(counts, labels, radar, config, terms)
    assert field is not None
    model = Model(config, terms, idf(counts, config), None, 0.0, (0.0,) * 5, 0.0)
    papers = [Paper(id=f"p{i}", version=1, title="", abstract=t, authors=(), categories=(), primary_category="",
                    published=datetime(2026, 6, 1, tzinfo=timezone.utc), updated=datetime(2026, 6, 1, tzinfo=timezone.utc),
                    url="", pdf_url="") for i, t in enumerate(own + field_texts + others)]
    weights, _, _, fitted = combination(model.weigh(counts), labels, np.ones(len(labels)), papers, radar, None, field,
                                        config, chosen_by_topics=False, topics_known={})
    # Misaligned rows (labels of other papers) measured 4.1 here; aligned, 10.7.
    assert fitted is not None and weights[2] > 6.0
    # "epsilon" is in the field's archive papers only (the lab's papers hide nothing of it).
    inside, outside = fitted.margins(model.vectors([text("epsilon"), text()]))
    assert inside > outside + 0.05


def test_the_field_ranks_papers_of_the_field_naming_no_keyword_higher() -> None:
    # The demo radar on a real day as its digest sees it (its arXiv categories, against an archive
    # of the same): among the papers that mention none of its keywords, those a blind reader judged
    # on the lab's theme (benchmarks/data) rank higher with the field model, the deepest most. (The
    # median alone no longer tells: 14 and 15, as the second of them ranks 5th, not 2nd.)
    settings = load(REPO / "pelicanconfig.py", env={})
    demo = load_radar(settings)
    matcher = TopicMatcher(demo.topics)
    categories = set(settings.arxiv.categories) if settings.arxiv else set()

    def delivered(papers: list[Paper]) -> list[Paper]:
        return [p for p in papers if categories & set(p.categories)]

    archive = delivered(listing_papers("background-5k"))
    unnamed = [p for p in delivered(listing_papers("2026-06-02")) if not matcher.match(p.title, p.abstract).mentioned]
    judged = REPO / "benchmarks" / "data" / "on-theme-2026-06.tsv"
    on_theme = {line.split("\t")[1] for line in judged.read_text().splitlines() if "\ton-theme\t" in line}
    assert len(on_theme & {p.id for p in unnamed}) == 5

    def ranks(config: RankConfig) -> list[int]:
        order = [r.paper.id for r in rank(unnamed, demo, archive, featured=0, config=config)]
        return [order.index(pid) + 1 for pid in on_theme if pid in order]

    with_field, without = ranks(DEFAULT_CONFIG), ranks(replace(DEFAULT_CONFIG, field=False))
    # 1 5 14 17 20 against 1 2 15 35 37
    assert statistics.mean(with_field) < statistics.mean(without) - 4 and max(with_field) < max(without) - 10


def test_nearest_takes_the_archive_rows_closest_to_the_labs_never_a_disliked_one() -> None:
    rows = sp.csr_matrix(np.array([[1.0, 0.0], [0.8, 0.6], [0.6, 0.8], [0.0, 1.0], [0.99, 0.14], [0.9, 0.44]]))
    labels = np.array([1, 0, 0, 0, 0, 0])
    disliked = np.array([False, False, False, False, True, False])
    # Cosine to the lab's centroid (row 0): row 4 is nearest but disliked, then rows 5, 1, 2, 3.
    assert nearest(rows, labels, disliked, 3).tolist() == [5, 1, 2]
    assert nearest(rows, labels, disliked, 10).tolist() == [5, 1, 2, 3]
    assert nearest(rows, labels, disliked, 0).tolist() == []


def test_a_radar_of_five_liked_papers_learns_with_the_archive_papers_nearest_them() -> None:
    # A fork that has liked 5 papers and declared no topics, on a real day as its digest sees it:
    # learnt with the archive papers nearest its 5 (RankConfig.archive_neighbours), its featured
    # set holds more of the papers a blind reader judged on the lab's theme (benchmarks/data).
    settings = load(REPO / "pelicanconfig.py", env={})
    library = load_radar(settings).library
    radar = Radar(library=tuple(library[i] for i in sorted(np.random.default_rng(0).choice(len(library), 5, replace=False))))
    categories = set(settings.arxiv.categories) if settings.arxiv else set()

    def delivered(papers: list[Paper]) -> list[Paper]:
        return [p for p in papers if categories & set(p.categories)]

    archive = delivered(listing_papers("background-5k")) + delivered(listing_papers("2026-06-02"))
    day = delivered(listing_papers("2026-06-03"))
    judged = REPO / "benchmarks" / "data" / "on-theme-2026-06.tsv"
    on_theme = {line.split("\t")[1] for line in judged.read_text().splitlines() if "\ton-theme\t" in line}

    def f1(config: RankConfig) -> float:
        ranked = rank(day, radar, archive, featured=0, config=config)
        count = featured_count([r.score for r in ranked], floor=DEFAULT_CONFIG.floor, minimum=5, cap=30)
        hits = len({r.paper.id for r in ranked[:count]} & on_theme)
        return 2 * hits / (count + len(on_theme & {p.id for p in day}))

    with_neighbours, without = f1(DEFAULT_CONFIG), f1(replace(DEFAULT_CONFIG, archive_neighbours=0))
    assert with_neighbours > without + 0.15, (with_neighbours, without)  # .64 against .38


def test_the_featured_floor_is_the_settings_default() -> None:
    # The community boost's floor (RankConfig.floor) and the featured floor are one measured value.
    assert RadarSettings().floor == DEFAULT_CONFIG.floor


def test_ranker_without_the_field_model(day, radar, archive) -> None:
    model = RankCache().model(radar, archive, replace(DEFAULT_CONFIG, field=False))
    assert model.field is None and model.weights[2] == 0.0
    assert rank(day[:40], radar, archive, featured=0, config=replace(DEFAULT_CONFIG, field=False))
