"""medRxiv and bioRxiv against a real local server: the replayed sample and scripted failures."""

from __future__ import annotations

import json
from datetime import date

import pytest

from generator.errors import SourceError
from generator.replay_sources import ReplaySources, details_page
from generator.sources import biorxiv, medrxiv
from tests.support.http_server import Reply, ScriptedServer, Seen, fixture, in_order
from tests.support.sources import SAMPLE, client, digest_day

RADIOLOGY = ["radiology and imaging"]


def med(url: str, categories: list[str] = RADIOLOGY) -> medrxiv.Settings:
    return medrxiv.Settings(url=url, categories=categories)


def page(rows: list[dict[str, object]], total: int | str | None = None) -> Reply:
    message = {"status": "ok", "cursor": 0, "count": len(rows), "total": total or len(rows)}
    return Reply(json.dumps({"messages": [message], "collection": rows}).encode())


def row(doi: str, version: int = 1, day: str = "2026-06-01", **extra: str) -> dict[str, object]:
    return {"doi": doi, "version": str(version), "date": day, "title": f"Paper {doi}",
            "authors": "Doe, J.; Roe, R. A.", "category": "radiology and imaging",
            "abstract": "An abstract.", "published": "NA", "server": "medRxiv", **extra}


def test_a_day_of_medrxiv_in_the_labs_category_from_the_replayed_sample() -> None:
    with ReplaySources(SAMPLE) as replay, client() as http:
        settings = med(replay.env()["DIGEST_MEDRXIV_URL"])
        papers = medrxiv.source(settings).fetch(digest_day("2026-06-02"), http)
    assert [p.id for p in papers] == [
        "10.5555/2026.05.29.26990002", "10.5555/2026.05.29.26990003", "10.5555/2026.05.30.26990004",
        "10.5555/2026.05.30.26990005", "10.5555/2026.05.20.26990008",
    ]  # the other categories and the weekend's posting (2026-05-31) are left out
    first = papers[0]
    assert first.source == "medrxiv" and first.key == "medrxiv:10.5555/2026.05.29.26990002"
    assert first.doi == first.id and first.version == 1
    assert first.url == "https://www.medrxiv.org/content/10.5555/2026.05.29.26990002v1"
    assert first.pdf_url == first.url + ".full.pdf"
    assert first.authors == ("R. Haddad", "T. L. Nguyen", "K. Brenner", "Y. Sato")
    assert first.primary_category == "Radiology and Imaging"
    assert first.published.isoformat() == "2026-06-01T00:00:00+00:00"
    ref = first.sources[0]
    assert (ref.source, ref.id, ref.url, ref.category) == (
        "medrxiv", first.id, first.url, "Radiology and Imaging")
    assert dict(ref.fields)["jatsxml"].endswith("2026.05.29.26990002.source.xml")
    assert papers[-1].version == 2
    assert replay.requests["details"] == 1


def test_the_category_is_asked_for_and_checked_again() -> None:
    rows = [row("10.1/a"), row("10.1/b", category="epidemiology")]
    with ScriptedServer(in_order(page(rows))) as server, client() as http:
        papers = medrxiv.source(med(server.url("/details/medrxiv"))).fetch(digest_day("2026-06-02"), http)
    assert [p.id for p in papers] == ["10.1/a"]
    assert server.seen[0].path == "/details/medrxiv/2026-06-01/2026-06-01/0"
    assert server.seen[0].query == {"category": "radiology_and_imaging"}


def test_paging_follows_the_cursor_by_what_each_page_holds() -> None:
    records = [row(f"10.1/{n:03d}") for n in range(70)]
    june_1 = date(2026, 6, 1)

    def respond(seen: Seen) -> Reply:
        cursor = int(seen.path.rsplit("/", 1)[1])
        return Reply(json.dumps(details_page(records, june_1, june_1, cursor)).encode())

    with ScriptedServer(respond) as server, client() as http:
        papers = medrxiv.source(med(server.url("/details/medrxiv"), [])).fetch(
            digest_day("2026-06-02"), http)
    assert len(papers) == 70 and len({p.id for p in papers}) == 70
    assert [seen.path.rsplit("/", 1)[1] for seen in server.seen] == ["0", "30", "60"]
    assert all(seen.query == {} for seen in server.seen)  # no categories: everything


def test_weekend_dates_are_one_interval() -> None:
    with ScriptedServer(in_order(page([row("10.1/a", day="2026-05-30")]))) as server, client() as http:
        papers = medrxiv.source(med(server.url("/d"), [])).fetch(
            digest_day("2026-06-01", "2026-05-29", "2026-05-30", "2026-05-31"), http)
    assert server.seen[0].path == "/d/2026-05-29/2026-05-31/0"
    assert [p.id for p in papers] == ["10.1/a"]


def test_versions_collapse_to_the_latest() -> None:
    rows = [row("10.1/a", 1, title="Old"), row("10.1/a", 3, title="Newest"), row("10.1/a", 2)]
    with ScriptedServer(in_order(page(rows))) as server, client() as http:
        papers = medrxiv.source(med(server.url("/d"))).fetch(digest_day("2026-06-02"), http)
    assert [(p.id, p.version, p.title) for p in papers] == [("10.1/a", 3, "Newest")]
    assert papers[0].url.endswith("10.1/av3")


def test_html_in_titles_and_abstracts_becomes_text() -> None:
    rows = [row("10.1/a", title="<i>In vivo</i> CT of H<sub>2</sub>O &amp; fat, p < 0.05",
                abstract="<p>One.</p><p>Two &lt;script&gt;</p>")]
    with ScriptedServer(in_order(page(rows))) as server, client() as http:
        (paper,) = medrxiv.source(med(server.url("/d"))).fetch(digest_day("2026-06-02"), http)
    assert paper.title == "In vivo CT of H2O & fat, p < 0.05"
    assert paper.abstract == "One. Two <script>"


def test_an_empty_day_costs_one_request() -> None:
    empty = Reply(b'{"messages":[{"status":"no posts found"}],"collection":[]}')
    with ScriptedServer(in_order(empty)) as server, client() as http:
        assert medrxiv.source(med(server.url("/d"))).fetch(digest_day("2026-06-02"), http) == []
    assert len(server.seen) == 1


def test_a_digest_without_dates_asks_nothing() -> None:
    with ScriptedServer(in_order(page([]))) as server, client() as http:
        day = digest_day("2026-06-02")
        day = type(day)(date=day.date, window=day.window, dates=())
        assert medrxiv.source(med(server.url("/d"))).fetch(day, http) == []
    assert server.seen == []


@pytest.mark.parametrize(("reply", "message"), [
    (Reply(b""), "medRxiv: the details API sent an empty answer"),
    (Reply(b'{"messages": [{"status": "ok"'), "medRxiv: the details API sent a malformed answer (not JSON)"),
    (Reply(b'{"collection": []}'), "medRxiv: the details API answer has no messages"),
    (Reply(b'{"messages":[{"status":"Error: server busy"}]}'), "medRxiv: the details API said 'Error: server busy'"),
    (Reply(b'{"messages":[{"status":"ok","total":"many"}],"collection":[]}'),
     "medRxiv: the details API gave no usable total"),
])
def test_malformed_answers_are_one_line_errors(reply: Reply, message: str) -> None:
    with ScriptedServer(in_order(reply)) as server, client() as http:
        with pytest.raises(SourceError) as caught:
            medrxiv.source(med(server.url("/d"))).fetch(digest_day("2026-06-02"), http)
    assert str(caught.value) == message


def test_a_truncated_answer_is_retried_then_reported() -> None:
    truncated = Reply(b'{"messages": [{"status": "ok", "tot', content_length=4000)
    with ScriptedServer(in_order(truncated)) as server, client() as http:
        with pytest.raises(SourceError, match=r"^medRxiv: cannot reach http://127\.0\.0\.1:\d+/d/2026-06-01/2026-06-01/0 \("):
            medrxiv.source(med(server.url("/d"))).fetch(digest_day("2026-06-02"), http)
    assert len(server.seen) == 3  # one try, two retries


def test_records_without_a_date_or_doi_are_skipped() -> None:
    rows = [row("10.1/a", day="someday"), {"title": "no doi"}, row("10.1/b")]
    with ScriptedServer(in_order(page(rows))) as server, client() as http:
        papers = medrxiv.source(med(server.url("/d"))).fetch(digest_day("2026-06-02"), http)
    assert [p.id for p in papers] == ["10.1/b"]


def test_biorxiv_reads_a_real_2026_details_page() -> None:
    recorded = Reply(fixture("biorxiv/details-2026-08-01-excerpt.json"))
    settings = biorxiv.Settings(url="", categories=["animal behavior and cognition"])
    with ScriptedServer(in_order(recorded)) as server, client() as http:
        settings = settings.model_copy(update={"url": server.url("/details/biorxiv")})
        papers = biorxiv.source(settings).fetch(digest_day("2026-08-03", "2026-08-01", "2026-08-02"), http)
    (paper,) = papers  # total says 109 but the page is the recorded excerpt: the cursor stops there
    assert paper.id == "10.64898/2026.07.31.741992" and paper.source == "biorxiv"
    assert paper.url == "https://www.biorxiv.org/content/10.64898/2026.07.31.741992v1"
    assert paper.authors == ("M. Loconsole", "C. Xue", "E. Garcia-Pelegrin")
    assert paper.primary_category == "Animal Behavior and Cognition"
    assert server.seen[0].query == {"category": "animal_behavior_and_cognition"}


def test_settings_describe_every_field_and_forbid_unknown_ones() -> None:
    for settings in (medrxiv.Settings, biorxiv.Settings):
        assert all(field.description for field in settings.model_fields.values())
        with pytest.raises(ValueError, match="extra"):
            settings(url="x", category=["typo"])  # type: ignore[call-arg]
    assert medrxiv.Settings().url == "https://api.biorxiv.org/details/medrxiv"
    assert biorxiv.Settings().url == "https://api.biorxiv.org/details/biorxiv"


def test_the_configured_urls_own_query_is_kept_after_the_dates_and_cursor() -> None:
    with ScriptedServer(in_order(page([row("10.1/a")]))) as server, client() as http:
        medrxiv.source(med(server.url("/details/medrxiv?key=k1"))).fetch(digest_day("2026-06-02"), http)
    assert server.seen[0].path == "/details/medrxiv/2026-06-01/2026-06-01/0"
    assert server.seen[0].query == {"key": "k1", "category": "radiology_and_imaging"}
