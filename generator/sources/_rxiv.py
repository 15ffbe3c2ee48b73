"""medRxiv and bioRxiv through their public details API (one implementation, two sources).

`GET <url>/<from>/<to>/<cursor>` (url = `https://api.biorxiv.org/details/<server>`) lists every
version posted in the date interval, a page at a time; `messages[0]` says how many there are in
all (`total`, sometimes a string) and how many this page holds (`count`; the API has served 100
and, since 2026, 30 per page: the cursor advances by what each page holds). With categories in
the settings, each category is asked for apart (`?category=radiology_and_imaging`) and checked
again on arrival. The interval is the DigestDay's `dates` (previous mailing .. the day before), so
weekend postings roll into Monday's digest. Versions are collapsed to the latest; the DOI is the
paper's id; `date` is the posting date of that version.

An empty interval answers `{"messages": [{"status": "no posts found"}], "collection": []}`; an
empty body, a body that is not JSON, or any other status is a SourceError.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from .. import http as polite
from ..errors import SourceError
from ..merge import latest_versions
from ..records import Paper, SourceRef
from ..text import one_line, plain_text
from . import DigestDay

# Words kept lower case in a category's display name ("Radiology and Imaging").
_SMALL_WORDS = frozenset({"and", "of", "the", "in", "for", "on"})
# A page may not hold more than this: a misbehaving cursor must not loop for ever.
_MAX_PAGES = 200


class RxivSettings(BaseModel):
    """Shared settings of the medRxiv and bioRxiv sources."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(description="details API of the server, asked `<url>/<from>/<to>/<cursor>`")
    categories: list[str] = Field(
        [], description="the server's subject categories to keep, e.g. 'radiology and imaging' "
        "(empty: all)"
    )
    max_papers: int = Field(3000, ge=1, description="most records fetched for one digest")


@dataclass(frozen=True)
class Server:
    """Who a details API speaks for."""

    name: str  # the source's registered name: "medrxiv"
    label: str  # how it is named to people: "medRxiv"
    site: str  # the paper pages' origin: "https://www.medrxiv.org"


@dataclass(frozen=True)
class Page:
    """One page of the details API."""

    total: int
    rows: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class RxivSource:
    """A preprint server's source: the versions posted on the digest's dates, in its categories."""

    server: Server
    settings: RxivSettings

    @property
    def name(self) -> str:
        return self.server.name

    def fetch(self, day: DigestDay, http: httpx.Client) -> list[Paper]:
        if not day.dates:
            return []
        first, last = min(day.dates), max(day.dates)
        wanted = {category_key(c) for c in self.settings.categories}
        rows: list[Mapping[str, Any]] = []
        asked: list[str | None] = [*self.settings.categories] or [None]
        for category in asked:
            rows.extend(self._rows(http, first, last, category))
        papers = [
            to_paper(row, self.server) for row in rows
            if not wanted or category_key(str(row.get("category") or "")) in wanted
        ]
        in_dates = [paper for paper in papers if paper and paper.updated.date() in day.dates]
        return latest_versions(in_dates)

    def _rows(
        self, http: httpx.Client, first: date, last: date, category: str | None
    ) -> list[Mapping[str, Any]]:
        params = {"category": category_key(category)} if category else None
        rows: list[Mapping[str, Any]] = []
        cursor = 0
        for _ in range(_MAX_PAGES):
            url = polite.below(self.settings.url, str(first), str(last), str(cursor))
            response = polite.get(http, url, label=self.server.label, params=params)
            page = parse_page(response.content, label=self.server.label)
            rows.extend(page.rows)
            cursor += len(page.rows)
            if not page.rows or cursor >= page.total or len(rows) >= self.settings.max_papers:
                break
        return rows[: self.settings.max_papers]


def parse_page(body: bytes, *, label: str) -> Page:
    """One details page; SourceError with one line for an empty, malformed or refused answer."""
    if not body.strip():
        raise SourceError(f"{label}: the details API sent an empty answer")
    try:
        data = json.loads(body)
    except ValueError:
        raise SourceError(f"{label}: the details API sent a malformed answer (not JSON)") from None
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
        raise SourceError(f"{label}: the details API answer has no messages")
    status = str(messages[0].get("status", ""))
    collection = data.get("collection") or []
    if status.startswith("no posts found"):
        return Page(0, ())
    if status != "ok" or not isinstance(collection, list):
        raise SourceError(f"{label}: the details API said {one_line(status)[:120]!r}")
    try:
        total = int(messages[0].get("total", len(collection)))
    except (TypeError, ValueError):
        raise SourceError(f"{label}: the details API gave no usable total") from None
    return Page(total, tuple(row for row in collection if isinstance(row, dict) and row.get("doi")))


def to_paper(row: Mapping[str, Any], server: Server) -> Paper | None:
    """The Paper of one details record: the DOI as id, this version's pages, its posting date.

    None for a record without a usable date (it cannot be placed in a digest).
    """
    doi = str(row["doi"]).strip()
    version = _int(row.get("version"), 1)
    category = category_name(str(row.get("category") or ""))
    posted = _posted(row.get("date"))
    if posted is None:
        return None
    url = f"{server.site}/content/{doi}v{version}"
    fields: list[tuple[str, str | int]] = [("version", version)]
    if row.get("jatsxml"):
        fields.append(("jatsxml", str(row["jatsxml"])))
    if row.get("published") and str(row["published"]) != "NA":
        fields.append(("published_doi", str(row["published"])))
    return Paper(
        id=doi,
        version=version,
        title=plain_text(str(row.get("title") or "")),
        abstract=plain_text(str(row.get("abstract") or "")),
        authors=authors(str(row.get("authors") or "")),
        categories=(category,) if category else (),
        primary_category=category,
        published=posted,
        updated=posted,
        url=url,
        pdf_url=f"{url}.full.pdf",
        source=server.name,
        doi=doi,
        sources=(SourceRef(server.name, doi, url, category=category or None, fields=tuple(fields)),),
    )


def authors(text: str) -> tuple[str, ...]:
    """"Doe, J.; Roe, R. A." -> ("J. Doe", "R. A. Roe"): the order arXiv and the radar use."""
    names = []
    for part in plain_text(text).split(";"):
        surname, _, given = part.strip().partition(",")
        name = f"{given.strip()} {surname.strip()}".strip()
        if name:
            names.append(name)
    return tuple(names)


def category_key(category: str) -> str:
    """The API's form of a category: "Radiology and Imaging" -> "radiology_and_imaging"."""
    return "_".join(category.lower().split())


def category_name(category: str) -> str:
    """The display form: "radiology and imaging" -> "Radiology and Imaging"."""
    words = one_line(category).replace("_", " ").lower().split()
    return " ".join(
        word if index and word in _SMALL_WORDS else word[:1].upper() + word[1:]
        for index, word in enumerate(words)
    )


def _int(value: object, default: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default


def _posted(value: object) -> datetime | None:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
