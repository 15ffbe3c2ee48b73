"""The search index over all digests, per language: built at build time, fetched by search.js on use.

A Pelican plugin. Each language's site gets search/index.json: every featured paper of every
stored day, with the text a reader searches by (title, translated title, authors, TL;DR in that
language) and where the paper's card is (the day page and the card's `#p<rank>` anchor). The format
is columnar and text is cut to a few hundred characters, so a year of digests stays around a
megabyte before gzip; theme/static/js/search.js downloads it the first time the search box is used.

    {"format": 1,
     "days": [["2026-06-03", "2026/06/03/"], ...],           newest first
     "papers": [[day, rank, title, title_translated, authors, tldr], ...]}
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pelican import Pelican, signals

from .text import one_line
from .files import write_atomic
from .site import day_outline, digest_settings
from .store import Store

INDEX_PATH = "search/index.json"
INDEX_FORMAT = 1
MAX_TITLE = 300
MAX_TLDR = 240  # enough to match on; the card has the rest
MAX_AUTHORS = 10


def build_index(days: Iterable[Mapping[str, Any]], lang: str, *, day_path: Any) -> dict[str, Any]:
    """The index of the featured papers of `days` (newest first) in `lang`.

    `day_path(date)` gives a day page's path relative to the language's site.
    """
    index_days: list[list[str]] = []
    papers: list[list[Any]] = []
    for day in days:
        featured = [p for p in day.get("papers", []) if p.get("featured")]
        if not featured:
            continue
        when = date.fromisoformat(day["date"])
        index_days.append([when.isoformat(), day_path(when)])
        for paper in featured:
            summary = paper.get("summary") or {}
            translated = one_line((summary.get("title") or {}).get(lang))
            original = one_line(paper["title"])
            tldr = one_line((summary.get("tldr") or {}).get(lang) or (summary.get("tldr") or {}).get("en"))
            papers.append([
                len(index_days) - 1,
                int(paper["rank"]),
                original[:MAX_TITLE],
                translated[:MAX_TITLE] if translated != original else "",
                ", ".join(one_line(a) for a in paper.get("authors", [])[:MAX_AUTHORS]),
                tldr[:MAX_TLDR],
            ])
    return {"format": INDEX_FORMAT, "days": index_days, "papers": papers}


def write_index(pelican: Pelican) -> None:
    """Write this language's search/index.json from every stored day."""
    settings = digest_settings(pelican.settings)
    lang = pelican.settings["DEFAULT_LANG"]
    store = Store(settings.store_dir)
    article_url = pelican.settings["ARTICLE_URL"]

    def day_path(when: date) -> str:
        moment = datetime(when.year, when.month, when.day)
        return str(article_url.format(date=moment, slug=when.isoformat(), lang=lang))

    days = (day_outline(store.day_path(d)) for d in reversed(store.days()))
    index = build_index(days, lang, day_path=day_path)
    text = json.dumps(index, ensure_ascii=False, separators=(",", ":"))
    write_atomic(Path(pelican.settings["OUTPUT_PATH"]) / INDEX_PATH, text)


def register() -> None:
    signals.finalized.connect(write_index)
