"""Sources benchmark: the requests one daily run makes per non-arXiv source, and the time each takes.

    .venv/bin/python benchmarks/sources.py [--runs 5]

Replays sample/ (generator/replay_sources.py) on 127.0.0.1 and runs the medRxiv, Hugging Face and
journals sources for each demo day (2026-06-02..04) through the project's HTTP layer, pacing off
(every local server shares one host; the real hosts differ). Prints, per source and day, the
requests made and the median wall time of --runs runs, plus:
- a busy medRxiv day without a category filter (250 records: 9 pages of 30);
- the journals again with a warm validator cache (feeds answered 304);
- the politeness floor the default pacing adds on the real hosts ((requests to a host - 1) x its
  interval), which the local figures leave out.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx

from generator import http as polite
from generator.replay_sources import ReplaySources
from generator.sources import DigestDay, huggingface, journals, medrxiv

SAMPLE = REPO / "sample"
DAYS = ("2026-06-02", "2026-06-03", "2026-06-04")
LOCAL = polite.HttpSettings(interval_seconds=0, host_intervals={}, backoff_seconds=0.1)
DEFAULTS = polite.HttpSettings()
REAL_HOSTS = {"medrxiv": "api.biorxiv.org", "huggingface": "huggingface.co", "crossref": "api.crossref.org"}


def digest_day(day: str) -> DigestDay:
    when = date.fromisoformat(day)
    start = datetime(when.year, when.month, when.day, tzinfo=timezone.utc) - timedelta(days=1)
    return DigestDay(date=when, window=(start, start + timedelta(days=1)), dates=(when - timedelta(days=1),))


def sources(replay: ReplaySources, radiology: bool = True) -> dict[str, Callable[[DigestDay, httpx.Client], list]]:
    env = replay.env()
    med = medrxiv.Settings(url=env["DIGEST_MEDRXIV_URL"],
                           categories=["radiology and imaging"] if radiology else [])
    feeds = [journals.Feed(name="Medical Image Analysis", url=replay.feed_url("medical-image-analysis.xml")),
             journals.Feed(name="npj Digital Medicine", url=replay.feed_url("npj-digital-medicine.rdf"))]
    return {
        "medrxiv": medrxiv.source(med).fetch,
        "huggingface": huggingface.source(huggingface.Settings(url=env["DIGEST_HF_URL"])).fetch,
        "journals": journals.source(journals.Settings(
            feeds=feeds, crossref_url=env["DIGEST_CROSSREF_URL"])).fetch,
    }


def measure(replay: ReplaySources, fetch: Callable[[DigestDay, httpx.Client], list], day: str,
            runs: int, cache: Path | None = None) -> tuple[int, dict[str, int], float]:
    """Papers, requests by kind (of one run) and the median seconds of `runs` runs."""
    times, papers, asked = [], 0, {}
    for _ in range(runs):
        before = dict(replay.requests)
        with polite.make_client(LOCAL, cache_dir=cache) as http:
            started = time.perf_counter()
            papers = len(fetch(digest_day(day), http))
            times.append(time.perf_counter() - started)
        asked = {kind: count - before.get(kind, 0) for kind, count in replay.requests.items()
                 if count - before.get(kind, 0)}
    return papers, asked, statistics.median(times)


def floor(source: str, asked: dict[str, int]) -> float:
    """Seconds the default pacing adds on the real hosts for these requests."""
    def wait(host: str, count: int) -> float:
        return max(0, count - 1) * DEFAULTS.host_intervals.get(host, DEFAULTS.interval_seconds)

    if source == "journals":  # each feed is its own host; Crossref is one host
        return wait(REAL_HOSTS["crossref"], asked.get("crossref", 0))
    return wait(REAL_HOSTS[source], sum(asked.values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(f"{'source':<12} {'day':<16} {'papers':>6}  {'requests':<40} {'median ms':>9}  {'pacing floor s':>14}")
    with ReplaySources(SAMPLE) as replay:
        for name, fetch in sources(replay).items():
            for day in DAYS:
                papers, asked, seconds = measure(replay, fetch, day, runs)
                shown = ", ".join(f"{kind} {count}" for kind, count in sorted(asked.items()))
                print(f"{name:<12} {day:<16} {papers:>6}  {shown:<40} {seconds * 1000:>9.1f}  "
                      f"{floor(name, asked):>14.1f}")
        with tempfile.TemporaryDirectory() as cache:
            fetch = sources(replay)["journals"]
            measure(replay, fetch, "2026-06-02", 1, Path(cache))  # warm the validators
            papers, asked, seconds = measure(replay, fetch, "2026-06-02", runs, Path(cache))
            shown = ", ".join(f"{kind} {count}" for kind, count in sorted(asked.items()))
            print(f"{'journals':<12} {'(cached)':<16} {papers:>6}  {shown:<40} {seconds * 1000:>9.1f}")
    with tempfile.TemporaryDirectory() as folder:
        busy = Path(folder)
        shutil.copytree(SAMPLE, busy / "sample")
        records = [{"doi": f"10.5555/busy.{n:04d}", "version": "1", "date": "2026-06-01",
                    "title": f"Busy day paper {n}", "authors": "Doe, J.", "abstract": "x " * 200,
                    "category": ["epidemiology", "radiology and imaging", "oncology"][n % 3],
                    "server": "medRxiv"} for n in range(250)]
        (busy / "sample" / "medrxiv" / "details.json").write_text(json.dumps(records))
        with ReplaySources(busy / "sample") as replay:
            for radiology in (False, True):
                fetch = sources(replay, radiology)["medrxiv"]
                papers, asked, seconds = measure(replay, fetch, "2026-06-02", runs)
                label = "busy, radiology" if radiology else "busy, all"
                shown = ", ".join(f"{kind} {count}" for kind, count in sorted(asked.items()))
                print(f"{'medrxiv':<12} {label:<16} {papers:>6}  {shown:<40} {seconds * 1000:>9.1f}  "
                      f"{floor('medrxiv', asked):>14.1f}")


if __name__ == "__main__":
    main()
