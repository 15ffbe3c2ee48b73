"""Deadlines and circuit breakers: a hanging or dripping server costs about one timeout, never hours."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.replay import ReplayArxiv
from tests.faults.harness import (
    DAY, LISTINGS, arxiv_env, assert_one_error_line, assert_site_sound, digest_here, make_project,
    snapshot,
)
from tests.support.arxiv_server import recorded
from tests.support.silent_server import SilentServer

FEED = recorded("zzjjay_llm-paper-radar/arxiv_response.xml")


@pytest.fixture(scope="module")
def arxiv() -> Iterator[ReplayArxiv]:
    with ReplayArxiv(LISTINGS) as server:
        yield server


def test_a_never_answering_llm_costs_about_one_timeout_with_labelled_fallbacks(
    tmp_path: Path, arxiv: ReplayArxiv
) -> None:
    # 30 papers, 4 retries each: without the breaker 4 waves x (5 timeouts + 15 s of backoff).
    project = make_project(tmp_path / "project", papers=30, llm={"timeout_seconds": 2})
    with SilentServer() as llm:
        started = time.monotonic()
        result = digest_here(project, "run", "--date", DAY, env={
            **arxiv_env(arxiv.url), "OPENAI_API_KEY": "sk-test-local", "OPENAI_BASE_URL": f"{llm.origin}/v1",
        })
        elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert elapsed < 60, elapsed  # about one timeout; without the breaker about 100 s
    assert llm.connections <= 12, llm.connections  # the first wave, then the breaker
    assert "LLM failed 3 requests in a row" in result.stderr
    stored = json.loads((project / "store" / "days" / f"{DAY}.json").read_text("utf-8"))
    featured = [p for p in stored["papers"] if p["featured"]]
    assert len(featured) == 30
    assert all(p["summary_kind"] == "extractive" and p["summary_reason"]["kind"] == "paper_llm_error"
               for p in featured)
    assert {"kind": "llm_failed", "failed": 30, "total": 30} in stored["notes"]
    built = digest_here(project, "build")
    assert built.returncode == 0, built.stderr
    assert_site_sound(project)


def test_an_llm_answering_late_falls_back_within_its_deadline(tmp_path: Path, arxiv: ReplayArxiv) -> None:
    """A reply trickled byte by byte: each read is quick, the whole is not; the deadline is total."""
    project = make_project(tmp_path / "project", papers=2, llm={"timeout_seconds": 2, "retries": 0})
    with SilentServer(drip=b'{"choices": []}' * 10, every=0.3) as llm:
        started = time.monotonic()
        result = digest_here(project, "run", "--date", DAY, env={
            **arxiv_env(arxiv.url), "OPENAI_API_KEY": "sk-test-local", "OPENAI_BASE_URL": f"{llm.origin}/v1",
        })
        elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert elapsed < 30, elapsed
    stored = json.loads((project / "store" / "days" / f"{DAY}.json").read_text("utf-8"))
    assert all("no reply within 2 s" in p["summary_reason"]["error"] for p in stored["papers"] if p["featured"])


@pytest.mark.parametrize("drip", [True, False], ids=["dripping", "hanging"])
def test_a_dripping_or_hanging_arxiv_fails_the_day_in_time_with_progress(tmp_path: Path, drip: bool) -> None:
    project = make_project(tmp_path / "project", digest={
        "sources": {"arxiv": {"categories": ["cs.CV"], "timeout_seconds": 2, "retries": 2}},
    })
    with SilentServer(drip=FEED if drip else None, every=0.5) as arxiv:
        started = time.monotonic()
        result = digest_here(project, "run", "--date", DAY, env={
            "DIGEST_ARXIV_URL": f"{arxiv.origin}/api/query", "DIGEST_ARXIV_DELAY": "0.5",
        })
        elapsed = time.monotonic() - started
    assert_one_error_line(result, "no answer within 2 s")
    assert elapsed < 30, elapsed
    if not drip:  # the retries are announced (a drip is cut by the total deadline, after headers)
        assert "arXiv not answering (no answer), retry 1 of 2 in 0.5 s" in result.stderr, result.stderr
    assert snapshot(project) == {}
