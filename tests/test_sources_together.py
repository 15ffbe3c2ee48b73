"""The non-arXiv sources side by side on one client: one times out, the others deliver; one paper
listed by three sources carries what the merge matches on (arXiv id, DOI, title + first author)."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator import http as polite
from generator.cli import app
from generator.errors import SourceError
from generator.merge import merge
from generator.replay import ReplayArxiv
from generator.replay_sources import ReplaySources
from generator.sources import huggingface, journals, medrxiv
from generator.store import Store
from tests.support.http_server import Reply, ScriptedServer, Seen
from tests.support.sources import FAST, SAMPLE, digest_day

TITLE = "Segment Anything for abdominal CT: a multicentre evaluation of zero-shot and fine-tuned MedSAM"


def test_one_source_timing_out_does_not_hold_up_the_others() -> None:
    settings = FAST.model_copy(update={"timeout_seconds": 0.3, "retries": 1})
    day = digest_day("2026-06-02")
    with ReplaySources(SAMPLE) as replay, ScriptedServer(lambda seen: Reply(b"[]", delay=3)) as silent, \
            polite.make_client(settings) as http:
        env = replay.env()
        fetches = {
            "medrxiv": medrxiv.source(medrxiv.Settings(
                url=env["DIGEST_MEDRXIV_URL"], categories=["radiology and imaging"])),
            "huggingface": huggingface.source(huggingface.Settings(url=silent.url("/api/daily_papers"))),
            "journals": journals.source(journals.Settings(
                feeds=[journals.Feed(name="npj Digital Medicine", url=replay.feed_url("npj-digital-medicine.rdf"))],
                crossref_url=env["DIGEST_CROSSREF_URL"])),
        }
        results: dict[str, int | str] = {}
        started = time.monotonic()
        for name, source in fetches.items():
            try:
                results[name] = len(source.fetch(day, http))
            except SourceError as error:
                results[name] = str(error)
        elapsed = time.monotonic() - started
    assert results["medrxiv"] == 5 and results["journals"] == 1
    assert str(results["huggingface"]).startswith("Hugging Face: no complete answer from http://127.0.0.1:")
    assert elapsed < 2.0  # two tries of 0.3 s, not the server's 3 s
    assert len(silent.seen) == 2


@pytest.fixture
def three_listings() -> tuple[ScriptedServer, dict[str, str]]:
    """One paper on Hugging Face (arXiv id), medRxiv (preprint DOI) and a journal (its own DOI)."""
    hf = [{"paper": {"id": "2606.00999", "title": TITLE, "summary": "An abstract.",
                     "authors": [{"name": "Rania Haddad"}, {"name": "Thi Lan Nguyen"}], "upvotes": 42,
                     "publishedAt": "2026-06-01T00:00:00.000Z"}, "numComments": 3}]
    preprint = {"messages": [{"status": "ok", "count": 1, "total": "1"}], "collection": [{
        "doi": "10.5555/2026.05.29.26990002", "version": "1", "date": "2026-06-01",
        "title": TITLE.replace("MedSAM", "<i>MedSAM</i>"), "authors": "Haddad, R.; Nguyen, T. L.",
        "category": "radiology and imaging", "abstract": "An abstract.", "server": "medRxiv"}]}
    feed = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>J</title><item>
      <title>{TITLE.upper()}</title><link>https://journal.example/a/1</link>
      <guid isPermaLink="false">10.5555/j.media.2026.103001</guid>
      <pubDate>Mon, 01 Jun 2026 08:00:00 GMT</pubDate><author>r.haddad@example.org (Rania Haddad)</author>
      </item></channel></rss>""".encode()

    def respond(seen: Seen) -> Reply:
        if seen.path == "/api/daily_papers":
            return Reply(json.dumps(hf).encode())
        if seen.path.startswith("/details/"):
            return Reply(json.dumps(preprint).encode())
        return Reply(feed, content_type="application/rss+xml")

    server = ScriptedServer(respond)
    return server, {"hf": "/api/daily_papers", "med": "/details/medrxiv", "feed": "/feed"}


def test_a_paper_listed_by_three_sources_carries_what_the_merge_matches(
    three_listings: tuple[ScriptedServer, dict[str, str]],
) -> None:
    server, paths = three_listings
    day = digest_day("2026-06-02")
    with server, polite.make_client(FAST) as http:
        (hf,) = huggingface.source(huggingface.Settings(url=server.url(paths["hf"]))).fetch(day, http)
        (pre,) = medrxiv.source(medrxiv.Settings(url=server.url(paths["med"]))).fetch(day, http)
        (pub,) = journals.source(journals.Settings(
            feeds=[journals.Feed(name="Medical Image Analysis", url=server.url(paths["feed"]))],
            crossref=False)).fetch(day, http)
    assert (hf.key, pre.key, pub.key) == (
        "huggingface:2606.00999", "medrxiv:10.5555/2026.05.29.26990002", "journals:10.5555/j.media.2026.103001")
    assert hf.title == pre.title == TITLE and pub.title.lower() == TITLE.lower()
    surnames = {paper.authors[0].split()[-1] for paper in (hf, pre, pub)}
    assert surnames == {"Haddad"}
    assert hf.upvotes == 42 and pre.doi and pub.doi
    assert {paper.published.date().isoformat() for paper in (hf, pre, pub)} == {"2026-06-01"}

    (merged,) = merge([[hf], [pre], [pub]])  # one card, every badge
    assert merged.source == "journals" and merged.id == pub.id  # a journal's metadata is preferred
    assert [ref.key for ref in merged.sources] == [pub.key, pre.key, hf.key]
    assert merged.upvotes == 42 and merged.abstract == "An abstract."
    assert merged.pdf_url == pre.pdf_url  # a journal feed gives no PDF: the preprint's


def test_a_preprint_naming_its_journal_version_merges_with_it_by_doi() -> None:
    preprint = {"messages": [{"status": "ok", "count": 1, "total": "1"}], "collection": [{
        "doi": "10.5555/2026.05.01.26000001", "version": "2", "date": "2026-06-01",
        "title": "A preprint title that the journal changed", "authors": "Haddad, R.",
        "category": "radiology and imaging", "abstract": "Preprint abstract.", "server": "medRxiv",
        "published": "10.5555/j.media.2026.103002"}]}
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>J</title><item>
      <title>The journal's own, different title for the same work</title>
      <link>https://journal.example/a/2</link><guid isPermaLink="false">10.5555/j.media.2026.103002</guid>
      <pubDate>Mon, 01 Jun 2026 08:00:00 GMT</pubDate><author>x@example.org (Someone Else)</author>
      </item></channel></rss>"""

    def respond(seen: Seen) -> Reply:
        if seen.path.startswith("/details/"):
            return Reply(json.dumps(preprint).encode())
        return Reply(feed, content_type="application/rss+xml")

    day = digest_day("2026-06-02")
    with ScriptedServer(respond) as server, polite.make_client(FAST) as http:
        (pre,) = medrxiv.source(medrxiv.Settings(url=server.url("/details/medrxiv"))).fetch(day, http)
        (pub,) = journals.source(journals.Settings(
            feeds=[journals.Feed(name="Medical Image Analysis", url=server.url("/feed"))],
            crossref=False)).fetch(day, http)
    assert dict(pre.sources[0].fields)["published_doi"] == pub.doi
    (merged,) = merge([[pre], [pub]])
    assert [ref.source for ref in merged.sources] == ["journals", "medrxiv"]


def test_a_run_publishes_the_others_when_one_source_times_out(tmp_path: Path) -> None:
    """Through the pipeline: arXiv, medRxiv and a journal publish; Hugging Face, silent, is
    named once in the run's output and in the day's notes, and cost one deadline (0.5 s; the run is ranking, writing)."""
    with ReplayArxiv(SAMPLE / "listings") as arxiv, ReplaySources(SAMPLE) as replay, \
            ScriptedServer(lambda seen: Reply(b"[]", delay=60)) as silent:
        env = replay.env()
        (tmp_path / "pelicanconfig.py").write_text(f"""DIGEST = {{
    "sources": {{
        "arxiv": {{"categories": ["eess.IV"], "url": "{arxiv.url}", "delay_seconds": 0}},
        "medrxiv": {{"categories": ["radiology and imaging"], "url": "{env['DIGEST_MEDRXIV_URL']}"}},
        "huggingface": {{"url": "{silent.url('/api/daily_papers')}"}},
        "journals": {{"feeds": {env['DIGEST_JOURNALS_FEEDS']}, "crossref_url": "{env['DIGEST_CROSSREF_URL']}"}},
    }},
    "papers_per_day": 5,
    "http": {{"timeout_seconds": 0.5, "retries": 0, "interval_seconds": 0, "host_intervals": {{}}}},
}}
""")
        started = time.monotonic()
        result = CliRunner().invoke(app, ["run", "--date", "2026-06-02", "--config", str(tmp_path / "pelicanconfig.py")])
        elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert "huggingface" in result.output and "no complete answer" in result.output
    stored = Store(tmp_path / "store").load_day(date(2026, 6, 2))
    assert stored is not None
    sources = {ref.source for entry in stored.entries for ref in entry.ranked.paper.sources}
    assert sources == {"arxiv", "medrxiv", "journals"}
    [note] = [n for n in stored.notes if n.kind == "source_failed"]
    assert note.values["source"] == "huggingface"
    assert len(silent.seen) == 1 and elapsed < 30  # one deadline of 0.5 s, not the silent 60 s


def test_a_paper_three_sources_list_is_one_card_with_three_badges_and_shown_once(
    tmp_path: Path, three_listings: tuple[ScriptedServer, dict[str, str]],
) -> None:
    """Through the pipeline: Hugging Face, medRxiv and a journal list the same work; the day has it
    once with the three listings, and the next digest, where two of them list it again, not at all."""
    server, paths = three_listings
    with ReplayArxiv(SAMPLE / "listings") as arxiv, server:
        (tmp_path / "pelicanconfig.py").write_text(f"""DIGEST = {{
    "sources": {{
        "arxiv": {{"categories": ["eess.IV"], "url": "{arxiv.url}", "delay_seconds": 0}},
        "medrxiv": {{"url": "{server.url(paths['med'])}"}},
        "huggingface": {{"url": "{server.url(paths['hf'])}"}},
        "journals": {{"feeds": [{{"name": "Medical Image Analysis", "url": "{server.url(paths['feed'])}"}}],
                      "crossref": False}},
    }},
    "papers_per_day": 5,
    "http": {{"retries": 0, "interval_seconds": 0, "host_intervals": {{}}}},
}}
""")
        config = str(tmp_path / "pelicanconfig.py")
        for day in ("2026-06-02", "2026-06-03"):
            result = CliRunner().invoke(app, ["run", "--date", day, "--config", config])
            assert result.exit_code == 0, result.output
    store = Store(tmp_path / "store")
    first, second = (store.load_day(date(2026, 6, d)) for d in (2, 3))
    assert first is not None and second is not None
    cards = [e.ranked.paper for e in first.entries if e.ranked.paper.title.lower() == TITLE.lower()]
    assert len(cards) == 1
    assert [ref.source for ref in cards[0].sources] == ["journals", "medrxiv", "huggingface"]
    assert cards[0].upvotes == 42
    assert not [e for e in second.entries if e.ranked.paper.title.lower() == TITLE.lower()]
    asked = {seen.path for seen in server.seen if seen.query.get("date") == "2026-06-02"}
    assert asked == {paths["hf"]}  # the second digest did ask Hugging Face again: the seen-list dropped it
