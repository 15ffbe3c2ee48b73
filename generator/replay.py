"""A local arXiv API that replays the shipped real listings, for the offline demo and tests.

Each `YYYY-MM-DD.jsonl.gz` in the listings folder is one real arXiv mailing (the file's date is
the mailing's date). The listing does not say when each paper was submitted, so every paper gets
a deterministic submission time inside its mailing's window (`mailings.mailing_window`), spread by
a hash of its id; version 1, published == updated. `GET /api/query` answers like
export.arxiv.org/api/query: `search_query` with `cat:X` terms (OR-ed inside parentheses) and a
`submittedDate:[FROM TO TO]` range joined by AND, `id_list`, `start`, `max_results`, `sortBy`,
`sortOrder`, in the 2025-26 Atom format; other queries get arXiv's HTTP 400 error feed.
The range is inclusive: TO covers its whole last minute (or day, for YYYYMMDD).

Run it alone: `python -m generator.replay --listings sample/listings --port 8765`.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import re
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

from . import mailings
from .localserver import Answer, LocalServer, answering
from .text import xml_chars
from .records import Paper
from .settings import DEFAULT_HOLIDAYS, Settings
from .sources import configure

__all__ = [
    "DEMO_SOURCES", "ReplayArxiv", "UnsupportedQuery", "Query", "load_listing", "main", "parse_query",
    "with_demo_sources",
]

# The sources the demo enables next to the lab's own (arXiv), served by generator.replay_sources
# from sample/: their URLs and the journal feeds come from the replay's environment overrides.
DEMO_SOURCES: dict[str, dict[str, Any]] = {
    "medrxiv": {"categories": ["radiology and imaging", "health informatics"]},
    "huggingface": {},
    "journals": {},
}

API_PATH = "/api/query"
_SUFFIX = ".jsonl.gz"
_SORT_KEYS = ("relevance", "lastUpdatedDate", "submittedDate")
_SORT_ORDERS = ("ascending", "descending")
_CATEGORY_TERM = re.compile(r"^cat:([A-Za-z-]+(?:\.[A-Za-z-]+)?)$")
_DATE_RANGE = re.compile(r"^submittedDate:\[(\d{8}|\d{12}) TO (\d{8}|\d{12})\]$")
# Characters XML 1.0 cannot carry, even escaped: dropped so the feed stays well-formed.


class UnsupportedQuery(ValueError):
    """A query the replay cannot answer; arXiv would answer HTTP 400 with this message."""


@dataclass(frozen=True)
class Query:
    """What a GET /api/query asks for."""

    category_clauses: tuple[frozenset[str], ...] = ()  # AND of (OR of categories)
    submitted: tuple[datetime, datetime] | None = None  # [from, to) in UTC
    ids: tuple[tuple[str, int | None], ...] = ()  # (bare id, version or None for any)
    start: int = 0
    max_results: int = 10
    sort_by: str = "relevance"
    sort_order: str = "descending"

    def matches(self, paper: Paper) -> bool:
        if self.ids and self.id_position(paper) is None:
            return False
        if self.submitted and not self.submitted[0] <= paper.published < self.submitted[1]:
            return False
        return all(clause.intersection(paper.categories) for clause in self.category_clauses)

    def id_position(self, paper: Paper) -> int | None:
        """Where `paper` is in id_list, if it is there."""
        for position, (bare, version) in enumerate(self.ids):
            if bare == paper.id and version in (None, paper.version):
                return position
        return None


def parse_query(params: Mapping[str, str]) -> Query:
    """The Query of an API request's parameters; UnsupportedQuery for what the replay can't answer."""
    search = params.get("search_query", "").strip()
    ids = tuple(_listed_id(i.strip()) for i in params.get("id_list", "").split(",") if i.strip())
    if not search and not ids:
        raise UnsupportedQuery("search_query or id_list is required")
    clauses: list[frozenset[str]] = []
    submitted = None
    for clause in _split_top_level(search, " AND ") if search else []:
        inner = clause.strip()
        if inner.startswith("(") and inner.endswith(")"):
            inner = inner[1:-1].strip()
        dates = _DATE_RANGE.match(inner)
        if dates:
            submitted = (_instant(dates[1]), _instant(dates[2], end=True))
            continue
        categories = [_CATEGORY_TERM.match(term.strip()) for term in inner.split(" OR ")]
        if not all(categories):
            raise UnsupportedQuery(
                f"unsupported search term {clause.strip()!r} (replay knows cat: and submittedDate:)"
            )
        clauses.append(frozenset(match[1] for match in categories if match))
    sort_by = params.get("sortBy", "relevance")
    sort_order = params.get("sortOrder", "descending")
    if sort_by not in _SORT_KEYS or sort_order not in _SORT_ORDERS:
        raise UnsupportedQuery(f"unknown sort {sort_by!r} {sort_order!r}")
    return Query(
        category_clauses=tuple(clauses),
        submitted=submitted,
        ids=ids,
        start=_count(params, "start", 0),
        max_results=_count(params, "max_results", 10),
        sort_by=sort_by,
        sort_order=sort_order,
    )


def with_demo_sources(settings: Settings, env: Mapping[str, str]) -> Settings:
    """The lab's settings with DEMO_SOURCES enabled too (those it has not enabled itself), their
    endpoints from `env`, and no pacing between requests: every server is on 127.0.0.1."""
    extra = {name: entry for name, entry in DEMO_SOURCES.items() if name not in settings.sources}
    if not json.loads(env.get("DIGEST_JOURNALS_FEEDS") or "[]"):
        extra.pop("journals", None)  # a sample without recorded feeds: the source needs one
    http = settings.digest.http.model_copy(update={"interval_seconds": 0.0, "host_intervals": {}})
    return replace(
        settings,
        # the settings as the lab would write them too: the About page lists digest.sources
        digest=settings.digest.model_copy(update={"http": http, "sources": {**settings.digest.sources, **extra}}),
        sources={**settings.sources, **configure(extra, env=env)},
    )


def load_listing(path: Path, day: date, holidays: Collection[date]) -> list[Paper]:
    """The papers of one listing file, each submitted at its deterministic time in `day`'s window."""
    start, end = mailings.mailing_window(day, holidays)
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [_listed_paper(row, submission_time(row["id"], start, end)) for row in rows]


def submission_time(paper_id: str, start: datetime, end: datetime) -> datetime:
    """A whole second in [start, end), the same for the same id on every run."""
    seconds = int((end - start).total_seconds())
    offset = int.from_bytes(hashlib.sha256(paper_id.encode()).digest()[:8], "big") % seconds
    return start + timedelta(seconds=offset)


def select(papers: Iterable[Paper], query: Query) -> tuple[list[Paper], int]:
    """The requested page of matching papers, and how many match in all."""
    matching = [paper for paper in papers if query.matches(paper)]
    descending = query.sort_order == "descending"
    if query.sort_by == "submittedDate":
        matching.sort(key=lambda p: (p.published, p.id), reverse=descending)
    elif query.sort_by == "lastUpdatedDate":
        matching.sort(key=lambda p: (p.updated, p.id), reverse=descending)
    elif query.ids:  # relevance of an id_list: the order asked for
        matching.sort(key=lambda p: query.id_position(p) or 0)
    return matching[query.start:query.start + query.max_results], len(matching)


def render_feed(params: Mapping[str, str], query: Query, page: Sequence[Paper], total: int,
                now: datetime) -> bytes:
    """An Atom page shaped like the arXiv API's 2025-26 responses."""
    asked = {
        "search_query": params.get("search_query", ""), "id_list": params.get("id_list", ""),
        "start": str(query.start), "max_results": str(query.max_results),
    }
    title = "arXiv Query: " + "&".join(f"{key}={value}" for key, value in asked.items())
    lines = [
        *_feed_head(_feed_id(title), title, now),
        f'  <link href={quoteattr("https://arxiv.org/api/query?" + urlencode(asked))} '
        'type="application/atom+xml"/>',
        f"  <opensearch:itemsPerPage>{query.max_results}</opensearch:itemsPerPage>",
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>",
        f"  <opensearch:startIndex>{query.start}</opensearch:startIndex>",
    ]
    for paper in page:
        lines.extend(_entry(paper))
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def render_error(message: str, now: datetime) -> bytes:
    """arXiv's error feed: one entry whose id is under https://arxiv.org/api/errors."""
    anchor = "https://arxiv.org/api/errors#" + re.sub(r"[^A-Za-z0-9]+", "_", message).strip("_")
    lines = [
        *_feed_head("https://arxiv.org/", "arXiv Search Results", now),
        "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>",
        "  <opensearch:totalResults>1</opensearch:totalResults>",
        "  <opensearch:startIndex>0</opensearch:startIndex>",
        "  <entry>",
        f"    <id>{_text(anchor)}</id>",
        "    <title>Error</title>",
        f"    <updated>{_stamp(now)}</updated>",
        f'    <link href={quoteattr(anchor)} rel="alternate" type="text/html"/>',
        f"    <summary>{_text(message)}</summary>",
        "    <author>",
        "      <name>arXiv api core</name>",
        "    </author>",
        "  </entry>",
        "</feed>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


class ReplayArxiv(LocalServer):
    """A context manager running the replayed arXiv API on 127.0.0.1 in a background thread."""

    def __init__(self, listings_dir: Path, *, holidays: Collection[date] = (), port: int = 0):
        self._archive = _Archive(Path(listings_dir), holidays)
        self._lock = threading.Lock()
        self.requests = 0  # requests served, for tests and the demo's log
        super().__init__(answering(self._get), port=port)

    @property
    def url(self) -> str:
        """The API query URL, e.g. http://127.0.0.1:8765/api/query (for DIGEST_ARXIV_URL)."""
        return f"{self.origin}{API_PATH}"

    def answer(self, params: Mapping[str, str]) -> tuple[int, bytes]:
        """The HTTP status and Atom body for one query."""
        now = datetime.now(timezone.utc)
        try:
            query = parse_query(params)
        except UnsupportedQuery as exc:
            return 400, render_error(str(exc), now)
        page, total = select(self._archive.papers(query.submitted), query)
        return 200, render_feed(params, query, page, total, now)

    def _count_request(self) -> None:
        with self._lock:
            self.requests += 1

    def _get(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        self._count_request()
        if path != API_PATH:
            return 404, b"not found: the API is at /api/query\n", {"Content-Type": "text/plain"}
        status, body = self.answer(query)
        return status, body, {"Content-Type": "application/atom+xml; charset=UTF-8"}


class _Archive:
    """The listing files, indexed at once by mailing window, each read on first use."""

    def __init__(self, folder: Path, holidays: Collection[date]):
        if not folder.is_dir():
            raise FileNotFoundError(f"listings folder {folder} not found")
        self._holidays = tuple(holidays)
        self._files: dict[date, Path] = {}
        for path in sorted(folder.glob(f"*{_SUFFIX}")):
            try:
                day = date.fromisoformat(path.name.removesuffix(_SUFFIX))
            except ValueError:
                continue  # not a day's listing (e.g. background-5k)
            if not mailings.is_mailing_day(day, self._holidays):
                raise ValueError(f"listing {path.name} is dated on a day without an arXiv mailing")
            self._files[day] = path
        self._windows = {day: mailings.mailing_window(day, self._holidays) for day in self._files}
        self._loaded: dict[date, list[Paper]] = {}
        self._lock = threading.Lock()

    def papers(self, window: tuple[datetime, datetime] | None) -> list[Paper]:
        """The papers of every listing whose mailing window meets `window` (None: all)."""
        days = [
            day for day, (start, end) in self._windows.items()
            if window is None or (start < window[1] and window[0] < end)
        ]
        return [paper for day in days for paper in self._listing(day)]

    def _listing(self, day: date) -> list[Paper]:
        with self._lock:
            if day not in self._loaded:
                self._loaded[day] = load_listing(self._files[day], day, self._holidays)
            return self._loaded[day]


def _listed_paper(row: Mapping[str, Any], submitted: datetime) -> Paper:
    paper_id = str(row["id"])
    primary = str(row.get("primary_category") or "")
    categories = [str(c) for c in row.get("categories") or []]
    return Paper(
        id=paper_id,
        version=1,
        title=str(row.get("title") or ""),
        abstract=str(row.get("abstract") or ""),
        authors=tuple(str(a) for a in row.get("authors") or []),
        categories=tuple(dict.fromkeys([primary, *categories] if primary else categories)),
        primary_category=primary or (categories[0] if categories else ""),
        published=submitted,
        updated=submitted,
        url=f"https://arxiv.org/abs/{paper_id}",
        pdf_url=f"https://arxiv.org/pdf/{paper_id}v1",
    )


def _entry(paper: Paper) -> list[str]:
    versioned = f"{paper.id}v{paper.version}"
    return [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{_text(versioned)}</id>",
        f"    <title>{_text(paper.title)}</title>",
        f"    <updated>{_stamp(paper.updated)}</updated>",
        f'    <link href={quoteattr(f"https://arxiv.org/abs/{versioned}")} rel="alternate" '
        'type="text/html"/>',
        f'    <link href={quoteattr(f"https://arxiv.org/pdf/{versioned}")} rel="related" '
        'type="application/pdf" title="pdf"/>',
        f"    <summary>{_text(paper.abstract)}</summary>",
        *(
            f'    <category term={quoteattr(xml_chars(category))} scheme="http://arxiv.org/schemas/atom"/>'
            for category in paper.categories
        ),
        f"    <published>{_stamp(paper.published)}</published>",
        f"    <arxiv:primary_category term={quoteattr(xml_chars(paper.primary_category))}/>",
        *(f"    <author>\n      <name>{_text(author)}</name>\n    </author>" for author in paper.authors),
        "  </entry>",
    ]


def _feed_head(feed_id: str, title: str, now: datetime) -> list[str]:
    return [
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">',
        f"  <id>{_text(feed_id)}</id>",
        f"  <title>{_text(title)}</title>",
        f"  <updated>{_stamp(now)}</updated>",
    ]


def _feed_id(title: str) -> str:
    digest = hashlib.sha1(title.encode()).digest()
    return "https://arxiv.org/api/" + base64.b64encode(digest).decode().rstrip("=")


def _split_top_level(text: str, separator: str) -> list[str]:
    """`text` split at `separator` outside parentheses and brackets."""
    parts: list[str] = []
    depth = begin = index = 0
    while index < len(text):
        if depth == 0 and text.startswith(separator, index):
            parts.append(text[begin:index])
            index = begin = index + len(separator)
            continue
        if text[index] in "([":
            depth += 1
        elif text[index] in ")]":
            depth -= 1
        index += 1
    parts.append(text[begin:])
    return parts


def _listed_id(text: str) -> tuple[str, int | None]:
    """An id_list item: `2606.00002` (any version) or `2606.00002v1`."""
    match = re.fullmatch(r"(.+?)v(\d+)", text)
    return (match[1], int(match[2])) if match else (text, None)


def _instant(stamp: str, *, end: bool = False) -> datetime:
    """A submittedDate bound (YYYYMMDD or YYYYMMDDHHMM, UTC); `end` moves past its last minute/day."""
    if len(stamp) == 8:
        moment, step = datetime.strptime(stamp, "%Y%m%d"), timedelta(days=1)
    else:
        moment, step = datetime.strptime(stamp, "%Y%m%d%H%M"), timedelta(minutes=1)
    moment = moment.replace(tzinfo=timezone.utc)
    return moment + step if end else moment


def _count(params: Mapping[str, str], name: str, default: int) -> int:
    value = params.get(name, "")
    if value == "":
        return default
    if not value.isdigit():
        raise UnsupportedQuery(f"{name} must be a non-negative integer")
    return int(value)


def _text(text: str) -> str:
    return escape(xml_chars(text))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the replayed arXiv API until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m generator.replay", description="A local arXiv API replaying real listings."
    )
    parser.add_argument("--listings", type=Path, default=Path("sample/listings"),
                        help="folder of YYYY-MM-DD.jsonl.gz listings (default: sample/listings)")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default: 8765)")
    args = parser.parse_args(argv)
    with ReplayArxiv(args.listings, holidays=DEFAULT_HOLIDAYS, port=args.port) as replay:
        print(replay.url, flush=True)
        print(f"  e.g. DIGEST_ARXIV_URL={replay.url} DIGEST_ARXIV_DELAY=0 digest run --date 2026-06-02",
              flush=True)
        replay.wait()


if __name__ == "__main__":
    main()
