"""arXiv's announcement schedule: which days have a mailing, and which submissions each one holds.

The convention (pure functions, no I/O):

- The digest dated D is arXiv's listing "New submissions for <D>". arXiv announces it at
  20:00 US-Eastern on the evening before D (`America/New_York`, so DST-aware).
- arXiv announces Sunday to Thursday evenings, so mailings are dated Monday to Friday, except
  holidays: no mailing is dated on a holiday, and its papers roll into the next mailing.
- Submissions are cut off at 14:00 US-Eastern on the weekday (Monday to Friday) before D: the
  cutoff of Tuesday's mailing is Monday 14:00, of Monday's mailing the Friday before.
- The window of mailing D is [cutoff of the previous mailing, cutoff of D), in UTC. Consecutive
  mailings therefore tile time exactly, across weekends and holidays: no submission falls between
  two mailings or into two. Example: Tuesday 2026-06-02 holds Friday 2026-05-29 14:00 ET up to
  Monday 2026-06-01 14:00 ET.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
CUTOFF = time(14, 0)  # submissions after this (US-Eastern) go to the next mailing
ANNOUNCEMENT = time(20, 0)  # the mailing dated D appears at this time on the evening before D

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


def is_mailing_day(day: date, holidays: Collection[date]) -> bool:
    """Whether arXiv has a mailing dated `day` (Monday to Friday, not a holiday)."""
    return day.weekday() < _SATURDAY and day not in holidays


def previous_mailing(day: date, holidays: Collection[date]) -> date:
    """The latest mailing dated strictly before `day`."""
    candidate = day - _ONE_DAY
    while not is_mailing_day(candidate, holidays):
        candidate -= _ONE_DAY
    return candidate


def mailing_window(day: date, holidays: Collection[date]) -> tuple[datetime, datetime]:
    """The submission times [start, end) in UTC that the mailing dated `day` announces.

    Raises ValueError if `day` has no mailing (a weekend or a holiday).
    """
    if not is_mailing_day(day, holidays):
        raise ValueError(f"{day:%A} {day} has no arXiv mailing (weekend or holiday)")
    return _cutoff(previous_mailing(day, holidays)), _cutoff(day)


def latest_complete_mailing(now: datetime, holidays: Collection[date]) -> date:
    """The latest mailing already announced at `now` (a timezone-aware instant)."""
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware, e.g. datetime.now(timezone.utc)")
    local = now.astimezone(EASTERN)
    # After 20:00 ET the mailing dated tomorrow is out; before it, today's is the newest.
    candidate = local.date() + _ONE_DAY if local.time() >= ANNOUNCEMENT else local.date()
    if is_mailing_day(candidate, holidays):
        return candidate
    return previous_mailing(candidate, holidays)


def mailings_between(first: date, last: date, holidays: Collection[date]) -> list[date]:
    """Every mailing dated from `first` to `last` inclusive, oldest first."""
    return [
        first + timedelta(days=offset)
        for offset in range((last - first).days + 1)
        if is_mailing_day(first + timedelta(days=offset), holidays)
    ]


def _cutoff(day: date) -> datetime:
    """14:00 US-Eastern on the weekday before `day`, in UTC: the end of mailing `day`'s window.

    Holidays do not move it: a holiday only merges two windows into the next mailing.
    """
    weekday = day - _ONE_DAY
    while weekday.weekday() >= _SATURDAY:
        weekday -= _ONE_DAY
    return datetime.combine(weekday, CUTOFF, tzinfo=EASTERN).astimezone(timezone.utc)
