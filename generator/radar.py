"""The lab's radar: its library, liked and disliked papers, topics, followed authors and vetoes."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
from bibtexparser import middlewares

from .errors import SettingsError
from .records import LibraryPaper
from .settings import Settings

LIBRARY_SETTING = "DIGEST['radar']['library']"

# New-style (2606.00002) and old-style (hep-th/9901001) arXiv ids, with an optional version.
_ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5}|[a-z][a-z.-]*/\d{7})(?:v\d+)?", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Radar:
    """What the lab reads, as the ranker sees it."""

    library: tuple[LibraryPaper, ...] = ()
    liked: tuple[str, ...] = ()  # arXiv ids without version
    disliked: tuple[str, ...] = ()
    topics: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # name -> keywords
    authors: tuple[str, ...] = ()  # followed authors, as the lab writes them
    exclude: tuple[str, ...] = ()  # keywords that veto a paper


def load_radar(settings: Settings) -> Radar:
    """The radar of the validated settings, with the library read from disk."""
    radar = settings.digest.radar
    library = load_library(settings.library_path) if settings.library_path else ()
    return Radar(
        library=library,
        liked=tuple(_bare_arxiv_id(i) for i in radar.liked),
        disliked=tuple(_bare_arxiv_id(i) for i in radar.disliked),
        topics={name: tuple(words) for name, words in radar.topics.items()},
        authors=tuple(radar.authors),
        exclude=tuple(radar.exclude),
    )


def load_library(path: Path) -> tuple[LibraryPaper, ...]:
    """The papers of a BibTeX export (Zotero, Mendeley, ...), LaTeX decoded, in file order."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError([f"{LIBRARY_SETTING}: cannot read {path} ({exc.__class__.__name__}): "
                             "export the library as UTF-8 BibTeX to that path"]) from exc
    papers = _parse_library(text)
    if not papers:
        raise SettingsError([f"{LIBRARY_SETTING}: {path} holds no BibTeX entry with a title: "
                             "export the lab's papers from the reference manager as BibTeX"])
    return papers


@lru_cache(maxsize=4)  # LaTeX decoding takes seconds: parse a library once per process
def _parse_library(text: str) -> tuple[LibraryPaper, ...]:
    parsed = bibtexparser.parse_string(text, append_middleware=[
        middlewares.NormalizeFieldKeys(),
        middlewares.LatexDecodingMiddleware(),
        middlewares.SeparateCoAuthors(),
    ])
    return tuple(paper for entry in parsed.entries if (paper := _library_paper(entry)))


def _library_paper(entry: bibtexparser.model.Entry) -> LibraryPaper | None:
    fields = {key: value for key, value in ((f.key, f.value) for f in entry.fields)}
    title = _plain(fields.get("title", ""))
    if not title:
        return None
    authors = fields.get("author", [])
    doi = _plain(fields.get("doi", "")) or None
    return LibraryPaper(
        key=entry.key,
        title=title,
        abstract=_plain(fields.get("abstract", "")),
        authors=tuple(_first_last(_plain(a)) for a in (authors if isinstance(authors, list) else [authors])),
        arxiv_id=_library_arxiv_id(fields, doi),
        doi=doi,
    )


def _library_arxiv_id(fields: Mapping[str, object], doi: str | None) -> str | None:
    """The arXiv id from `eprint` (arXiv exports), an arXiv DOI, or an arxiv.org URL."""
    prefix = str(fields.get("archiveprefix", "arxiv")).lower()
    candidates = [str(fields["eprint"])] if "eprint" in fields and prefix == "arxiv" else []
    if doi and (match := _ARXIV_DOI.match(doi)):
        candidates.append(match.group(1))
    url = str(fields.get("url", ""))
    if "arxiv.org/" in url:
        candidates.append(url.rsplit("/", 1)[-1])
    for candidate in candidates:
        if match := _ARXIV_ID.fullmatch(candidate.strip().removeprefix("arXiv:")):
            return match.group(1)
    return None


def _bare_arxiv_id(arxiv_id: str) -> str:
    """`2606.00002v3` -> `2606.00002`; ids the lab types may carry a version or an `arXiv:` prefix."""
    arxiv_id = arxiv_id.strip().removeprefix("arXiv:")
    match = _ARXIV_ID.fullmatch(arxiv_id)
    return match.group(1) if match else arxiv_id


def _plain(value: object) -> str:
    """A field as plain one-line text: braces left over from LaTeX and runs of spaces removed."""
    return " ".join(str(value).replace("{", "").replace("}", "").split())


def _first_last(name: str) -> str:
    """BibTeX's `Last, First` (or `Last, Jr, First`) as `First Last`."""
    parts = [part.strip() for part in name.split(",")]
    if len(parts) == 1:
        return name
    return " ".join(filter(None, [parts[-1], parts[0], *parts[1:-1]]))


def radar_problems(radar: Radar) -> list[str]:
    """One line per problem with the radar, naming the setting; empty when the radar is usable."""
    problems = []
    if not (radar.library or radar.liked or radar.topics or radar.authors):
        problems.append("DIGEST['radar']: empty radar: set a 'library', 'liked' ids, 'topics' or "
                        "'authors' so that the digest knows what the lab reads")
    for name, keywords in radar.topics.items():
        if not any(k.strip() for k in keywords):
            problems.append(f"DIGEST['radar']['topics'][{name!r}]: no keywords: list the words "
                            "or phrases that mark a paper on this topic")
    for setting, ids in (("liked", radar.liked), ("disliked", radar.disliked)):
        for arxiv_id in ids:
            if not _ARXIV_ID.fullmatch(arxiv_id):
                problems.append(f"DIGEST['radar'][{setting!r}]: {arxiv_id!r} is not an arXiv id "
                                "(write it like '2606.00002')")
    for arxiv_id in sorted(set(radar.liked) & set(radar.disliked)):
        problems.append(f"DIGEST['radar']: {arxiv_id} is both liked and disliked: keep it in one list")
    for setting, words in (("authors", radar.authors), ("exclude", radar.exclude)):
        if any(not w.strip() for w in words):
            problems.append(f"DIGEST['radar'][{setting!r}]: holds an empty entry: remove it")
    return problems


# --- author names ---------------------------------------------------------------------------


def author_matches(name: str, followed: str) -> bool:
    """Whether the author `name` is the followed author, across the ways names are written.

    Same family name (accents and case ignored), and compatible first given names: equal, or one
    is the other's initial ("K. Maier-Hein", "Maier-Hein, Klaus", "Klaus H. Maier-Hein").
    """
    a, b = _name_parts(name), _name_parts(followed)
    if not a or not b or a[-1] != b[-1]:
        return False
    if len(a) == 1 or len(b) == 1:
        return True  # a bare family name matches any given name
    first_a, first_b = a[0], b[0]
    if len(first_a) == 1 or len(first_b) == 1:
        return first_a[0] == first_b[0]
    return first_a == first_b


@lru_cache(maxsize=65536)  # ranking compares every author of the archive with every followed one
def _name_parts(name: str) -> tuple[str, ...]:
    """`Maier-Hein, Klaus H.` -> ['klaus', 'h', 'maier-hein']: given names first, family last."""
    ascii_name = unicodedata.normalize("NFKD", _first_last(name)).encode("ascii", "ignore").decode()
    return tuple(part for part in re.split(r"[\s.]+", ascii_name.lower()) if part.strip("-"))
