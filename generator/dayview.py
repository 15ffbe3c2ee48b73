"""What the site shows of a stored day, as small typed records made once per day, and the build's cache of them.

The store's `Day` is the digest's record; the site reads it here, from the published day files
(`output/data/D.json` is the store's file as it is), and derives once per day what every edition
shows, so that neither the English nor the Chinese page, nor the home page, computes it again:

    DayPage   a day page: the day with its featured and trending entries only, and a Card for each
    Card      one paper's card: its entry, and its badges, date, safe links and related links
    Outline   what pages listing many days need of a day (topic pages, radar counts): a few
              fields of its featured papers; a year of outlines is held in memory

`SiteDays` is the cache of one build (`digest build` puts it in Pelican's settings as DIGEST_DAYS,
shared by the editions): the outlines of every day in memory, the pages of the last DAYS_KEPT days,
and both as one pickle per day in Pelican's cache folder, made again when the day file changes, so
that a rebuild parses only the day files that changed (a year of day files is ~75 MB of JSON) and
the second edition of a build reads pickles rather than JSON. `DayFiles` is that mechanism, which
the search index uses for its own per-day data too.
"""

from __future__ import annotations

import io
import pickle
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from .errors import BuildError
from .files import write_atomic
from .labels import badges, date_kind
from .records import Day, Entry, Paper, Summary
from .settings import Settings
from .store import NOT_A_DAY, Store, parse_day
from .text import html_chars, safe_url

DAYS_KEPT = 64  # day pages held in memory (issue 5: peak memory <= 200 MB for a year)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RelatedLink:
    """A related paper as a card lists it."""

    title: str
    url: str | None  # a safe link, or None
    date: str | None  # the digest date it appeared in ("2026-06-02"), if any: the theme links its page


@dataclass(frozen=True, slots=True)
class Card:
    """One paper as a day page shows it: the entry, and what every edition derives from it."""

    entry: Entry
    paper: Paper
    summary: Summary
    rank: int
    badges: tuple[str, ...]  # "arXiv (cs.CV)", "HF ▲ 42", ...
    date: str  # the paper's date, "2026-06-01"
    date_kind: str  # what that date is (labels.date_kind): "submitted", "posted" or "published"
    url: str | None  # the abstract page, PDF and code links when they are safe http(s) links
    pdf_url: str | None
    code_url: str | None
    related: tuple[RelatedLink, ...]


@dataclass(frozen=True, slots=True)
class DayPage:
    """A day page's data: `day` keeps its featured and trending entries only (the other candidates
    are published in the day's JSON, which the next-batch control fetches)."""

    day: Day
    candidates: int  # every candidate of the day
    cards: tuple[Card, ...]  # the featured papers, in rank order
    trending: tuple[Card, ...]  # the "Trending today" strip, most upvoted first
    llm: int  # featured papers summarized by the LLM
    repaired: int  # ... whose summary was repaired by the grounding check
    flagged: int  # ... whose summary still has unsupported items


@dataclass(frozen=True, slots=True)
class OutlinePaper:
    """What a topic page shows of a featured paper."""

    rank: int
    title: str
    badges: tuple[str, ...]
    topics: tuple[str, ...]  # the radar topics it matched
    translated: dict[str, str]  # its translated titles, per language


@dataclass(frozen=True, slots=True)
class Outline:
    """A day's featured papers as pages listing many days need them."""

    papers: tuple[OutlinePaper, ...]

    def radar(self, topics: list[str]) -> list[tuple[str, int]]:
        """How many featured papers matched each radar topic, in the radar's order."""
        return [(topic, sum(1 for paper in self.papers if topic in paper.topics)) for topic in topics]


def card(entry: Entry) -> Card:
    paper, ranked = entry.ranked.paper, entry.ranked
    related = tuple(
        RelatedLink(item.title, safe_url(item.url), item.date) for item in ranked.related
    )
    return Card(
        entry=entry, paper=paper, summary=entry.summary, rank=entry.rank, badges=tuple(badges(paper)),
        date=paper.published.strftime("%Y-%m-%d"), date_kind=date_kind(paper.source), url=safe_url(paper.url), pdf_url=safe_url(paper.pdf_url),
        code_url=safe_url(entry.code_url), related=related,
    )


def day_page(day: Day) -> DayPage:
    """The page of a whole stored day."""
    by_rank = {entry.rank: entry for entry in day.entries}
    trending = tuple(by_rank[rank] for rank in day.trending if rank in by_rank)
    featured = day.featured
    kept = {entry.rank for entry in (*featured, *trending)}
    return DayPage(
        day=replace(day, entries=tuple(entry for entry in day.entries if entry.rank in kept)),
        candidates=len(day.entries),
        cards=tuple(card(entry) for entry in featured),
        trending=tuple(card(entry) for entry in trending),
        llm=sum(1 for entry in featured if entry.summary.kind == "llm"),
        repaired=sum(1 for entry in featured if entry.summary.repaired),
        flagged=sum(1 for entry in featured if entry.summary.unsupported),
    )


def outline(day: Day) -> Outline:
    """The outline of a whole stored day."""
    return Outline(tuple(
        OutlinePaper(
            rank=entry.rank, title=entry.ranked.paper.title, badges=tuple(badges(entry.ranked.paper)),
            topics=tuple(match.name for match in entry.ranked.matched if match.kind == "topic"),
            translated=entry.summary.title,
        )
        for entry in day.featured
    ))


def read_whole_day(path: Path) -> Day:
    """The stored day at `path` with all its candidates, as records; BuildError says what is wrong.

    Its text is fit for HTML: the characters HTML does not allow, which paper data may carry, are
    dropped here, once, rather than from everything the templates print.
    """
    try:
        text = path.read_text("utf-8")
        day = parse_day(text)
    except FileNotFoundError:
        raise BuildError(
            f"{path} not found: a post names a day the store does not have; run `digest run --date {path.stem}`"
        ) from None
    except (OSError, *NOT_A_DAY) as exc:
        raise BuildError(f"{path}: unreadable day file ({exc!r}); re-run `digest run --date {path.stem}`") from exc
    return html_text(day) if _MAY_NOT_BE_HTML.search(text) else day


# What a day's JSON text holds when some string has a character HTML does not allow (text.html_chars): JSON escapes the C0
# controls ("\u0007"); the others are written as they are by the store (ensure_ascii=False), or
# escaped too by a day file written with json.dumps' defaults ("\u0085", "\ufdd0", "\ufffe").
# (A false alarm only costs a cleaning.)
_MAY_NOT_BE_HTML = re.compile(
    r"\\u00[01][0-9a-fA-F]|\\u007[fF]|\\u00[89][0-9a-fA-F]"  # C0, DEL, C1
    r"|\\u[fF][dD][d-eD-E][0-9a-fA-F]|\\u[fF]{3}[eEfF]"  # noncharacters U+FDD0-FDEF, U+FFFE/FFFF
    "|[\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]"
)


def html_text(value: T) -> T:
    """`value` (a record, or a string, tuple or dict of them) without the characters HTML does not
    allow in its strings."""
    if isinstance(value, str):
        return html_chars(value)  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(html_text(item) for item in value)  # type: ignore[return-value]
    if isinstance(value, dict):
        return {html_text(key): html_text(item) for key, item in value.items()}  # type: ignore[return-value]
    if is_dataclass(value) and not isinstance(value, type):
        return type(value)(*(html_text(getattr(value, name)) for name in _field_names(type(value))))
    return value


class DayFiles(Generic[T]):
    """Values made from stored day files, one pickle per day in `folder`, made again when the day
    file changes (its modification time or size); the last `kept` values stay in memory too.

    Pickles, as Pelican's own content cache beside them: several times faster to load than a day's
    JSON, and they hold the records as they are. `version` names what the values are made of: the
    build's code fingerprint (incremental.fingerprint), since they hold text computed in code (badges,
    safe links, cleaned text); a pickle of another version (other code) is made again.
    """

    def __init__(self, folder: Path | None, make: Callable[[Day], T], *, version: str, kept: int | None = None,
                 read: Callable[[Path], Day] | None = None):
        self.folder = folder
        self._make = make
        self._read_day = read or read_whole_day
        self._version = version
        self._kept = kept
        self._memory: OrderedDict[Path, tuple[tuple[int, int], T]] = OrderedDict()

    def get(self, path: Path) -> T:
        """The value of the day file at `path`; BuildError if it is missing or unreadable."""
        key = file_key(path)
        cached = self._memory.get(path)
        if cached is None or cached[0] != key:
            value = self._read(path, key) if key is not None else None
            if value is None:
                value = self._make(self._read_day(path))  # says what is wrong with a missing or unreadable file
                self._write(path, key, value)
            cached = (key or (0, 0), value)
            self._remember(path, cached)
        return cached[1]

    def put(self, path: Path, day: Day) -> None:
        """Make the value of the day file at `path` from `day`, read from it by someone else."""
        key = file_key(path)
        value = self._make(day)
        self._write(path, key, value)
        self._remember(path, (key or (0, 0), value))

    def _remember(self, path: Path, cached: tuple[tuple[int, int], T]) -> None:
        if self._kept != 0:
            self._memory[path] = cached
            self._memory.move_to_end(path)
            while self._kept is not None and len(self._memory) > self._kept:
                self._memory.popitem(last=False)

    def _pickle(self, path: Path) -> Path | None:
        return self.folder / f"{path.stem}.pickle" if self.folder is not None else None

    def _read(self, path: Path, key: tuple[int, int]) -> T | None:
        cached = self._pickle(path)
        if cached is None:
            return None
        try:
            with cached.open("rb") as handle:
                version, source, stored_key, value = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
            return None  # no pickle yet, or a torn or old one: made again
        return value if (version, source, tuple(stored_key)) == (self._version, str(path), key) else None

    def _write(self, path: Path, key: tuple[int, int] | None, value: T) -> None:
        cached = self._pickle(path)
        if cached is None or key is None:
            return
        data = io.BytesIO()
        _RecordPickler(data, protocol=pickle.HIGHEST_PROTOCOL).dump((self._version, str(path), key, value))
        write_atomic(cached, data.getvalue())  # a build reading it meanwhile (or cut short) sees a whole pickle


class _RecordPickler(pickle.Pickler):
    """Pickles a dataclass record as a call of its class with its fields: loading a frozen record
    with slots otherwise goes through dataclasses' __setstate__, which looks its fields up again
    for every object (~5x slower to load a day page)."""

    def reducer_override(self, obj: Any) -> Any:
        if is_dataclass(obj) and not isinstance(obj, type):
            return type(obj), tuple(getattr(obj, name) for name in _field_names(type(obj)))
        return NotImplemented


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    """The fields a record's class takes, in order (a field with init=False is computed by the class)."""
    return tuple(item.name for item in fields(cls) if item.init)


def file_key(path: Path) -> tuple[int, int] | None:
    """A day file's (modification time, size), or None if it cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


class SiteDays:
    """The days one build of the site reads (see the module docstring)."""

    def __init__(self, settings: Settings, cache_path: Path | None = None, *, code: str,
                 search: DayFiles[Any] | None = None) -> None:
        """`code` is the build's fingerprint (incremental.fingerprint): the pickles of a build of
        other code or settings are made again (they hold text that code computed). `search` is
        the search index's data per day (generator.search), made from the same reading of a day."""
        self.store = Store(settings.store_dir)
        self.code = code
        self.search = search
        folder = cache_path / "days" if cache_path is not None else None
        self.pages = DayFiles(folder / "pages" if folder else None, day_page, version=f"pages-{code}", kept=DAYS_KEPT)
        self.outlines = DayFiles(folder / "outlines" if folder else None, outline, version=f"outlines-{code}",
                                 read=self._read_for_outline)

    def _read_for_outline(self, path: Path) -> Day:
        """A whole day read for its outline: its page and search data are made from it too, so that
        a build without pickles (the daily job's) parses a day file once for all three."""
        day = read_whole_day(path)
        self.pages.put(path, day)
        if self.search is not None:
            self.search.put(path, day)
        return day

    def page(self, path: Path) -> DayPage:
        return self.pages.get(path)

    def __reduce__(self) -> tuple[Callable[[], None], tuple[()]]:
        """Pickled as nothing: Pelican's content cache pickles the settings (each Tag holds them),
        and with them this build's days in memory (a year of outlines: ~3 MB a cache file)."""
        return _nothing, ()

    def __copy__(self) -> SiteDays:
        """The same build's days: a copy (or deep copy) of the settings would otherwise go through
        __reduce__, lose them, and fail the build with a wrong "build with `digest build`"."""
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> SiteDays:
        return self

    def outline(self, path: Path) -> Outline:
        return self.outlines.get(path)


def _nothing() -> None:
    return None


def site_days(pelican_settings: dict[str, Any]) -> SiteDays:
    """The build's SiteDays (Pelican's DIGEST_DAYS setting, which `digest build` sets)."""
    days = pelican_settings.get("DIGEST_DAYS")
    if not isinstance(days, SiteDays):
        raise BuildError("DIGEST_DAYS is missing: build the site with `digest build`, not `pelican`")
    return days
