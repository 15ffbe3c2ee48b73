"""The scenarios that already held, kept held: arXiv and LLM misbehaving, broken store files.

Each ends with the suite's checks: the documented exit code and one error line, nothing written
for a failed day, earlier days byte-identical, degradations labelled, the site sound."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.replay import ReplayArxiv
from tests.faults.harness import (
    DAY, LISTINGS, NEXT_DAY, arxiv_env, assert_one_error_line, assert_site_sound, closed_port, digest_here, make_project, snapshot,
)
from tests.faults.test_fault_hostile import entry, feed
from tests.support.arxiv_server import ArxivTestServer, Reply, in_order, recorded
from tests.support.openai_server import OpenAIServer

# Papers of the mailing after DAY (window 2026-06-01 18:00 to 06-02 18:00 UTC).
NEXT = feed([entry(n, title=f"Paper {n} on CT segmentation", day="2026-06-02") for n in range(1, 4)])
TRUNCATED = recorded("zzjjay_llm-paper-radar/arxiv_response.xml")[:1500]


@pytest.fixture(scope="module")
def first_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("first") / "project")
    with ReplayArxiv(LISTINGS) as arxiv:
        assert digest_here(project, "run", "--date", DAY, env=arxiv_env(arxiv.url)).returncode == 0
    return project


@pytest.fixture
def project(first_day: Path, tmp_path: Path) -> Iterator[Path]:
    copy = tmp_path / "project"
    shutil.copytree(first_day, copy, symlinks=True)
    yield copy


def run_next(project: Path, url: str, **env: str):  # noqa: ANN201
    settings = {"DIGEST_ARXIV_URL": url, "DIGEST_ARXIV_DELAY": "0", **env}
    return digest_here(project, "run", "--date", NEXT_DAY, env=settings)


@pytest.mark.parametrize(
    ("replies", "code", "fragment"),
    [
        ([Reply(status=503), Reply(body=NEXT)], 0, None),
        ([Reply(status=503)], 1, "503"),
        ([Reply(body=TRUNCATED)], 1, "malformed"),
        ([Reply(body=b"<html><body>We moved</body></html>")], 1, "Atom"),
        ([Reply(body=feed([]))], 0, None),
    ],
    ids=["503-then-success", "permanent-503", "truncated", "html-with-200", "empty-day"],
)
def test_arxiv_misbehaving(project: Path, replies: list[Reply], code: int, fragment: str | None) -> None:
    before = snapshot(project, "store/days", "content/digests")
    project.joinpath("pelicanconfig.py").write_text(
        project.joinpath("pelicanconfig.py").read_text() + "\nDIGEST['sources']['arxiv']['retries'] = 1\n")
    with ArxivTestServer(in_order(*replies)) as arxiv:
        result = run_next(project, arxiv.url)
    if fragment:
        assert_one_error_line(result, fragment)
    assert result.returncode == code, result.stderr
    after = snapshot(project, "store/days", "content/digests")
    assert {k: v for k, v in after.items() if k in before} == before  # earlier days byte-identical
    built = (project / "store" / "days" / f"{NEXT_DAY}.json").is_file()
    assert built == (fragment is None and replies[-1].body == NEXT)


def test_arxiv_refused(project: Path) -> None:
    assert_one_error_line(run_next(project, f"http://127.0.0.1:{closed_port()}/api/query"), "connection refused")


@pytest.mark.parametrize("behaviour", ["429", "500", "invalid-json", "hostile", "schema-violation"])
def test_llm_misbehaving_is_labelled(project: Path, behaviour: str) -> None:
    with ArxivTestServer(in_order(Reply(body=NEXT))) as arxiv, OpenAIServer() as llm:
        llm.script = [behaviour] * 2  # the first requests misbehave, then the server recovers
        result = run_next(project, arxiv.url, OPENAI_API_KEY="sk-test-local", OPENAI_BASE_URL=llm.url)
    assert result.returncode == 0, result.stderr
    stored = json.loads((project / "store" / "days" / f"{NEXT_DAY}.json").read_text("utf-8"))
    kinds = [(p["summary_kind"], (p["summary_reason"] or {}).get("kind")) for p in stored["papers"] if p["featured"]]
    assert all(kind == "llm" or reason == "paper_llm_error" for kind, reason in kinds), kinds
    if behaviour == "429":  # honoured Retry-After, then answered
        assert all(kind == "llm" for kind, _ in kinds), kinds
    if behaviour == "hostile":
        built = digest_here(project, "build")
        assert built.returncode == 0, built.stderr
        assert_site_sound(project)


@pytest.mark.parametrize(
    ("path", "damage", "fragment"),
    [
        (f"store/days/{DAY}.json", b'{"format": 3, "papers": [', "unreadable day file"),
        ("store/seen/2026-06.tsv", b"not a\tseen line\n", "malformed line"),
    ],
    ids=["truncated-day-file", "invalid-seen-list"],
)
def test_broken_store_files_are_one_line(project: Path, path: str, damage: bytes, fragment: str) -> None:
    (project / path).write_bytes(damage)
    with ArxivTestServer(in_order(Reply(body=NEXT))) as arxiv:
        assert_one_error_line(run_next(project, arxiv.url), fragment)
    assert not (project / "store" / "days" / f"{NEXT_DAY}.json").exists()


def test_a_torn_cache_line_is_redone(project: Path) -> None:
    with ArxivTestServer(in_order(Reply(body=NEXT))) as arxiv, OpenAIServer() as llm:
        env = {"OPENAI_API_KEY": "sk-test-local", "OPENAI_BASE_URL": llm.url}
        assert run_next(project, arxiv.url, **env).returncode == 0
        cache = next((project / "store" / "cache" / "llm").glob("*.jsonl"))
        cache.write_bytes(cache.read_bytes()[:-40])  # a crash mid-append
        (project / "store" / "days" / f"{NEXT_DAY}.json").unlink()
        asked = len(llm.requests)
        again = run_next(project, arxiv.url, **env)
    assert again.returncode == 0, again.stderr
    assert 1 <= len(llm.requests) - asked <= 2  # only the torn reply (and the brief) asked again
