"""The small typed records passed between the pipeline's stages. They hold data only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

SummaryKind = Literal["llm", "extractive"]
NoteKind = Literal[
    # a day's notes
    "no_llm_key", "llm_failed", "llm_budget", "brief_budget", "brief_failed", "brief_no_llm",
    # why one paper's summary is extractive
    "paper_no_llm_key", "paper_llm_error", "paper_budget", "not_featured",
    # a source failed: its items are fetched again by the next digest
    "source_failed",
    # a note stored as plain English text, before notes had kinds: shown as-is
    "text",
]


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where one source lists a paper (the card shows one badge per SourceRef)."""

    source: str  # registered source name: "arxiv", "medrxiv", "huggingface", "journals", ...
    id: str  # the source's own id: arXiv id, DOI, ...
    url: str  # the paper's page at that source
    category: str | None = None  # arXiv primary category, medRxiv category, the journal's name
    upvotes: int | None = None  # community upvotes (Hugging Face)
    # the source's own fields: ("comments", 3), ("github_repo", url), ("stars", 120), ...
    fields: tuple[tuple[str, str | int], ...] = ()

    @property
    def key(self) -> str:
        return f"{self.source}:{self.id}"

    def field(self, name: str) -> str | int | None:
        return next((value for key, value in self.fields if key == name), None)


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as a source delivers it. Text fields are untrusted."""

    id: str  # the source's id: an arXiv id without version ("2606.00002"), a DOI, ...
    version: int  # 1 for "v1"
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]  # primary first
    primary_category: str
    published: datetime  # first version submitted, UTC
    updated: datetime  # this version submitted, UTC
    url: str  # the abstract page
    pdf_url: str
    source: str = "arxiv"
    doi: str | None = None
    comment: str | None = None
    sources: tuple[SourceRef, ...] = ()  # every source that listed it, the primary first

    @property
    def key(self) -> str:
        """How the store's seen-list and caches key the paper: "arxiv:2606.00002"."""
        return f"{self.source}:{self.id}"

    @property
    def upvotes(self) -> int | None:
        """The highest community upvotes of its sources, if any source counts them."""
        counts = [ref.upvotes for ref in self.sources if ref.upvotes is not None]
        return max(counts) if counts else None


@dataclass(frozen=True, slots=True)
class Match:
    """A radar entry a paper matched: one of the lab's topics or followed authors."""

    kind: Literal["topic", "author"]
    name: str


@dataclass(frozen=True, slots=True)
class LibraryPaper:
    """A paper the lab likes, from its reference manager's BibTeX export."""

    key: str
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    arxiv_id: str | None = None
    doi: str | None = None


@dataclass(frozen=True, slots=True)
class Ranked:
    """A candidate paper with its radar score (0-100, comparable from day to day)."""

    paper: Paper
    score: float
    matched: tuple[Match, ...] = ()  # radar topics and followed authors it matched
    why: tuple[str, ...] = ()  # the few terms that drove its score
    related: tuple[Related, ...] = ()  # nearest papers from the archive


@dataclass(frozen=True, slots=True)
class Related:
    """A paper from the archive (or the library) close to a featured paper."""

    id: str
    title: str
    url: str
    date: str | None = None  # digest date it appeared in, if any


@dataclass(frozen=True, slots=True)
class Note:
    """A degradation the reader should know about: what happened and the values it names.

    The summarize stage decides which note; labels.note_text words it in each language. Values can
    be untrusted (an LLM error message) and are escaped wherever a note is shown.
    """

    kind: NoteKind
    values: dict[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Summary:
    """What the summarize stage says of one paper, per language ("en", "zh")."""

    kind: SummaryKind
    tldr: dict[str, str]
    reason: Note | None = None  # why the summary is extractive, when it is
    title: dict[str, str] = field(default_factory=dict)  # translated titles
    problem: dict[str, str] = field(default_factory=dict)
    method: dict[str, str] = field(default_factory=dict)
    results: dict[str, str] = field(default_factory=dict)
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Numbers, datasets and metrics the title and abstract do not support, as written, per language
    # (summarize/grounding.py); the page and feeds mark them. Empty when all are supported.
    unsupported: dict[str, tuple[str, ...]] = field(default_factory=dict)
    repaired: bool = False  # the LLM was asked once more to correct unsupported items


@dataclass(frozen=True, slots=True)
class Entry:
    """One candidate of the day, in rank order. Featured entries carry a summary."""

    rank: int  # 1-based
    ranked: Ranked
    featured: bool
    summary: Summary
    code_url: str | None = None


@dataclass(frozen=True, slots=True)
class Usage:
    """LLM accounting for one day."""

    model: str
    prompt_version: str
    requests: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True, slots=True)
class Day:
    """A day's digest: every candidate in rank order, plus what was said of the day."""

    date: date
    entries: tuple[Entry, ...]
    brief: dict[str, str] = field(default_factory=dict)  # cross-domain brief per language
    notes: tuple[Note, ...] = ()  # degradations the reader should know about
    usage: Usage | None = None
    matched: int | None = None  # candidates at or above the radar's relevance floor (None: not counted)
    trending: tuple[int, ...] = ()  # ranks of the upvoted papers on the lab's themes, most upvoted first

    @property
    def featured(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.featured)
