from datetime import UTC, datetime

import pytest

from app.engine.conditions import StaticFacts
from app.engine.evaluate import evaluate_rules
from tests.rule_helpers import rules_from

NOW = datetime(2026, 11, 28, tzinfo=UTC)
RULES = rules_from(
    """
rules:
  - name: Always
  - name: Drafts
    if: [draft]
  - name: On open
    on: [pull_request.opened]
    if: [-draft]
  - name: On any PR event
    on: pull_request
"""
)


@pytest.mark.parametrize(
    ("events", "draft", "matched"),
    [
        (set(), False, {"Always"}),
        (set(), True, {"Always", "Drafts"}),
        ({"pull_request", "pull_request.opened"}, False, {"Always", "On open", "On any PR event"}),
        ({"pull_request", "pull_request.opened"}, True, {"Always", "Drafts", "On any PR event"}),
        ({"pull_request", "pull_request.labeled"}, False, {"Always", "On any PR event"}),
        ({"status"}, False, {"Always"}),
    ],
)
def test_rules_match_on_state_and_on_their_events(
    events: set[str], draft: bool, matched: set[str]
) -> None:
    facts = StaticFacts({"draft": draft})
    results = evaluate_rules(RULES, facts, frozenset(events), NOW)
    assert {result.rule.name for result in results if result.matched} == matched


def test_a_rule_waiting_for_its_event_still_shows_its_conditions() -> None:
    results = evaluate_rules(RULES, StaticFacts({"draft": False}), frozenset(), NOW)
    on_open = next(result for result in results if result.rule.name == "On open")
    assert (on_open.triggered, on_open.conditions_hold, on_open.matched) == (False, True, False)
    assert on_open.outcome is not None and on_open.outcome.holds


def test_a_rule_without_conditions_has_no_outcome() -> None:
    (always, *_) = evaluate_rules(RULES, StaticFacts(), frozenset(), NOW)
    assert always.outcome is None and always.matched
