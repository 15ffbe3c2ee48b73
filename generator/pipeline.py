"""One day of the digest, stage by stage: fetch → dedup against the store → rank → summarize → write."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import requests

from . import mailings, rank, summarize, write
from .radar import load_radar
from .records import Day, Entry, Note, Paper, Summary
from .settings import Settings
from .sources import arxiv
from .store import Store

if TYPE_CHECKING:
    import openai

log = logging.getLogger(__name__)

# How many earlier digest days the ranker learns from and finds related papers in: bounds memory
# and time as the archive grows.
ARCHIVE_DAYS = 60

# Candidates below the featured ones are shown with their abstract (the "next batch"): no summary
# of their own, which would only repeat the abstract in every day file.
NOT_FEATURED = Summary(kind="extractive", tldr={}, reason=Note("not_featured"))

# Code repositories an abstract may name; trailing punctuation is not part of the URL.
_CODE_URL = re.compile(
    r"https?://(?:www\.)?(?:github\.com|gitlab\.com|huggingface\.co|bitbucket\.org)/"
    r"[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+"
)


@dataclass(frozen=True)
class RunResult:
    """What `run_day` did, for the summary line."""

    date: date
    fetched: int = 0
    new: int = 0
    featured: int = 0
    llm_summaries: int = 0
    posts: tuple[Path, ...] = ()
    skipped: str | None = None  # why nothing was written


def run_day(
    day: date,
    settings: Settings,
    *,
    session: requests.Session | None = None,
    llm_client: openai.OpenAI | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> RunResult:
    """Build the digest of mailing `day`: store its day JSON and write its posts.

    A day without a mailing, or without new papers, writes nothing. Files are written in an order
    that makes a crash harmless: posts and the papers seen first (atomically), the day JSON last:
    it marks the day built, so a crash before it leaves a day that the next run redoes whole.
    """
    holidays = settings.digest.arxiv.holidays
    if not mailings.is_mailing_day(day, holidays):
        return RunResult(day, skipped=f"{day:%A} {day} has no arXiv mailing")
    store = Store(settings.store_dir)

    def progress(stage: str, done: int, total: int) -> None:
        if on_progress:
            on_progress(stage, done, total)

    log.info("%s: fetching arXiv %s", day, " OR ".join(settings.digest.arxiv.categories))
    papers = arxiv.fetch_day(
        day, settings.digest.arxiv, session=session,
        on_page=lambda done, total: progress("fetch", done, total),
    )
    new = new_papers(papers, store.seen_before(day))
    log.info("%s: %d papers fetched, %d new", day, len(papers), len(new))
    if not new:
        return RunResult(day, fetched=len(papers), skipped="no new papers")

    radar = load_radar(settings)
    pool = list(store.archive(before=day, max_days=ARCHIVE_DAYS))
    featured_count = settings.digest.papers_per_day
    ranked = rank.rank(
        new, radar, archive=[paper for _, paper in pool], featured=featured_count,
        related_pool=pool,
    )
    featured = ranked[:featured_count]
    log.info("%s: ranked %d papers, featuring %d", day, len(ranked), len(featured))

    summaries = summarize.summarize_day(
        featured, settings, store,
        client=llm_client if llm_client is not None else summarize.openai_client(settings),
        on_progress=lambda done, total: progress("summarize", done, total),
    )
    for note in summaries.notes:
        log.warning("%s: %s", day, write.note_text(note, "en"))
    entries = tuple(
        Entry(
            rank=position,
            ranked=item,
            featured=position <= featured_count,
            summary=(
                summaries.summaries[item.paper.id]
                if position <= featured_count
                else NOT_FEATURED
            ),
            code_url=find_code_url(item.paper.abstract),
        )
        for position, item in enumerate(ranked, 1)
    )
    digest = Day(
        date=day, entries=entries, brief=summaries.brief, notes=summaries.notes,
        usage=summaries.usage,
    )
    # The day file is the commit mark: posts and seen-list first, the day file last (atomically).
    # Until it exists the day is unbuilt: catch-up retries it and the site shows none of it (its
    # seen-list rows are replaced by the retry; a day's own rows never hide its papers).
    posts = write.write_posts(digest, settings)
    store.mark_seen(day, new)
    store.write_day(digest)
    return RunResult(
        day,
        fetched=len(papers),
        new=len(new),
        featured=len(featured),
        llm_summaries=sum(1 for e in digest.featured if e.summary.kind == "llm"),
        posts=tuple(posts),
    )


def new_papers(papers: list[Paper], seen: dict[str, tuple[int, date]]) -> list[Paper]:
    """Papers not in an earlier digest: a new version of a paper seen before is not new."""
    return [paper for paper in papers if paper.id not in seen]


def find_code_url(abstract: str) -> str | None:
    """The first code repository URL an abstract names, if any."""
    match = _CODE_URL.search(abstract)
    if not match:
        return None
    return match.group(0).rstrip(".").removesuffix(".git")
