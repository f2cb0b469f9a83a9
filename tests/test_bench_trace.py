"""The trace benchmark at a few PRs: it runs, and its figures agree with each other."""

from __future__ import annotations

import math

from bench.trace import measure


async def test_a_small_trace_gives_consistent_figures() -> None:
    report: list[str] = []
    measured = await measure(3, coalesce=0.0, latency_pulls=2, isolated_samples=1, report=report)
    figures = {figure.name: figure for figure in measured}
    total = figures["trace: API calls in total"].value
    bound = figures["trace: lower bound"].value
    assert 0 < bound <= total
    ratio = figures["trace: API calls / lower bound"]
    assert math.isclose(ratio.value, total / bound, abs_tol=0.01)
    assert ratio.meets == (ratio.value <= 1.5)
    assert 0 <= figures["trace: share of calls answered 304"].value <= 1
    assert figures["trace: deliveries"].value > 0 < figures["trace: evaluations"].value
    per_delivery = figures["trace: API calls per delivery"].value
    assert math.isclose(per_delivery, total / figures["trace: deliveries"].value, abs_tol=0.01)
    for name, figure in figures.items():
        if name.startswith("merge latency") and not math.isnan(figure.value):
            assert figure.value >= 0
    assert any(line.startswith("  calls by endpoint kind") for line in report)
