"""Related papers: the nearest papers of earlier digests and of the library to a featured one."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date

import numpy as np

from ..records import LibraryPaper, Paper, Related
from .models import Model


def pool_key(pool: Sequence[tuple[date, Paper]], library: Sequence[LibraryPaper]) -> str:
    """What an index of related papers depends on besides the model: the pool and the library."""
    digest = hashlib.sha256(repr([entry.key for entry in library]).encode())
    for when, paper in pool:
        digest.update(f"{when}:{paper.id}v{paper.version}\n".encode())
    return digest.hexdigest()


class Neighbours:
    """Nearest papers of earlier digests and of the library, by cosine similarity of TF-IDF."""

    def __init__(self, model: Model, pool: Sequence[tuple[date, Paper]], library: Sequence[LibraryPaper]):
        self._model = model
        self._items: list[Related] = []
        texts: list[str] = []
        seen: set[str] = set()
        for when, paper in sorted(pool, key=lambda item: (item[0], item[1].id), reverse=True):
            if paper.id not in seen:
                seen.add(paper.id)
                self._items.append(Related(paper.id, paper.title, paper.url, when.isoformat()))
                texts.append(model.text(paper.title, paper.abstract))
        for entry in library:
            link = _library_link(entry)
            if link and (entry.arxiv_id or entry.key) not in seen:
                seen.add(entry.arxiv_id or entry.key)
                self._items.append(Related(entry.arxiv_id or entry.key, entry.title, link))
                texts.append(model.text(entry.title, entry.abstract))
        # Stored term-major, so that a batch of papers meets the whole pool in one product.
        self._columns = model.vectors(texts).T.tocsr() if texts else None

    def nearest(self, papers: Sequence[Paper]) -> list[tuple[Related, ...]]:
        """The related papers of each of `papers`, most similar first."""
        if self._columns is None or not papers:
            return [() for _ in papers]
        rows = self._model.vectors([self._model.text(p.title, p.abstract) for p in papers])
        similarities = (rows @ self._columns).toarray()
        related = []
        for paper, similarity in zip(papers, similarities, strict=True):
            count = self._model.config.related_count
            best = np.argsort(-similarity, kind="stable")[:count + 1]  # +1: itself
            picks = [self._items[i] for i in best
                     if similarity[i] > 0 and self._items[i].id != paper.id]
            related.append(tuple(picks[:count]))
        return related


def _library_link(entry: LibraryPaper) -> str | None:
    if entry.arxiv_id:
        return f"https://arxiv.org/abs/{entry.arxiv_id}"
    if entry.doi:
        return f"https://doi.org/{entry.doi}"
    return None
