"""The community's attention as a small ranking signal: Hugging Face upvotes, comments and stars.

A paper the community talks about moves up among the lab's papers; it never becomes one. Only a
paper on the lab's themes gets the signal — one that matched a radar topic or followed author, or
whose score (a calibrated probability that it belongs with the lab's own, 0-100) is at least the
radar's featured floor (settings radar.floor, passed in through RankConfig.floor) — and its score grows by at most COMMUNITY_SHARE of itself. An off-theme paper with
500 upvotes keeps exactly the score it had; two on-theme papers close in score are ordered by the
attention they get.

The attention of a paper is log1p(upvotes + comments + stars / STARS_PER_UPVOTE), scaled so that
COMMUNITY_FULL of it counts fully (Hugging Face's busiest daily papers get about a hundred
upvotes; the recorded days in tests/fixtures/hf_daily_papers have a median of 3 and a maximum
of 86). COMMUNITY_SHARE is measured by `benchmarks/rank.py community`: the judged days' real
papers given the recorded attention figures, at random (attention blind to the lab's themes: the
score must not get worse) and on the judged on-theme papers (attention that agrees with the lab:
it should get better). Mean nDCG@30 over the three judged days x 20 draws (75 recorded papers,
upvotes median 6, max 118), blind / agreeing, against 0.846 without the signal: share 0.1
-0.001/+0.004, 0.2 -0.001/+0.004, 0.3 -0.003/+0.005, 0.5 -0.007/+0.014, 1.0 -0.015/+0.018. 0.2 is
the largest share that costs at most 0.001 when the attention is blind to the lab's themes; in no
setting did a judged off-theme paper enter the top 30, with the recorded figures or with 500
upvotes each.
"""

from __future__ import annotations

import math

from .records import Paper

COMMUNITY_SHARE = 0.2  # the most a paper's score grows with full attention (20%)
COMMUNITY_FULL = 100  # upvotes (plus comments, stars / STARS_PER_UPVOTE) that count fully
STARS_PER_UPVOTE = 10  # a GitHub star says less than an upvote on the paper itself


def attention(paper: Paper) -> float:
    """The community's attention to `paper`, 0 (none known) to 1 (COMMUNITY_FULL or more)."""
    total = 0.0
    for ref in paper.sources:
        comments = ref.field("comments")
        stars = ref.field("stars")
        total = max(total, (ref.upvotes or 0) + (comments if isinstance(comments, int) else 0)
                    + (stars / STARS_PER_UPVOTE if isinstance(stars, int) else 0))
    return min(1.0, math.log1p(total) / math.log1p(COMMUNITY_FULL))


def on_theme(score: float, matched: bool, floor: float) -> bool:
    """Whether a paper is on the lab's themes: it `matched` a radar entry or scores at least the
    radar's featured `floor`."""
    return matched or score >= floor


def boost(score: float, paper: Paper, matched: bool, *, floor: float, share: float = COMMUNITY_SHARE) -> float:
    """`score` (0-100) raised by the community's attention, at most by `share` of itself, when
    the paper is `on_theme` for the radar's featured `floor`."""
    if not on_theme(score, matched, floor):
        return score
    return min(100.0, score * (1.0 + share * attention(paper)))
