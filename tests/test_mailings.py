"""arXiv's mailing calendar: which days have a mailing, and windows that tile time exactly."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from generator.mailings import (
    is_mailing_day,
    latest_complete_mailing,
    mailing_window,
    mailings_between,
    previous_mailing,
)

ET = ZoneInfo("America/New_York")
NO_HOLIDAYS: tuple[date, ...] = ()
# arXiv's 2025-26 year-end break: no mailings dated Thu 25, Fri 26 Dec, Thu 1, Fri 2 Jan.
YEAR_END = (date(2025, 12, 25), date(2025, 12, 26), date(2026, 1, 1), date(2026, 1, 2))


def et(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ET).astimezone(timezone.utc)


def test_the_documented_example_tuesday_2026_06_02() -> None:
    assert mailing_window(date(2026, 6, 2), NO_HOLIDAYS) == (et(2026, 5, 29, 14), et(2026, 6, 1, 14))
    start, end = mailing_window(date(2026, 6, 2), NO_HOLIDAYS)
    assert start.tzinfo is not None and start.utcoffset() == timedelta(0)
    assert (start.isoformat(), end.isoformat()) == (
        "2026-05-29T18:00:00+00:00", "2026-06-01T18:00:00+00:00"
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 6, 1), True),  # Monday
        (date(2026, 6, 5), True),  # Friday
        (date(2026, 6, 6), False),  # Saturday
        (date(2026, 6, 7), False),  # Sunday
    ],
)
def test_mailings_are_dated_monday_to_friday(day: date, expected: bool) -> None:
    assert is_mailing_day(day, NO_HOLIDAYS) is expected


def test_weekday_windows_are_one_day_and_monday_holds_the_weekend() -> None:
    # Wednesday: Monday 14:00 .. Tuesday 14:00 ET.
    assert mailing_window(date(2026, 6, 3), NO_HOLIDAYS) == (et(2026, 6, 1, 14), et(2026, 6, 2, 14))
    # Monday: Thursday 14:00 .. Friday 14:00 ET, announced Sunday evening.
    assert mailing_window(date(2026, 6, 8), NO_HOLIDAYS) == (et(2026, 6, 4, 14), et(2026, 6, 5, 14))
    # Tuesday after it holds the weekend's submissions.
    assert mailing_window(date(2026, 6, 9), NO_HOLIDAYS) == (et(2026, 6, 5, 14), et(2026, 6, 8, 14))


@pytest.mark.parametrize("day", [date(2026, 6, 6), date(2026, 6, 7), date(2025, 12, 25)])
def test_a_day_without_mailing_has_no_window(day: date) -> None:
    with pytest.raises(ValueError, match="has no arXiv mailing"):
        mailing_window(day, YEAR_END)


def test_a_holiday_rolls_its_papers_into_the_next_mailing() -> None:
    # Christmas (Thu) and Boxing Day (Fri) have no mailing; Monday 29 holds Tue 23 .. Fri 26 14:00.
    assert not is_mailing_day(date(2025, 12, 25), YEAR_END)
    assert previous_mailing(date(2025, 12, 29), YEAR_END) == date(2025, 12, 24)
    assert mailing_window(date(2025, 12, 29), YEAR_END) == (et(2025, 12, 23, 14), et(2025, 12, 26, 14))
    assert mailings_between(date(2025, 12, 22), date(2026, 1, 6), YEAR_END) == [
        date(2025, 12, 22), date(2025, 12, 23), date(2025, 12, 24),
        date(2025, 12, 29), date(2025, 12, 30), date(2025, 12, 31),
        date(2026, 1, 5), date(2026, 1, 6),
    ]


def test_windows_follow_daylight_saving_time() -> None:
    # US DST started Sun 2026-03-08: the cutoff moves from 19:00 UTC (EST) to 18:00 UTC (EDT).
    start, end = mailing_window(date(2026, 3, 10), NO_HOLIDAYS)  # Fri 6 .. Mon 9 March
    assert (start.hour, end.hour) == (19, 18)
    assert end - start == timedelta(days=3, hours=-1)
    # DST ended Sun 2026-11-01: back from 18:00 to 19:00 UTC.
    start, end = mailing_window(date(2026, 11, 3), NO_HOLIDAYS)  # Fri 30 Oct .. Mon 2 Nov
    assert (start.hour, end.hour) == (18, 19)
    assert end - start == timedelta(days=3, hours=1)


def test_consecutive_mailings_tile_a_year_exactly() -> None:
    holidays = (*YEAR_END, date(2026, 11, 26), date(2026, 7, 3))
    days = mailings_between(date(2025, 12, 1), date(2027, 1, 31), holidays)
    assert all(is_mailing_day(day, holidays) for day in days)
    assert len(days) == len(set(days)) == sum(
        1 for n in range((date(2027, 1, 31) - date(2025, 12, 1)).days + 1)
        if (date(2025, 12, 1) + timedelta(n)).weekday() < 5
    ) - sum(1 for h in holidays if h.weekday() < 5)
    windows = [mailing_window(day, holidays) for day in days]
    for (_, end), (next_start, _), later in zip(windows, windows[1:], days[1:], strict=False):
        assert end == next_start, f"gap or overlap before {later}"
    assert all(start < end for start, end in windows)
    assert [previous_mailing(day, holidays) for day in days[1:]] == days[:-1]

    # Every instant falls into exactly one window.
    rng = random.Random(20260602)
    first, last = windows[0][0], windows[-1][1]
    span = int((last - first).total_seconds())
    for _ in range(2000):
        instant = first + timedelta(seconds=rng.randrange(span))
        owners = [day for day, (start, end) in zip(days, windows, strict=True) if start <= instant < end]
        assert len(owners) == 1, instant


def test_latest_complete_mailing_turns_over_at_20_00_eastern() -> None:
    # Monday 2026-06-01 19:59 ET: Tuesday's mailing is not out yet, Monday's is.
    assert latest_complete_mailing(et(2026, 6, 1, 19, 59), NO_HOLIDAYS) == date(2026, 6, 1)
    assert latest_complete_mailing(et(2026, 6, 1, 20, 0), NO_HOLIDAYS) == date(2026, 6, 2)
    # Friday evening and the weekend: Friday's mailing stays the latest until Sunday 20:00.
    assert latest_complete_mailing(et(2026, 6, 5, 21, 0), NO_HOLIDAYS) == date(2026, 6, 5)
    assert latest_complete_mailing(et(2026, 6, 7, 19, 59), NO_HOLIDAYS) == date(2026, 6, 5)
    assert latest_complete_mailing(et(2026, 6, 7, 20, 0), NO_HOLIDAYS) == date(2026, 6, 8)
    # Wednesday evening before Christmas: nothing new until Sunday.
    assert latest_complete_mailing(et(2025, 12, 24, 20, 30), YEAR_END) == date(2025, 12, 24)
    assert latest_complete_mailing(et(2025, 12, 28, 20, 0), YEAR_END) == date(2025, 12, 29)


def test_latest_complete_mailing_uses_eastern_time_whatever_the_input_zone() -> None:
    # 00:30 UTC on Tue 2026-06-02 is Monday 20:30 EDT: Tuesday's mailing is out.
    assert latest_complete_mailing(datetime(2026, 6, 2, 0, 30, tzinfo=timezone.utc), NO_HOLIDAYS) == (
        date(2026, 6, 2)
    )
    # In winter (EST) 00:30 UTC is 19:30 ET: not yet.
    assert latest_complete_mailing(datetime(2026, 1, 13, 0, 30, tzinfo=timezone.utc), NO_HOLIDAYS) == (
        date(2026, 1, 12)
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        latest_complete_mailing(datetime(2026, 6, 2, 0, 30), NO_HOLIDAYS)
