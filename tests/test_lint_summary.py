"""What the lint action shows for one report: check name, conclusion, title, summary, annotations.
Pure."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from app.reports.lint_model import Finding, Level
from app.reports.lint_summary import (
    MAX_TABLE_ROWS,
    LintFigures,
    annotation,
    annotations,
    check_name,
    conclusion,
    summary,
    title,
)


def finding(
    level: Level = Level.ERROR,
    rule: str | None = "E501",
    line: int | None = 3,
    end: int | None = None,
    *,
    tool: str | None = None,
    column: int | None = None,
    end_column: int | None = None,
) -> Finding:
    end_line = end if end is not None else line
    return Finding("src/app.py", line, end_line, level, "too long", rule, tool, column, end_column)


def figures(kept: list[Finding], dropped: Sequence[Finding] = (), **extra: int) -> LintFigures:
    return LintFigures("default", "ruff", tuple(kept), tuple(dropped), "added", **extra)


def test_the_unnamed_report_has_the_plain_check_name_and_named_ones_a_suffix() -> None:
    assert check_name("default") == "paasbot/lint"
    assert check_name("eslint") == "paasbot/lint/eslint"


@pytest.mark.parametrize(
    ("levels", "fail_on", "expected"),
    [
        ([Level.ERROR], "error", "failure"),
        ([Level.WARNING], "error", "success"),
        ([Level.WARNING], "warning", "failure"),
        ([Level.NOTICE], "warning", "success"),
        ([Level.NOTICE], "notice", "failure"),
        ([Level.ERROR], "never", "success"),
        ([], "notice", "success"),
    ],
)
def test_the_conclusion_fails_on_a_kept_finding_at_least_as_severe_as_fail_on(
    levels: list[Level], fail_on: str, expected: str
) -> None:
    assert conclusion([finding(level) for level in levels], fail_on) == expected


def test_titles_count_the_kept_findings_per_level_and_mention_the_rest() -> None:
    kept = [finding(Level.ERROR), finding(Level.WARNING, line=4), finding(Level.WARNING, line=5)]
    assert title(figures(kept)) == "3 findings on the PR's lines: 1 error, 2 warnings"
    assert title(figures([], [finding()])) == "No findings on the PR's lines (1 finding elsewhere)"
    assert title(figures([])) == "No findings on the PR's lines"


def test_the_summary_counts_kept_and_filtered_out_per_level_and_rule() -> None:
    kept = [finding(rule="E501"), finding(rule="E501", line=9), finding(Level.WARNING, rule="W1")]
    dropped = [finding(rule="E501", line=40), finding(Level.NOTICE, rule=None, line=41)]
    text = summary(figures(kept, dropped), "warning")
    assert "(filter `added`, fails on warning or worse)" in text
    assert "| error | `E501` | 2 | 1 |" in text
    assert "| warning | `W1` | 1 | 0 |" in text
    assert "| notice | (none) | 0 | 1 |" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    assert rows[0].startswith("| error")


def test_the_summary_notes_what_was_left_out() -> None:
    shown = figures([finding()], not_in_repository=2, suppressed=1, unreadable=3, unknown_diff=1)
    text = summary(shown, "error", omitted=4)
    assert "and 4 more findings on the PR's lines, not annotated (`max_annotations`)" in text
    assert "2 findings in files the repository does not have" in text
    assert "1 finding suppressed in the report" in text
    assert "3 entries of the report could not be read as findings" in text
    assert "1 finding in files whose diff GitHub does not show" in text


def test_a_report_without_findings_says_so() -> None:
    assert "The report has no findings." in summary(figures([]), "never")


def test_the_table_is_capped_with_a_total_row() -> None:
    many = [finding(rule=f"R{i:03}", line=i + 1) for i in range(MAX_TABLE_ROWS + 5)]
    text = summary(figures(many), "error")
    assert "| … | and 5 more rules | 5 | 0 |" in text


def test_annotations_map_levels_title_tool_and_rule_and_columns_only_on_one_line() -> None:
    single = annotation(finding(Level.WARNING, column=5, end_column=9), "ruff")
    assert (single.level, single.title) == ("warning", "[ruff] E501")
    assert (single.start_column, single.end_column) == (5, 9)
    multi = annotation(finding(Level.NOTICE, line=3, end=6, column=5, end_column=2), "ruff")
    assert (multi.level, multi.start_line, multi.end_line) == ("notice", 3, 6)
    assert multi.start_column is None and multi.end_column is None
    assert annotation(finding(tool="bandit", rule=None), "ruff").title == "[bandit]"
    whole_file = annotation(finding(line=None), "ruff")
    assert (whole_file.start_line, whole_file.end_line) == (1, 1)


def test_annotations_are_most_severe_first_capped_and_skip_commented_findings() -> None:
    notice, error, warning = (
        finding(Level.NOTICE, line=1),
        finding(Level.ERROR, line=2),
        finding(Level.WARNING, line=3),
    )
    found, omitted = annotations(figures([notice, error, warning]), 2)
    assert [a.level for a in found] == ["failure", "warning"] and omitted == 1
    found, omitted = annotations(figures([notice, error, warning]), 5, frozenset({error}))
    assert [a.level for a in found] == ["warning", "notice"] and omitted == 0
