"""A local server replaying the non-arXiv sources' recorded answers, for the offline demo and tests.

It answers, from a folder laid out like `sample/` (see sample/README.md for what each file is):
- `GET /details/<server>/<from>/<to>/<cursor>[/json][?category=c]`: the medRxiv/bioRxiv details
  API over the records in `<server>/details.json`: those posted in [from, to], in category `c`
  (lower case, underscores for spaces), 30 a page (the 2026 page size), `messages[0].total` as a
  string as the real API sends it; `{"status": "no posts found"}` for an empty interval.
- `GET /api/daily_papers?date=YYYY-MM-DD`: `huggingface/<date>.json`, or `[]` for another date.
- `GET /journals/<file>`: a table-of-contents feed from `journals/`, with an ETag; a request whose
  If-None-Match carries it gets 304.
- `GET /works/<doi>`: Crossref's answer for that DOI from `crossref/works.json`, or Crossref's
  404 "Resource not found."; `GET /works?filter=alternative-id:<id>`: the list of those works
  whose `alternative-id` holds it (Elsevier's PII).
`requests` counts what was asked, per kind, for the benchmark and the demo's log.

Run it alone: `python -m generator.replay_sources --sample sample --port 8766`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from .localserver import Answer, LocalServer, answering

__all__ = ["PAGE_SIZE", "ReplaySources", "details_page", "main"]

PAGE_SIZE = 30
_FEED_TYPES = {
    ".xml": "application/xml", ".rss": "application/rss+xml", ".rdf": "application/rdf+xml",
    ".atom": "application/atom+xml",
}

def details_page(
    records: Sequence[Mapping[str, Any]], first: date, last: date, cursor: int,
    category: str | None = None, page_size: int = PAGE_SIZE,
) -> dict[str, Any]:
    """The details API's answer for one page of `records` posted in [first, last]."""
    chosen = [
        row for row in records
        if first.isoformat() <= str(row.get("date", "")) <= last.isoformat()
        and (category is None or "_".join(str(row.get("category", "")).lower().split()) == category)
    ]
    if not chosen:
        return {"messages": [{"status": "no posts found"}], "collection": []}
    page = chosen[cursor:cursor + page_size]
    message = {
        "status": "ok", "category": category or "all", "interval": f"{first}:{last}",
        "cursor": cursor, "count": len(page), "total": str(len(chosen)),
    }
    return {"messages": [message], "collection": page}


class ReplaySources(LocalServer):
    """A context manager serving the recorded medRxiv/bioRxiv, Hugging Face, journal and Crossref answers."""

    def __init__(self, sample_dir: Path, *, port: int = 0):
        self._folder = Path(sample_dir)
        if not self._folder.is_dir():
            raise FileNotFoundError(f"sample folder {self._folder} not found")
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()  # requests served, by kind
        super().__init__(answering(self.answer), port=port)

    def env(self) -> dict[str, str]:
        """Environment overrides pointing the sources here; the journal feeds are those listed in
        `journals/feeds.json` (name, file), as DIGEST_JOURNALS_FEEDS."""
        listed = self._folder / "journals" / "feeds.json"
        feeds = json.loads(listed.read_text(encoding="utf-8")) if listed.is_file() else []
        return {
            "DIGEST_MEDRXIV_URL": f"{self.origin}/details/medrxiv",
            "DIGEST_BIORXIV_URL": f"{self.origin}/details/biorxiv",
            "DIGEST_HF_URL": f"{self.origin}/api/daily_papers",
            "DIGEST_CROSSREF_URL": f"{self.origin}/works",
            "DIGEST_JOURNALS_FEEDS": json.dumps(
                [{"name": feed["name"], "url": self.feed_url(feed["file"])} for feed in feeds]
            ),
        }

    def feed_url(self, name: str) -> str:
        """The URL of the recorded feed `journals/<name>`."""
        return f"{self.origin}/journals/{name}"

    def feeds(self) -> list[str]:
        """The recorded feeds' file names."""
        return sorted(path.name for path in (self._folder / "journals").glob("*") if path.suffix in _FEED_TYPES)

    def answer(self, path: str, query: Mapping[str, str], headers: Mapping[str, str]) -> Answer:
        """Status, body and headers for one GET."""
        parts = [unquote(part) for part in path.strip("/").split("/")]
        if parts[:1] == ["details"] and len(parts) in (5, 6):
            return self._details(parts[1:], query.get("category"))
        if parts == ["api", "daily_papers"]:
            return self._daily(query.get("date", ""))
        if parts[:1] == ["journals"] and len(parts) == 2:
            return self._feed(parts[1], headers.get("if-none-match"))
        if parts[:1] == ["works"] and len(parts) >= 3:
            return self._work("/".join(parts[1:]))
        if parts == ["works"] and query.get("filter", "").startswith("alternative-id:"):
            return self._works_with(query["filter"].removeprefix("alternative-id:"))
        return 404, b"not found\n", {"Content-Type": "text/plain"}

    def _details(self, parts: list[str], category: str | None) -> Answer:
        self._count("details")
        server, first, last, cursor = parts[:4]
        try:
            interval = date.fromisoformat(first), date.fromisoformat(last)
            start = int(cursor)
        except ValueError:
            body = {"messages": [{"status": "Error: interval or cursor not recognised"}], "collection": []}
            return 200, json.dumps(body).encode(), _JSON
        records_path = self._folder / server / "details.json"
        records = json.loads(records_path.read_text(encoding="utf-8")) if records_path.is_file() else []
        page = details_page(records, *interval, start, category)
        return 200, json.dumps(page, ensure_ascii=False).encode(), _JSON

    def _daily(self, day: str) -> Answer:
        self._count("daily_papers")
        try:
            recorded = self._folder / "huggingface" / f"{date.fromisoformat(day)}.json"
        except ValueError:
            return 400, b'{"error":"Invalid date"}', _JSON
        return 200, recorded.read_bytes() if recorded.is_file() else b"[]", _JSON

    def _feed(self, name: str, if_none_match: str | None) -> Answer:
        self._count("feed")
        path = self._folder / "journals" / name
        if path.suffix not in _FEED_TYPES or not path.is_file():
            return 404, b"no such feed\n", {"Content-Type": "text/plain"}
        body = path.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if if_none_match == etag:
            self._count("feed_not_modified")
            return 304, b"", {"ETag": etag}
        return 200, body, {"Content-Type": _FEED_TYPES[path.suffix], "ETag": etag}

    def _work(self, doi: str) -> Answer:
        self._count("crossref")
        works_path = self._folder / "crossref" / "works.json"
        works = json.loads(works_path.read_text(encoding="utf-8")) if works_path.is_file() else {}
        work = works.get(doi.lower())
        if work is None:
            return 404, b"Resource not found.", {"Content-Type": "text/plain"}
        body = {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": work}
        return 200, json.dumps(body, ensure_ascii=False).encode(), _JSON

    def _works_with(self, alternative_id: str) -> Answer:
        self._count("crossref")
        works_path = self._folder / "crossref" / "works.json"
        works = json.loads(works_path.read_text(encoding="utf-8")) if works_path.is_file() else {}
        found = [work for work in works.values() if alternative_id in work.get("alternative-id", [])]
        message = {"facets": {}, "total-results": len(found), "items": found[:1], "items-per-page": 1}
        body = {"status": "ok", "message-type": "work-list", "message-version": "1.0.0", "message": message}
        return 200, json.dumps(body, ensure_ascii=False).encode(), _JSON

    def _count(self, kind: str) -> None:
        with self._lock:
            self.requests[kind] += 1


_JSON = {"Content-Type": "application/json; charset=utf-8"}


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the recorded sources until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m generator.replay_sources",
        description="A local medRxiv/bioRxiv, Hugging Face, journal-feed and Crossref replay.",
    )
    parser.add_argument("--sample", type=Path, default=Path("sample"),
                        help="folder laid out like sample/ (default: sample)")
    parser.add_argument("--port", type=int, default=8766, help="port on 127.0.0.1 (default: 8766)")
    args = parser.parse_args(argv)
    with ReplaySources(args.sample, port=args.port) as replay:
        for name, value in replay.env().items():
            print(f"{name}={value}", flush=True)
        for feed in replay.feeds():
            print(f"feed: {replay.feed_url(feed)}", flush=True)
        replay.wait()


if __name__ == "__main__":
    main()
