"""Hugging Face daily papers against a real local server replaying recorded responses."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import pytest

from generator.errors import SourceError
from generator.merge import merge
from generator.pipeline import find_code_url
from generator.records import SourceRef
from generator.replay_sources import ReplaySources
from generator.sources import huggingface
from tests.support.http_server import Reply, ScriptedServer, Seen, fixture, in_order
from tests.support.sources import SAMPLE, client, digest_day

RECORDED = "hf_daily_papers/lucas-m-lopes_sotawhat__hf_daily_papers.json"


def test_a_recorded_day_gives_arxiv_papers_with_the_communitys_numbers() -> None:
    with ReplaySources(SAMPLE) as replay, client() as http:
        settings = huggingface.Settings(url=replay.env()["DIGEST_HF_URL"])
        papers = huggingface.source(settings).fetch(digest_day("2026-06-02"), http)
    assert replay.requests["daily_papers"] == 1
    assert len(papers) == 30
    by_id = {paper.id: paper for paper in papers}
    paper = by_id["2606.13392"]  # "MiniMax Sparse Attention": 103 upvotes, 4 comments, a repo
    assert paper.source == "huggingface" and paper.key == "huggingface:2606.13392"
    assert paper.title == "MiniMax Sparse Attention"
    assert paper.url == "https://huggingface.co/papers/2606.13392"
    assert paper.pdf_url == "https://arxiv.org/pdf/2606.13392"
    assert paper.upvotes == 103
    ref = paper.sources[0]
    assert (ref.source, ref.id, ref.upvotes) == ("huggingface", "2606.13392", 103)
    fields = dict(ref.fields)
    assert fields["arxiv_url"] == "https://arxiv.org/abs/2606.13392"
    assert fields["comments"] == 4 and fields["github_repo"] == "https://github.com/MiniMax-AI/MSA"
    # the repository is the source's field, and the card's code link; no invented arXiv comment
    assert paper.comment is None and find_code_url(paper) == "https://github.com/MiniMax-AI/MSA"
    # merged with its arXiv listing: arXiv's own comment stays, the code link still comes from HF
    listed = replace(paper, source="arxiv", url="https://arxiv.org/abs/2606.13392", comment="12 pages",
                     sources=(SourceRef("arxiv", paper.id, "https://arxiv.org/abs/2606.13392", "cs.CL"),))
    (merged,) = merge([[listed], [paper]])
    assert merged.comment == "12 pages" and find_code_url(merged) == "https://github.com/MiniMax-AI/MSA"
    assert paper.published.isoformat() == "2026-06-11T00:00:00+00:00"
    assert by_id["2606.00467"].upvotes == 0 and by_id["2606.00467"].authors[0] == "Etienne Casanova"


def test_stars_ride_along_with_a_repository() -> None:
    recorded = Reply(fixture("hf_daily_papers/zzjjay_llm-paper-radar__hf_daily_response_small.json"))
    with ScriptedServer(in_order(recorded)) as server, client() as http:
        papers = huggingface.source(huggingface.Settings(url=server.url("/api/daily_papers"))).fetch(
            digest_day("2026-05-08"), http)
    items = json.loads(fixture("hf_daily_papers/zzjjay_llm-paper-radar__hf_daily_response_small.json"))
    with_stars = [i["paper"] for i in items if i["paper"].get("githubRepo") and "githubStars" in i["paper"]]
    assert with_stars
    fields = dict(next(p for p in papers if p.id == with_stars[0]["id"]).sources[0].fields)
    assert fields["stars"] == with_stars[0]["githubStars"]


def test_one_request_per_date_and_one_paper_per_id_with_its_highest_count() -> None:
    items = json.loads(fixture(RECORDED))
    friday = [items[1]]
    saturday = [dict(items[1], paper={**items[1]["paper"], "upvotes": 40}), items[2]]

    def respond(seen):  # type: ignore[no-untyped-def]
        day = seen.query["date"]
        return Reply(json.dumps({"2026-05-29": friday, "2026-05-30": saturday}.get(day, [])).encode())

    with ScriptedServer(respond) as server, client() as http:
        papers = huggingface.source(huggingface.Settings(url=server.url("/api/daily_papers"))).fetch(
            digest_day("2026-06-01", "2026-05-29", "2026-05-30", "2026-05-31"), http)
    assert [seen.query for seen in server.seen] == [  # short pages: one request per date
        {"date": d, "limit": "100", "p": "0"} for d in ("2026-05-29", "2026-05-30", "2026-05-31")]
    assert [(p.id, p.upvotes) for p in papers] == [("2606.12730", 40), ("2606.13594", 3)]


def test_min_upvotes_leaves_out_the_quiet_papers() -> None:
    with ScriptedServer(in_order(Reply(fixture(RECORDED)))) as server, client() as http:
        settings = huggingface.Settings(url=server.url("/api"), min_upvotes=20)
        papers = huggingface.source(settings).fetch(digest_day("2026-06-02"), http)
    assert sorted(p.upvotes or 0 for p in papers) == [25, 74, 103, 118]


def test_an_empty_day_and_entries_without_an_id() -> None:
    body = json.dumps([{"paper": {"title": "no id"}}, {"title": "no paper"}, "junk"]).encode()
    with ScriptedServer(in_order(Reply(b"[]"), Reply(body))) as server, client() as http:
        source = huggingface.source(huggingface.Settings(url=server.url("/api")))
        assert source.fetch(digest_day("2026-06-02"), http) == []
        assert source.fetch(digest_day("2026-06-02"), http) == []


def test_html_in_titles_becomes_text() -> None:
    item = {"paper": {"id": "2606.00001", "title": "<b>Bold</b> &amp; SAM", "summary": "<p>x</p>",
                      "authors": [{"name": "A. B"}], "upvotes": 2}, "numComments": 0}
    with ScriptedServer(in_order(Reply(json.dumps([item]).encode()))) as server, client() as http:
        (paper,) = huggingface.source(huggingface.Settings(url=server.url("/api"))).fetch(
            digest_day("2026-06-02"), http)
    assert (paper.title, paper.abstract) == ("Bold & SAM", "x")
    assert paper.published.isoformat() == "2026-06-01T00:00:00+00:00"  # no date given: the page's


@pytest.mark.parametrize(("body", "message"), [
    (b'[{"paper": {"id": "2606.0', "Hugging Face: the daily papers API sent a malformed answer (not JSON)"),
    (b'{"error": "Invalid date"}', "Hugging Face: the daily papers API did not send a list of papers"),
])
def test_malformed_answers_are_one_line_errors(body: bytes, message: str) -> None:
    with ScriptedServer(in_order(Reply(body))) as server, client() as http:
        with pytest.raises(SourceError) as caught:
            huggingface.source(huggingface.Settings(url=server.url("/api"))).fetch(
                digest_day("2026-06-02"), http)
    assert str(caught.value) == message


def test_settings() -> None:
    assert all(field.description for field in huggingface.Settings.model_fields.values())
    assert huggingface.Settings().url == "https://huggingface.co/api/daily_papers"
    with pytest.raises(ValueError, match="extra"):
        huggingface.Settings(urls="x")  # type: ignore[call-arg]


def test_a_full_page_asks_for_the_next_one() -> None:
    """The API gives at most `limit` papers an answer: a busy day's page comes in several answers."""
    template = json.loads(fixture(RECORDED))[0]
    day = [dict(template, paper={**template["paper"], "id": f"2606.{n:05d}", "upvotes": n}) for n in range(130)]

    def respond(seen: Seen) -> Reply:
        start = int(seen.query["p"]) * int(seen.query["limit"])
        return Reply(json.dumps(day[start:start + int(seen.query["limit"])]).encode())

    with ScriptedServer(respond) as server, client() as http:
        papers = huggingface.source(huggingface.Settings(url=server.url("/api"))).fetch(digest_day("2026-06-02"), http)
    assert [seen.query["p"] for seen in server.seen] == ["0", "1"]  # 100, then the last 30
    assert len(papers) == 130 and len({p.id for p in papers}) == 130


def test_an_api_ignoring_the_page_number_is_asked_twice_not_for_ever() -> None:
    template = json.loads(fixture(RECORDED))[0]
    full = [dict(template, paper={**template["paper"], "id": f"2606.{n:05d}"}) for n in range(100)]
    with ScriptedServer(in_order(Reply(json.dumps(full).encode()))) as server, client() as http:
        papers = huggingface.source(huggingface.Settings(url=server.url("/api"))).fetch(digest_day("2026-06-02"), http)
    assert len(server.seen) == 2 and len(papers) == 100  # the second page brought nothing new


def test_a_truncated_answer_is_retried_then_reported() -> None:
    truncated = Reply(fixture(RECORDED)[:500], content_length=len(fixture(RECORDED)))
    with ScriptedServer(in_order(truncated)) as server, client() as http:
        with pytest.raises(SourceError, match=r"^Hugging Face: cannot reach http://127\.0\.0\.1:\d+/api \("):
            huggingface.source(huggingface.Settings(url=server.url("/api"))).fetch(digest_day("2026-06-02"), http)
    assert len(server.seen) == 3  # one try, two retries


def test_the_configured_urls_own_query_is_kept() -> None:
    with ScriptedServer(in_order(Reply(b"[]"))) as server, client() as http:
        huggingface.source(huggingface.Settings(url=server.url("/api?sig=abc"))).fetch(digest_day("2026-06-02"), http)
    assert server.seen[0].query == {"sig": "abc", "date": "2026-06-01", "limit": "100", "p": "0"}


def day_of(count: int) -> list[dict[str, object]]:
    template = json.loads(fixture(RECORDED))[0]
    return [dict(template, paper={**template["paper"], "id": f"2606.{n:05d}", "upvotes": n}) for n in range(count)]


def test_a_server_capping_the_page_at_50_is_paged_by_50() -> None:
    day = day_of(130)

    def respond(seen: Seen) -> Reply:  # at most 50 an answer, whatever `limit` asks
        size = min(50, int(seen.query["limit"]))
        start = int(seen.query["p"]) * size
        return Reply(json.dumps(day[start:start + size]).encode())

    with ScriptedServer(respond) as server, client() as http:
        papers = huggingface.source(huggingface.Settings(url=server.url("/api"))).fetch(digest_day("2026-06-02"), http)
    assert [(seen.query["p"], seen.query["limit"]) for seen in server.seen] == [("0", "100"), ("1", "50"), ("2", "50")]
    assert len(papers) == 130 and len({p.id for p in papers}) == 130


def test_a_day_of_70_on_a_server_honouring_the_limit_costs_one_more_request() -> None:
    day = day_of(70)

    def respond(seen: Seen) -> Reply:
        start = int(seen.query["p"]) * int(seen.query["limit"])
        return Reply(json.dumps(day[start:start + int(seen.query["limit"])]).encode())

    with ScriptedServer(respond) as server, client() as http:
        papers = huggingface.source(huggingface.Settings(url=server.url("/api"))).fetch(digest_day("2026-06-02"), http)
    assert [(seen.query["p"], seen.query["limit"]) for seen in server.seen] == [("0", "100"), ("1", "70")]
    assert len(papers) == 70


def test_a_date_still_full_after_max_pages_is_cut_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    day = day_of(100 * huggingface.MAX_PAGES + 5)

    def respond(seen: Seen) -> Reply:
        start = int(seen.query["p"]) * int(seen.query["limit"])
        return Reply(json.dumps(day[start:start + int(seen.query["limit"])]).encode())

    with caplog.at_level(logging.WARNING), ScriptedServer(respond) as server, client() as http:
        papers = huggingface.source(huggingface.Settings(url=server.url("/api"))).fetch(digest_day("2026-06-02"), http)
    assert len(server.seen) == huggingface.MAX_PAGES and len(papers) == 100 * huggingface.MAX_PAGES
    assert [record.getMessage() for record in caplog.records] == [
        "Hugging Face: 2026-06-01 still had papers after 10 pages (1000 papers); the rest are left out"]
