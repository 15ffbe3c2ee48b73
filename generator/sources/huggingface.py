"""Hugging Face daily papers: the arXiv papers the community picked on the digest's dates.

`GET <url>?date=YYYY-MM-DD&limit=100&p=0` (url = `https://huggingface.co/api/daily_papers`) lists
the papers submitted to that day's page, each with its arXiv id, upvotes, comment count and, when
someone linked one, a GitHub repository and its stars. The API pages its answer (`limit`, at most
100, 50 when not given; `p`, from 0): a full page asks for the next one, until a page is short or
brings nothing new. A first page shorter than asked but of at least MIN_PAGE papers may be a
server that caps `limit` lower (at its default, 50): the next pages ask for as many as it gave, so
paging works whichever way the server counts. At most MAX_PAGES pages a date; a date that still
has a full page then is cut there with a warning naming it. So one request per date of the
DigestDay on an ordinary day (weekend pages roll into Monday's digest). A paper on several of
those pages is one paper, with its highest count. The papers are arXiv papers: id = arXiv id, url = the Hugging Face page, the PDF on arXiv;
the arXiv abstract page, the community's numbers and the GitHub repository ride in the SourceRef's
fields (the card's code link comes from `github_repo`: `pipeline.find_code_url`). The paper has
no comment: Hugging Face has none of its own, and an arXiv-style "Code: ..." would be invented.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from .. import http as polite
from ..errors import SourceError
from ..records import Paper, SourceRef
from ..text import one_line, plain_text
from . import DigestDay

__all__ = ["ENV", "LABEL", "NAME", "Settings", "source"]

log = logging.getLogger(__name__)

NAME = "huggingface"
LABEL = "Hugging Face"
PAGE = "https://huggingface.co/papers"
ENV = {"DIGEST_HF_URL": "url"}  # the demo and tests point it elsewhere
PAGE_SIZE = 100  # the API's most papers per answer (`limit`)
MIN_PAGE = 50  # the API's default page: a shorter first page is the whole date, a longer may be a cap
MAX_PAGES = 10  # a day's page is never near 1,000 papers: a misbehaving `p` must not loop for ever


class Settings(BaseModel):
    """`DIGEST['sources']['huggingface']`: the daily papers API."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(
        "https://huggingface.co/api/daily_papers",
        description="daily papers API, asked `<url>?date=YYYY-MM-DD&limit=100&p=<page>` (env DIGEST_HF_URL)",
    )
    min_upvotes: int = Field(0, ge=0, description="papers with fewer upvotes are left out")


@dataclass(frozen=True)
class HuggingFaceSource:
    """The daily papers of each of the digest's dates."""

    settings: Settings
    name: str = NAME

    def fetch(self, day: DigestDay, http: httpx.Client) -> list[Paper]:
        papers: list[Paper] = []
        for listed in sorted(day.dates):
            papers.extend(self._day(listed, http))
        return [
            paper for paper in most_upvoted(papers)
            if (paper.upvotes or 0) >= self.settings.min_upvotes
        ]

    def _day(self, listed: date, http: httpx.Client) -> list[Paper]:
        """The papers of one daily page, page by page of the API's answer."""
        papers: list[Paper] = []
        seen: set[str] = set()
        limit = PAGE_SIZE
        for page in range(MAX_PAGES):
            params = {"date": listed.isoformat(), "limit": str(limit), "p": str(page)}
            entries = _entries(polite.get(http, self.settings.url, label=LABEL, params=params).content)
            found = [paper for entry in entries if (paper := to_paper(entry, listed)) is not None]
            new = [paper for paper in found if paper.id not in seen]
            papers += new
            seen.update(paper.id for paper in new)
            if not new:  # past the last page (or an API that ignores `p`)
                break
            if len(entries) < limit:
                if page or len(entries) < MIN_PAGE:  # shorter than the pages before: the last one
                    break
                limit = len(entries)  # a server capping `limit` lower: page by what it gives
        else:
            log.warning("%s: %s still had papers after %d pages (%d papers); the rest are left out",
                        LABEL, listed, MAX_PAGES, len(papers))
        return papers


def source(settings: Settings) -> HuggingFaceSource:
    return HuggingFaceSource(settings)


def _entries(body: bytes) -> list[Mapping[str, Any]]:
    """The entries of one answer of the API; SourceError with one line if it is not a JSON list."""
    try:
        items = json.loads(body)
    except ValueError:
        raise SourceError(f"{LABEL}: the daily papers API sent a malformed answer (not JSON)") from None
    if not isinstance(items, list):
        raise SourceError(f"{LABEL}: the daily papers API did not send a list of papers")
    return [item for item in items if isinstance(item, dict)]


def to_paper(item: Mapping[str, Any], listed: date) -> Paper | None:
    """One daily-papers entry as a Paper; None if it has no arXiv id.

    Its date is arXiv's publication date as Hugging Face gives it, else the page's date.
    """
    paper = item.get("paper")
    if not isinstance(paper, dict) or not str(paper.get("id") or "").strip():
        return None
    arxiv_id = one_line(str(paper["id"]))
    published = _instant(paper.get("publishedAt")) or _instant(item.get("publishedAt"))
    upvotes = _count(paper.get("upvotes"))
    repo = str(paper.get("githubRepo") or "").strip() or None
    fields: list[tuple[str, str | int]] = [("arxiv_url", f"https://arxiv.org/abs/{arxiv_id}")]
    comments = _count(item.get("numComments"))
    if comments is not None:
        fields.append(("comments", comments))
    if repo:
        fields.append(("github_repo", repo))
    stars = _count(paper.get("githubStars"))
    if repo and stars is not None:
        fields.append(("stars", stars))
    url = f"{PAGE}/{arxiv_id}"
    moment = published or datetime(listed.year, listed.month, listed.day, tzinfo=timezone.utc)
    return Paper(
        id=arxiv_id,
        version=1,
        title=plain_text(str(paper.get("title") or item.get("title") or "")),
        abstract=plain_text(str(paper.get("summary") or item.get("summary") or "")),
        authors=tuple(
            name for author in paper.get("authors") or []
            if isinstance(author, dict) and (name := one_line(str(author.get("name") or "")))
        ),
        categories=(),
        primary_category="",
        published=moment,
        updated=moment,
        url=url,
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}",
        source=NAME,
        sources=(SourceRef(NAME, arxiv_id, url, upvotes=upvotes, fields=tuple(fields)),),
    )


def most_upvoted(papers: Iterable[Paper]) -> list[Paper]:
    """One paper per arXiv id (the entry with the most upvotes), in order of first appearance."""
    best: dict[str, Paper] = {}
    for paper in papers:
        if paper.id not in best or (paper.upvotes or 0) > (best[paper.id].upvotes or 0):
            best[paper.id] = paper
    return list(best.values())


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _instant(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
