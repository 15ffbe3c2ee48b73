"""All reading and writing of the digest's state: days, the papers seen, caches.

Layout under the store directory (small text files, stable order, git-friendly):

    days/YYYY-MM-DD.json          a day's digest: every candidate in rank order (published at
                                  output/data/YYYY-MM-DD.json in the current format: see
                                  `day_format` and `upgrade_day_json`)
    seen/YYYY-MM.tsv              key, version, digest date: one line per identity of a paper
                                  ("arxiv:2606.00002", "doi:10.1101/..."; a bare id is an arXiv
                                  id, as older stores wrote), so a paper, a new version of it or
                                  its listing on another source appears in one digest only
    sent/YYYY-MM.tsv              digest date, recipient key, language, when: one line per email
                                  edition sent, so nobody gets a day twice (the key is a hash of
                                  the address: the store is public, the addresses are not)
    cache/KIND/YYYY-MM.jsonl      memoized work such as LLM replies; append-only, last line wins
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast, get_args

from .errors import StoreError
from .files import write_atomic
from .records import Day, Entry, Match, Note, NoteKind, Paper, Ranked, Related, SourceRef, Summary, Usage
from .labels import badge
from .merge import refs

# 2: notes and summary reasons are {"kind": ..., values...}, not text
# 3: papers have `sources` and `upvotes`; `matched` is [{"kind": "topic", "name": ...}], not "topic:X"
# 4: a source's badge spells arXiv's category as arXiv does, "arXiv (cs.CV)" (3 had "arXiv (CS.CV)")
log = logging.getLogger(__name__)

DAY_FORMAT_VERSION = 4


class Store:
    """The digest's state under one directory."""

    def __init__(self, root: Path):
        self.root = root
        self._caches: dict[str, dict[str, Any]] = {}

    # --- days -------------------------------------------------------------------------------

    def day_path(self, day: date) -> Path:
        return self.day_path_of(day.isoformat())

    def day_path_of(self, name: str) -> Path:
        """The day file of a date written YYYY-MM-DD (as post file names spell it)."""
        return self.root / "days" / f"{name}.json"

    def write_day(self, day: Day) -> Path:
        """Write the day atomically; an unchanged day leaves the file untouched."""
        path = self.day_path(day.date)
        write_atomic(path, dumps(day_to_json(day)))
        return path

    def read_day(self, day: date) -> dict[str, Any] | None:
        """The day as stored (the published JSON, upgraded to the current format), or None if
        there is no digest that day. `load_day` gives it as records."""
        path = self.day_path(day)
        if not path.is_file():
            return None
        try:
            return day_json(path.read_text("utf-8"))
        except (OSError, *NOT_A_DAY) as exc:
            raise StoreError(f"{path}: unreadable day file ({exc}); delete it and re-run that day") from exc

    def load_day(self, day: date) -> Day | None:
        """The stored day as records, or None if there is no digest that day."""
        data = self.read_day(day)
        if data is None:
            return None
        try:
            return day_from_json(data)
        except NOT_A_DAY as exc:
            raise StoreError(
                f"{self.day_path(day)}: unreadable day file ({exc!r}); re-run `digest run --date {day}`"
            ) from exc

    def failed_sources(self, day: date) -> frozenset[tuple[str, str | None]]:
        """What failed in the digest of `day`, from its "source_failed" notes: (source, part) pairs,
        part None for a whole source, else the name of the part that failed alone (a journal's feed)."""
        data = self.read_day(day) or {}
        return frozenset(
            (str(note["source"]), str(note["part"]) if note.get("part") else None)
            for note in data.get("notes", [])
            if isinstance(note, dict) and note.get("kind") == "source_failed" and note.get("source")
        )

    def days(self) -> list[date]:
        """Every date with a digest, oldest first."""
        folder = self.root / "days"
        if not folder.is_dir():
            return []
        days = []
        for path in folder.glob("????-??-??.json"):
            try:
                days.append(date.fromisoformat(path.stem))
            except ValueError:  # e.g. 2026-13-45.json, copied in by hand
                log.warning("%s: not a date; ignored (rename or delete it)", path)
        return sorted(days)

    def archive(self, before: date, *, max_days: int | None = None) -> Iterator[tuple[date, Paper]]:
        """Papers of earlier digests, newest day first, at most `max_days` days back."""
        earlier = [d for d in reversed(self.days()) if d < before][:max_days]
        for day in earlier:
            data = self.read_day(day) or {}
            for item in data.get("papers", []):
                yield day, paper_from_json(item)

    # --- papers seen --------------------------------------------------------------------------

    def seen_before(self, day: date) -> dict[str, tuple[int, date]]:
        """identity -> (version, digest date) of every paper in a digest before `day`.

        Identities are `merge.identities` keys ("arxiv:2606.00002", "doi:10.1101/..."); rows of
        older stores hold a bare arXiv id.
        """
        seen: dict[str, tuple[int, date]] = {}
        for key, version, when in self._seen_rows():
            if when < day:
                seen[key if ":" in key else f"arxiv:{key}"] = (version, when)
        return seen

    def mark_seen(self, day: date, papers: Iterable[Paper]) -> None:
        """Record that `papers` appeared in the digest of `day` (replacing that day's rows)."""
        from .merge import identities  # merge is pure and knows what makes two listings one paper

        path = self._seen_path(day)
        rows = [row for row in self._read_seen(path) if row[2] != day]
        rows += [(key, p.version, day) for p in papers for key in identities(p)]
        rows.sort(key=lambda row: (row[2], row[0]))
        text = "".join(f"{pid}\t{version}\t{when.isoformat()}\n" for pid, version, when in rows)
        write_atomic(path, text)

    def _seen_path(self, day: date) -> Path:
        return self.root / "seen" / f"{day:%Y-%m}.tsv"

    def _seen_rows(self) -> Iterator[tuple[str, int, date]]:
        folder = self.root / "seen"
        for path in sorted(folder.glob("*.tsv")) if folder.is_dir() else []:
            yield from self._read_seen(path)

    @staticmethod
    def _read_seen(path: Path) -> list[tuple[str, int, date]]:
        if not path.is_file():
            return []
        rows = []
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            try:
                paper_id, version, when = line.split("\t")
                rows.append((paper_id, int(version), date.fromisoformat(when)))
            except ValueError as exc:
                raise StoreError(f"{path}:{number}: malformed line {line!r}") from exc
        return rows

    # --- email editions sent -----------------------------------------------------------------

    def sent(self) -> dict[str, set[date]]:
        """recipient key -> the digest dates mailed to that recipient."""
        sent: dict[str, set[date]] = {}
        folder = self.root / "sent"
        for path in sorted(folder.glob("*.tsv")) if folder.is_dir() else []:
            for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                try:
                    when, key, _lang, _at = line.split("\t")
                    sent.setdefault(key, set()).add(date.fromisoformat(when))
                except ValueError as exc:
                    raise StoreError(f"{path}:{number}: malformed line {line!r}") from exc
        return sent

    def mark_sent(self, day: date, key: str, lang: str, at: datetime) -> None:
        """Record that the edition of `day` in `lang` went to the recipient `key` (once written, kept)."""
        path = self.root / "sent" / f"{day:%Y-%m}.tsv"
        lines = path.read_text("utf-8").splitlines(keepends=True) if path.is_file() else []
        lines.append(f"{day.isoformat()}\t{key}\t{lang}\t{_utc(at)}\n")
        write_atomic(path, "".join(sorted(lines)))

    # --- caches -------------------------------------------------------------------------------

    def cached(self, kind: str, key: str) -> Any | None:
        """The value memoized under `key`, or None."""
        return self._cache(kind).get(key)

    def cache(self, kind: str, key: str, value: Any, *, bucket: str) -> None:
        """Memoize `value`; appended at once so that nothing paid for is lost on a crash."""
        self._cache(kind)[key] = value
        path = self.root / "cache" / kind / f"{bucket}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"key": key, "value": value}, ensure_ascii=False) + "\n")

    def _cache(self, kind: str) -> dict[str, Any]:
        if kind not in self._caches:
            entries: dict[str, Any] = {}
            for path in sorted((self.root / "cache" / kind).glob("*.jsonl")):
                for line in path.read_text("utf-8").splitlines():
                    try:
                        record = json.loads(line)
                        entries[record["key"]] = record["value"]
                    except (ValueError, KeyError, TypeError):
                        continue  # a line torn by a crash: that work is simply redone
            self._caches[kind] = entries
        return self._caches[kind]


# --- the day's JSON (the published format) ----------------------------------------------------


def dumps(data: Any) -> str:
    """Stable JSON text: same data, same bytes."""
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def day_to_json(day: Day) -> dict[str, Any]:
    """The day as published at output/data/YYYY-MM-DD.json."""
    return {
        "format": DAY_FORMAT_VERSION,
        "date": day.date.isoformat(),
        "counts": {
            "candidates": len(day.entries),
            "featured": len(day.featured),
            "matched": day.matched,
            "llm": sum(1 for e in day.featured if e.summary.kind == "llm"),
            "repaired": sum(1 for e in day.featured if e.summary.repaired),
            "flagged": sum(1 for e in day.featured if e.summary.unsupported),
        },
        "notes": [note_to_json(note) for note in day.notes],
        "brief": day.brief,
        "usage": asdict(day.usage) if day.usage else None,
        "trending": list(day.trending),
        "papers": [entry_to_json(entry) for entry in day.entries],
    }


def entry_to_json(entry: Entry) -> dict[str, Any]:
    paper = entry.ranked.paper
    summary = entry.summary
    return {
        "rank": entry.rank,
        **paper_to_json(paper),
        "score": round(entry.ranked.score, 1),
        "featured": entry.featured,
        "matched": [{"kind": m.kind, "name": m.name} for m in entry.ranked.matched],
        "why": list(entry.ranked.why),
        "related": [asdict(r) for r in entry.ranked.related],
        "code_url": entry.code_url,
        "summary_kind": summary.kind,
        "summary_reason": note_to_json(summary.reason) if summary.reason else None,
        "summary_repaired": summary.repaired,
        # what the summary states that the title and abstract do not support, per language, as written
        "unsupported_numbers": {lang: list(items) for lang, items in summary.unsupported.items() if items},
        "summary": {
            "tldr": summary.tldr,
            "title": summary.title,
            "problem": summary.problem,
            "method": summary.method,
            "results": summary.results,
            "keywords": {lang: list(words) for lang, words in summary.keywords.items()},
        },
    }


def note_to_json(note: Note) -> dict[str, Any]:
    """A note as the day's JSON holds it: {"kind": "llm_failed", "failed": 2, "total": 30}."""
    return {"kind": note.kind, **note.values}


def note_from_json(item: dict[str, Any]) -> Note:
    """A stored note (current format: see `upgrade_day_json`)."""
    values = {name: value for name, value in item.items() if name != "kind"}
    kind = item.get("kind")
    if kind not in get_args(NoteKind) or not all(isinstance(v, str | int) for v in values.values()):
        raise StoreError(f"unknown note {item!r} in a day file: re-run that day with this version of the digest")
    return Note(cast(NoteKind, kind), values)


def paper_to_json(paper: Paper) -> dict[str, Any]:
    return {
        "id": paper.id,
        "version": paper.version,
        "source": paper.source,
        "title": paper.title,
        "authors": list(paper.authors),
        "categories": list(paper.categories),
        "primary_category": paper.primary_category,
        "published": _utc(paper.published),
        "updated": _utc(paper.updated),
        "url": paper.url,
        "pdf_url": paper.pdf_url,
        "doi": paper.doi,
        "comment": paper.comment,
        "sources": [source_to_json(ref) for ref in refs(paper)],  # each badge a card shows (radar.js)
        "upvotes": paper.upvotes,
        "abstract": paper.abstract,
    }


def source_to_json(ref: SourceRef) -> dict[str, Any]:
    """One listing of a paper: name, id, url, category, upvotes, its badge and the source's own fields."""
    return {
        "name": ref.source, "id": ref.id, "url": ref.url, "category": ref.category,
        "upvotes": ref.upvotes, "badge": badge(ref), **dict(ref.fields),
    }


_SOURCE_KEYS = ("name", "id", "url", "category", "upvotes", "badge")


def source_from_json(item: dict[str, Any]) -> SourceRef:
    return SourceRef(
        source=item["name"], id=item["id"], url=item.get("url") or "",
        category=item.get("category"), upvotes=item.get("upvotes"),
        fields=tuple((k, v) for k, v in item.items() if k not in _SOURCE_KEYS and isinstance(v, str | int)),
    )


def paper_from_json(item: dict[str, Any]) -> Paper:
    return Paper(
        id=item["id"],
        version=int(item.get("version", 1)),
        title=item["title"],
        abstract=item.get("abstract", ""),
        authors=tuple(item.get("authors", ())),
        categories=tuple(item.get("categories", ())),
        primary_category=item.get("primary_category", ""),
        published=datetime.fromisoformat(item["published"]),
        updated=datetime.fromisoformat(item.get("updated") or item["published"]),
        url=item["url"],
        pdf_url=item.get("pdf_url", ""),
        source=item.get("source", "arxiv"),
        doi=item.get("doi"),
        comment=item.get("comment"),
        sources=tuple(source_from_json(ref) for ref in item.get("sources") or ()),
    )


def upgrade_day_json(data: dict[str, Any]) -> dict[str, Any]:
    """A stored day in the current format: days of format 2 and older gain `sources` (their one
    source), `upvotes` and `matched` as objects, and the plain-text notes and summary reasons of
    format 1 become notes of kind "text" (English, shown as they are in every edition); format 3
    days have their sources' badges worded again. A current day is returned as it is."""
    version = data.get("format", 1)
    if version >= DAY_FORMAT_VERSION:
        return data
    papers = []
    for item in data.get("papers", []):
        if version == 3:
            sources = [source_to_json(source_from_json(ref)) for ref in item.get("sources") or ()]
            papers.append({**item, "sources": sources})
            continue
        ref = SourceRef(
            item.get("source") or "arxiv", str(item.get("id", "")), str(item.get("url", "")),
            item.get("primary_category") or None,
        )
        matched = [
            {"kind": kind, "name": name}
            for kind, _, name in (str(m).partition(":") for m in item.get("matched", []))
            if kind in ("topic", "author")
        ]
        papers.append({**item, "sources": [source_to_json(ref)], "upvotes": None, "matched": matched,
                       "summary_reason": _text_note(item.get("summary_reason"))})
    notes = [_text_note(note) for note in data.get("notes", [])]
    return {**data, "format": DAY_FORMAT_VERSION, "notes": notes, "papers": papers}


def _text_note(note: Any) -> Any:
    """A note of format 1, plain English text, as the note of kind "text" it is; any other as it is."""
    return {"kind": "text", "text": note} if isinstance(note, str) else note


# A day file as `dumps(day_to_json(...))` writes it opens with its format: '{\n "format": 4,'.
_FORMAT_FIRST = re.compile(rb'\{\s*"format"\s*:\s*([0-9]+)\s*,')


def day_format(path: Path) -> int | None:
    """The format a day file declares first thing, as the store writes days, read from its first
    bytes only; None if it does not open so (format 1 days have none: `day_json` reads any day)."""
    with path.open("rb") as handle:
        found = _FORMAT_FIRST.match(handle.read(64).lstrip())
    return int(found[1]) if found else None


# What reading a text that is not a day file raises: invalid JSON, or JSON of another shape.
NOT_A_DAY = (ValueError, KeyError, TypeError, AttributeError)


def day_json(text: str) -> dict[str, Any]:
    """A day file's text as JSON of the current format; one of NOT_A_DAY if it is not a day."""
    data = upgrade_day_json(json.loads(text))
    if not isinstance(data, dict) or not isinstance(data.get("papers", []), list):
        raise ValueError("not a day object")
    return data


def parse_day(text: str) -> Day:
    """A day file's text as records; one of NOT_A_DAY if it is not a day."""
    return day_from_json(day_json(text))


def day_from_json(data: dict[str, Any]) -> Day:
    """The typed day of a stored day's JSON (current format: see `upgrade_day_json`)."""
    usage = data.get("usage")
    return Day(
        date=date.fromisoformat(data["date"]),
        entries=tuple(entry_from_json(item) for item in data.get("papers", [])),
        brief=dict(data.get("brief") or {}),
        notes=tuple(note_from_json(note) for note in data.get("notes", [])),
        usage=Usage(**usage) if usage else None,
        matched=(data.get("counts") or {}).get("matched"),
        trending=tuple(int(rank) for rank in data.get("trending") or ()),
    )


def entry_from_json(item: dict[str, Any]) -> Entry:
    summary = item.get("summary") or {}
    reason = item.get("summary_reason")
    return Entry(
        rank=int(item["rank"]),
        ranked=Ranked(
            paper=paper_from_json(item),
            score=float(item.get("score", 0.0)),
            matched=tuple(Match(m["kind"], m["name"]) for m in item.get("matched", [])),
            why=tuple(item.get("why", ())),
            related=tuple(Related(**related) for related in item.get("related", ())),
        ),
        featured=bool(item.get("featured")),
        summary=Summary(
            kind=item.get("summary_kind", "extractive"),
            tldr=dict(summary.get("tldr") or {}),
            reason=note_from_json(reason) if reason else None,
            title=dict(summary.get("title") or {}),
            problem=dict(summary.get("problem") or {}),
            method=dict(summary.get("method") or {}),
            results=dict(summary.get("results") or {}),
            keywords={lang: tuple(words) for lang, words in (summary.get("keywords") or {}).items()},
            unsupported={lang: tuple(items) for lang, items in (item.get("unsupported_numbers") or {}).items()},
            repaired=bool(item.get("summary_repaired")),
        ),
        code_url=item.get("code_url"),
    )


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
