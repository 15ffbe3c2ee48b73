"""The English → Chinese glossary (generator/prompts/glossary.tsv): one place that reads it.

The summarizer sends the entries a paper uses to the LLM; the search index adds the Chinese term
next to each English term a paper uses, and segments Chinese queries with the Chinese terms; the
Chinese edition words the radar's keywords with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

_CJK_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


@dataclass(frozen=True, slots=True)
class Entry:
    english: str
    chinese: str
    pattern: re.Pattern[str]  # the English term as a word: acronyms by case, other words in any case, plurals


@cache
def entries() -> tuple[Entry, ...]:
    """The glossary's entries, in the file's order."""
    found = []
    text = (resources.files("generator") / "prompts" / "glossary.tsv").read_text("utf-8")
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            english, chinese = line.split("\t")
            flags = 0 if english.isupper() else re.IGNORECASE
            pattern = re.compile(rf"\b{re.escape(english)}(?:s|es|ing|ed)?\b", flags)
            found.append(Entry(english, chinese, pattern))
    return tuple(found)


def used_in(text: str) -> list[Entry]:
    """The entries whose English term occurs in `text`."""
    lowered = text.lower()  # a plain substring test first: most entries are absent from a paper
    return [entry for entry in entries() if entry.english.lower() in lowered and entry.pattern.search(text)]


def chinese_terms(text: str) -> list[str]:
    """The Chinese terms of the English terms that occur in `text`."""
    return [entry.chinese for entry in used_in(text)]


def chinese_dictionary() -> list[str]:
    """The Chinese words of the glossary (its terms' runs of CJK characters), longest first: the
    dictionary search.js segments a Chinese query with."""
    words = {run for entry in entries() for run in _CJK_RUN.findall(entry.chinese) if len(run) > 1}
    return sorted(words, key=lambda word: (-len(word), word))


@cache  # asked for every "why" term of every card of every Chinese page; the glossary is fixed
def to_chinese(term: str) -> str | None:
    """The Chinese of an English term the glossary has (whole term, any case; acronyms by case)."""
    for entry in entries():
        if entry.pattern.fullmatch(term):
            return entry.chinese
    return None
