"""`digest run` when arXiv fails: one clear line, exit 1, nothing half-written, earlier days intact."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator.cli import app
from generator.replay import ReplayArxiv
from tests.support.arxiv_server import ArxivTestServer, Reply, in_order, recorded

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()
TRUNCATED = recorded("zzjjay_llm-paper-radar/arxiv_response.xml")[:1500]
ERROR_ENTRY = recorded("lukasschwab_arxiv.py/extracted_xml/id_abc_s0_m100_b79c8dcf6bc3.xml")


def run(project: Path, day: str, url: str):
    env = {"DIGEST_ARXIV_URL": url, "DIGEST_ARXIV_DELAY": "0"}
    return runner.invoke(app, ["run", "--date", day, "--config", str(project / "pelicanconfig.py")],
                         env=env)


def written(project: Path) -> list[Path]:
    return sorted(p for folder in ("content/digests", "store") for p in (project / folder).rglob("*")
                  if p.is_file())


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_one_error_line(output: str, *fragments: str) -> None:
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output  # progress lines may precede it
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    assert "Traceback" not in output


@pytest.mark.parametrize(
    ("reply", "fragment"),
    [
        (Reply(status=503), "503"),
        (Reply(body=TRUNCATED), "malformed"),
        (Reply(body=b"<html><body>Service moved</body></html>"), "Atom"),
        (Reply(body=ERROR_ENTRY), "incorrect id format"),
    ],
    ids=["http-503-after-retries", "truncated-xml", "not-atom", "arxiv-error-entry"],
)
def test_a_failing_arxiv_is_one_line_and_writes_nothing(
    project: Path, reply: Reply, fragment: str
) -> None:
    with ArxivTestServer(in_order(reply)) as server:
        result = run(project, "2026-06-02", server.url)
    assert result.exit_code == 1
    assert_one_error_line(result.output, fragment)
    assert written(project) == []


def test_an_unreachable_endpoint_is_one_line(project: Path) -> None:
    result = run(project, "2026-06-02", f"http://127.0.0.1:{closed_port()}/api/query")
    assert result.exit_code == 1
    assert_one_error_line(result.output, "127.0.0.1")
    assert written(project) == []


def test_a_failed_day_leaves_earlier_days_intact(project: Path) -> None:
    with ReplayArxiv(REPO / "sample" / "listings") as arxiv:
        assert run(project, "2026-06-02", arxiv.url).exit_code == 0
    before = {p: p.read_bytes() for p in written(project)}
    assert before
    with ArxivTestServer(in_order(Reply(status=500))) as server:
        result = run(project, "2026-06-03", server.url)
    assert result.exit_code == 1
    assert {p: p.read_bytes() for p in written(project)} == before
