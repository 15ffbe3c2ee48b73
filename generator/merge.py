"""One paper per work, whatever source listed it: the merge of the sources' lists (pure).

Two listings are the same paper when they share an identity: an arXiv id (arXiv lists it, Hugging
Face names it), a DOI (medRxiv, bioRxiv and journals key by DOI; arXiv, medRxiv and bioRxiv give the
journal's DOI once published), or the normalized title with the first author's family name. The merged paper carries
every listing's SourceRef, the metadata of the preferred source (arXiv's, then a journal's, then
the preprint servers', then the rest) and the earliest date any source gives.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Sequence

from .records import Paper, SourceRef

# Whose metadata a merged paper keeps, best first; sources not named come after these.
PREFERENCE = ("arxiv", "journals", "medrxiv", "biorxiv")
_LAST = ("huggingface",)  # a community list: its titles and abstracts are copies

# Sources whose ids are arXiv ids.
ARXIV_ID_SOURCES = frozenset({"arxiv", "huggingface"})
# A title shorter than this (letters and digits) is too generic to identify a paper ("Editorial").
MIN_TITLE_CHARS = 24

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_TAG = re.compile(r"<[^>]{0,200}>")


def latest_versions(papers: Iterable[Paper]) -> list[Paper]:
    """One paper per id of its source, its highest version, in order of first appearance."""
    latest: dict[str, Paper] = {}
    for paper in papers:
        if paper.id not in latest or paper.version > latest[paper.id].version:
            latest[paper.id] = paper
    return list(latest.values())


def refs(paper: Paper) -> tuple[SourceRef, ...]:
    """The paper's listings; a paper a source made without one gets its own."""
    if paper.sources:
        return paper.sources
    return (SourceRef(paper.source, paper.id, paper.url, paper.primary_category or None),)


def identities(paper: Paper) -> set[str]:
    """The keys under which another listing of the same paper is recognised (and the store's
    seen-list records it): its key, each listing's key, "arxiv:<id>", "doi:<doi>", "title:<...>"."""
    keys = {paper.key}
    dois = {paper.doi} if paper.doi else set()
    for ref in refs(paper):
        keys.add(ref.key)
        if ref.source in ARXIV_ID_SOURCES:
            keys.add(f"arxiv:{ref.id}")
        if ref.id.startswith("10."):
            dois.add(ref.id)
        published = ref.field("published_doi")  # a preprint's journal version (medRxiv, bioRxiv)
        if isinstance(published, str) and published.startswith("10."):
            dois.add(published)
    keys |= {f"doi:{doi.strip().lower()}" for doi in dois}
    title = title_key(paper)
    if title:
        keys.add(title)
    return keys


def title_key(paper: Paper) -> str | None:
    """ "title:<title letters and digits>|<first author's family name>", or None if too generic."""
    title = _fold(_TAG.sub(" ", paper.title))
    if len(title) < MIN_TITLE_CHARS or not paper.authors:
        return None
    return f"title:{title}|{family_name(paper.authors[0])}"


def family_name(author: str) -> str:
    """ "Klaus Maier-Hein" -> "maierhein"; "Maier-Hein, K." -> "maierhein"."""
    name = author.split(",")[0] if "," in author else (author.split() or [""])[-1]
    return _fold(name)


def merge(lists: Iterable[Sequence[Paper]]) -> list[Paper]:
    """The papers of every source's list, each work once, in order of first appearance."""
    papers = [paper for listed in lists for paper in listed]
    owner: dict[str, int] = {}  # identity -> the group that has it
    parent = list(range(len(papers)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, paper in enumerate(papers):
        for key in identities(paper):
            j = owner.setdefault(key, i)
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[Paper]] = {}
    for i, paper in enumerate(papers):
        groups.setdefault(find(i), []).append(paper)
    return [combine(group) for _, group in sorted(groups.items())]


def combine(group: Sequence[Paper]) -> Paper:
    """One paper from listings of the same work (see the module docstring)."""
    ranked = sorted(group, key=_preference)  # stable: a source's own order is kept
    best = ranked[0]
    if len(group) == 1 and best.sources:
        return best
    listings: dict[str, SourceRef] = {}
    for paper in ranked:
        for ref in refs(paper):
            listings.setdefault(ref.key, ref)
    return dataclasses.replace(
        best,
        abstract=best.abstract or max((p.abstract for p in ranked), key=len),
        published=min(p.published for p in group),
        doi=best.doi or next((p.doi for p in ranked if p.doi), None),
        pdf_url=best.pdf_url or next((p.pdf_url for p in ranked if p.pdf_url), ""),  # feeds have none
        sources=tuple(listings.values()),
    )


def _preference(paper: Paper) -> int:
    if paper.source in PREFERENCE:
        return PREFERENCE.index(paper.source)
    return len(PREFERENCE) + (1 if paper.source in _LAST else 0)


def _fold(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_ALNUM.sub("", ascii_text.lower())
