"""The search index over every paper of every day, in both languages, fetched by need.

A Pelican plugin: the main edition's build writes output/search/ once; both editions' search boxes
(theme/static/js/search.js) use it. Each paper of each stored day (every candidate, not only the
featured ones) is a document: its title, authors, abstract, arXiv comment, and the summary in every
language (TL;DR, problem, method, results, translated title). The glossary (generator/glossary.py)
adds the Chinese term next to each English term a paper uses, so that 分割 finds the segmentation
papers of a day summarized without an LLM.

The index is cut by month, so that adding a day rebuilds one month's files. Files, all JSON:

    search/index.json                {"format": 2, "stop": [stop words],
                                      "dictionary": [the glossary's Chinese words, longest first],
                                      "segments": [{"id": "2026-06", "buckets": B, "chunk": C,
                                                    "days": [[date, day page path, first document], ...]}, ...]}
                                      months oldest first, each month's days oldest first
    search/<month>/terms/<b>.json    {term: [first document, gap, gap, ...]}   the terms of bucket b
    search/<month>/docs/<n>.json     [[day, rank, title, translated title, authors, featured], ...]
                                      the month's documents n*C .. n*C+C-1 (day: its place in "days")

A month's documents are its days' papers, oldest day first, each day's in rank order. A query
fetches index.json, then month by month, newest first, one terms file per word, until it has a
page of results, and the docs files of the results it shows: a few tens of KB for a year of
digests (benchmarks/build.py measures it), whatever the archive's size. B grows with the month's
size, so that a terms file stays a few KB.

Tokens (search.js applies the same rules to a query): the text is NFKC-folded and lower-cased;
runs of letters/digits are words (stop words and one-letter words dropped, a plural "s" removed);
runs of CJK characters give their overlapping character pairs (a one-character run, itself); each
author's whole name is a token too ("hao chen"), so that a name's papers come first. A term's
bucket is the FNV-1a hash of its code points modulo B.

Pelican's cache folder keeps each day's tokens (one pickle per day, made again when its file
changes) and each month's built files with the key of the days they were built from: adding a day
tokenizes that day and rebuilds its month; the other months' files are linked into output/ as they are.
"""

from __future__ import annotations

import json
import os
import shutil
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from datetime import date
from pathlib import Path
from typing import Any

from pelican import Pelican, signals

from . import glossary
from .files import write_atomic
from .dayview import DayFiles, file_key, read_whole_day, site_days
from .errors import BuildError
from .records import Day, Entry, Paper
from .site import digest_settings
from .store import Store
from .text import one_line
from .write import built_days, day_path

FOLDER = "search"
INDEX_FORMAT = 2
CHUNK = 64  # documents a docs file holds
POSTINGS_A_FILE = 1500  # a terms file's size: ~1,500 postings, ~3 KB gzipped
MAX_BUCKETS = 4096
MAX_TITLE = 300
MAX_AUTHORS = 4  # authors a result names; the rest are counted ("+ 12")
CACHE_FOLDER = "search"
CACHE_FORMAT = 2


@dataclass(frozen=True, slots=True)
class DayEntry:
    """A day's searchable content: per paper in rank order, its tokens and its result line."""

    date: date
    tokens: tuple[tuple[str, ...], ...]
    docs: tuple[tuple[int, str, str, str, int], ...]  # (rank, title, translated title, authors, featured)

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
STOP_WORDS = frozenset(
    "a an and are as at be been by can for from has have in into is it its of on or our that the "
    "their these this to via was we were which with".split()
)


# --- tokens -----------------------------------------------------------------------------------


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def word_token(word: str) -> str | None:
    """The token of a run of letters/digits, or None for a stop word or a single letter."""
    if len(word) < 2 or word in STOP_WORDS:
        return None
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokens(text: str) -> set[str]:
    """The distinct tokens of `text` (see the module docstring)."""
    found: set[str] = set()
    for run in set(_RUNS.findall(fold(text))):  # each distinct run once: an abstract repeats its words
        if "\u3400" <= run[0] <= "\ufaff" and _is_cjk(run[0]):
            found.update(run[i:i + 2] for i in range(max(len(run) - 1, 1)))
        else:
            token = word_token(run)
            if token:
                found.add(token)
    return found


def name_token(name: str) -> str:
    """An author's whole name as one token ("hao chen"): its words, folded, joined by a space."""
    return " ".join(_RUNS.findall(fold(name)))


def author_tokens(paper: Paper) -> set[str]:
    """The paper's authors' whole names, so that a search for a name ranks that author's papers first."""
    return {token for token in (name_token(name) for name in paper.authors) if " " in token}


def _is_cjk(char: str) -> bool:
    return re.match(f"[{_CJK}]", char) is not None


def bucket(term: str, buckets: int) -> int:
    """The terms file of `buckets` that holds `term`: FNV-1a over its code points, as search.js computes it."""
    value = 0x811C9DC5
    for char in term:
        value = ((value ^ ord(char)) * 0x01000193) & 0xFFFFFFFF
    return value % buckets


# --- documents --------------------------------------------------------------------------------


def _texts(values: Mapping[str, str] | Mapping[str, tuple[str, ...]]) -> Iterable[str]:
    """Every string of a summary's field (a language map of texts or of keyword lists)."""
    for value in values.values():
        if isinstance(value, str):
            yield value
        else:
            yield from value


def document_text(entry: Entry) -> str:
    """What a paper is found by: title, authors, abstract, comment, the summary in every language,
    the glossary's Chinese terms for the English terms it uses, and its ids ("arxiv 2606.04705", its
    DOI), which readers paste."""
    paper, summary = entry.ranked.paper, entry.summary
    english = " ".join((paper.title, paper.abstract, paper.comment or ""))
    texts = (summary.tldr, summary.title, summary.problem, summary.method, summary.results, summary.keywords)
    ids = " ".join([paper.id, paper.doi or "", *(f"{ref.source} {ref.id}" for ref in paper.sources)])
    parts = [english, " ".join(paper.authors), " ".join(text for field in texts for text in _texts(field)), ids]
    parts.extend(glossary.chinese_terms(english + " " + " ".join(summary.tldr.values())))
    return "\n".join(parts)


def day_entry(day: Day) -> DayEntry:
    """A day's searchable content: its papers in rank order, each with its tokens and its result line."""
    entries = sorted(day.entries, key=lambda entry: entry.rank)
    return DayEntry(
        date=day.date,
        tokens=tuple(tuple(sorted(tokens(document_text(entry)) | author_tokens(entry.ranked.paper))) for entry in entries),
        docs=tuple(_result(entry) for entry in entries),
    )


def _result(entry: Entry) -> tuple[int, str, str, str, int]:
    """(rank, title, translated title, authors, featured): what a search result shows."""
    paper = entry.ranked.paper
    title = one_line(paper.title)[:MAX_TITLE]
    translated = one_line(entry.summary.title.get("zh") or "")[:MAX_TITLE]
    authors = [one_line(name) for name in paper.authors]
    named = ", ".join(authors[:MAX_AUTHORS]) + (f" + {len(authors) - MAX_AUTHORS}" if len(authors) > MAX_AUTHORS else "")
    return (entry.rank, title, translated if translated != title else "", named, 1 if entry.featured else 0)


def build_segment(entries: Iterable[DayEntry], *, day_path: Callable[[date], str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """One month's index from its day entries (oldest first): its manifest entry (without "id")
    and its files {relative path: JSON value}. `day_path(date)` gives a day page's path relative to
    a language's site."""
    postings: dict[str, list[int]] = defaultdict(list)
    days: list[list[Any]] = []
    docs: list[list[Any]] = []
    for number, entry in enumerate(entries):
        first = len(docs)
        days.append([entry.date.isoformat(), day_path(entry.date), first])
        for offset, terms in enumerate(entry.tokens):
            for term in terms:
                postings[term].append(first + offset)
        docs.extend([number, *doc] for doc in entry.docs)
    count = sum(len(numbers) for numbers in postings.values())
    buckets = bucket_count(count)
    tables: list[dict[str, list[int]]] = [{} for _ in range(buckets)]
    for term, numbers in postings.items():
        tables[bucket(term, buckets)][term] = [numbers[0], *(b - a for a, b in zip(numbers, numbers[1:], strict=False))]
    files: dict[str, Any] = {f"terms/{number}.json": table for number, table in enumerate(tables)}
    for start in range(0, len(docs), CHUNK):
        files[f"docs/{start // CHUNK}.json"] = docs[start:start + CHUNK]
    return {"buckets": buckets, "chunk": CHUNK, "days": days}, files


def bucket_count(postings: int) -> int:
    """Terms files for a month of `postings`: a power of two giving about POSTINGS_A_FILE each."""
    count = 1
    while count < MAX_BUCKETS and postings / count > POSTINGS_A_FILE:
        count *= 2
    return count


def manifest(segments: list[dict[str, Any]]) -> dict[str, Any]:
    """search/index.json: the months' manifests and what search.js needs to tokenize a query."""
    return {"format": INDEX_FORMAT, "stop": sorted(STOP_WORDS), "dictionary": glossary.chinese_dictionary(),
            "segments": segments}


# --- the plugin -------------------------------------------------------------------------------


def write_index(pelican: Pelican) -> None:
    """Write output/search/ from every stored day (once, from the main edition)."""
    settings = digest_settings(pelican.settings)
    if pelican.settings["DEFAULT_LANG"] != settings.digest.languages[0]:
        return
    store = Store(settings.store_dir)
    # One index serves every edition, each prefixing its own root (settings.load checks that the
    # editions put a day at one path).
    lang = settings.digest.languages[0]
    article_url = settings.article_urls[lang]

    cache = Path(pelican.settings["CACHE_PATH"])
    site = site_days(pelican.settings)
    code = site.code  # the build's fingerprint: other code makes the cache again
    days = site.search or day_files(cache, code)  # the site's days made most of them already
    months: dict[str, list[date]] = defaultdict(list)
    for day in built_days(store.days(), settings):  # as the site: days with their pages
        months[f"{day:%Y-%m}"].append(day)
    segments = []
    target = Path(pelican.settings["OUTPUT_PATH"]) / FOLDER
    for month, month_days in sorted(months.items()):
        keys = {day: _day_key(store.day_path(day)) for day in month_days}
        key = json.dumps([CACHE_FORMAT, INDEX_FORMAT, code, article_url, [keys[day] for day in month_days]])
        built = cache / CACHE_FOLDER / "months" / month
        segment = _read_built(built, key)
        if segment is None:
            segment, files = build_segment((days.get(store.day_path(day)) for day in month_days),
                                           day_path=partial(day_path, article_url, lang=lang))
            _write_built(built, files, {"key": key, "segment": segment})
        segments.append({"id": month, **segment})
        _link_folder(built, target / month)
    for folder in target.glob("*/") if target.is_dir() else ():
        if folder.is_dir() and folder.name not in months:
            shutil.rmtree(folder)
    write_atomic(target / "index.json", json.dumps(manifest(segments), ensure_ascii=False, separators=(",", ":")))


def day_files(cache_path: Path, code: str) -> DayFiles[DayEntry]:
    """Each day's DayEntry, one pickle per day under `cache_path` (see dayview.DayFiles), made again
    by other code (`code`, the build's fingerprint); none is kept in memory."""
    return DayFiles(cache_path / CACHE_FOLDER / "days", day_entry, version=f"search-{CACHE_FORMAT}-{code}", kept=0)


def _day_key(path: Path) -> list[Any]:
    key = file_key(path)
    if key is None:
        read_whole_day(path)  # says what is wrong with the day file
        raise BuildError(f"{path}: cannot read the day file's metadata")
    return [str(path), *key]


def _read_built(folder: Path, key: str) -> dict[str, Any] | None:
    """The manifest of the month built in `folder` when it was built from the same days, else None."""
    try:
        stored = json.loads((folder / "key.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return stored["segment"] if isinstance(stored, dict) and stored.get("key") == key else None


def _write_built(folder: Path, files: Mapping[str, Any], key: dict[str, Any]) -> None:
    """A month's files in the cache, key.json last: a build cut short leaves no key, and the month
    is built again. Files are written anew (not replaced in place): output/ may link the old ones."""
    if folder.exists():
        shutil.rmtree(folder)
    for name in ("terms", "docs"):
        (folder / name).mkdir(parents=True)
    for name, value in files.items():
        (folder / name).write_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")), "utf-8")
    write_atomic(folder / "key.json", json.dumps(key, ensure_ascii=False))


def _link_folder(source: Path, target: Path) -> None:
    """Make `target` hold `source`'s index files (hard links where the file system allows)."""
    wanted = set()
    for path in source.rglob("*.json"):
        if path.name == "key.json":
            continue
        relative = path.relative_to(source)
        wanted.add(relative)
        published = target / relative
        try:
            if published.samefile(path):
                continue
            published.unlink()
        except FileNotFoundError:
            published.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, published)
        except OSError:  # another file system, or links not allowed
            shutil.copy2(path, published)
    for path in target.rglob("*.json") if target.is_dir() else ():
        if path.relative_to(target) not in wanted:
            path.unlink()


def register() -> None:
    signals.finalized.connect(write_index)
