"""Markdown for condition outcomes: each condition with ✓ or ✗ and the value paasbot saw."""

from __future__ import annotations

from datetime import datetime

from app.engine.conditions import FactValue, GroupOutcome, LeafOutcome, Outcome

MAX_ITEMS = 10
MAX_TEXT = 80
NOT_READ = "not read: the other conditions decide the rule"
_GROUP_TITLES = {"all": "all of", "any": "any of", "not": "not"}


def conditions_markdown(outcome: Outcome) -> str:
    """A nested list; the top-level `all of` of a rule's `if:` list is flattened away."""
    if isinstance(outcome, GroupOutcome) and outcome.kind == "all":
        return "\n".join(line for child in outcome.children for line in _lines(child, 0))
    return "\n".join(_lines(outcome, 0))


def _lines(outcome: Outcome, depth: int) -> list[str]:
    indent = "  " * depth
    mark = ("✓" if outcome.holds else "✗") if outcome.read else "○"
    if isinstance(outcome, LeafOutcome):
        text = _code(outcome.condition.text.strip())
        if not outcome.read:
            return [f"{indent}- {mark} {text} — {NOT_READ}"]
        return [f"{indent}- {mark} {text} — {_seen(outcome)}"]
    lines = [f"{indent}- {mark} {_GROUP_TITLES[outcome.kind]}:"]
    for child in outcome.children:
        lines += _lines(child, depth + 1)
    return lines


def _seen(outcome: LeafOutcome) -> str:
    condition = outcome.condition
    name = f"#{condition.attribute.name}" if condition.count else condition.attribute.name
    return f"{name}: {show_value(outcome.seen)}"


def show_value(value: FactValue) -> str:
    """A value as the summary shows it: lists cut to MAX_ITEMS, text to MAX_TEXT characters."""
    if value is None:
        return "*none*"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, float):
        return _code(f"{value:.2f}")
    if isinstance(value, list | tuple):
        if not value:
            return "*none*"
        shown = ", ".join(_code(_cut(str(item))) for item in value[:MAX_ITEMS])
        more = len(value) - MAX_ITEMS
        return f"{shown} and {more} more" if more > 0 else shown
    return _code(_cut(str(value)))


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _code(text: str) -> str:
    """Inline code that survives backticks inside the text."""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"
