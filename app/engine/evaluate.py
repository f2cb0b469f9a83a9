"""Rules evaluated against a pull request's facts and the events that woke paasbot. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from app.config.model import Rule
from app.engine.conditions import Facts, Outcome, evaluate


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    outcome: Outcome | None
    # False for a rule with `on:` when none of its events woke paasbot this time.
    triggered: bool

    @property
    def conditions_hold(self) -> bool:
        return self.outcome is None or self.outcome.holds

    @property
    def matched(self) -> bool:
        return self.triggered and self.conditions_hold


def evaluate_rules(
    rules: Iterable[Rule],
    facts: Facts,
    events: frozenset[str],
    now: datetime,
    unread: frozenset[str] = frozenset(),
) -> list[RuleResult]:
    """Every rule's outcome; `events` are the `on:` names the triggering deliveries satisfy.
    `unread`: attributes not asked for, which must not decide any rule (see `decided`)."""
    return [_evaluate_rule(rule, facts, events, now, unread) for rule in rules]


def _evaluate_rule(
    rule: Rule, facts: Facts, events: frozenset[str], now: datetime, unread: frozenset[str]
) -> RuleResult:
    outcome = evaluate(rule.conditions, facts, now, unread) if rule.conditions is not None else None
    triggered = not rule.triggers or bool(rule.triggers & events)
    return RuleResult(rule, outcome, triggered)
