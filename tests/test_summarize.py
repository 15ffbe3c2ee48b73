"""Extractive summaries, and the summarize stage without an LLM key."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path


from generator import settings as settings_module
from generator.store import Store
from generator.records import Note
from generator.summarize import (
    EXTRACTIVE_MAX_CHARS,
    NO_KEY_NOTE,
    NO_KEY_REASON,
    extractive,
    openai_client,
    summarize_day,
)
from tests.support.papers import listing_papers, ranked

PAPERS = listing_papers(limit=400)


def _sentences_of(text: str, abstract: str) -> bool:
    flat = " ".join(abstract.split())
    return all(part in flat for part in text.removesuffix(" …").split(". ") if part)


def test_extractive_picks_two_or_three_sentences_of_the_abstract() -> None:
    for paper in PAPERS[:100]:
        summary = extractive(paper, Note("not_featured"))
        text = summary.tldr["en"]
        assert summary.kind == "extractive" and summary.reason == Note("not_featured")
        assert set(summary.tldr) == {"en"}  # no Chinese: the edition says it is untranslated
        assert 0 < len(text) <= EXTRACTIVE_MAX_CHARS + 2
        assert _sentences_of(text, paper.abstract)


def test_extractive_prefers_contributions_and_findings_over_background() -> None:
    paper = replace(
        PAPERS[0],
        title="Prompting a segmentation model for skin lesions",
        abstract=(
            "Medical images are everywhere. Hospitals store many of them. "
            "Annotating images is slow and costly for hospitals. "
            "We propose LesionSAM, a promptable segmentation model for skin lesions. "
            "LesionSAM reaches 91.2% Dice on ISIC 2018, 4.1 points above MedSAM. "
            "Code will be released."
        ),
    )
    text = extractive(paper, NO_KEY_REASON).tldr["en"]
    assert "We propose LesionSAM" in text and "91.2% Dice" in text
    assert "Medical images are everywhere" not in text


def test_extractive_is_deterministic_and_keeps_abbreviations_inside_sentences() -> None:
    paper = replace(
        PAPERS[0],
        title="Smith models",
        abstract=(
            "Prior work, e.g. Smith et al. 2020 on Smith models, is slow. We propose X. "
            "X is 3x faster than Smith models (Fig. 2). It is simple. It is cheap."
        ),
    )
    text = extractive(paper, NO_KEY_REASON).tldr["en"]
    assert extractive(paper, NO_KEY_REASON) == extractive(paper, NO_KEY_REASON)
    assert "Prior work, e.g. Smith et al. 2020 on Smith models, is slow." in text
    assert "(Fig. 2)." in text


def test_extractive_is_fast_enough_for_a_whole_day() -> None:
    start = time.perf_counter()
    for paper in PAPERS:
        extractive(paper, Note("not_featured"))
    assert time.perf_counter() - start < 2.0  # ~300 papers a day, well under a second


def test_without_a_key_every_featured_paper_is_extractive_and_the_day_says_so(project: Path) -> None:
    settings = settings_module.load(project / "pelicanconfig.py", env={})
    featured = ranked(PAPERS[:5])
    progress: list[tuple[int, int]] = []
    client = openai_client(settings)
    assert client is None
    day = summarize_day(featured, settings, Store(project / "store"), client=client, on_progress=lambda *p: progress.append(p))
    assert set(day.summaries) == {r.paper.id for r in featured}
    assert {s.kind for s in day.summaries.values()} == {"extractive"}
    assert [s.reason for s in day.summaries.values()] == [Note("paper_no_llm_key")] * len(featured)
    assert day.notes == (NO_KEY_NOTE,) == (Note("no_llm_key"),) and day.brief == {} and day.usage is None
    assert progress[-1] == (5, 5)
