"""Journal table-of-contents feeds: the articles each listed journal published on the digest's dates.

Every feed in the settings (a name and a URL) is read with feedparser, which knows RSS 2.0,
RSS 1.0 (RDF) and Atom and their date formats. Per item:
- **DOI**: `prism:doi`, `dc:identifier` ("doi:10..."), else a DOI in the item's id or link, else a
  "doi:10..." in its description, else (ScienceDirect's feeds carry none) Crossref's work whose
  alternative id is the PII in the item's link (`<crossref_url>?filter=alternative-id:<pii>`). The
  DOI is the paper's id; without one, the item's id or link is.
- **abstract**: the item's description or content when it is one (at least 30 words, and not a
  citation line such as ScienceDirect's "Publication date: ..." or nature.com's "Published
  online: ..."); else, for an item with a DOI, Crossref's REST API (`<crossref_url>/<doi>`, its
  polite pool reached through the mailto in the User-Agent) gives the abstract and the authors
  the item lacks. A DOI Crossref does not know (404) keeps the item as it is; after any other
  Crossref failure the rest of the run skips Crossref (logged once), so an outage costs one wait.
- **authors**: the item's authors (`dc:creator`, `author`), else ScienceDirect's "Author(s): A,
  B" line, else Crossref's.
- **date**: the item's published/updated date (`pubDate`, `dc:date`, `updated`, `prism:coverDate`),
  else ScienceDirect's "Available online 1 June 2026"; an item counts when its date is one of the
  DigestDay's `dates`. An item **without a date** (e.g. only "Publication date: September 2026")
  counts as first seen by this digest: it is dated the digest's date and offered every run, and
  the store's seen-list keeps it from being shown twice (so a new feed's undated back-issue items
  appear once, on the first digest that reads it).
Items with neither authors, abstract nor DOI are front matter ("Editorial Board") and are left out.
Titles and abstracts are reduced from HTML/JATS to text. A feed that is not well-formed (cut off)
gives the items before the fault, with a warning. A feed that cannot be read fails alone, with one
line naming the journal: the source's parts are its feeds, which the pipeline fetches one by one
(it labels the failing feed, the others publish, the next run reads it again for the dates missed).
"""

from __future__ import annotations

import calendar
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import feedparser
import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .. import http as polite
from ..errors import SourceError
from ..records import Paper, SourceRef
from ..text import one_line, plain_text
from . import DigestDay

__all__ = ["ENV", "Feed", "FeedSource", "Item", "NAME", "Settings", "from_crossref", "parse_feed", "source"]

log = logging.getLogger(__name__)

NAME = "journals"
CROSSREF = "Crossref"
# the demo and tests point them elsewhere; the feeds as a JSON list of {"name": ..., "url": ...}
ENV = {"DIGEST_CROSSREF_URL": "crossref_url", "DIGEST_JOURNALS_FEEDS": "feeds"}
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"'<>]+)", re.IGNORECASE)
_DOI_MENTION = re.compile(r"(?:doi:\s*|doi\.org/)(10\.\d{4,9}/[^\s\"'<>]+)", re.IGNORECASE)
_SD_ONLINE = re.compile(r"Available online\s+(\d{1,2}\s+[A-Z][a-z]+\s+\d{4})")
_SD_AUTHORS = re.compile(r"Author\(s\):\s*(.*)$")
_PII = re.compile(r"/pii/(S[0-9A-Z]{15,17})\b")
_CITATION_LINE = re.compile(r"^Publication date:|Published online:", re.IGNORECASE)
_MIN_ABSTRACT_WORDS = 30


class Feed(BaseModel):
    """One journal's table-of-contents feed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="the journal's name, shown on its papers' badge")
    url: str = Field(min_length=1, description="the feed's URL (RSS 2.0, RSS 1.0/RDF or Atom)")


class Settings(BaseModel):
    """`DIGEST['sources']['journals']`: the journals' feeds and Crossref."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    feeds: list[Feed] = Field(
        [], description="table-of-contents feeds, each `{'name': ..., 'url': ...}` "
        "(env DIGEST_JOURNALS_FEEDS: a JSON list of them); at least one when the source fetches"
    )
    crossref: bool = Field(True, description="ask Crossref for what an item with a DOI lacks")
    crossref_url: str = Field(
        "https://api.crossref.org/works",
        description="Crossref works API, asked `<url>/<doi>` (env DIGEST_CROSSREF_URL)",
    )
    max_items: int = Field(500, ge=1, description="most items read from one feed")

    @field_validator("feeds")
    @classmethod
    def _one_name_each(cls, feeds: list[Feed]) -> list[Feed]:
        # a feed's name labels it when it fails and keys what the next run asks it again for
        names = [feed.name for feed in feeds]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"two feeds are named {', '.join(map(repr, twice))}: give each feed its own name")
        return feeds


@dataclass(frozen=True)
class Item:
    """One feed item, as far as the feed tells."""

    journal: str
    title: str
    link: str
    id: str  # the DOI when known, else the item's id or link
    doi: str | None = None
    abstract: str = ""
    authors: tuple[str, ...] = ()
    published: date | None = None
    pii: str | None = None  # Elsevier's article id, in a ScienceDirect link

    @property
    def lacking(self) -> bool:
        """Whether Crossref could add something: a DOI, the abstract or the authors."""
        return not (self.doi and self.abstract and self.authors)


@dataclass(frozen=True)
class JournalsSource:
    """The items of every listed feed dated on the digest's dates (or first seen by it). Its
    parts are the feeds: the pipeline fetches each alone, so one failing feed fails alone."""

    settings: Settings
    name: str = NAME

    def parts(self) -> list[FeedSource]:
        """One source per feed, sharing one Crossref for the run (an outage costs one wait)."""
        crossref = _Crossref(self.settings.crossref_url) if self.settings.crossref else None
        return [FeedSource(feed, self.settings.max_items, crossref) for feed in self.settings.feeds]

    def fetch(self, day: DigestDay, http: httpx.Client) -> list[Paper]:
        """Every feed's papers; a feed that cannot be read fails the whole (SourceError)."""
        papers = [paper for part in self.parts() for paper in part.fetch(day, http)]
        return list({paper.id: paper for paper in papers}.values())


@dataclass(frozen=True)
class FeedSource:
    """One journal's feed: its items dated on the digest's dates (or first seen by it)."""

    feed: Feed
    max_items: int
    crossref: _Crossref | None

    @property
    def name(self) -> str:
        return self.feed.name

    def fetch(self, day: DigestDay, http: httpx.Client) -> list[Paper]:
        """The feed's papers; SourceError with one line naming the journal if it cannot be read."""
        response = polite.get(http, self.feed.url, label=self.feed.name)
        papers: list[Paper] = []
        for item in parse_feed(response.content, self.feed)[: self.max_items]:
            if item.published is not None and item.published not in day.dates:
                continue
            if self.crossref and (item.doi or item.pii) and item.lacking:
                item = self.crossref.complete(item, http)
            papers.append(to_paper(item, item.published or day.date))
        return list({paper.id: paper for paper in papers}.values())


def source(settings: Settings) -> JournalsSource:
    """The source, set up to fetch; SourceError naming the setting when no feed is listed.

    Checked here, not when the settings load: a lab may pass DIGEST_JOURNALS_FEEDS to the fetch
    alone, and `digest check`, `build` or `email` must not fail without it. (With no feed the
    source would fetch nothing; as the only source, the run would end with no reason.)
    """
    if not settings.feeds:
        raise SourceError(
            f"DIGEST['sources'][{NAME!r}]['feeds']: no feed listed: add {{'name': ..., 'url': ...}} entries "
            "(or set DIGEST_JOURNALS_FEEDS), or remove the journals entry"
        )
    return JournalsSource(settings)


def parse_feed(body: bytes, feed: Feed) -> list[Item]:
    """The items of one feed; SourceError with one line if it is not a feed at all."""
    parsed = feedparser.parse(body)
    problem = one_line(str(parsed.get("bozo_exception") or ""))[:80]
    if not parsed.get("version") and not parsed.entries:
        raise SourceError(f"{feed.name}: the feed is not RSS or Atom" + (f" ({problem})" if problem else ""))
    if parsed.get("bozo") and problem:
        log.warning("%s: the feed is not well-formed (%s); reading what it holds", feed.name, problem)
    items = (_item(entry, feed.name) for entry in parsed.entries)
    return [item for item in items if item is not None]


def _item(entry: Mapping[str, Any], journal: str) -> Item | None:
    title = plain_text(str(entry.get("title") or ""))
    link = _clean_link(str(entry.get("link") or ""))
    described = _described(entry)
    doi = _doi(entry, described)
    if not title or not (doi or link or entry.get("id")):
        return None
    text = plain_text(described)
    abstract = "" if _CITATION_LINE.search(text) or len(text.split()) < _MIN_ABSTRACT_WORDS else text
    authors = tuple(
        name for author in entry.get("authors") or []
        if isinstance(author, Mapping) and (name := one_line(str(author.get("name") or "")))
    )
    listed = _SD_AUTHORS.search(_lines(described)[-1] if described else "")
    if not authors and listed:
        authors = tuple(name for part in listed[1].split(",") if (name := one_line(part)))
    if not (authors or abstract or doi):
        return None  # front matter ("Editorial Board"): nothing to rank or to read
    pii = _PII.search(f"{entry.get('id') or ''} {link}")
    return Item(
        journal=journal,
        title=title,
        link=link or (f"https://doi.org/{doi}" if doi else str(entry.get("id"))),
        id=doi or str(entry.get("id") or link),
        doi=doi,
        abstract=abstract,
        authors=authors,
        published=_published(entry, text),
        pii=pii[1] if pii else None,
    )


def to_paper(item: Item, listed: date) -> Paper:
    """The Paper of one item, dated `listed` (its date, or the digest's for an undated item)."""
    moment = datetime(listed.year, listed.month, listed.day, tzinfo=timezone.utc)
    fields = (("doi", item.doi),) if item.doi else ()
    return Paper(
        id=item.id,
        version=1,
        title=item.title,
        abstract=item.abstract,
        authors=item.authors,
        categories=(item.journal,),
        primary_category=item.journal,
        published=moment,
        updated=moment,
        url=item.link,
        pdf_url="",
        source=NAME,
        doi=item.doi,
        sources=(SourceRef(NAME, item.id, item.link, category=item.journal, fields=fields),),
    )


@dataclass(frozen=True)
class Work:
    """What Crossref says of a work."""

    doi: str | None
    abstract: str
    authors: tuple[str, ...]


def from_crossref(body: bytes, pii: str | None = None) -> Work | None:
    """The work of a Crossref answer: `/works/<doi>`, or the first of a `/works?filter=` list
    (when `pii` is given, only a work listing it among its alternative ids); None if none."""
    try:
        message = json.loads(body).get("message")
    except (ValueError, AttributeError):
        raise SourceError(f"{CROSSREF}: malformed answer (not JSON)") from None
    if isinstance(message, dict) and isinstance(message.get("items"), list):
        found = [work for work in message["items"] if isinstance(work, dict)
                 and (pii is None or pii in (work.get("alternative-id") or []))]
        message = found[0] if found else None
        if message is None:
            return None
    if not isinstance(message, dict):
        raise SourceError(f"{CROSSREF}: the answer has no work")
    abstract = plain_text(str(message.get("abstract") or ""))
    abstract = re.sub(r"^Abstract\s+", "", abstract)
    people: list[str] = []
    bodies: list[str] = []  # persons (given/family), organizations (`name`)
    for author in message.get("author") or []:
        if isinstance(author, dict):
            if person := one_line(" ".join(str(author.get(key) or "") for key in ("given", "family"))):
                people.append(person)
            elif organization := one_line(str(author.get("name") or "")):
                bodies.append(organization)
    # Beside persons, an organization "author" is as often an affiliation deposited in the wrong
    # place (a real record, tests/fixtures/crossref/work-10.17705-1cais.04607.json, lists four
    # universities among its authors): the persons are the authors; a consortium alone is kept.
    authors = people or bodies
    doi = one_line(str(message.get("DOI") or "")) or None
    return Work(doi, abstract, tuple(authors))


class _Crossref:
    """Crossref lookups for one run: stops asking after the first failure that is not a 404."""

    def __init__(self, url: str):
        self._url = url
        self._down = False

    def complete(self, item: Item, http: httpx.Client) -> Item:
        """`item` with the DOI, abstract and authors Crossref has and it lacks: asked by DOI, or
        for a ScienceDirect item without one by its PII (`?filter=alternative-id:<pii>`)."""
        if self._down or not (item.doi or item.pii):
            return item
        try:
            if item.doi:
                response = polite.get(http, polite.below(self._url, item.doi), label=CROSSREF)
            else:
                response = polite.get(http, self._url, label=CROSSREF,
                                      params={"filter": f"alternative-id:{item.pii}", "rows": "1"})
            work = from_crossref(response.content, None if item.doi else item.pii)
        except SourceError as error:
            if error.status == 404:  # Crossref does not know this DOI: the item keeps what it has
                return item
            self._down = True
            log.warning("%s; the other items keep what their feeds say", error)
            return item
        if work is None:
            return item
        doi = item.doi or work.doi
        return replace(item, doi=doi, id=doi or item.id, abstract=item.abstract or work.abstract,
                       authors=item.authors or work.authors)


def _described(entry: Mapping[str, Any]) -> str:
    contents = [c.get("value", "") for c in entry.get("content") or [] if isinstance(c, Mapping)]
    return str(entry.get("summary") or (contents[0] if contents else ""))


def _doi(entry: Mapping[str, Any], described: str) -> str | None:
    for key in ("prism_doi", "dc_identifier", "id", "link"):
        match = _DOI.search(str(entry.get(key) or ""))
        if match:
            return match[1].rstrip(".,;)")
    mention = _DOI_MENTION.search(described)
    return mention[1].rstrip(".,;)") if mention else None


def _published(entry: Mapping[str, Any], text: str) -> date | None:
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if isinstance(parsed, time.struct_time):
            return datetime.fromtimestamp(calendar.timegm(parsed), timezone.utc).date()
    for key in ("prism_coverdate", "prism_publicationdate"):
        try:
            return date.fromisoformat(str(entry.get(key) or "")[:10])
        except ValueError:
            pass
    online = _SD_ONLINE.search(text)
    if online:
        try:
            return datetime.strptime(online[1], "%d %B %Y").date()
        except ValueError:
            return None
    return None


def _lines(markup: str) -> list[str]:
    """The text of each paragraph of a description."""
    parts = re.split(r"(?i)</p>|<br\s*/?>", markup)
    return [text for part in parts if (text := plain_text(part))] or [""]


def _clean_link(link: str) -> str:
    """A link without ScienceDirect's tracking query (`?dgcid=rss_sd_all`)."""
    parts = urlsplit(link)
    if parts.query.startswith("dgcid="):
        return urlunsplit(parts._replace(query=""))
    return link
