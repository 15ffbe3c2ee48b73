"""Real papers from the shipped listings (sample/listings), as the pipeline's records."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone
from pathlib import Path

from generator.records import Paper, Ranked

LISTINGS = Path(__file__).resolve().parents[2] / "sample" / "listings"


def listing_papers(day: str = "2026-06-02", *, limit: int | None = None) -> list[Paper]:
    """The papers of one shipped daily listing, in file order."""
    with gzip.open(LISTINGS / f"{day}.jsonl.gz", "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle][:limit]
    return [_paper(row) for row in rows]


def ranked(papers: list[Paper]) -> list[Ranked]:
    """Featured candidates in the given order, scores descending."""
    return [Ranked(paper=p, score=100.0 - i) for i, p in enumerate(papers)]


def _paper(row: dict) -> Paper:
    when = datetime.fromisoformat(row["published"]).replace(tzinfo=timezone.utc)
    return Paper(
        id=row["id"],
        version=1,
        title=row["title"],
        abstract=row["abstract"],
        authors=tuple(row["authors"]),
        categories=tuple(row["categories"]),
        primary_category=row["primary_category"],
        published=when,
        updated=when,
        url=f"https://arxiv.org/abs/{row['id']}",
        pdf_url=f"https://arxiv.org/pdf/{row['id']}",
    )
