"""Order statistics for the insights: one quantile method everywhere.

Method: linear interpolation between the closest ranks, the "inclusive" method of
`statistics.quantiles` (numpy's default "linear"): for sorted values x[0..n-1], the q-quantile
sits at position q*(n-1) and is interpolated between its two neighbours. So the median of an even
count is the mean of the middle two, the p90 of one value is that value, and no quantile lies
outside [min, max]. An empty list has no quantile: None ("no data").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

SECONDS_PER_HOUR = 3600.0


def quantile(values: Iterable[float], q: float) -> float | None:
    """The q-quantile (0 <= q <= 1) by linear interpolation between closest ranks; None if empty."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q} is outside [0, 1]")
    ordered = sorted(values)
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    fraction = position - low
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


def median(values: Iterable[float]) -> float | None:
    return quantile(values, 0.5)


def p90(values: Iterable[float]) -> float | None:
    return quantile(values, 0.9)


def mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None


def hours(seconds: float) -> float:
    return seconds / SECONDS_PER_HOUR


@dataclass(frozen=True)
class Distribution:
    """How many durations, and their median and p90, in hours (None when count is 0)."""

    count: int
    median_hours: float | None
    p90_hours: float | None

    @classmethod
    def of_seconds(cls, durations: Iterable[float]) -> Distribution:
        in_hours = [hours(d) for d in durations]
        return cls(len(in_hours), median(in_hours), p90(in_hours))

    def to_json(self) -> dict[str, object]:
        return {
            "count": self.count,
            "median_hours": round_or_none(self.median_hours, 2),
            "p90_hours": round_or_none(self.p90_hours, 2),
        }


def round_or_none(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
