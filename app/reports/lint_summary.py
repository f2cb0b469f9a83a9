"""What the `lint` action shows for one report name: the check run's name, conclusion, title and
Markdown summary (findings kept and filtered out, per level and rule), and the annotations. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.github.checks import Annotation
from app.reports.lint_model import Finding, Level

CHECK_PREFIX = "paasbot/lint"
DEFAULT_REPORT_NAME = "default"
MAX_TABLE_ROWS = 60
FAIL_ON_NEVER = "never"


@dataclass(frozen=True)
class LintFigures:
    """One report name's findings after mapping and filtering."""

    name: str  # the report name (`default` when CI gave none)
    tool: str  # what titles say found them when a finding does not name its tool
    kept: tuple[Finding, ...]  # on the PR's lines (per the filter), repository paths
    dropped: tuple[Finding, ...]  # filtered out
    mode: str  # the filter mode
    not_in_repository: int = 0  # findings in files the repository does not have
    suppressed: int = 0  # marked suppressed in the report
    unreadable: int = 0  # entries of the report that were not findings
    unknown_diff: int = 0  # kept in files whose diff GitHub does not show


def check_name(report_name: str) -> str:
    """`paasbot/lint` for the unnamed report, `paasbot/lint/<name>` for a named one."""
    return CHECK_PREFIX if report_name == DEFAULT_REPORT_NAME else f"{CHECK_PREFIX}/{report_name}"


def conclusion(kept: Iterable[Finding], fail_on: str) -> str:
    """failure when a kept finding is at least as severe as `fail_on`; else success."""
    if fail_on == FAIL_ON_NEVER:
        return "success"
    threshold = Level(fail_on).rank
    return "failure" if any(finding.level.rank <= threshold for finding in kept) else "success"


def title(figures: LintFigures) -> str:
    if not figures.kept:
        elsewhere = f" ({_count(len(figures.dropped), 'finding')} elsewhere)"
        return "No findings on the PR's lines" + (elsewhere if figures.dropped else "")
    levels = Counter(finding.level for finding in figures.kept)
    parts = [_count(levels[level], level.value) for level in Level if levels[level]]
    return f"{_count(len(figures.kept), 'finding')} on the PR's lines: {', '.join(parts)}"


def summary(figures: LintFigures, fail_on: str, omitted: int = 0) -> str:
    """The check run's summary; `omitted`: kept findings beyond the annotation cap."""
    lines = [f"**{title(figures)}** (filter `{figures.mode}`, {_fail_on_text(fail_on)})", ""]
    lines += _table(figures)
    notes = _notes(figures, omitted)
    if notes:
        lines += ["", *(f"- {note}" for note in notes)]
    return "\n".join(lines)


def annotations(
    figures: LintFigures, limit: int, leave_out: frozenset[Finding] = frozenset()
) -> tuple[tuple[Annotation, ...], int]:
    """The kept findings (less `leave_out`) as annotations, most severe first, at most `limit`;
    and how many were left out by the limit."""
    shown = sorted((f for f in figures.kept if f not in leave_out), key=_severity_order)
    return tuple(annotation(f, figures.tool) for f in shown[:limit]), max(0, len(shown) - limit)


def annotation(finding: Finding, default_tool: str) -> Annotation:
    line = finding.line or 1  # a whole-file finding is shown on the first line
    end = max(finding.end_line or line, line)
    single = line == end
    return Annotation(
        path=finding.path,
        start_line=line,
        end_line=end,
        message=finding.message or "(no message)",
        level=finding.level.annotation_level,
        title=finding_title(finding, default_tool),
        start_column=finding.column if single else None,
        end_column=_end_column(finding) if single else None,
    )


def finding_title(finding: Finding, default_tool: str) -> str:
    tool = finding.tool or default_tool
    return f"[{tool}] {finding.rule}" if finding.rule else f"[{tool}]"


def _end_column(finding: Finding) -> int | None:
    if finding.column is None or finding.end_column is None:
        return None
    return max(finding.end_column, finding.column)


def _severity_order(finding: Finding) -> tuple[int, str, int, int]:
    return (finding.level.rank, finding.path, finding.line or 0, finding.column or 0)


def _table(figures: LintFigures) -> list[str]:
    kept = Counter((f.level, f.rule or "") for f in figures.kept)
    dropped = Counter((f.level, f.rule or "") for f in figures.dropped)
    keys = sorted(set(kept) | set(dropped), key=lambda key: (key[0].rank, -kept[key], key[1]))
    if not keys:
        return ["The report has no findings."]
    rows = ["| level | rule | on the PR's lines | filtered out |", "|---|---|---:|---:|"]
    for level, rule in keys[:MAX_TABLE_ROWS]:
        shown_rule = f"`{_cell(rule)}`" if rule else "(none)"
        rows.append(
            f"| {level.value} | {shown_rule} | {kept[(level, rule)]} | {dropped[(level, rule)]} |"
        )
    if len(keys) > MAX_TABLE_ROWS:
        rest = keys[MAX_TABLE_ROWS:]
        rows.append(
            f"| … | and {len(rest)} more rules | {sum(kept[k] for k in rest)} "
            f"| {sum(dropped[k] for k in rest)} |"
        )
    return rows


def _notes(figures: LintFigures, omitted: int) -> Sequence[str]:
    notes = []
    if omitted:
        notes.append(
            f"and {omitted} more findings on the PR's lines, not annotated (`max_annotations`)"
        )
    if figures.not_in_repository:
        notes.append(
            f"{_count(figures.not_in_repository, 'finding')} in files the repository does not "
            "have (dropped; see `path_fixes`)"
        )
    if figures.unknown_diff:
        notes.append(
            f"{_count(figures.unknown_diff, 'finding')} in files whose diff GitHub does not show "
            "(too large): kept, as they may be on the PR's lines"
        )
    if figures.suppressed:
        notes.append(f"{_count(figures.suppressed, 'finding')} suppressed in the report (left out)")
    if figures.unreadable:
        notes.append(
            f"{_count(figures.unreadable, 'entry', 'entries')} of the report could not be "
            "read as findings"
        )
    return notes


def _fail_on_text(fail_on: str) -> str:
    if fail_on == FAIL_ON_NEVER:
        return "never fails"
    return f"fails on {fail_on}" + ("" if fail_on == Level.ERROR else " or worse")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'").replace("\n", " ")[:100]


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
