"""Which mailing days a run builds, and building them in turn: the daily catch-up and backfill.

The daily job does not trust "yesterday": it looks back over the last `CATCH_UP_MAILINGS`
mailings and builds every one that has no digest yet. So a day that failed (arXiv down, the job
cancelled, a missed schedule) is retried by the next runs, a run after an outage fills the gap,
and the work of one run stays bounded. Days before the site's first digest are `digest backfill`'s
job, which builds any range of past mailings and resumes where it stopped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date

from . import mailings
from .errors import SettingsError, SourceError
from .pipeline import RunResult, run_day
from .settings import Settings

log = logging.getLogger(__name__)

# How many recent mailings the daily job looks back over (two weeks of weekdays): a failed day is
# retried for that long, and one run never builds more days (time and LLM cost stay bounded).
CATCH_UP_MAILINGS = 10

# After this many days failing in a row the source is taken to be down: the remaining days are
# left to the next run instead of each waiting through its retries.
MAX_FAILURES_IN_A_ROW = 2

OnDay = Callable[[date, int, int], None]  # (day just done, days done, days in all)
OnStage = Callable[[str, int, int], None]


def recent_mailings(latest: date, holidays: Collection[date], count: int) -> list[date]:
    """The last `count` mailings dated up to `latest` inclusive, oldest first."""
    days = [latest] if mailings.is_mailing_day(latest, holidays) else []
    while len(days) < count:
        days.append(mailings.previous_mailing(days[-1] if days else latest, holidays))
    return days[::-1]


def catch_up_days(
    published: Collection[date],
    latest: date,
    holidays: Collection[date],
    *,
    lookback: int = CATCH_UP_MAILINGS,
) -> list[date]:
    """The mailings the daily job builds, oldest first.

    Of the last `lookback` mailings up to `latest`, those after the site's first digest that have
    no digest yet. A site without any digest starts with `latest` alone.
    """
    if not published:
        return [latest] if mailings.is_mailing_day(latest, holidays) else []
    first = min(published)
    return [
        day for day in recent_mailings(latest, holidays, lookback)
        if day > first and day not in published
    ]


def backfill_days(
    first: date,
    last: date,
    published: Collection[date],
    holidays: Collection[date],
    *,
    force: bool = False,
) -> list[date]:
    """Every mailing from `first` to `last`, oldest first, less the days built (unless `force`)."""
    if first > last:
        raise SettingsError([f"--from {first} is after --to {last}: swap them"])
    return [
        day for day in mailings.mailings_between(first, last, holidays)
        if force or day not in published
    ]


@dataclass
class RunReport:
    """What a run over several days did: each built or skipped day, and each failed one."""

    results: list[RunResult] = field(default_factory=list)
    failures: dict[date, str] = field(default_factory=dict)  # day -> one-line reason
    left: list[date] = field(default_factory=list)  # not tried: the source looked down


def run_days(
    days: Sequence[date],
    settings: Settings,
    *,
    on_day: OnDay | None = None,
    on_stage: OnStage | None = None,
) -> RunReport:
    """Build `days` in order (oldest first, so each day ranks against the days before it).

    A day whose source fails is reported and left unbuilt, so the next run retries it; the other
    days go on. Errors that would fail every day (settings, store) stop the run. Between two days
    the source's own delay is kept, as between two pages of one day.
    """
    report = RunReport()
    failures_in_a_row = 0
    for number, day in enumerate(days, 1):
        if number > 1:
            time.sleep(settings.arxiv.delay_seconds if settings.arxiv else 0)
        try:
            report.results.append(run_day(day, settings, on_progress=on_stage))
            failures_in_a_row = 0
        except SourceError as exc:
            log.warning("%s: not built: %s", day, exc)
            report.failures[day] = str(exc)
            failures_in_a_row += 1
            if failures_in_a_row >= MAX_FAILURES_IN_A_ROW:
                report.left = list(days[number:])
                break
        finally:
            if on_day:
                on_day(day, number, len(days))
    return report
