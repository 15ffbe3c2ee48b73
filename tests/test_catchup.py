"""Catch-up and backfill: which days a run builds, gaps and weekends, failures retried, resuming.

The integration tests run the `digest` command against a real HTTP server on 127.0.0.1: a proxy
(tests/support/arxiv_server.py) in front of the local arXiv that replays the shipped listings
(generator.replay, days 2026-06-02..04). The proxy records every query and can fail the pages
of one day, as arXiv does on a bad evening.
"""

from __future__ import annotations

import itertools
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest
from typer.testing import CliRunner

from generator import mailings
from generator.catchup import backfill_days, catch_up_days, recent_mailings
from generator.cli import app
from generator.errors import SettingsError
from generator.replay import ReplayArxiv
from generator.records import Day
from generator.settings import DEFAULT_HOLIDAYS, load
from generator.store import Store
from generator.write import write_posts
from tests.support.arxiv_server import ArxivTestServer, Reply
from tests.support.days import day as sample_day

REPO = Path(__file__).resolve().parent.parent
HOLIDAYS = set(DEFAULT_HOLIDAYS)
runner = CliRunner()


def d(text: str) -> date:
    return date.fromisoformat(text)


def days(*texts: str) -> list[date]:
    return [d(text) for text in texts]


# --- which days ------------------------------------------------------------------------------------


def test_recent_mailings_skip_weekends_and_holidays() -> None:
    assert recent_mailings(d("2026-06-02"), HOLIDAYS, 3) == days(
        "2026-05-29", "2026-06-01", "2026-06-02"
    )
    # Saturday: the newest mailing is Friday's. New Year 2026: 1 and 2 January have none.
    assert recent_mailings(d("2026-06-06"), HOLIDAYS, 1) == days("2026-06-05")
    assert recent_mailings(d("2026-01-05"), HOLIDAYS, 2) == days("2025-12-31", "2026-01-05")


def test_a_new_site_starts_with_the_latest_day() -> None:
    assert catch_up_days([], d("2026-06-04"), HOLIDAYS) == days("2026-06-04")


def test_catch_up_fills_the_gap_since_the_last_day_across_a_weekend() -> None:
    published = days("2026-05-28", "2026-05-29")
    assert catch_up_days(published, d("2026-06-03"), HOLIDAYS) == days(
        "2026-06-01", "2026-06-02", "2026-06-03"
    )
    assert catch_up_days([*published, *days("2026-06-01")], d("2026-06-01"), HOLIDAYS) == []


def test_a_failed_day_between_built_days_is_retried() -> None:
    published = days("2026-06-01", "2026-06-02", "2026-06-04")
    assert catch_up_days(published, d("2026-06-05"), HOLIDAYS) == days("2026-06-03", "2026-06-05")


def test_catch_up_is_bounded_and_starts_after_the_first_day() -> None:
    # Months without a run: only the last `lookback` mailings are built.
    assert catch_up_days(days("2026-03-02"), d("2026-06-04"), HOLIDAYS, lookback=3) == days(
        "2026-06-02", "2026-06-03", "2026-06-04"
    )
    # A site that began on 2026-06-03 does not grow into the days before it.
    assert catch_up_days(days("2026-06-03"), d("2026-06-05"), HOLIDAYS) == days(
        "2026-06-04", "2026-06-05"
    )


def test_backfill_takes_every_mailing_in_range_less_built_days_unless_forced() -> None:
    built = days("2026-06-02")
    assert backfill_days(d("2026-05-29"), d("2026-06-03"), built, HOLIDAYS) == days(
        "2026-05-29", "2026-06-01", "2026-06-03"
    )
    assert backfill_days(d("2026-06-02"), d("2026-06-02"), built, HOLIDAYS, force=True) == built
    with pytest.raises(SettingsError, match="--from 2026-06-04 is after --to 2026-06-02"):
        backfill_days(d("2026-06-04"), d("2026-06-02"), built, HOLIDAYS)


# --- against the local arXiv ------------------------------------------------------------------------


class FlakyArxiv:
    """A proxy to the replayed arXiv that can fail every page after the first of one day."""

    def __init__(self, upstream: str):
        self.upstream = upstream
        self.failing: date | None = None
        self.server = ArxivTestServer(self.respond)

    def respond(self, query: dict[str, str]) -> Reply:
        if self.failing and self._window(self.failing) in query.get("search_query", ""):
            if query.get("start", "0") != "0":
                return Reply(b"Service Unavailable", status=503)
        with urllib.request.urlopen(f"{self.upstream}?{urlencode(query)}", timeout=30) as answer:
            return Reply(answer.read())

    def windows(self) -> list[str]:
        """The distinct submittedDate ranges asked for, in order."""
        asked = [seen.query.get("search_query", "") for seen in self.server.seen]
        ranges = [query[query.index("submittedDate:") + 15:].rstrip("]") for query in asked]
        return list(dict.fromkeys(ranges))

    @staticmethod
    def _window(day: date) -> str:
        start, end = mailings.mailing_window(day, HOLIDAYS)
        return f"submittedDate:[{start:%Y%m%d%H%M} TO {end:%Y%m%d%H%M}]"


@pytest.fixture(scope="module")
def replay() -> Iterator[ReplayArxiv]:
    with ReplayArxiv(REPO / "sample" / "listings", holidays=HOLIDAYS) as server:
        yield server


@pytest.fixture
def arxiv(replay: ReplayArxiv) -> Iterator[FlakyArxiv]:
    flaky = FlakyArxiv(replay.url)
    with flaky.server:
        yield flaky


@pytest.fixture
def lab(project: Path) -> Path:
    """The demo lab featuring 10 papers, without its BibTeX library.

    Parsing the library is half of a day's run time, and these tests are about which days run,
    not how papers rank.
    """
    edit_settings(project, '"papers_per_day": 30', '"papers_per_day": 10')
    edit_settings(project, '"library": "radar/library.bib",', "")
    return project


def publish(lab: Path, day: Day) -> None:
    """A day as a finished run leaves it: its posts and its day file (a day file alone is unbuilt)."""
    write_posts(day, load(lab / "pelicanconfig.py", env={}))
    Store(lab / "store").write_day(day)


def edit_settings(lab: Path, old: str, new: str) -> None:
    config = lab / "pelicanconfig.py"
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new, 1))


def digest(lab: Path, arxiv: FlakyArxiv, *args: str, delay: float = 0) -> tuple[int, str]:
    env = {"DIGEST_ARXIV_URL": arxiv.server.url, "DIGEST_ARXIV_DELAY": str(delay)}
    result = runner.invoke(app, [*args, "--config", str(lab / "pelicanconfig.py")], env=env)
    return result.exit_code, result.output


def snapshot(lab: Path) -> dict[str, tuple[bytes, int]]:
    """Every file the job would commit: content and mtime (an unchanged file is not rewritten)."""
    files = [*(lab / "store").rglob("*"), *(lab / "content" / "digests").rglob("*")]
    return {
        str(path.relative_to(lab)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in files if path.is_file()
    }


def posts(lab: Path) -> list[str]:
    return sorted(path.name for path in (lab / "content" / "digests").rglob("*.md"))


def test_catch_up_over_a_gap_with_a_weekend(lab: Path, arxiv: FlakyArxiv) -> None:
    store = Store(lab / "store")
    publish(lab, replace(sample_day(), date=d("2026-05-29")))  # the last day published: a Friday

    code, output = digest(lab, arxiv, "catch-up", "--until", "2026-06-04", delay=0.5)

    assert code == 0, output
    assert "building 4 mailing days: 2026-06-01, 2026-06-02, 2026-06-03, 2026-06-04" in output
    assert "2026-06-01: no new papers" in output  # no listing shipped for it
    assert store.days() == days("2026-05-29", "2026-06-02", "2026-06-03", "2026-06-04")
    assert posts(lab) == [f"2026-{day}-{lang}.md" for day in ("05-29", "06-02", "06-03", "06-04")
                          for lang in ("en", "zh")]
    # The windows asked for tile time from Friday's cutoff on: the weekend's papers are in
    # Tuesday's digest (its window spans Friday 14:00 ET to Monday 14:00 ET), none is lost.
    windows = arxiv.windows()
    assert windows == [
        "202605281800 TO 202605291800", "202605291800 TO 202606011800",
        "202606011800 TO 202606021800", "202606021800 TO 202606031800",
    ]
    # Polite: the source's delay also separates the last request of a day from the next day's,
    # even after a day that had nothing to process (the empty Monday).
    seen = arxiv.server.seen
    day_changes = [
        later.at - earlier.at for earlier, later in itertools.pairwise(seen)
        if earlier.query["search_query"] != later.query["search_query"]
    ]
    assert len(day_changes) == 3 and min(day_changes) >= 0.5
    # The next run has only the empty Monday left to look at again.
    code, output = digest(lab, arxiv, "catch-up", "--until", "2026-06-04")
    assert code == 0, output
    assert "building 1 mailing day: 2026-06-01" in output


def test_a_day_failing_mid_fetch_is_retried_by_the_next_run(lab: Path, arxiv: FlakyArxiv) -> None:
    edit_settings(lab, '"categories": ["cs.CV", "eess.IV"]},',
                  '"categories": ["cs.CV", "eess.IV"], "page_size": 50},')  # a day spans pages
    store = Store(lab / "store")
    publish(lab, sample_day())  # 2026-06-02 is published
    first_day = snapshot(lab)

    arxiv.failing = d("2026-06-03")  # its first page arrives, the next ones fail
    code, output = digest(lab, arxiv, "catch-up", "--until", "2026-06-04")

    assert code == 1
    assert "error: not built: 2026-06-03; run the command again later to retry them" in output
    assert store.days() == days("2026-06-02", "2026-06-04")  # the day after it still came out
    assert not any("2026-06-03" in name for name in snapshot(lab))
    after_failure = snapshot(lab)
    assert {k: v for k, v in after_failure.items() if k in first_day} == first_day

    arxiv.failing = None
    code, output = digest(lab, arxiv, "catch-up", "--until", "2026-06-04")

    assert code == 0, output
    assert "building 1 mailing day: 2026-06-03" in output
    assert store.days() == days("2026-06-02", "2026-06-03", "2026-06-04")
    retried = snapshot(lab)
    for name, state in after_failure.items():
        if "seen" not in name:  # the papers-seen file gains the retried day's lines
            assert retried[name] == state, f"{name} was rewritten"
    rows = [line.split("\t")[0] for line in (lab / "store/seen/2026-06.tsv").read_text().splitlines()]
    ids = [row for row in rows if row.startswith("arxiv:")]  # one row per identity: the arXiv ids
    assert len(ids) == len(set(ids)) == sum(
        len(stored.entries) for day in days("2026-06-03", "2026-06-04") if (stored := store.load_day(day))
    )


def test_backfill_resumes_and_rebuilding_a_day_changes_no_file(
    lab: Path, arxiv: FlakyArxiv
) -> None:
    code, output = digest(lab, arxiv, "backfill", "--from", "2026-06-03", "--to", "2026-06-03")
    assert code == 0, output
    assert "building 1 mailing day: 2026-06-03" in output

    # Stopped there; asked again for more, it builds only what is missing.
    code, output = digest(lab, arxiv, "backfill", "--from", "2026-06-03", "--to", "2026-06-04")
    assert code == 0, output
    assert "building 1 mailing day: 2026-06-04" in output

    code, output = digest(lab, arxiv, "backfill", "--from", "2026-06-03", "--to", "2026-06-04")
    assert code == 0, output
    assert "nothing to do: every mailing from 2026-06-03 to 2026-06-04 is built" in output

    # Re-running a day after a later day exists.
    before = snapshot(lab)
    code, output = digest(lab, arxiv, "backfill", "--from", "2026-06-03", "--to", "2026-06-03",
                          "--force")
    assert code == 0, output
    assert "building 1 mailing day: 2026-06-03" in output
    assert snapshot(lab) == before  # same bytes, and not even rewritten: no churn in git


def test_backfill_refuses_days_not_announced_yet(lab: Path, arxiv: FlakyArxiv) -> None:
    code, output = digest(lab, arxiv, "backfill", "--from", "2026-06-02", "--to", "2999-01-01")
    assert code == 1
    assert "--to 2999-01-01: not announced yet" in output
    assert arxiv.server.seen == []


@pytest.mark.parametrize("args", [["run", "--date", "2999-01-01"], ["catch-up", "--until", "2999-01-01"]])
def test_run_and_catch_up_refuse_a_mailing_not_announced_yet(lab: Path, arxiv: FlakyArxiv, args: list[str]) -> None:
    # A mailing not announced yet is not in arXiv's API: built from the other sources alone, it
    # would be marked built and its arXiv papers never asked for (catch-up skips built days).
    code, output = digest(lab, arxiv, *args)
    assert code == 1
    assert f"{args[1]} 2999-01-01: not announced yet (the latest complete mailing is " in output
    assert len(output.strip().splitlines()) == 1
    assert arxiv.server.seen == []
    assert not (lab / "store" / "days").exists() or not any((lab / "store" / "days").iterdir())
