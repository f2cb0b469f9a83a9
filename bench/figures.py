"""What every benchmark hands the suite runner (`python -m bench`): a list of figures, each with
its target when issue 12 gives one and whether this run meets it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    target: str | None = None  # as people read it: "< 25 ms", ">= 50% of bare", "<= 3"
    meets: bool | None = None  # None exactly when there is no target

    @property
    def verdict(self) -> str:
        if self.meets is None:
            return "no target"
        return "meets" if self.meets else "misses"

    def as_json(self) -> dict[str, Any]:
        value = None if math.isnan(self.value) else self.value
        return {**asdict(self), "value": value, "verdict": self.verdict}


def below(name: str, value: float, unit: str, limit: float) -> Figure:
    """A figure whose target is strictly less than `limit` (in the same unit)."""
    return Figure(name, value, unit, f"< {limit:g} {unit}", bool(value < limit))


def at_most(name: str, value: float, unit: str, limit: float) -> Figure:
    return Figure(name, value, unit, f"<= {limit:g}", bool(value <= limit))


def print_report(report: Sequence[str], figures: Sequence[Figure], seconds: float) -> None:
    """A benchmark's own printout (`python -m bench.<name>`): its report lines, each figure with
    its target and verdict, and the wall time."""
    print("\n".join(report))
    for figure in figures:
        target = f"target {figure.target}: {figure.verdict}" if figure.target else ""
        print(f"  {figure.name:<48}{figure.value:>10g} {figure.unit:<6}{target}")
    print(f"wall time {seconds:.1f} s")


def percentile(samples: Sequence[float], share: float) -> float:
    """The sample below which `share` of them lie (nearest rank); NaN without samples."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, math.ceil(len(ordered) * share) - 1)]
