"""Time to merge by PR size: the chart that shows small PRs merge faster.

Size is changed lines (additions + deletions). Buckets: 1-10, 11-50, 51-200, 201-500, 501-1000 and
over 1000 ("1001+"); a PR with no changed lines (renames, binary files only) goes in 1-10.
Time to merge is merged_at minus ready_at (opened_at when there is no ready_at), never below 0.
PRs merged in the window only; bots' PRs are left out unless include_bots.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.insights.model import PullRecord, Window
from app.insights.pulls import merged_in, ready_since
from app.insights.stats import Distribution


@dataclass(frozen=True)
class SizeBucket:
    label: str
    min_lines: int
    max_lines: int | None  # None: no upper bound

    def holds(self, lines: int) -> bool:
        return lines >= self.min_lines and (self.max_lines is None or lines <= self.max_lines)


BUCKETS: tuple[SizeBucket, ...] = (
    SizeBucket("1-10", 1, 10),
    SizeBucket("11-50", 11, 50),
    SizeBucket("51-200", 51, 200),
    SizeBucket("201-500", 201, 500),
    SizeBucket("501-1000", 501, 1000),
    SizeBucket("1001+", 1001, None),
)


def bucket_of(lines: int) -> SizeBucket:
    """The size bucket of a PR with this many changed lines (0 or fewer: the first)."""
    for bucket in BUCKETS:
        if bucket.holds(lines):
            return bucket
    return BUCKETS[0]


def time_to_merge(pull: PullRecord) -> float:
    """Seconds from ready for review (or opened) to merged; the PR must be merged."""
    if pull.merged_at is None:
        raise ValueError(f"{pull.repository}#{pull.number} is not merged")
    return max(0.0, pull.merged_at - ready_since(pull))


@dataclass(frozen=True)
class BucketFigure:
    bucket: SizeBucket
    time_to_merge: Distribution

    def to_json(self) -> dict[str, object]:
        return {
            "bucket": self.bucket.label,
            "min_lines": self.bucket.min_lines,
            "max_lines": self.bucket.max_lines,
            **self.time_to_merge.to_json(),
        }


@dataclass(frozen=True)
class MergeTimeBySize:
    buckets: tuple[BucketFigure, ...]  # every bucket, in BUCKETS order, empty ones included
    overall: Distribution
    include_bots: bool

    def to_json(self) -> dict[str, object]:
        return {
            "include_bots": self.include_bots,
            "buckets": [b.to_json() for b in self.buckets],
            "all": self.overall.to_json(),
        }


def merge_time_by_size(
    pulls: Iterable[PullRecord], window: Window, include_bots: bool = False
) -> MergeTimeBySize:
    merged = merged_in(pulls, window, include_bots)
    per_bucket: dict[str, list[float]] = {b.label: [] for b in BUCKETS}
    for pull in merged:
        per_bucket[bucket_of(pull.changed_lines).label].append(time_to_merge(pull))
    return MergeTimeBySize(
        buckets=tuple(
            BucketFigure(bucket, Distribution.of_seconds(per_bucket[bucket.label]))
            for bucket in BUCKETS
        ),
        overall=Distribution.of_seconds(time_to_merge(p) for p in merged),
        include_bots=include_bots,
    )
