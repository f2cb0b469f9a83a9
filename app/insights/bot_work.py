"""paasbot's own work over the window: actions by type and outcome, and the engineer time saved.

- Minutes saved: the sum, over actions done (outcome "done") in the window, of the minutes one
  such action saves: minutes_per_action[action], default_minutes (1) for an action not listed.
  Failed actions save nothing.
- Engineer-days per year: minutes saved scaled from the window's length to 365 days, over an
  8-hour day: minutes * (365 days / window days) / (60 * 8). None for an empty window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from app.insights.model import ActionRecord, Window
from app.insights.stats import round_or_none

DEFAULT_MINUTES_PER_ACTION = 1.0
MINUTES_PER_ENGINEER_DAY = 60 * 8
SECONDS_PER_YEAR = 365 * 86400


@dataclass(frozen=True)
class ActionCount:
    action: str
    outcomes: Mapping[str, int]  # outcome -> count

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())

    def to_json(self) -> dict[str, object]:
        return {
            "action": self.action,
            "total": self.total,
            "done": self.outcomes.get("done", 0),
            "failed": self.outcomes.get("failed", 0),
            "outcomes": dict(sorted(self.outcomes.items())),
        }


@dataclass(frozen=True)
class BotWork:
    actions: tuple[ActionCount, ...]  # by action name
    minutes_saved: float
    engineer_days_per_year: float | None
    minutes_per_action: Mapping[str, float] = field(default_factory=dict)
    default_minutes: float = DEFAULT_MINUTES_PER_ACTION

    @property
    def total(self) -> int:
        return sum(a.total for a in self.actions)

    def to_json(self) -> dict[str, object]:
        return {
            "actions": [a.to_json() for a in self.actions],
            "total": self.total,
            "minutes_saved": round(self.minutes_saved, 1),
            "engineer_days_per_year": round_or_none(self.engineer_days_per_year, 2),
            "minutes_per_action": dict(sorted(self.minutes_per_action.items())),
            "default_minutes": self.default_minutes,
        }


def minutes_saved(
    actions: Iterable[ActionRecord],
    minutes_per_action: Mapping[str, float] | None = None,
    default_minutes: float = DEFAULT_MINUTES_PER_ACTION,
) -> float:
    table = minutes_per_action or {}
    return float(sum(table.get(a.action, default_minutes) for a in actions if a.outcome == "done"))


def engineer_days_per_year(minutes: float, window: Window) -> float | None:
    length = window.end - window.start
    if length <= 0:
        return None
    return minutes * (SECONDS_PER_YEAR / length) / MINUTES_PER_ENGINEER_DAY


def bot_work(
    actions: Iterable[ActionRecord],
    window: Window,
    minutes_per_action: Mapping[str, float] | None = None,
    default_minutes: float = DEFAULT_MINUTES_PER_ACTION,
) -> BotWork:
    in_window = [a for a in actions if a.at in window]
    counts: dict[str, dict[str, int]] = {}
    for action in in_window:
        outcomes = counts.setdefault(action.action, {})
        outcomes[action.outcome] = outcomes.get(action.outcome, 0) + 1
    saved = minutes_saved(in_window, minutes_per_action, default_minutes)
    return BotWork(
        actions=tuple(ActionCount(name, counts[name]) for name in sorted(counts)),
        minutes_saved=saved,
        engineer_days_per_year=engineer_days_per_year(saved, window),
        minutes_per_action=dict(minutes_per_action or {}),
        default_minutes=default_minutes,
    )
