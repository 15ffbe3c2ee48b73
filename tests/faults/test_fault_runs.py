"""One run per tree (the second refuses with a clear line), and a deadline for the whole run."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import generator.pipeline  # noqa: F401  (imported up front: the second run starts at once)
from generator.guards import one_run
from generator.replay import ReplayArxiv
from tests.faults.harness import (
    DAY, LISTINGS, arxiv_env, assert_one_error_line, digest_here, make_project, snapshot, start_digest,
)
from tests.support.openai_server import OpenAIServer
from tests.support.silent_server import SilentServer


@pytest.fixture(scope="module")
def arxiv() -> Iterator[ReplayArxiv]:
    with ReplayArxiv(LISTINGS) as server:
        yield server


@pytest.mark.parametrize("command", [["run", "--date", DAY], ["catch-up"], ["build"], ["backfill", "--from", DAY]])
def test_a_second_command_in_the_same_tree_refuses_with_one_line(
    tmp_path: Path, arxiv: ReplayArxiv, command: list[str]
) -> None:
    project = make_project(tmp_path / "project")
    with one_run(project, "run"):
        result = digest_here(project, *command, env=arxiv_env(arxiv.url))
    assert_one_error_line(result, "`digest run` (pid", "is running in", "one run at a time")
    assert snapshot(project) == {}


def test_two_runs_at_once_pay_the_llm_once(tmp_path: Path, arxiv: ReplayArxiv) -> None:
    project = make_project(tmp_path / "project", papers=4)
    with OpenAIServer(latency=4.0) as llm:
        env = {**arxiv_env(arxiv.url), "OPENAI_API_KEY": "sk-test-local", "OPENAI_BASE_URL": llm.url}
        first = start_digest(project, "run", "--date", DAY, env=env)
        while not llm.requests:  # the first run is summarizing: it holds the lock for a while yet
            assert first.poll() is None, first.communicate()
            time.sleep(0.05)
        second = digest_here(project, "run", "--date", DAY, env=env)
        assert first.poll() is None, "the first run ended before the second started"
        out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert_one_error_line(second, "is running in")
    assert len(llm.requests) == 4 + 1  # four papers and the brief, once
    stored = json.loads((project / "store" / "days" / f"{DAY}.json").read_text("utf-8"))
    assert stored["counts"]["llm"] == 4


def test_the_run_deadline_stops_a_run_with_one_line_and_nothing_half_written(
    tmp_path: Path, arxiv: ReplayArxiv
) -> None:
    project = make_project(tmp_path / "project", papers=30, llm={"timeout_seconds": 30},
                           digest={"run_minutes": 0.05})
    with SilentServer() as llm:
        started = time.monotonic()
        result = digest_here(project, "run", "--date", DAY, env={
            **arxiv_env(arxiv.url), "OPENAI_API_KEY": "sk-test-local", "OPENAI_BASE_URL": f"{llm.origin}/v1",
        })
        elapsed = time.monotonic() - started
    assert_one_error_line(result, "passed its deadline (DIGEST['run_minutes'] = 0.05)")
    assert elapsed < 20, elapsed
    assert not (project / "store" / "days").exists()  # the day is not built: the next run redoes it
