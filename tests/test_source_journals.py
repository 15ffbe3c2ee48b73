"""Journal feeds against a real local server: RSS 2.0, RSS 1.0 (RDF), Atom, Crossref, failures."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from generator import http as polite
from generator.errors import SourceError
from generator.replay_sources import ReplaySources
from generator.sources import journals
from tests.support.http_server import Reply, ScriptedServer, Seen, by_path, fixture, in_order
from tests.support.sources import FAST, SAMPLE, client, digest_day

MIA = "Medical Image Analysis"
NPJ = "npj Digital Medicine"


def sample_settings(replay: ReplaySources) -> journals.Settings:
    return journals.Settings(
        feeds=[
            journals.Feed(name=MIA, url=replay.feed_url("medical-image-analysis.xml")),
            journals.Feed(name=NPJ, url=replay.feed_url("npj-digital-medicine.rdf")),
        ],
        crossref_url=replay.env()["DIGEST_CROSSREF_URL"],
    )


def one_feed(url: str, name: str = "Example Journal", crossref_url: str = "") -> journals.Settings:
    return journals.Settings(feeds=[journals.Feed(name=name, url=url)],
                             crossref=bool(crossref_url), crossref_url=crossref_url or "http://x")


def test_two_recorded_shapes_sciencedirect_rss2_and_nature_rdf_with_crossref() -> None:
    with ReplaySources(SAMPLE) as replay, client() as http:
        papers = journals.source(sample_settings(replay)).fetch(digest_day("2026-06-02"), http)
        asked = dict(replay.requests)
    assert [(p.primary_category, p.title[:30]) for p in papers] == [
        (MIA, "MedSAM-Adapter++: prompt-effic"),
        (MIA, "Test-time adaptation for cross"),
        (NPJ, "Distribution shift in chest ra"),
    ]  # 2026-06-01 only: not 05-20, 06-02 or 06-03; no "Editorial Board"
    assert asked == {"feed": 2, "crossref": 3}  # by PII for ScienceDirect's, by DOI for nature.com's
    sciencedirect, _, nature = papers
    # ScienceDirect's feed has no DOI: Crossref's work with the link's PII as alternative id gives it
    assert sciencedirect.id == sciencedirect.doi == "10.5555/j.media.2026.990011"
    assert sciencedirect.url == "https://www.sciencedirect.com/science/article/pii/S1361841526990011"  # no tracking
    assert sciencedirect.authors == ("Lena Hoffmann", "Wei Zhang", "Carlos Méndez", "Aiko Tanaka")  # the feed's
    assert sciencedirect.abstract.startswith("Segment anything models (SAM) segment 2D natural images")
    assert sciencedirect.published.isoformat() == "2026-06-01T00:00:00+00:00"
    assert nature.id == nature.doi == "10.5555/s41746-026-99001-x"
    assert nature.key == "journals:10.5555/s41746-026-99001-x"
    assert nature.url == "https://www.nature.com/articles/s41746-026-99001-x"
    assert nature.authors == ("Abena Mensah", "Piotr Kowalczyk", "María F. Ruiz")
    assert nature.abstract.startswith("Chest X-ray classifiers lose accuracy")  # Crossref's, no "Abstract"
    ref = nature.sources[0]
    assert (ref.source, ref.id, ref.url, ref.category) == ("journals", nature.id, nature.url, NPJ)


def test_an_item_crossref_does_not_know_by_its_pii_keeps_its_link_as_id() -> None:
    with ReplaySources(SAMPLE) as replay, client() as http:
        papers = journals.source(sample_settings(replay)).fetch(digest_day("2026-06-04"), http)
    (unknown,) = [p for p in papers if p.primary_category == MIA]
    assert unknown.id == "https://www.sciencedirect.com/science/article/pii/S1361841526990047"
    assert unknown.doi is None and unknown.abstract == "" and unknown.authors == ("Tomás Ortega", "Hana Kobayashi")


def test_a_listed_work_is_taken_only_when_it_names_the_pii() -> None:
    other = {"status": "ok", "message": {"items": [{"DOI": "10.5555/other", "alternative-id": ["S0000"]}]}}
    assert journals.from_crossref(json.dumps(other).encode(), "S1361841526990047") is None
    empty = {"status": "ok", "message": {"items": [], "total-results": 0}}
    assert journals.from_crossref(json.dumps(empty).encode(), "S1361841526990047") is None


def test_atom_with_html_in_titles_and_the_doi_in_the_id() -> None:
    with ScriptedServer(in_order(Reply(fixture("journals/atom-journal.xml"),
                                       content_type="application/atom+xml"))) as server, client() as http:
        papers = journals.source(one_feed(server.url("/feed"))).fetch(digest_day("2026-06-02"), http)
    (paper,) = papers  # the 2026-05-20 entry is not this digest's
    assert paper.title == "In vivo 7T MRI of the hippocampus & deep super-resolution"
    assert paper.id == paper.doi == "10.5555/jei.2026.0101"
    assert paper.url == "https://journal.example/articles/2026.0101"
    assert paper.abstract.startswith("We train a super-resolution network") and "<" not in paper.abstract
    assert paper.authors == ("Ingrid Nilsson", "Kwame Boateng")


def test_rss2_dates_doi_in_guid_undated_items_and_front_matter() -> None:
    with ScriptedServer(in_order(Reply(fixture("journals/rss2-journal.xml"),
                                       content_type="application/rss+xml"))) as server, client() as http:
        source = journals.source(one_feed(server.url("/feed")))
        june_3 = source.fetch(digest_day("2026-06-03"), http)
        june_4 = source.fetch(digest_day("2026-06-04"), http)
    assert [(p.id, p.published.date().isoformat()) for p in june_3] == [
        ("10.5555/ETMI.2026.990001", "2026-06-02"),
        ("10.5555/ETMI.2026.990002", "2026-06-03"),  # undated: first seen by this digest
    ]
    assert june_3[0].title == "Skin lesion segmentation with 2-stage prompts & boundary loss"
    assert june_3[0].abstract.startswith("Skin lesion segmentation methods trained on one dermoscope")
    # The undated item is offered again (dated the new digest); the store's seen-list drops it.
    assert [(p.id, p.published.date().isoformat()) for p in june_4] == [
        ("10.5555/ETMI.2026.990002", "2026-06-04")]


def test_crossref_is_asked_with_the_mailto_and_a_404_keeps_the_item_and_asks_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[Seen] = []
    feed = fixture("journals/rss2-journal.xml").replace(b"<description><![CDATA[<p>Skin", b"<x><![CDATA[<p>Skin")
    feed = feed.replace(b"</p>]]></description>", b"</p>]]></x>")
    crossref = {"status": "ok", "message": {"abstract": "<jats:p>From Crossref, " + "word " * 40 + "</jats:p>",
                                            "author": [{"given": "Someone", "family": "Else"}]}}

    def respond(request: Seen) -> Reply:
        seen.append(request)
        if request.path == "/feed":
            return Reply(feed, content_type="application/rss+xml")
        if request.path == "/works/10.5555/ETMI.2026.990002":
            return Reply(json.dumps(crossref).encode())
        return Reply(b"Resource not found.", status=404, content_type="text/plain")

    settings = FAST.model_copy(update={"mailto": "radar@lab.example"})
    with caplog.at_level(logging.WARNING), ScriptedServer(respond) as server, \
            polite.make_client(settings) as http:
        papers = journals.source(one_feed(server.url("/feed"), crossref_url=server.url("/works"))).fetch(
            digest_day("2026-06-03"), http)
    # The first DOI is unknown to Crossref (404): no outage, the next DOI is still asked.
    assert [request.path for request in seen] == [
        "/feed", "/works/10.5555/ETMI.2026.990001", "/works/10.5555/ETMI.2026.990002"]
    assert "mailto:radar@lab.example" in seen[1].headers["User-Agent"]
    assert papers[0].abstract == "" and papers[0].authors == ("Nadia Hassan",)
    assert papers[1].abstract.startswith("From Crossref, word")
    assert papers[1].authors == ("Undated Author",)  # the feed's authors win over Crossref's
    assert not [record for record in caplog.records if "Crossref" in record.getMessage()]


def test_a_crossref_outage_costs_one_wait_and_one_line(caplog: pytest.LogCaptureFixture) -> None:
    def respond(request: Seen) -> Reply:
        if request.path == "/feed":
            return Reply(fixture("journals/rss2-journal.xml").replace(b"<description>", b"<x>")
                         .replace(b"</description>", b"</x>"), content_type="application/rss+xml")
        return Reply(status=503)

    with caplog.at_level(logging.WARNING), ScriptedServer(respond) as server, client() as http:
        papers = journals.source(one_feed(server.url("/feed"), crossref_url=server.url("/works"))).fetch(
            digest_day("2026-06-03"), http)
    assert len(papers) == 2  # the feed's items, without abstracts
    assert server.paths().count("/works/10.5555/ETMI.2026.990001") == 3  # one try, two retries
    assert "/works/10.5555/ETMI.2026.990002" not in server.paths()  # Crossref skipped from then on
    warnings = [r.getMessage() for r in caplog.records if r.name == "generator.sources.journals"]
    assert len(warnings) == 1 and warnings[0].startswith("Crossref: ")


def test_a_page_that_is_not_a_feed_fails_the_source_naming_the_journal() -> None:
    html = Reply(b"<html><body><h1>Access denied</h1></body></html>", content_type="text/html")
    with ScriptedServer(in_order(html)) as server, client() as http:
        with pytest.raises(SourceError, match=r"^Example Journal: the feed is not RSS or Atom"):
            journals.source(one_feed(server.url("/feed"))).fetch(digest_day("2026-06-02"), http)


def test_a_cut_off_feed_gives_the_items_before_the_cut(caplog: pytest.LogCaptureFixture) -> None:
    body = fixture("journals/rss2-journal.xml")
    cut = body[: body.index(b"<item>", body.index(b"990001")) + 30]
    with caplog.at_level(logging.WARNING), ScriptedServer(in_order(Reply(cut))) as server, client() as http:
        papers = journals.source(one_feed(server.url("/feed"))).fetch(digest_day("2026-06-03"), http)
    assert [p.id for p in papers] == ["10.5555/ETMI.2026.990001"]
    assert any("not well-formed" in r.getMessage() for r in caplog.records)


def test_a_feed_that_is_down_fails_the_source_naming_the_journal() -> None:
    with ScriptedServer(by_path({})) as server, client() as http:
        with pytest.raises(SourceError, match=r"^Example Journal: .*/feed answered HTTP 404$"):
            journals.source(one_feed(server.url("/feed"))).fetch(digest_day("2026-06-02"), http)


def test_an_unchanged_feed_is_revalidated_not_downloaded_again(tmp_path: Path) -> None:
    with ReplaySources(SAMPLE) as replay, polite.make_client(FAST, cache_dir=tmp_path) as http:
        settings = sample_settings(replay).model_copy(update={"crossref": False})
        first = journals.source(settings).fetch(digest_day("2026-06-02"), http)
        again = journals.source(settings).fetch(digest_day("2026-06-02"), http)
    assert first == again and replay.requests["feed"] == 4
    assert replay.requests["feed_not_modified"] == 2


def test_settings() -> None:
    for model in (journals.Settings, journals.Feed):
        assert all(field.description for field in model.model_fields.values())
    with pytest.raises(ValueError, match="extra"):
        journals.Feed(name="x", url="y", kind="rss")  # type: ignore[call-arg]
    assert journals.Settings().crossref_url == "https://api.crossref.org/works"  # feeds may come by env
    with pytest.raises(SourceError, match=r"\['feeds'\]: no feed listed"):
        journals.source(journals.Settings())  # but the source is not set up without one


# Real Crossref answers, recorded by other projects (see tests/fixtures/crossref/README.md).
ELIFE = "crossref/work-10.7554-elife.01567.json"
CAIS = "crossref/work-10.17705-1cais.04607.json"


def test_real_crossref_works_give_the_abstract_and_the_persons() -> None:
    elife = journals.from_crossref(fixture(ELIFE))
    assert elife is not None and elife.doi == "10.7554/elife.01567"
    assert elife.abstract.startswith("Among various advantages, their small size makes model organisms")
    assert elife.abstract.endswith("for example equidistant phloem pole formation.") and "<" not in elife.abstract
    assert elife.authors == ("Martial Sankar", "Kaisa Nieminen", "Laura Ragni", "Ioannis Xenarios", "Christian S Hardtke")
    # A real deposit listing four universities as "authors" beside the persons; no abstract.
    cais = journals.from_crossref(fixture(CAIS))
    assert cais is not None and cais.doi == "10.17705/1cais.04607" and cais.abstract == ""
    assert cais.authors == ("Guido Schryen", "Gerit Wagner", "Alexander Benlian", "Guy Paré")
    consortium = {"status": "ok", "message": {"author": [{"name": "The MedSeg Consortium", "sequence": "first"}]}}
    assert journals.from_crossref(json.dumps(consortium).encode()) == journals.Work(None, "", ("The MedSeg Consortium",))


def test_a_feed_item_is_completed_from_a_real_crossref_answer() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>eLife</title><item>
      <title>Automated quantitative histology reveals vascular morphodynamics during Arabidopsis hypocotyl secondary growth</title>
      <link>https://elifesciences.org/articles/01567</link><guid isPermaLink="false">10.7554/elife.01567</guid>
      <pubDate>Tue, 11 Feb 2014 00:00:00 GMT</pubDate></item></channel></rss>"""
    routes = {"/feed": Reply(feed, content_type="application/rss+xml"),
              "/works/10.7554/elife.01567": Reply(fixture(ELIFE))}
    with ScriptedServer(by_path(routes)) as server, client() as http:
        (paper,) = journals.source(one_feed(server.url("/feed"), "eLife", server.url("/works"))).fetch(
            digest_day("2014-02-12"), http)
    assert paper.id == paper.doi == "10.7554/elife.01567" and paper.primary_category == "eLife"
    assert paper.authors[0] == "Martial Sankar" and len(paper.authors) == 5
    assert paper.abstract.startswith("Among various advantages")


def test_an_empty_feed_and_a_day_without_items_give_nothing() -> None:
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>J</title></channel></rss>'
    with ScriptedServer(in_order(Reply(empty, content_type="application/rss+xml"),
                                 Reply(fixture("journals/atom-journal.xml")))) as server, client() as http:
        source = journals.source(one_feed(server.url("/feed")))
        assert source.fetch(digest_day("2026-06-02"), http) == []
        assert source.fetch(digest_day("2026-07-02"), http) == []  # every entry dated on other days
    assert len(server.seen) == 2


def test_a_malformed_crossref_answer_keeps_the_item_and_skips_crossref(caplog: pytest.LogCaptureFixture) -> None:
    def respond(request: Seen) -> Reply:
        if request.path == "/feed":
            return Reply(fixture("journals/rss2-journal.xml").replace(b"<description>", b"<x>")
                         .replace(b"</description>", b"</x>"), content_type="application/rss+xml")
        return Reply(b'{"status": "ok", "message": {"abstract": "<jats:p>cut o', content_type="application/json")

    with caplog.at_level(logging.WARNING), ScriptedServer(respond) as server, client() as http:
        papers = journals.source(one_feed(server.url("/feed"), crossref_url=server.url("/works"))).fetch(
            digest_day("2026-06-03"), http)
    assert [p.abstract for p in papers] == ["", ""]  # the feed's items, as the feed gives them
    assert [path for path in server.paths() if path.startswith("/works")] == ["/works/10.5555/ETMI.2026.990001"]
    warnings = [r.getMessage() for r in caplog.records if r.name == "generator.sources.journals"]
    assert warnings == ["Crossref: malformed answer (not JSON); the other items keep what their feeds say"]


def test_crossref_lookups_keep_the_configured_urls_query() -> None:
    items = "".join(f"""<item><title>Article {n}</title><link>{link}</link><guid>{link}</guid>
      <pubDate>Tue, 02 Jun 2026 08:00:00 GMT</pubDate><author>a@example.org (Ada Lovelace)</author></item>"""
                    for n, link in enumerate(["https://doi.org/10.5555/etmi.1",
                                              "https://www.sciencedirect.com/science/article/pii/S1361841526990011"]))
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'.encode()

    def respond(request: Seen) -> Reply:
        if request.path == "/feed":
            return Reply(feed, content_type="application/rss+xml")
        return Reply(b"Resource not found.", status=404, content_type="text/plain")

    with ScriptedServer(respond) as server, client() as http:
        journals.source(one_feed(server.url("/feed"), crossref_url=server.url("/works?api_key=k1"))).fetch(
            digest_day("2026-06-03"), http)
    asked = [(request.path, request.query) for request in server.seen[1:]]
    assert asked == [
        ("/works/10.5555/etmi.1", {"api_key": "k1"}),
        ("/works", {"api_key": "k1", "filter": "alternative-id:S1361841526990011", "rows": "1"}),
    ]
