"""The paper sources (shim of the contract until sources-core lands the real interface)."""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
from typing import Protocol

import httpx

from ..records import Paper


@dataclass(frozen=True, slots=True)
class DigestDay:
    """What a source needs to know about the digest being built."""

    date: dt.date
    window: tuple[dt.datetime, dt.datetime]
    dates: tuple[dt.date, ...]


class Source(Protocol):
    name: str

    def fetch(self, day: DigestDay, http: httpx.Client) -> list[Paper]: ...
