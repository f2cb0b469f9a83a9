"""Which pull requests the PR-based insights look at, and when their clock starts."""

from __future__ import annotations

from collections.abc import Iterable

from app.insights.model import PullRecord, Window


def merged_in(
    pulls: Iterable[PullRecord], window: Window, include_bots: bool = False
) -> list[PullRecord]:
    """PRs merged in the window ([start, end)); bots' PRs only when include_bots."""
    return [p for p in pulls if p.merged_at in window and (include_bots or not p.by_bot)]


def ready_since(pull: PullRecord) -> float:
    """When the PR asked for review: ready_at, or opened_at when there is no ready_at."""
    return pull.ready_at if pull.ready_at is not None else pull.opened_at
