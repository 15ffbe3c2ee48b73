"""A failing journal feed fails alone: the other feeds and sources publish, the page, the day JSON
and the run's summary line name the journal, and the next digest asks that feed again for the
dates it missed (the carry-over of a failed source, per feed). Against real local servers."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from generator.cli import app
from generator.errors import SettingsError, SourceError
from generator.labels import note_text
from generator.pipeline import CARRY_OVER_DAYS, failed_before, fetch_all, source_day
from generator.records import Note
from generator.replay import ReplayArxiv
from generator.settings import load
from generator.sources import Unit, configure, journals, units
from generator.store import Store
from tests.support.days import day as make_day
from tests.support.http_server import Reply, ScriptedServer, Seen
from tests.support.sources import SAMPLE, client, digest_day

runner = CliRunner()
MIA, NPJ = "Medical Image Analysis", "npj Digital Medicine"
DAY, NEXT = "2026-06-03", "2026-06-04"
ARXIV_PAPERS = 131  # the sample listing of DAY


def feed(prefix: str, *dated: str) -> bytes:
    """An RSS 2.0 table of contents with one article per date (DOI as guid, one author)."""
    items = "".join(f"""<item><title>{prefix} segment anything for medical image segmentation, article of {when}</title>
      <link>https://journal.example/{prefix}/{when}</link>
      <guid isPermaLink="false">10.5555/{prefix}.{when}</guid>
      <pubDate>{date.fromisoformat(when):%a, %d %b %Y} 08:00:00 GMT</pubDate>
      <author>a@example.org (Ada {prefix.upper()})</author></item>""" for when in dated)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{prefix}</title>{items}</channel></rss>'.encode()


class Feeds:
    """Two journals' feeds on one local server; `npj_down` makes npj Digital Medicine's answer 503."""

    def __init__(self) -> None:
        self.npj_down = True
        self.server = ScriptedServer(self.respond)

    def respond(self, seen: Seen) -> Reply:
        if seen.path == "/mia.xml":
            return Reply(feed("mia", "2026-06-02", "2026-06-03"), content_type="application/rss+xml")
        if seen.path == "/npj.xml" and not self.npj_down:
            return Reply(feed("npj", "2026-06-02", "2026-06-03"), content_type="application/rss+xml")
        return Reply(b"busy", status=503, content_type="text/plain")

    def entry(self) -> str:
        feeds = [{"name": MIA, "url": self.server.url("/mia.xml")}, {"name": NPJ, "url": self.server.url("/npj.xml")}]
        return f'"journals": {{"feeds": {json.dumps(feeds)}, "crossref": False}},'


def journals_project(project: Path, feeds: Feeds) -> Path:
    config = project / "pelicanconfig.py"
    text = config.read_text("utf-8")
    entry = '"arxiv": {"categories": ["cs.CV", "eess.IV"]},'
    assert entry in text
    config.write_text(text.replace(entry, entry + " " + feeds.entry()).replace(
        '"papers_per_day": 30', '"papers_per_day": 30, "http": {"retries": 0, "interval_seconds": 0, "host_intervals": {}}'
    ), "utf-8")
    return config


def run(config: Path, day: str, arxiv_url: str) -> Result:
    env = {"DIGEST_ARXIV_URL": arxiv_url, "DIGEST_ARXIV_DELAY": "0"}
    return runner.invoke(app, ["run", "--date", day, "--config", str(config)], env=env)


def journal_ids(store: Store, day: str) -> list[str]:
    stored = store.load_day(date.fromisoformat(day))
    assert stored is not None
    return sorted(e.ranked.paper.id for e in stored.entries if e.ranked.paper.source == "journals")


def test_a_failing_feed_is_labelled_alone_and_read_again_by_the_next_digest(project: Path) -> None:
    feeds = Feeds()
    with feeds.server, ReplayArxiv(SAMPLE / "listings") as arxiv:
        config = journals_project(project, feeds)
        failed = run(config, DAY, arxiv.url)
        assert failed.exit_code == 0, failed.output
        built = runner.invoke(app, ["build", "--config", str(config)])
        assert built.exit_code == 0, built.output
        feeds.npj_down = False
        recovered = run(config, NEXT, arxiv.url)
        assert recovered.exit_code == 0, recovered.output

    # The run's summary line names the feed, its journal and why, once.
    summary = " ".join(failed.output.split())
    assert f"not read, the next digest asks again: journals ({NPJ}): http://127.0.0.1:" in summary
    assert "/npj.xml answered HTTP 503" in summary and f"{NPJ}: {NPJ}" not in summary
    store = Store(project / "store")
    # The other feed and arXiv published.
    assert journal_ids(store, DAY) == ["10.5555/mia.2026-06-02"]
    stored = store.load_day(date.fromisoformat(DAY))
    assert stored is not None and any(e.ranked.paper.source == "arxiv" for e in stored.entries)
    # The day JSON (stored and published) names the source and the feed.
    [note] = [n for n in stored.notes if n.kind == "source_failed"]
    assert note.values == {"source": "journals", "part": NPJ, "error": note.values["error"]}
    assert str(note.values["error"]).endswith("/npj.xml answered HTTP 503")
    published = json.loads((project / "output" / "data" / f"{DAY}.json").read_text("utf-8"))
    assert [n for n in published["notes"] if n.get("kind") == "source_failed"] == [
        {"kind": "source_failed", **note.values}]
    # The page and the post say which journal could not be read, in both languages.
    said = note_text(note, "en")
    assert said.startswith(f"{NPJ} could not be read today (http://127.0.0.1:") and NPJ in note_text(note, "zh")
    page = (project / "output" / "2026" / "06" / "03" / "index.html").read_text("utf-8")
    assert f"{NPJ} could not be read today" in page
    post = (project / "content" / "digests" / "2026" / f"{DAY}-en.md").read_text("utf-8")
    assert f"{NPJ} could not be read today" in post
    # Nothing lost: the next digest takes npj's item of the failed digest's date too; none twice.
    assert journal_ids(store, NEXT) == ["10.5555/mia.2026-06-03", "10.5555/npj.2026-06-02", "10.5555/npj.2026-06-03"]
    again = store.load_day(date.fromisoformat(NEXT))
    assert again is not None and not [n for n in again.notes if n.kind == "source_failed"]
    assert "not read" not in recovered.output


def test_the_run_log_counts_sources_as_sources_and_says_paper_for_one(project: Path) -> None:
    feeds = Feeds()
    feeds.npj_down = False
    with feeds.server, ReplayArxiv(SAMPLE / "listings") as arxiv:
        result = run(journals_project(project, feeds), DAY, arxiv.url)
    assert result.exit_code == 0, result.output
    log = " ".join(result.output.split())  # the log's lines, unwrapped
    # arXiv and two journal feeds: three fetches, of two sources
    assert f"{DAY}: arxiv gave {ARXIV_PAPERS} papers in " in log
    assert f"{DAY}: journals ({MIA}) gave 1 paper in " in log and f"{DAY}: journals ({NPJ}) gave 1 paper in " in log
    assert f"{DAY}: {ARXIV_PAPERS + 2} papers from 2 sources, " in log


def test_a_feed_is_asked_again_for_the_dates_it_missed_and_only_it() -> None:
    holidays: tuple[date, ...] = ()
    npj, mia, arxiv = Unit("journals", NPJ), Unit("journals", MIA), Unit("arxiv", None)
    wed, thu = date(2026, 6, 3), date(2026, 6, 4)
    history = [(wed, frozenset({("journals", NPJ)}))]
    assert source_day(thu, mia, history, holidays).dates == (date(2026, 6, 3),)
    assert source_day(thu, npj, history, holidays).dates == (date(2026, 6, 2), date(2026, 6, 3))
    assert source_day(thu, arxiv, history, holidays).window == source_day(thu, arxiv, [], holidays).window
    # the whole source failed (an older digest, or a source without parts): every feed reaches back
    whole = [(wed, frozenset({("journals", None)}))]
    assert source_day(thu, mia, whole, holidays).dates == (date(2026, 6, 2), date(2026, 6, 3))


def test_the_journals_parts_are_its_feeds_sharing_one_crossref() -> None:
    settings = journals.Settings(feeds=[journals.Feed(name=MIA, url="http://x/a"), journals.Feed(name=NPJ, url="http://x/b")])
    parts = units("journals", journals.source(settings))
    assert [(u.source, u.part, u.label) for u in parts] == [
        ("journals", MIA, f"journals ({MIA})"), ("journals", NPJ, f"journals ({NPJ})")]
    feeds = journals.source(settings).parts()
    assert feeds[0].crossref is feeds[1].crossref is not None  # an outage costs one wait per run
    with pytest.raises(ValueError, match="two feeds are named 'Medical Image Analysis'"):
        journals.Settings(feeds=[journals.Feed(name=MIA, url="http://x/a"), journals.Feed(name=MIA, url="http://x/b")])


def test_a_down_feed_costs_its_own_papers_only() -> None:
    feeds = Feeds()
    settings = journals.Settings(crossref=False, feeds=[
        journals.Feed(name=MIA, url=feeds.server.url("/mia.xml")), journals.Feed(name=NPJ, url=feeds.server.url("/npj.xml"))])
    results: dict[str, object] = {}
    with feeds.server, client() as http:
        for unit in units("journals", journals.source(settings)):
            try:
                results[unit.label] = [p.id for p in unit.fetch(digest_day(DAY), http)]
            except Exception as error:  # noqa: BLE001 (what each part does is the point)
                results[unit.label] = f"{type(error).__name__}: {error}"
    assert results[f"journals ({MIA})"] == ["10.5555/mia.2026-06-02"]
    assert str(results[f"journals ({NPJ})"]).startswith(f"SourceError: {NPJ}: http://127.0.0.1:")


class CountingStore(Store):
    """A store that counts how often a day file is read."""

    reads = 0

    def read_day(self, day: date) -> dict[str, Any] | None:
        self.reads += 1
        return super().read_day(day)


def test_the_failed_sources_of_earlier_digests_are_read_once_per_run(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "store")
    failing = Note("source_failed", {"source": "medrxiv", "error": "HTTP 503"})
    store.write_day(replace(make_day(notes=()), date=date(2026, 5, 25)))  # nothing failed: the reach ends
    for number in range(1, 6):
        store.write_day(replace(make_day(notes=(failing,)), date=date(2026, 5, 25) + timedelta(days=number)))
    assert [when.day for when, _ in failed_before(date(2026, 6, 3), store)] == [30, 29, 28, 27, 26]
    assert store.reads == 6 and CARRY_OVER_DAYS >= 6
    store.reads = 0
    feeds = Feeds()
    config = tmp_path / "pelicanconfig.py"
    with feeds.server:
        config.write_text("DIGEST = {'sources': {" + feeds.entry().rstrip(",") + ", 'huggingface': {'url': '"
                          + feeds.server.url("/hf") + "'}}, 'http': {'retries': 0}}\n", "utf-8")
        settings = load(config, env={})
        with client() as http:
            fetched, failures = fetch_all(date(2026, 6, 3), settings, store, http, lambda *_: None)
    assert [unit.label for unit, _ in fetched] == [f"journals ({MIA})"] and [u.label for u, _ in failures] == [f"journals ({NPJ})", "huggingface"]
    assert store.reads == 6  # each earlier day once, not once per source or feed


def test_a_feed_urls_password_and_token_leave_no_trace_in_what_a_run_writes(project: Path) -> None:
    def respond(seen: Seen) -> Reply:
        if seen.path != "/mia.xml" or seen.query.get("access_token") != "tok-SECRET-123":
            return Reply(b"who?", status=401, content_type="text/plain")
        return Reply(feed("mia", "2026-06-02"), content_type="application/rss+xml", headers={"ETag": '"v1"'})

    with ScriptedServer(respond) as server, ReplayArxiv(SAMPLE / "listings") as arxiv:
        url = server.url("/mia.xml?access_token=tok-SECRET-123").replace("http://", "http://reader:pw-SECRET-456@")
        feeds = [{"name": MIA, "url": url}]
        config = project / "pelicanconfig.py"
        entry = '"arxiv": {"categories": ["cs.CV", "eess.IV"]},'
        config.write_text(config.read_text("utf-8").replace(
            entry, f'{entry} "journals": {{"feeds": {json.dumps(feeds)}, "crossref": False}},'), "utf-8")
        result = run(config, DAY, arxiv.url)
        assert result.exit_code == 0, result.output
        built = runner.invoke(app, ["build", "--config", str(config)])
        assert built.exit_code == 0, built.output
    assert server.seen[0].headers["Authorization"].startswith("Basic ")
    assert journal_ids(Store(project / "store"), DAY) == ["10.5555/mia.2026-06-02"]
    assert list((project / "store" / "http-cache").glob("*.body"))  # the feed's answer was kept
    for folder in ("store", "output", "content"):
        for path in (project / folder).rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert b"SECRET" not in data and b"access_token" not in data, path


# --- a source that fails before it fetches ------------------------------------------------------

ODD_MODULE = '''
"""A third-party source that fails in odd places: `mode` says where."""

from pydantic import BaseModel

from generator.errors import SourceError


class Settings(BaseModel):
    mode: str


class Part:
    name = "only part"

    def fetch(self, day, http):
        return []


class Odd:
    name = "odd"

    def __init__(self, settings):
        self.mode = settings.mode
        if self.mode == "setup":
            raise SourceError("odd: cannot log in (HTTP 401)")

    def fetch(self, day, http):
        raise SourceError("None: the answer was empty")

    def __getattr__(self, name):
        if name != "parts" or self.mode == "whole":
            raise AttributeError(name)
        if self.mode == "parts":
            raise SourceError("odd: cannot list its parts (HTTP 503)")
        return lambda: []


def source(settings):
    return Odd(settings)
'''


def odd_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: ScriptedServer, *modes: str) -> Any:
    (tmp_path / "odd_source.py").write_text(ODD_MODULE, "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    entries = ", ".join(f"'odd{n}': {{'module': 'odd_source', 'mode': '{mode}'}}" for n, mode in enumerate(modes))
    config = tmp_path / "pelicanconfig.py"
    config.write_text("DIGEST = {'sources': {" + entries + ", 'huggingface': {'url': '" + server.url("/hf")
                      + "'}}, 'http': {'retries': 0}}\n", "utf-8")
    return load(config, env={})


def test_a_source_failing_to_set_up_or_to_list_its_parts_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ScriptedServer(lambda seen: Reply(b"[]")) as server:
        settings = odd_settings(tmp_path, monkeypatch, server, "setup", "parts", "whole")
        with client() as http:
            fetched, failures = fetch_all(date(2026, 6, 3), settings, Store(tmp_path / "store"), http, lambda *_: None)
    assert [(unit.source, papers) for unit, papers in fetched] == [("huggingface", [])]  # still asked
    assert [(unit.source, unit.part, error) for unit, error in failures] == [
        ("odd0", None, "odd: cannot log in (HTTP 401)"),  # a whole-source failure: the next digest asks it all again
        ("odd1", None, "odd: cannot list its parts (HTTP 503)"),
        ("odd2", None, "None: the answer was empty"),  # no part: nothing taken off the error
    ]


def test_sources_with_nothing_to_fetch_say_so_and_journals_needs_a_feed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ScriptedServer(lambda seen: Reply(b"[]")) as server:
        settings = odd_settings(tmp_path, monkeypatch, server, "empty")
        settings = replace(settings, sources={"odd0": settings.sources["odd0"]})  # no parts at all
        with client() as http, pytest.raises(SourceError) as raised:
            fetch_all(date(2026, 6, 3), settings, Store(tmp_path / "store"), http, lambda *_: None)
    assert str(raised.value) == "no source has anything to fetch: list at least one in DIGEST['sources']"


NO_FEED = ("DIGEST['sources']['journals']['feeds']: no feed listed: add {'name': ..., 'url': ...} entries "
           "(or set DIGEST_JOURNALS_FEEDS), or remove the journals entry")


def test_journals_without_a_feed_fail_when_set_up_to_fetch(tmp_path: Path) -> None:
    settings = load(write_config(tmp_path, "'journals': {'crossref': False}"), env={})  # loads: feeds may come by env
    with client() as http, pytest.raises(SourceError) as raised:
        fetch_all(date(2026, 6, 3), settings, Store(tmp_path / "store"), http, lambda *_: None)
    assert str(raised.value) == f"every source failed: journals: {NO_FEED}"  # one line naming the setting


def test_journals_feeds_given_only_to_the_fetch_leave_the_other_commands_working(project: Path) -> None:
    # A lab keeps `'journals': {}` and passes DIGEST_JOURNALS_FEEDS only to the daily job's fetch step.
    config = project / "pelicanconfig.py"
    entry = '"arxiv": {"categories": ["cs.CV", "eess.IV"]},'
    config.write_text(config.read_text("utf-8").replace(entry, entry + ' "journals": {},'), "utf-8")
    for command in ("check", "build"):
        result = runner.invoke(app, [command, "--config", str(config)])
        assert result.exit_code == 0, (command, result.output)
    with pytest.raises(SettingsError, match="two feeds are named"):  # what it lists is still checked
        configure({"journals": {"feeds": [{"name": "x", "url": "a"}, {"name": "x", "url": "b"}]}})


def write_config(folder: Path, sources: str) -> Path:
    config = folder / "pelicanconfig.py"
    config.write_text("DIGEST = {'sources': {" + sources + "}, 'http': {'retries': 0}}\n", "utf-8")
    return config
