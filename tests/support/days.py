"""Hand-made records for tests: papers, ranked entries and days, with hostile text on demand."""

from __future__ import annotations

from datetime import date, datetime, timezone

from generator.records import Day, Entry, Match, Note, Paper, Ranked, SourceRef, Summary

HOSTILE_TITLE = 'Seg <script>alert("x")</script> & [click](javascript:alert(1)) *bold* ]]> \x07'
HOSTILE_ABSTRACT = (
    "We segment lesions. <img src=x onerror=alert(1)> See [here](javascript:alert(2)). "
    "Code: https://github.com/lab/medseg. Dice improves by 3.2%."
)


def paper(number: int, *, title: str | None = None, abstract: str | None = None,
          authors: tuple[str, ...] = ("Ada Lovelace", "Alan Turing")) -> Paper:
    paper_id = f"2606.{number:05d}"
    moment = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
    return Paper(
        id=paper_id,
        version=1,
        title=title or f"Paper number {number} on medical image segmentation",
        abstract=abstract or f"Abstract {number}. We propose a method. It works well on CT.",
        authors=authors,
        categories=("cs.CV", "eess.IV"),
        primary_category="cs.CV",
        published=moment,
        updated=moment,
        url=f"https://arxiv.org/abs/{paper_id}",
        pdf_url=f"https://arxiv.org/pdf/{paper_id}v1",
        sources=(SourceRef("arxiv", paper_id, f"https://arxiv.org/abs/{paper_id}", "cs.CV"),),  # as merged
    )


def day(count: int = 5, featured: int = 3, *, first: Paper | None = None,
        notes: tuple[Note, ...] = (Note("no_llm_key"),)) -> Day:
    papers = [first or paper(1)] + [paper(n) for n in range(2, count + 1)]
    entries = tuple(
        Entry(
            rank=position,
            ranked=Ranked(
                paper=item,
                score=round(90 - position * 1.5, 1),
                matched=(Match("topic", "Lesion segmentation"),) if position <= featured else (),
                why=("segmentation", "lesion"),
            ),
            featured=position <= featured,
            summary=Summary(kind="extractive", tldr={"en": item.abstract.split(". ")[0]},
                            reason=Note("paper_no_llm_key")),
        )
        for position, item in enumerate(papers, 1)
    )
    return Day(date=date(2026, 6, 2), entries=entries, notes=notes)
