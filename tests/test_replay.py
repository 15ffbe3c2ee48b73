"""The local arXiv API replaying the shipped listings, seen through the real arXiv source."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from generator.errors import SourceError
from generator.mailings import mailing_window
from generator.records import Paper
from generator.replay import Query, ReplayArxiv, render_feed
from generator.settings import ArxivSettings
from generator.sources.arxiv import fetch_day, search

REPO = Path(__file__).resolve().parent.parent
LISTINGS = REPO / "sample" / "listings"
CV = ["cs.CV", "eess.IV"]


def listing(day: str) -> list[dict[str, Any]]:
    with gzip.open(LISTINGS / f"{day}.jsonl.gz", "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def listed_ids(day: str, categories: list[str]) -> set[str]:
    return {row["id"] for row in listing(day) if set(row["categories"]) & set(categories)}


def settings(url: str, **overrides: Any) -> ArxivSettings:
    return ArxivSettings(**{"categories": CV, "url": url, "delay_seconds": 0, "retries": 0, **overrides})


@pytest.fixture(scope="module")
def replay() -> Any:
    with ReplayArxiv(LISTINGS) as server:
        yield server


def test_fetch_day_gets_exactly_the_listing_in_the_lab_categories(replay: ReplayArxiv) -> None:
    before = replay.requests
    papers = fetch_day(date(2026, 6, 2), settings(replay.url, page_size=200))
    expected = listed_ids("2026-06-02", CV)
    assert len(expected) == 327  # counted from the shipped file
    assert {p.id for p in papers} == expected and len(papers) == len(expected)
    assert not {p.id for p in papers} & {row["id"] for row in listing("2026-06-03")}
    start, end = mailing_window(date(2026, 6, 2), ())
    assert all(start <= p.published < end and p.version == 1 for p in papers)
    assert replay.requests - before == 2  # 327 papers, 200 a page


def test_paging_with_a_small_page_size(replay: ReplayArxiv) -> None:
    before = replay.requests
    pages: list[tuple[int, int]] = []
    papers = fetch_day(date(2026, 6, 3), settings(replay.url, page_size=40),
                       on_page=lambda done, total: pages.append((done, total)))
    expected = listed_ids("2026-06-03", CV)
    assert {p.id for p in papers} == expected
    requests = -(-len(expected) // 40)
    assert replay.requests - before == requests
    assert pages[-1] == (len(expected), len(expected)) and len(pages) == requests


def test_papers_round_trip_through_the_atom_feed(replay: ReplayArxiv) -> None:
    # Every text of a real day, with its quotes, ampersands and angle brackets, survives.
    rows = {row["id"]: row for row in listing("2026-06-02")}
    papers = fetch_day(date(2026, 6, 2), settings(replay.url, categories=["cs.AI", "cs.CL", "cs.CV"]))
    assert any("<" in p.abstract or "&" in p.abstract for p in papers)
    for paper in papers:
        row = rows[paper.id]
        assert paper.title == " ".join(row["title"].split())
        assert paper.abstract == " ".join(row["abstract"].split())
        assert list(paper.authors) == row["authors"]
        assert paper.primary_category == row["primary_category"] == paper.categories[0]
        assert set(paper.categories) == set(row["categories"])


def test_submission_times_are_deterministic() -> None:
    with ReplayArxiv(LISTINGS) as first, ReplayArxiv(LISTINGS) as second:
        one = fetch_day(date(2026, 6, 4), settings(first.url))
        two = fetch_day(date(2026, 6, 4), settings(second.url))
    assert [(p.id, p.published) for p in one] == [(p.id, p.published) for p in two]
    assert len({p.published for p in one}) > len(one) // 2  # spread over the window


def test_id_list_and_the_versioned_form(replay: ReplayArxiv) -> None:
    with urllib.request.urlopen(f"{replay.url}?id_list=2606.00005,2606.00002v1,2606.00002v2") as answer:
        feed = ElementTree.fromstring(answer.read())
    atom = "{http://www.w3.org/2005/Atom}"
    ids = [entry.findtext(f"{atom}id") for entry in feed.iter(f"{atom}entry")]
    assert ids == ["http://arxiv.org/abs/2606.00005v1", "http://arxiv.org/abs/2606.00002v1"]


def test_an_unsupported_query_is_an_arxiv_error(replay: ReplayArxiv) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{replay.url}?search_query=all:electron")
    assert caught.value.code == 400
    body = caught.value.read()
    assert b"<id>https://arxiv.org/api/errors#unsupported_search_term" in body
    with pytest.raises(SourceError, match=r"^arXiv API rejected the query: unsupported search term 'all:electron'"):
        search("all:electron", settings(replay.url))


def test_other_paths_are_not_found(replay: ReplayArxiv) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(replay.url.replace("/api/query", "/favicon.ico"))
    assert caught.value.code == 404


def test_untrusted_text_stays_well_formed_xml() -> None:
    moment = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)
    paper = Paper(
        id="2606.99999", version=1, title='<script>alert("x")</script> & \x0bvertical tab',
        abstract="a ]]> b \x00 c", authors=("Zoë <Z> O'Neil",), categories=("cs.CV",),
        primary_category="cs.CV", published=moment, updated=moment,
        url="https://arxiv.org/abs/2606.99999", pdf_url="https://arxiv.org/pdf/2606.99999v1",
    )
    body = render_feed({"id_list": "2606.99999"}, Query(ids=(("2606.99999", None),)), [paper], 1, moment)
    entry = ElementTree.fromstring(body).find("{http://www.w3.org/2005/Atom}entry")
    assert entry is not None
    assert entry.findtext("{http://www.w3.org/2005/Atom}title") == '<script>alert("x")</script> & vertical tab'
    assert entry.findtext("{http://www.w3.org/2005/Atom}summary") == "a ]]> b  c"


def test_a_listing_dated_on_a_holiday_is_refused(tmp_path: Path) -> None:
    shutil.copy(LISTINGS / "2026-06-02.jsonl.gz", tmp_path / "2026-06-02.jsonl.gz")
    with pytest.raises(ValueError, match="2026-06-02.jsonl.gz is dated on a day without an arXiv mailing"):
        ReplayArxiv(tmp_path, holidays=[date(2026, 6, 2)])


def test_runs_as_a_module_and_prints_its_url() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "generator.replay", "--listings", str(LISTINGS), "--port", "0"],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/api/query")
        with urllib.request.urlopen(f"{url}?search_query=cat:eess.IV&max_results=1") as answer:
            assert b"<opensearch:totalResults>" in answer.read()
    finally:
        process.terminate()
        process.wait(timeout=10)
