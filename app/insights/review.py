"""Review figures over the PRs merged in the window (bots' PRs left out unless include_bots).

- Time to first review: first_review_at minus ready_at (opened_at when there is no ready_at),
  never below 0 (a review given on a draft counts as immediate); PRs with no review are left out.
- Review rounds: median and mean of review_rounds over the PRs with at least one round (changes
  requested or approved); PRs merged with no round are left out.
- Merged without review: the share of merged PRs with no review by anyone but the author
  (first_review_at is None).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.insights.model import PullRecord, Window
from app.insights.pulls import merged_in, ready_since
from app.insights.stats import Distribution, mean, median, round_or_none


@dataclass(frozen=True)
class ReviewRounds:
    count: int
    median: float | None
    mean: float | None

    def to_json(self) -> dict[str, object]:
        return {
            "count": self.count,
            "median": round_or_none(self.median, 2),
            "mean": round_or_none(self.mean, 2),
        }


@dataclass(frozen=True)
class MergedWithoutReview:
    unreviewed: int
    merged: int

    @property
    def share(self) -> float | None:
        return self.unreviewed / self.merged if self.merged else None

    def to_json(self) -> dict[str, object]:
        return {
            "share": round_or_none(self.share, 4),
            "unreviewed": self.unreviewed,
            "merged": self.merged,
        }


@dataclass(frozen=True)
class ReviewMetrics:
    time_to_first_review: Distribution
    review_rounds: ReviewRounds
    merged_without_review: MergedWithoutReview

    def to_json(self) -> dict[str, object]:
        return {
            "time_to_first_review": self.time_to_first_review.to_json(),
            "review_rounds": self.review_rounds.to_json(),
            "merged_without_review": self.merged_without_review.to_json(),
        }


def review_metrics(
    pulls: Iterable[PullRecord], window: Window, include_bots: bool = False
) -> ReviewMetrics:
    merged = merged_in(pulls, window, include_bots)
    waits = [
        max(0.0, p.first_review_at - ready_since(p))
        for p in merged
        if p.first_review_at is not None
    ]
    rounds = [float(p.review_rounds) for p in merged if p.review_rounds > 0]
    return ReviewMetrics(
        time_to_first_review=Distribution.of_seconds(waits),
        review_rounds=ReviewRounds(len(rounds), median(rounds), mean(rounds)),
        merged_without_review=MergedWithoutReview(
            sum(1 for p in merged if p.first_review_at is None), len(merged)
        ),
    )
