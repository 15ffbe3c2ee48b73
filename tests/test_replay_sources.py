"""The replay of the non-arXiv sources answers like the real services."""

from __future__ import annotations

import json

import httpx

from generator.replay_sources import ReplaySources
from tests.support.sources import SAMPLE


def test_answers_like_the_services() -> None:
    with ReplaySources(SAMPLE) as replay, httpx.Client() as http:
        env = replay.env()
        page = http.get(env["DIGEST_MEDRXIV_URL"] + "/2026-06-01/2026-06-01/0",
                        params={"category": "radiology_and_imaging"}).json()
        empty = http.get(env["DIGEST_MEDRXIV_URL"] + "/2026-07-01/2026-07-02/0").json()
        daily = http.get(env["DIGEST_HF_URL"], params={"date": "2026-06-01"}).json()
        none = http.get(env["DIGEST_HF_URL"], params={"date": "2026-06-02"}).json()
        work = http.get(env["DIGEST_CROSSREF_URL"] + "/10.5555/S41746-026-99001-X")
        missing = http.get(env["DIGEST_CROSSREF_URL"] + "/10.5555/nothing")
        feeds = json.loads(env["DIGEST_JOURNALS_FEEDS"])
        first = http.get(feeds[0]["url"])
        again = http.get(feeds[0]["url"], headers={"If-None-Match": first.headers["ETag"]})
    assert page["messages"][0] == {"status": "ok", "category": "radiology_and_imaging",
                                   "interval": "2026-06-01:2026-06-01", "cursor": 0, "count": 5, "total": "5"}
    assert empty == {"messages": [{"status": "no posts found"}], "collection": []}
    assert len(daily) == 30 and none == []
    assert work.json()["message"]["DOI"] == "10.5555/s41746-026-99001-x"
    assert (missing.status_code, missing.text) == (404, "Resource not found.")
    assert [feed["name"] for feed in feeds] == ["Medical Image Analysis", "npj Digital Medicine"]
    assert first.status_code == 200 and again.status_code == 304
    assert replay.requests == {"details": 2, "daily_papers": 2, "crossref": 2, "feed": 2, "feed_not_modified": 1}
