"""Shared pieces of the source tests: digest days, a fast polite client, the shipped sample."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx

from generator import http
from generator.sources import DigestDay

SAMPLE = Path(__file__).resolve().parents[2] / "sample"
# No pacing, short backoff: the tests' local servers answer at once.
FAST = http.HttpSettings(
    interval_seconds=0, host_intervals={}, backoff_seconds=0.01, retries=2, timeout_seconds=5
)


def digest_day(day: str, *dates: str) -> DigestDay:
    """The DigestDay of `day` taking `dates` (default: the day before) from non-arXiv sources."""
    when = date.fromisoformat(day)
    start = datetime(when.year, when.month, when.day, tzinfo=timezone.utc) - timedelta(days=1)
    taken = tuple(date.fromisoformat(d) for d in dates) or (when - timedelta(days=1),)
    return DigestDay(date=when, window=(start, start + timedelta(days=1)), dates=taken)


def client(settings: http.HttpSettings = FAST) -> httpx.Client:
    return http.make_client(settings)
