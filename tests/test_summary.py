from datetime import UTC, datetime

from app.config.problems import Problem
from app.engine.conditions import StaticFacts
from app.engine.evaluate import evaluate_rules
from app.engine.execute import ActionReport
from app.engine.summary import SummaryView, summary_content
from tests.rule_helpers import rules_from

NOW = datetime(2026, 11, 28, tzinfo=UTC)
RULES = rules_from(
    """
rules:
  - name: Merge when ready
    description: Approved and green.
    if:
      - "#approved-reviews-by>=1"
      - any: [check-success=ci, label=hotfix]
    do:
      label: {add: [ready]}
      merge: {}
  - name: Welcome
    on: [pull_request.opened]
    do:
      comment: {body: hi}
"""
)


def view(facts: dict, reports: tuple[ActionReport, ...] = (), **kwargs: object) -> SummaryView:
    results = evaluate_rules(RULES, StaticFacts(facts), frozenset(), NOW)
    return SummaryView(tuple(results), reports, (".paasbot.yml",), **kwargs)  # type: ignore[arg-type]


def test_each_condition_shows_its_mark_and_the_value_seen() -> None:
    facts = {"approved-reviews-by": ["bob"], "check-success": [], "label": ["bug"]}
    content = summary_content(view(facts))
    assert content.title == "0 of 2 rules match"
    assert content.conclusion == "neutral"
    assert content.summary.splitlines()[:8] == [
        "Rules from `.paasbot.yml`.",
        "",
        "### ❌ Merge when ready",
        "*Approved and green.*",
        "- ✓ `#approved-reviews-by>=1` — #approved-reviews-by: `1`",
        "- ✗ any of:",
        "  - ✗ `check-success=ci` — check-success: *none*",
        "  - ✗ `label=hotfix` — label: `bug`",
    ]
    assert (
        "### ⏸️ Welcome\nOn `pull_request.opened`: waits for one of its events." in content.summary
    )


def test_actions_say_what_they_did_and_what_they_wait_for() -> None:
    reports = (
        ActionReport("Merge when ready", "label", "done", "labelled `ready`", ("add `ready`",)),
        ActionReport("Merge when ready", "merge", "waiting", "the merge queue is busy"),
        ActionReport("Welcome", "comment", "failed", "GitHub answered 403"),
    )
    facts = {"approved-reviews-by": ["bob"], "check-success": ["ci"], "label": []}
    content = summary_content(view(facts, reports))
    assert content.title == "1 of 2 rules match · 1 action waiting · 1 action failed"
    assert "- `label`: **done** — labelled `ready` (add `ready`)" in content.summary
    assert "- `merge`: **waiting** — the merge queue is busy" in content.summary
    assert "- `comment`: **failed** — GitHub answered 403" in content.summary


def test_the_same_state_gives_the_same_text() -> None:
    facts = {"approved-reviews-by": ["bob"], "check-success": ["ci"], "label": []}
    assert summary_content(view(facts)).digest() == summary_content(view(facts)).digest()


def test_a_dry_run_says_so_in_the_title_and_the_text() -> None:
    reports = (ActionReport("Merge when ready", "label", "would", "", ("add `ready`",)),)
    facts = {"approved-reviews-by": ["bob"], "check-success": ["ci"], "label": []}
    content = summary_content(view(facts, reports, dry_run=True))
    assert content.title == "Dry run: 1 of 2 rules match · 1 action planned"
    assert "This is a **dry run**" in content.summary
    assert "- `label`: **planned (dry run: not done)** (add `ready`)" in content.summary


def test_an_invalid_configuration_fails_the_summary_and_lists_the_problems() -> None:
    problems = (
        Problem(".paasbot.yml", 3, 10, "unknown attribute 'lable'"),
        Problem(".paasbot.yml", 7, 5, "unknown action 'lable'"),
    )
    content = summary_content(SummaryView(problems=problems, notes=("a note",)))
    assert (content.title, content.conclusion) == (
        "The configuration is invalid: 2 problems",
        "failure",
    )
    assert "- `.paasbot.yml:3:10`: unknown attribute 'lable'" in content.summary
    assert "> a note" in content.summary


def test_a_repository_without_configuration_is_told_how_to_start() -> None:
    content = summary_content(SummaryView())
    assert content.title == "No rules configured"
    assert "extends: golden-path" in content.summary
