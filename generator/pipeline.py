"""One day of the digest, stage by stage: fetch every source → merge → dedup against the store → rank →
summarize → write."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from . import http as http_layer
from . import mailings, rank, summarize, write
from .community import on_theme
from .errors import SourceError
from .labels import counted, note_text
from .merge import identities, merge
from .radar import load_radar
from .records import Day, Entry, Note, Paper, Summary
from .settings import Settings
from .sources import DigestDay, Unit, units
from .store import Store
from .text import one_line, visible

if TYPE_CHECKING:
    import openai

log = logging.getLogger(__name__)

# How many earlier digest days the ranker learns from and finds related papers in: bounds memory
# and time as the archive grows.
ARCHIVE_DAYS = 60

# Papers on the day page's "Trending today" strip, at most.
TRENDING_MAX = 8

# How many digests back a failing source is asked again for what it missed.
CARRY_OVER_DAYS = 10

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
    failed: tuple[str, ...] = ()  # "name: reason" of each source (or "journals (Feed): reason" of each part) that failed


def run_day(
    day: date,
    settings: Settings,
    *,
    http: httpx.Client | None = None,
    llm_client: openai.OpenAI | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> RunResult:
    """Build the digest of mailing `day` from every enabled source: store its day JSON and write its posts.

    A day without a mailing, or without new papers, writes nothing. A failing source is left out
    and named in a note; the next digest asks it again for the dates it missed. When every source
    fails, SourceError (the day is not built: the next run retries it). Files are written in an
    order that makes a crash harmless: posts and the papers seen first (atomically), the day JSON
    last: it marks the day built, so a crash before it leaves a day that the next run redoes whole.
    """
    if not mailings.is_mailing_day(day, settings.holidays):
        return RunResult(day, skipped=f"{day:%A} {day} has no arXiv mailing")
    store = Store(settings.store_dir)

    def progress(stage: str, done: int, total: int) -> None:
        if on_progress:
            on_progress(stage, done, total)

    with (nullcontext(http) if http else make_client(settings)) as client:
        fetched, failures = fetch_all(day, settings, store, client, progress)
    papers = [with_visible_title(paper) for paper in merge(listed for _, listed in fetched)]
    notes = tuple(failure_note(unit, error) for unit, error in failures)
    failed = tuple(f"{unit.label}: {error}" for unit, error in failures)
    new = new_papers(papers, store.seen_before(day))
    # A source read in parts (journals: one feed each) counts once, however many parts it read.
    sources = len({unit.source for unit, _ in fetched})
    log.info("%s: %s from %s, %d new", day, counted(len(papers), "paper"), counted(sources, "source"), len(new))
    if not new:
        return RunResult(day, fetched=len(papers), skipped="no new papers", failed=failed)

    radar = load_radar(settings)
    pool = list(store.archive(before=day, max_days=ARCHIVE_DAYS))
    digest_settings = settings.digest
    ranked = rank.rank(
        new, radar, archive=[paper for _, paper in pool], featured=digest_settings.papers_per_day,
        related_pool=pool, config=replace(rank.DEFAULT_CONFIG, floor=digest_settings.radar.floor),
    )
    scores = [r.score for r in ranked]
    matched = rank.matched_count(scores, floor=digest_settings.radar.floor)
    featured_count = rank.featured_count(scores, floor=digest_settings.radar.floor,
                                         minimum=digest_settings.min_papers_per_day,
                                         cap=digest_settings.papers_per_day)
    featured = ranked[:featured_count]
    log.info("%s: ranked %s, %d above the floor, featuring %d", day, counted(len(ranked), "paper"), matched, len(featured))

    summaries = summarize.summarize_day(
        featured, settings, store,
        client=llm_client if llm_client is not None else summarize.openai_client(settings),
        on_progress=lambda done, total: progress("summarize", done, total),
    )
    for note in summaries.notes:
        log.warning("%s: %s", day, note_text(note, "en"))
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
            code_url=find_code_url(item.paper),
        )
        for position, item in enumerate(ranked, 1)
    )
    digest = Day(
        date=day, entries=entries, brief=summaries.brief, notes=notes + summaries.notes,
        usage=summaries.usage, matched=matched,
        trending=trending(entries, floor=digest_settings.radar.floor),
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
        failed=failed,
    )


def fetch_all(
    day: date,
    settings: Settings,
    store: Store,
    client: httpx.Client,
    progress: Callable[[str, int, int], None],
) -> tuple[list[tuple[Unit, list[Paper]]], list[tuple[Unit, str]]]:
    """Every enabled source's papers for the digest of `day` (a source with parts, part by part),
    each with what gave it, and the one-line error of each source or part that failed. When all
    fail, SourceError naming each."""
    fetched: list[tuple[Unit, list[Paper]]] = []
    failures: list[tuple[Unit, str]] = []
    configs = list(settings.sources.values())
    history = failed_before(day, store)
    def failed(unit: Unit, exc: Exception) -> None:
        reason = one_line(str(exc))
        if unit.part:  # a part's error names it already ("Medical Image Analysis: ..."): said once is enough
            reason = reason.removeprefix(f"{unit.part}: ")
        reason = reason or type(exc).__name__
        log.warning("%s: source %s failed: %s", day, unit.label, reason)
        failures.append((unit, reason))

    for done, config in enumerate(configs):
        progress("fetch", done, len(configs))
        try:  # a source that cannot even be set up (or list its parts) fails alone, as a whole
            source_units = units(config.name, config.make())
        except (SourceError, httpx.HTTPError) as exc:
            failed(Unit(config.name, None), exc)
            continue
        for unit in source_units:
            digest_day = source_day(day, unit, history, settings.holidays)
            log.info("%s: fetching %s (%s to %s)", day, unit.label, digest_day.dates[0], digest_day.dates[-1])
            started = time.monotonic()
            try:
                papers = unit.fetch(digest_day, client)
            except (SourceError, httpx.HTTPError) as exc:
                failed(unit, exc)
                continue
            log.info("%s: %s gave %s in %.1f s", day, unit.label, counted(len(papers), "paper"),
                     time.monotonic() - started)
            fetched.append((unit, papers))
    progress("fetch", len(configs), len(configs))
    if not fetched and not failures:
        raise SourceError("no source has anything to fetch: list at least one in DIGEST['sources']")
    if not fetched:
        raise SourceError("every source failed: " + "; ".join(f"{u.label}: {e}" for u, e in failures))
    return fetched, failures


def failure_note(unit: Unit, error: str) -> Note:
    """The day's note that `unit` failed: the page and the day JSON name the source, and the part
    (a journal's feed) when only that part failed; the next digest reads it to ask again."""
    values: dict[str, str | int] = {"source": unit.source, "error": error}
    if unit.part:
        values["part"] = unit.part
    return Note("source_failed", values)


def failed_before(day: date, store: Store) -> list[tuple[date, frozenset[tuple[str, str | None]]]]:
    """What failed in each of the digests just before `day`, newest first, back to the first one
    in which nothing failed (nothing reaches back past it), at most CARRY_OVER_DAYS. Read once per
    run: every source's `source_day` looks it up."""
    history = []
    for when in [d for d in reversed(store.days()) if d < day][:CARRY_OVER_DAYS]:
        failed = store.failed_sources(when)
        if not failed:
            break
        history.append((when, failed))
    return history


def source_day(
    day: date,
    unit: Unit,
    history: Sequence[tuple[date, Collection[tuple[str, str | None]]]],
    holidays: Collection[date],
) -> DigestDay:
    """What `unit` (a source, or a part of one) is asked for in the digest of `day`: that mailing's
    window and the calendar dates since the previous mailing, reaching back over the digests just
    before it in which it (or its whole source) failed (`history`: `failed_before`), so that
    nothing it listed is lost."""
    first = day
    for when, failed in history:
        if (unit.source, None) not in failed and (unit.source, unit.part) not in failed:
            break
        first = when
    start = mailings.mailing_window(first, holidays)[0]
    end = mailings.mailing_window(day, holidays)[1]
    since = mailings.previous_mailing(first, holidays)
    dates = tuple(since + timedelta(days=n) for n in range((day - since).days))
    return DigestDay(date=day, window=(start, end), dates=dates)


def make_client(settings: Settings) -> httpx.Client:
    """The one HTTP client of a run, shared by the sources (generator.http: polite, patient)."""
    return http_layer.make_client(
        settings.digest.http, site_url=settings.siteurl, cache_dir=settings.store_dir / "http-cache"
    )


def new_papers(papers: list[Paper], seen: Mapping[str, tuple[int, date]]) -> list[Paper]:
    """Papers not in an earlier digest under any identity (`merge.identities`): a new version of
    a paper, or its listing on another source, is not new."""
    return [paper for paper in papers if not any(key in seen for key in identities(paper))]


def trending(entries: Sequence[Entry], floor: float) -> tuple[int, ...]:
    """The ranks of the day's "Trending today" strip, most upvoted first: papers the community
    upvoted (Hugging Face) that are on the lab's themes (`community.on_theme`: a radar topic or
    followed author matched, or a score at the radar's featured `floor`). An off-theme paper stays
    off the strip however many upvotes it has."""
    chosen = [
        e for e in entries
        if (e.ranked.paper.upvotes or 0) > 0 and on_theme(e.ranked.score, bool(e.ranked.matched), floor)
    ]
    chosen.sort(key=lambda e: (-(e.ranked.paper.upvotes or 0), e.rank))
    return tuple(e.rank for e in chosen[:TRENDING_MAX])


def find_code_url(paper: Paper) -> str | None:
    """The paper's code repository: the one a source lists (Hugging Face's GitHub repo), else the
    first one its arXiv comment or its abstract names ("Code: https://github.com/...")."""
    for ref in paper.sources:
        listed = ref.field("github_repo")
        if isinstance(listed, str) and _CODE_URL.match(listed):
            return listed
    for text in (paper.comment or "", paper.abstract):
        match = _CODE_URL.search(text)
        if match:
            return match.group(0).rstrip(".").removesuffix(".git")
    return None


def with_visible_title(paper: Paper) -> Paper:
    """The paper, or a copy titled "(untitled) <id>" when its title shows nothing (zero-width
    characters only): a blank card title or feed entry says nothing and cannot be clicked."""
    if visible(paper.title):
        return paper
    log.warning("%s: its title shows nothing (%r); using a placeholder", paper.key, paper.title[:40])
    return replace(paper, title=f"(untitled) {paper.id}")
