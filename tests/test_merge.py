"""The merge of the sources' lists (one paper per work, every listing kept, the best metadata), and
the day's trending strip drawn from the listings' upvotes."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from generator.merge import identities, merge
from generator.pipeline import trending
from generator.records import Entry, Match, Ranked, SourceRef, Summary
from tests.support.days import paper

ARXIV = paper(1, title="Segment <i>Anything</i> in Medical Images, Revisited", authors=("Jun Ma", "Bo Wang"))
ARXIV = replace(ARXIV, sources=(SourceRef("arxiv", ARXIV.id, ARXIV.url, "cs.CV"),))
EARLY = datetime(2026, 5, 20, tzinfo=timezone.utc)
HF = replace(ARXIV, source="huggingface", abstract="copy", sources=(
    SourceRef("huggingface", ARXIV.id, f"https://huggingface.co/papers/{ARXIV.id}", upvotes=42, fields=(("comments", 3),)),
))
JOURNAL = replace(
    ARXIV, source="journals", id="10.1016/j.media.2026.103000", doi="10.1016/j.media.2026.103000",
    title="Segment anything in medical images, revisited", authors=("Ma, J.", "Wang, B."), published=EARLY,
    sources=(SourceRef("journals", "10.1016/j.media.2026.103000", "https://doi.org/10.1016/j.media.2026.103000",
                       "Medical Image Analysis"),),
)


def test_a_paper_listed_by_three_sources_is_one_paper_with_every_badge_and_arxivs_metadata() -> None:
    [merged, other] = merge([[ARXIV, paper(2)], [HF], [JOURNAL]])
    assert (merged.source, merged.id, merged.title) == ("arxiv", ARXIV.id, ARXIV.title)
    assert [ref.source for ref in merged.sources] == ["arxiv", "journals", "huggingface"]
    assert merged.published == EARLY  # the earliest date any source gives
    assert merged.doi == JOURNAL.doi and merged.upvotes == 42
    assert other.id == paper(2).id and [ref.source for ref in other.sources] == ["arxiv"]


def test_without_arxiv_the_journal_is_preferred_over_the_community_copy() -> None:
    [merged] = merge([[HF], [JOURNAL]])
    assert merged.source == "journals" and merged.title == JOURNAL.title
    assert {ref.source for ref in merged.sources} == {"journals", "huggingface"}


def test_different_papers_stay_apart_and_short_titles_do_not_identify() -> None:
    editorial = replace(paper(3, title="Editorial"), source="journals", id="10.1/a", sources=())
    other = replace(editorial, id="10.1/b")
    assert len(merge([[editorial, other], [paper(4), paper(5)]])) == 4
    assert not any(key.startswith("title:") for key in identities(editorial))


def test_trending_is_upvoted_papers_on_the_labs_themes_never_an_off_theme_crowd_favourite() -> None:
    def entry(rank: int, score: float, upvotes: int | None, matched: tuple[Match, ...] = ()) -> Entry:
        item = replace(paper(rank), sources=(SourceRef("huggingface", paper(rank).id, "https://hf.co", upvotes=upvotes),))
        return Entry(rank, Ranked(item, score, matched), featured=rank <= 2, summary=Summary("extractive", {}))

    entries = [
        entry(1, 80.0, None), entry(2, 60.0, 5),  # featured; the second upvoted
        entry(3, 12.0, 500),  # off-theme, below the featured floor: not trending however upvoted
        entry(4, 30.0, 12, (Match("topic", "Medical imaging"),)),  # on a radar topic
        entry(5, 61.0, 0),  # no upvotes
        entry(6, 20.0, 1),  # at the featured floor
    ]
    assert trending(entries, floor=20.0) == (4, 2, 6)
