"""The arXiv source against recorded real API responses served on 127.0.0.1."""

from __future__ import annotations

import re
import socket
import time
from dataclasses import replace
from datetime import date, datetime, timezone
from typing import Any

import arxiv
import pytest

from generator.errors import SourceError
from generator.records import Paper, SourceRef
from generator.settings import ArxivSettings
from generator.merge import latest_versions
from generator.sources.arxiv import fetch_day, make_session, search, to_paper
from tests.support.arxiv_server import ArxivTestServer, Reply, by_start, in_order, recorded

CV = ["cs.CV", "eess.IV"]
TESTING = "lukasschwab_arxiv.py/extracted_xml/q_testing_s{start}_m10_{suffix}.xml"
TESTING_PAGES = {  # a real 6-page run of `all:testing`, 10 results a page
    0: "bc5a6c384fe9", 10: "34e56e15aaac", 20: "348a237fecab",
    30: "f2e39f0143dc", 40: "96dd32eb854c", 50: "7f488ab8598c",
}
ERROR_BODY = "lukasschwab_arxiv.py/extracted_xml/id_abc_s0_m100_b79c8dcf6bc3.xml"
EMPTY_BODY = "lukasschwab_arxiv.py/extracted_xml/id_0000.0000_s0_m100_8b51d9633a68.xml"
# 5 papers submitted Thu 2026-06-11 before 14:00 ET; arXiv counted 28946 results, so tests that
# serve it alone cap max_papers at 5 (one request).
JUNE_11 = "lucas-m-lopes_sotawhat/arxiv_transformer.xml"


def settings(url: str, **overrides: Any) -> ArxivSettings:
    values: dict[str, Any] = {
        "categories": CV, "url": url, "delay_seconds": 0, "retries": 2, "timeout_seconds": 5,
        "max_papers": 5,
    }
    return ArxivSettings(**{**values, **overrides})


def page_of_testing(start: int) -> Reply:
    return Reply(recorded(TESTING.format(start=start, suffix=TESTING_PAGES[start])))


def recorded_ids(*bodies: bytes) -> list[str]:
    """Bare ids of the entries in recorded bodies, in order of appearance, without repeats."""
    ids = re.findall(rb"<id>http://arxiv\.org/abs/(\S+?)v\d+</id>", b"".join(bodies))
    return list(dict.fromkeys(i.decode() for i in ids))


# --- parsing both recorded formats -----------------------------------------------------------------


def test_parses_the_2016_legacy_format() -> None:
    with ArxivTestServer(in_order(Reply(recorded("lukasschwab_arxiv.py/legacy_2016/id_list=1111.2011v2.xml")))) as server:
        [paper] = search("id:1111.2011", settings(server.url))
    assert paper == Paper(
        id="1111.2011",
        version=2,
        title="Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit",
        abstract=paper.abstract,
        authors=("James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"),
        categories=paper.categories,
        primary_category="cond-mat.str-el",
        published=datetime(2011, 11, 8, 18, 48, 36, tzinfo=timezone.utc),
        updated=datetime(2012, 4, 2, 12, 38, 54, tzinfo=timezone.utc),
        url="https://arxiv.org/abs/1111.2011",
        pdf_url="https://arxiv.org/pdf/1111.2011v2",
        doi="10.1103/PhysRevB.85.115117",
        comment="8 pages, 3 figures. Published version",
        sources=(SourceRef("arxiv", "1111.2011", "https://arxiv.org/abs/1111.2011", "cond-mat.str-el",
                           fields=(("version", 2),)),),
    )
    assert paper.abstract.startswith("Theoretical description of anisotropic systems, such as layered superconductors")
    assert "\n" not in paper.abstract and "  " not in paper.abstract
    assert paper.categories[0] == "cond-mat.str-el"


def test_parses_the_2026_format() -> None:
    with ArxivTestServer(in_order(Reply(recorded("zzjjay_llm-paper-radar/arxiv_response.xml")))) as server:
        papers = search("cat:cs.CL", settings(server.url))
    assert [(p.id, p.version, p.primary_category) for p in papers] == [
        ("2605.08083", 1, "cs.CL"), ("2605.08077", 1, "cs.CL"),
    ]
    first = papers[0]
    assert first.title == "LLMs Improving LLMs: Agentic Discovery for Test-Time Scaling"
    assert len(first.authors) == 13 and first.authors[0] == "Tong Zheng"
    assert first.comment == "25 pages" and first.doi is None
    assert first.published == datetime(2026, 5, 10, 12, 0, tzinfo=timezone.utc)
    assert first.pdf_url == "https://arxiv.org/pdf/2605.08083v1"


def test_primary_category_first_once_and_no_acm_classes() -> None:
    result = arxiv.Result(
        entry_id="http://arxiv.org/abs/2606.01234v3",
        published=datetime(2026, 6, 1, tzinfo=timezone.utc),
        updated=datetime(2026, 6, 2, tzinfo=timezone.utc),
        title="  A\n title  ", summary="An\n  abstract.", primary_category="eess.IV",
        categories=["cs.CV", "eess.IV", "I.4.6", "68T45", "cs.CV"],
    )
    paper = to_paper(result)
    assert paper.categories == ("eess.IV", "cs.CV")
    assert (paper.id, paper.version, paper.title, paper.abstract) == ("2606.01234", 3, "A title", "An abstract.")
    assert paper.pdf_url == "https://arxiv.org/pdf/2606.01234v3"


# --- the day query and window ----------------------------------------------------------------------


def test_fetch_day_queries_the_mailing_window_and_keeps_exactly_it() -> None:
    with ArxivTestServer(in_order(Reply(recorded(JUNE_11)))) as server:
        papers = fetch_day(date(2026, 6, 12), settings(server.url, page_size=50))
        [request] = server.seen
    # Friday 2026-06-12 holds Wed 10 June 14:00 EDT (18:00 UTC) .. Thu 11 June 14:00 EDT.
    assert request.path == "/api/query"
    assert request.query["search_query"] == (
        "(cat:cs.CV OR cat:eess.IV) AND submittedDate:[202606101800 TO 202606111800]"
    )
    assert (request.query["sortBy"], request.query["sortOrder"]) == ("submittedDate", "ascending")
    assert (request.query["start"], request.query["max_results"]) == ("0", "50")
    assert [p.id for p in papers] == ["2606.13501", "2606.13515", "2606.13568", "2606.13591", "2606.13677"]
    assert [p.published for p in papers] == sorted(p.published for p in papers)


def test_fetch_day_drops_papers_outside_the_window() -> None:
    # The same recorded papers, asked for Thursday's mailing: all were submitted after its cutoff.
    with ArxivTestServer(in_order(Reply(recorded(JUNE_11)))) as server:
        assert fetch_day(date(2026, 6, 11), settings(server.url)) == []
        assert len(server.seen) == 1


def test_a_day_without_mailing_makes_no_request() -> None:
    with ArxivTestServer(in_order(Reply(recorded(JUNE_11)))) as server:
        assert fetch_day(date(2026, 6, 13), settings(server.url)) == []  # Saturday
        assert fetch_day(date(2025, 12, 25), settings(server.url, holidays=[date(2025, 12, 25)])) == []
        assert server.seen == []


def test_an_empty_result_is_an_empty_list() -> None:
    with ArxivTestServer(in_order(Reply(recorded(EMPTY_BODY)))) as server:
        assert fetch_day(date(2026, 6, 2), settings(server.url)) == []


# --- paging, delay, dedup ------------------------------------------------------------------------------


def test_pages_through_all_results_up_to_max_papers() -> None:
    pages = {start: page_of_testing(start) for start in TESTING_PAGES}
    progress: list[tuple[int, int]] = []
    with ArxivTestServer(by_start(pages)) as server:
        papers = search("all:testing", settings(server.url, page_size=10, max_papers=60),
                        on_page=lambda done, total: progress.append((done, total)))
        starts = [int(seen.query["start"]) for seen in server.seen]
    assert starts == [0, 10, 20, 30, 40, 50]
    assert {seen.query["max_results"] for seen in server.seen} == {"10"}
    assert [p.id for p in papers] == recorded_ids(*(page.body for page in pages.values()))
    assert progress == [(10, 60), (20, 60), (30, 60), (40, 60), (50, 60), (60, 60)]


def test_max_papers_stops_paging() -> None:
    with ArxivTestServer(by_start({s: page_of_testing(s) for s in TESTING_PAGES})) as server:
        papers = search("all:testing", settings(server.url, page_size=10, max_papers=25))
        assert len(server.seen) == 3
    assert len(papers) == 25


def test_waits_the_courtesy_delay_between_requests() -> None:
    delay = 0.2
    with ArxivTestServer(by_start({s: page_of_testing(s) for s in TESTING_PAGES})) as server:
        search("all:testing", settings(server.url, page_size=10, max_papers=30, delay_seconds=delay))
        gaps = [b.at - a.at for a, b in zip(server.seen, server.seen[1:], strict=False)]
    assert len(gaps) == 2 and min(gaps) >= delay * 0.95


def test_a_paper_on_two_pages_appears_once() -> None:
    # Real pages fetched while results shifted: start=5 repeats half of start=0.
    first = page_of_testing(0)
    shifted = Reply(recorded("lukasschwab_arxiv.py/extracted_xml/q_testing_s5_m10_c0e94a259d4a.xml"))
    with ArxivTestServer(by_start({0: first, 10: shifted})) as server:
        papers = search("all:testing", settings(server.url, page_size=10, max_papers=20))
    ids = [p.id for p in papers]
    assert len(ids) == len(set(ids)) == len(recorded_ids(first.body, shifted.body)) == 15


def test_a_newer_version_replaces_the_older() -> None:
    # The recorded page, and the same entries as arXiv lists them after a v2 (second page).
    body = recorded("zzjjay_llm-paper-radar/arxiv_response.xml")
    revised = body.replace(b"v1</id>", b"v2</id>")
    with ArxivTestServer(by_start({0: Reply(body), 2: Reply(revised)})) as server:
        papers = search("cat:cs.CL", settings(server.url, page_size=2, max_papers=4))
    assert [(p.id, p.version, p.pdf_url) for p in papers] == [
        ("2605.08083", 2, "https://arxiv.org/pdf/2605.08083v2"),
        ("2605.08077", 2, "https://arxiv.org/pdf/2605.08077v2"),
    ]
    older = [p for p in papers if p.id == "2605.08083"][0]
    assert latest_versions([older, replace(older, version=1)]) == [older]


# --- retries, timeouts and errors ------------------------------------------------------------------------


def test_retries_5xx_with_growing_backoff() -> None:
    answers = in_order(Reply(b"busy", status=503), Reply(b"bad gateway", status=502), Reply(recorded(JUNE_11)))
    with ArxivTestServer(answers) as server:
        papers = search("cat:cs.LG", settings(server.url, retries=3), backoff_seconds=0.1)
        gaps = [b.at - a.at for a, b in zip(server.seen, server.seen[1:], strict=False)]
    assert len(papers) == 5
    assert len(gaps) == 2
    assert gaps[0] >= 0.1 * 0.95 and gaps[1] >= 0.2 * 0.95  # waits before the first retry too


def test_honours_retry_after() -> None:
    answers = in_order(Reply(b"slow down", status=429, headers={"Retry-After": "1"}), Reply(recorded(JUNE_11)))
    with ArxivTestServer(answers) as server:
        search("cat:cs.LG", settings(server.url), backoff_seconds=0)
        first, second = server.seen
    assert second.at - first.at >= 0.95


def test_http_error_after_retries_is_one_line_without_secrets() -> None:
    with ArxivTestServer(in_order(Reply(b"down", status=503))) as server:
        url = server.url.replace("http://", "http://lab:s3cret@") + "?token=abc"
        with pytest.raises(SourceError) as caught:
            search("cat:cs.CV", settings(url, retries=2), backoff_seconds=0)
        assert len(server.seen) == 3
    message = str(caught.value)
    assert message == (
        f"arXiv API at {server.url} answered HTTP 503 after 2 retries: "
        "arXiv is down or rate-limiting, run again later"
    )
    assert "s3cret" not in message and "token" not in message


def test_a_client_error_is_not_retried() -> None:
    with ArxivTestServer(in_order(Reply(b"<html>not here</html>", status=404))) as server:
        with pytest.raises(SourceError, match=r"answered HTTP 404: check DIGEST\['sources'\]\['arxiv'\]\['url'\]"):
            search("cat:cs.CV", settings(server.url))
        assert len(server.seen) == 1


def test_a_timeout_is_retried_then_reported() -> None:
    with ArxivTestServer(in_order(Reply(recorded(JUNE_11), delay=2.0))) as server:
        started = time.monotonic()
        with pytest.raises(SourceError) as caught:
            search("cat:cs.LG", settings(server.url, timeout_seconds=0.2, retries=1), backoff_seconds=0)
        elapsed = time.monotonic() - started
        assert len(server.seen) == 2
    assert "(no answer within 0.2 s): check the network" in str(caught.value)
    assert elapsed < 1.5  # two 0.2 s timeouts, not the 2 s answers


def test_a_slow_answer_then_a_fast_one_succeeds() -> None:
    answers = in_order(Reply(recorded(JUNE_11), delay=1.0), Reply(recorded(JUNE_11)))
    with ArxivTestServer(answers) as server:
        papers = search("cat:cs.LG", settings(server.url, timeout_seconds=0.2), backoff_seconds=0)
    assert len(papers) == 5


def test_an_unreachable_endpoint_is_one_line() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/query"
    with pytest.raises(SourceError) as caught:
        search("cat:cs.CV", settings(url, retries=1), backoff_seconds=0)
    assert caught.value.__cause__ is not None and "Max retries exceeded" in str(caught.value.__cause__)
    assert str(caught.value) == (
        f"cannot reach the arXiv API at {url} (connection refused): "
        "check the network and DIGEST_ARXIV_URL, or run again later"
    )


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(recorded(JUNE_11)[:3000]), r"sent a malformed response \(not well-formed XML: .*line \d+"),
        (Reply(b"Service temporarily unavailable"), r"sent a malformed response \(not well-formed XML"),
        (Reply(b"<html><body>Maintenance</body></html>"), r"not an arXiv Atom feed \(root <html>"),
        (Reply(recorded(JUNE_11)[:3000], content_length=len(recorded(JUNE_11))),
         r"\(the connection broke off mid-response\)"),
    ],
    ids=["truncated", "not-xml", "not-atom", "cut-off-transfer"],
)
def test_a_malformed_response_is_one_line(reply: Reply, expected: str) -> None:
    with ArxivTestServer(in_order(reply)) as server:
        with pytest.raises(SourceError, match=expected) as caught:
            search("cat:cs.LG", settings(server.url, retries=0))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("status", [200, 400])
def test_an_arxiv_error_entry_is_an_error_not_an_empty_day(status: int) -> None:
    with ArxivTestServer(in_order(Reply(recorded(ERROR_BODY), status=status))) as server:
        with pytest.raises(SourceError) as caught:
            fetch_day(date(2026, 6, 2), settings(server.url))
        assert len(server.seen) == 1
    assert str(caught.value) == (
        "arXiv API rejected the query: incorrect id format for abc: "
        "check DIGEST['sources']['arxiv'] (categories) and DIGEST_ARXIV_URL"
    )


def test_a_passed_session_is_left_as_it_was() -> None:
    with ArxivTestServer(in_order(Reply(recorded(JUNE_11)))) as server:
        config = settings(server.url)
        session = make_session(config)
        hooks_before = list(session.hooks["response"])
        search("cat:cs.LG", config, session=session)
        search("cat:cs.LG", config, session=session)
        assert session.hooks["response"] == hooks_before
        assert len(server.seen) == 2
