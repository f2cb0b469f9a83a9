"""Flapping: an action that keeps changing a PR (a label added by one rule and removed by
another, for ever). Each action remembers when it last changed something; too many changes in a
short window stop it until the configuration changes or someone comments `/paasbot refresh`."""

from __future__ import annotations

from collections.abc import Sequence

FLAP_LIMIT = 6
FLAP_WINDOW_SECONDS = 600.0


def recent(history: Sequence[float], now: float) -> list[float]:
    return [moment for moment in history if now - moment <= FLAP_WINDOW_SECONDS]


def with_change(history: Sequence[float], now: float) -> list[float]:
    """The history after a change at `now`, keeping only what the window needs."""
    return [*recent(history, now), now][-FLAP_LIMIT:]


def is_flapping(history: Sequence[float], now: float) -> bool:
    """Whether one more change would make FLAP_LIMIT changes within the window."""
    return len(recent(history, now)) >= FLAP_LIMIT


def flapping_message(count: int) -> str:
    minutes = int(FLAP_WINDOW_SECONDS // 60)
    return (
        f"stopped: it changed this pull request {count} times in {minutes} minutes, so another"
        " rule (or a person or tool) probably undoes what it does. Fix the rules, then comment"
        " `/paasbot refresh`."
    )
