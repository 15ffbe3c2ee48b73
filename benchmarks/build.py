"""Build benchmark: a year of bilingual digests built with the project's theme and plugins vs vanilla Pelican.

    .venv/bin/python benchmarks/build.py [--days 365] [--runs 3] [--keep DIR] [--cold]

Makes `--days` days of 40 real papers each (from sample/listings, ids made unique per day) with
LLM-shaped summaries in both languages cut from the abstracts (the size of real LLM output), writes
them through the project's own store and writer (generator.store, generator.write), then builds
the same content with `digest build` and with vanilla Pelican (default theme, default feed
settings, no plugins), each build in a fresh subprocess. Prints the figures against the targets of
issue 5: full build time (median) and ratio, peak memory, add-one-day rebuild, day page and JS size.

A project full build starts without the previous build's manifest (generator.incremental), so it
renders every page; Pelican's content cache and the day outlines in cache/ stay warm after the
first run; with --cold each project full build starts without cache/ too, as the daily job's
(which builds in a fresh checkout). Each add-one-day rebuild adds a new day and rebuilds
incrementally (median of --runs).
"""

from __future__ import annotations

import argparse
from bisect import bisect_right
from itertools import accumulate
import gzip
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from generator import incremental, search, summarize, write
from generator.records import Day, Entry, Match, Note, Paper, Ranked, Related, Summary
from generator.settings import Settings, load
from generator.store import Store

PAPERS_A_DAY = 40
FEATURED = 30
LISTINGS = REPO / "sample" / "listings"

VANILLA_CONFIG = """
SITENAME = "Paper Radar"
SITEURL = "http://localhost:8000"
TIMEZONE = "UTC"
PATH = {content!r}
OUTPUT_PATH = {output!r}
ARTICLE_PATHS = ["digests"]
PAGE_PATHS = []  # the About page needs the project theme's template
PLUGINS = []
DELETE_OUTPUT_DIRECTORY = True
"""


def listing_pool() -> list[dict]:
    rows = []
    for path in sorted(LISTINGS.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            rows += [json.loads(line) for line in handle]
    return rows


def make_day(when: date, rows: list[dict], topics: dict[str, list[str]]) -> Day:
    """A day of real papers with summaries shaped like the LLM's (both languages, all fields)."""
    entries = []
    for rank, row in enumerate(rows, 1):
        moment = datetime(when.year, when.month, when.day, tzinfo=UTC) - timedelta(days=1)
        paper_id = f"{when:%y%m}.{when.day:02d}{rank:03d}"
        paper = Paper(
            id=paper_id, version=1, title=row["title"], abstract=row["abstract"],
            authors=tuple(row["authors"]), categories=tuple(row["categories"]),
            primary_category=row["primary_category"], published=moment, updated=moment,
            url=f"https://arxiv.org/abs/{paper_id}", pdf_url=f"https://arxiv.org/pdf/{paper_id}",
        )
        text = paper.abstract.lower()
        matched = tuple(Match("topic", name) for name, words in topics.items()
                        if any(word.lower() in text for word in words))
        extract = summarize.extractive(paper, Note("paper_no_llm_key"))  # only its sentences are used
        tldr = extract.tldr["en"]
        sentences = [s for s in paper.abstract.split(". ") if s][:3] + ["", "", ""]
        summary = Summary(
            kind="llm", tldr={"en": tldr, "zh": tldr}, title={"zh": paper.title},
            problem={"en": sentences[0], "zh": sentences[0]},
            method={"en": sentences[1], "zh": sentences[1]},
            results={"en": sentences[2], "zh": sentences[2]},
            keywords={"en": ("segmentation", "medical"), "zh": ("分割", "医学")},
        )
        related = tuple(Related(id=f"2605.{n:05d}", title=f"Related paper {n}",
                                url=f"https://arxiv.org/abs/2605.{n:05d}") for n in range(3))
        entries.append(Entry(
            rank=rank,
            ranked=Ranked(paper=paper, score=95.0 - rank, matched=matched, why=("segmentation",),
                          related=related),
            featured=rank <= FEATURED, summary=summary,
        ))
    brief = "Today's themes: segmentation, distribution shift and foundation models. " * 6
    return Day(date=when, entries=tuple(entries), brief={"en": brief, "zh": brief})


def write_days(settings: Settings, days: list[date], pool: list[dict]) -> None:
    store = Store(settings.store_dir)
    topics = settings.digest.radar.topics
    for number, when in enumerate(days):
        start = (number * PAPERS_A_DAY) % (len(pool) - PAPERS_A_DAY)
        day = make_day(when, pool[start:start + PAPERS_A_DAY], topics)
        store.write_day(day)
        write.write_posts(day, settings)


def make_project(root: Path) -> Settings:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "pelicanconfig.py", root / "pelicanconfig.py")
    for folder in ("theme", "radar"):
        (root / folder).symlink_to(REPO / folder, target_is_directory=True)
    if (REPO / "content" / "pages").is_dir():
        shutil.copytree(REPO / "content" / "pages", root / "content" / "pages")
    (root / "content").mkdir(exist_ok=True)
    (root / "vanilla.py").write_text(
        VANILLA_CONFIG.format(content=str(root / "content"), output=str(root / "vanilla-output")), "utf-8"
    )
    return load(root / "pelicanconfig.py", env={})


# --- one build, in a fresh process ------------------------------------------------------------


def child_build(kind: str, root: Path) -> None:
    """Build once and print {"seconds", "maxrss_mb", "full", "skipped"} (this process's own peak) as JSON."""
    started = time.perf_counter()
    plan = None
    if kind == "project":
        from generator.build import build

        plan = build(load(root / "pelicanconfig.py", env={}))
    else:
        from pelican import Pelican
        from pelican.settings import read_settings

        Pelican(read_settings(str(root / "vanilla.py"))).run()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "maxrss_mb": peak, "full": plan is None or plan.full,
                      "skipped": plan.skipped if plan else 0}))


def timed_build(kind: str, root: Path, *, full: bool = True, cold: bool = False) -> dict[str, float]:
    if kind == "project" and full:
        (root / "output" / incremental.MANIFEST).unlink(missing_ok=True)
        if cold:
            shutil.rmtree(root / "cache", ignore_errors=True)
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(root)],
        capture_output=True, text=True, cwd=root, check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{kind} build failed:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    if figures["full"] != full:
        raise SystemExit(f"{kind} build: expected a {'full' if full else 'incremental'} build")
    return figures


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 9))


def first_query(output: Path, terms: list[str], also: tuple[str, ...] = (), shown: int = 10) -> tuple[int, int, int]:
    """What theme/static/js/search.js fetches for a first query of `terms` (index tokens): the
    script, search/index.json, then month by month, newest first, one terms file per term (and
    per term of `also`: an author's name words) until `shown` results are found, and the docs
    files of those results. Returns (bytes gzipped, files, results found)."""
    folder = output / "search"
    index = json.loads((folder / "index.json").read_text("utf-8"))
    fetched = [output / "theme" / "js" / "search.js", folder / "index.json"]
    results: list[tuple[dict, int]] = []
    for segment in reversed(index["segments"]):
        if len(results) >= shown:
            break
        found: set[int] | None = None
        for term in [*terms, *also]:
            path = folder / segment["id"] / "terms" / f"{search.bucket(term, segment['buckets'])}.json"
            fetched.append(path)
            if term in terms:
                numbers = set(accumulate(json.loads(path.read_text("utf-8")).get(term, [])))
                found = numbers if found is None else found & numbers
        firsts = [day[2] for day in segment["days"]]
        results += [(segment, n) for n in sorted(found or (), key=lambda n: (-bisect_right(firsts, n), n))]
    fetched += [folder / segment["id"] / "docs" / f"{n // segment['chunk']}.json" for segment, n in results[:shown]]
    unique = list(dict.fromkeys(fetched))
    return sum(gzipped(path) for path in unique), len(unique), len(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365, help="days of digests (2 posts each)")
    parser.add_argument("--runs", type=int, default=3, help="full builds of each kind, and add-one-day rebuilds (medians)")
    parser.add_argument("--keep", type=Path, help="build in this directory and keep it")
    parser.add_argument("--cold", action="store_true", help="project full builds without cache/ (the daily job's)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "ROOT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_build(args.child[0], Path(args.child[1]))
        return

    root = args.keep or Path(tempfile.mkdtemp(prefix="radar-bench-"))
    settings = make_project(root)
    pool = listing_pool()
    first = date(2025, 1, 1)
    dates = [first + timedelta(days=n) for n in range(args.days + args.runs)]
    started = time.perf_counter()
    write_days(settings, dates[:args.days], pool)
    posts = len(list((root / "content" / "digests").rglob("*.md")))
    print(f"content: {posts} posts, {args.days} days x {PAPERS_A_DAY} papers, written in "
          f"{time.perf_counter() - started:.1f} s (under {root})")

    figures: dict[str, list[dict[str, float]]] = {"project": [], "vanilla": []}
    for _ in range(args.runs):  # interleaved, so both kinds see the same machine load
        for kind, runs in figures.items():
            runs.append(timed_build(kind, root, cold=args.cold))
    project = statistics.median(r["seconds"] for r in figures["project"])
    vanilla = statistics.median(r["seconds"] for r in figures["vanilla"])
    peak = max(r["maxrss_mb"] for r in figures["project"])
    children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    rebuilds = []
    for day in dates[args.days:]:  # one more day, then rebuild
        write_days(settings, [day], pool)
        rebuilds.append(timed_build("project", root, full=False))
    incremental = statistics.median(r["seconds"] for r in rebuilds)
    rebuild_peak = max(r["maxrss_mb"] for r in rebuilds)

    output = settings.output_dir
    newest = dates[-1]
    day_page = output / f"{newest:%Y/%m/%d}" / "index.html"
    scripts = sorted((output / "theme").rglob("*.js"))
    js = sum(gzipped(path) for path in scripts)
    index = output / "search" / "index.json"

    def check(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    print(f"full build, project theme + plugins{' (cold)' if args.cold else ''}: {project:.1f} s (median of {args.runs}: "
          + ", ".join(f"{r['seconds']:.1f}" for r in figures["project"]) + ")")
    print(f"full build, vanilla Pelican:         {vanilla:.1f} s (median of {args.runs}: "
          + ", ".join(f"{r['seconds']:.1f}" for r in figures["vanilla"]) + ")")
    print(f"ratio project / vanilla:             {project / vanilla:.2f}x  target <= 0.5x  "
          f"{check(project / vanilla <= 0.5)}")
    print(f"peak memory, project build:          {peak:.0f} MB  target <= 200 MB  {check(peak <= 200)}"
          f"  (largest child of this run: {children_peak:.0f} MB)")
    print(f"add one day and rebuild:             {incremental:.1f} s  target <= 3 s  "
          f"{check(incremental <= 3)}  (median of {len(rebuilds)}: "
          + ", ".join(f"{r['seconds']:.1f}" for r in rebuilds)
          + f"; {rebuilds[-1]['skipped']:.0f} pages not re-rendered; peak {rebuild_peak:.0f} MB)")
    if day_page.is_file():
        size = gzipped(day_page) / 1024
        print(f"day page gzipped:                    {size:.1f} KB  target <= 30 KB  {check(size <= 30)}")
    print(f"JS gzipped ({len(scripts)} files):              {js / 1024:.1f} KB  target <= 15 KB  "
          f"{check(js <= 15 * 1024)}")
    topic_pages = sorted(output.glob("topics/*/index.html"))
    if topic_pages:
        largest = max(topic_pages, key=lambda path: path.stat().st_size)
        print(f"largest topic page:                  {largest.stat().st_size / 1024:.0f} KB, "
              f"{gzipped(largest) / 1024:.1f} KB gzipped ({largest.parent.name})")
    if index.is_file():
        total = sum(path.stat().st_size for path in (output / "search").rglob("*.json"))
        files = len(list((output / "search").rglob("*.json")))
        print(f"search index (both languages):       {total / 1e6:.1f} MB in {files} files, fetched by need")
        author = pool[0]["authors"][0]
        for label, terms, also in (("segmentation", ["segmentation"], ()), ("分割", ["分割"], ()),
                                   (author, [search.name_token(author)], tuple(search.tokens(author))),
                                   ("lesion segmentation", ["lesion", "segmentation"], ())):
            size, count, results = first_query(output, terms, also)
            print(f"first search '{label}': {size / 1024:.0f} KB gzipped in {count} files, {results} results"
                  f"  target <= 300 KB  {check(size <= 300 * 1024)}")
    if not args.keep:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
