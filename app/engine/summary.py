"""The `paasbot` summary check run: every rule with its conditions (✓/✗ and the value seen) and
every action as done / waiting / failed with the reason. Pure: the same state gives the same
text, so an evaluation that changes nothing rewrites nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from app.config.problems import Problem
from app.engine.evaluate import RuleResult
from app.engine.execute import ActionReport
from app.engine.summary_text import conditions_markdown
from app.github.checks import CheckRunContent

SUMMARY_CHECK_NAME = "paasbot"
_STATUS_WORDS = {
    "done": "done",
    "would": "planned",
    "waiting": "waiting",
    "failed": "failed",
    "skipped": "not run",
    "stopped": "stopped",
    "unavailable": "not available",
}


@dataclass(frozen=True)
class SummaryView:
    results: tuple[RuleResult, ...] = ()
    reports: tuple[ActionReport, ...] = ()
    files: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()
    dry_run: bool = False


def is_unconfigured(view: SummaryView) -> bool:
    """No configuration file anywhere (the repository's, its organisation's), none invalid."""
    return not view.files and not view.problems


def summary_content(view: SummaryView) -> CheckRunContent:
    if view.problems:
        return _invalid(view)
    if not view.files:
        return _unconfigured(view)
    title = ("Dry run: " if view.dry_run else "") + _title(view)
    parts = [_intro(view), *_notes(view), *(_rule_section(view, r) for r in view.results)]
    return CheckRunContent(SUMMARY_CHECK_NAME, title, "\n\n".join(parts), "neutral")


def _title(view: SummaryView) -> str:
    matched = sum(result.matched for result in view.results)
    words = [f"{matched} of {len(view.results)} rules match"]
    counts = Counter(report.status for report in view.reports)
    for status in ("would", "waiting", "failed", "stopped"):
        if counts[status]:
            noun = "action" if counts[status] == 1 else "actions"
            words.append(f"{counts[status]} {noun} {_STATUS_WORDS[status]}")
    return " · ".join(words)


def _intro(view: SummaryView) -> str:
    sources = ", ".join(f"`{name}`" for name in view.files)
    dry = (
        " This is a **dry run**: nothing is changed, the actions say what they would do."
        if view.dry_run
        else ""
    )
    return f"Rules from {sources}.{dry}"


def _notes(view: SummaryView) -> list[str]:
    return [f"> {note}" for note in view.notes]


def _rule_section(view: SummaryView, result: RuleResult) -> str:
    rule = result.rule
    lines = [f"### {_rule_mark(result)} {rule.name}"]
    if rule.description:
        lines.append(f"*{rule.description}*")
    if rule.triggers:
        state = "woken by one of its events" if result.triggered else "waits for one of its events"
        lines.append(f"On {', '.join(f'`{t}`' for t in sorted(rule.triggers))}: {state}.")
    lines.append(conditions_markdown(result.outcome) if result.outcome else "- no conditions")
    actions = [report for report in view.reports if report.rule == rule.name]
    if actions:
        lines += ["", "Actions:"] + [_action_line(report) for report in actions]
    return "\n".join(lines)


def _rule_mark(result: RuleResult) -> str:
    if result.matched:
        return "✅"
    return "⏸️" if result.conditions_hold else "❌"


def _action_line(report: ActionReport) -> str:
    word = _STATUS_WORDS.get(report.status, report.status)
    if report.status == "would":
        word += " (dry run: not done)"
    line = f"- `{report.action}`: **{word}**"
    if report.detail:
        line += f" — {report.detail}"
    if report.changes:
        line += f" ({'; '.join(report.changes)})"
    return line


def _invalid(view: SummaryView) -> CheckRunContent:
    count = len(view.problems)
    lines = [
        "paasbot runs no rule until the configuration is valid.",
        "",
        *(
            f"- `{problem.file}:{problem.line}:{problem.column}`: {problem.message}"
            for problem in view.problems
        ),
        *_notes(view),
    ]
    title = f"The configuration is invalid: {count} problem{'s' if count != 1 else ''}"
    return CheckRunContent(SUMMARY_CHECK_NAME, title, "\n".join(lines), "failure")


def _unconfigured(view: SummaryView) -> CheckRunContent:
    lines = [
        "This repository has no `.paasbot.yml` (nor `.github/paasbot.yml`) on its default branch,"
        " and its organisation sets no defaults. Add one, e.g. `extends: golden-path`.",
        *_notes(view),
    ]
    return CheckRunContent(SUMMARY_CHECK_NAME, "No rules configured", "\n".join(lines), "neutral")
