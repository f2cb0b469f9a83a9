from datetime import UTC, datetime

import pytest

from app.engine.conditions import StaticFacts, evaluate, parse_tree
from app.engine.summary_text import conditions_markdown, show_value

NOW = datetime(2026, 11, 28, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "*none*"),
        ([], "*none*"),
        (True, "yes"),
        (False, "no"),
        (3, "`3`"),
        ("main", "`main`"),
        ("a `tick`", "`` a `tick` ``"),
        ("line one\nline two", "`line one line two`"),
        ("x" * 100, "`" + "x" * 79 + "…`"),
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "2026-01-02T03:04+00:00"),
        ([f"l{i}" for i in range(12)], ", ".join(f"`l{i}`" for i in range(10)) + " and 2 more"),
    ],
)
def test_values_are_shown_short_and_safe(value: object, shown: str) -> None:
    assert show_value(value) == shown  # type: ignore[arg-type]


def test_nesting_is_shown_as_indented_lists() -> None:
    tree = parse_tree(["-draft", {"not": {"any": ["label=a", "label=b"]}}])
    outcome = evaluate(tree, StaticFacts({"draft": False, "label": ["b"]}), NOW)
    assert conditions_markdown(outcome).splitlines() == [
        "- ✓ `-draft` — draft: no",
        "- ✗ not:",
        "  - ✓ any of:",
        "    - ✗ `label=a` — label: `b`",
        "    - ✓ `label=b` — label: `b`",
    ]
