"""A pull request's lint findings, from the reports CI uploaded for its head commit: parsed, their
paths mapped onto the repository's files, and filtered against the PR's diff; one result per
report name."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from app.actions.base import PullTarget
from app.reports.diff_lines import ChangedFile, added_lines_from_files
from app.reports.lint_filter import filter_findings
from app.reports.lint_formats.detect import parse_lint
from app.reports.lint_model import Finding, LintReport
from app.reports.lint_summary import LintFigures
from app.reports.path_mapping import resolve_paths
from app.reports.repo_files import repository_files
from app.store.reports import StoredReport, load_reports


@dataclass(frozen=True)
class PullLint:
    figures: tuple[LintFigures, ...]  # one per report name, by name
    changed: dict[str, ChangedFile]  # the PR's diff, by head path


async def pull_lint(
    target: PullTarget,
    name: str | None,
    fixes: Sequence[str],
    patterns: Sequence[str],
    mode: str,
) -> PullLint | None:
    """None when no lint report was uploaded for the head (with `name`, when given).
    ReportError when a stored report cannot be read. Computed once per evaluation."""
    key = ("lint", name, tuple(fixes), tuple(patterns), mode)
    known = target.computed.get(key)
    if known is None and key not in target.computed:
        known = target.computed[key] = await _compute(target, name, fixes, patterns, mode)
    assert known is None or isinstance(known, PullLint)
    return known


async def _compute(
    target: PullTarget,
    name: str | None,
    fixes: Sequence[str],
    patterns: Sequence[str],
    mode: str,
) -> PullLint | None:
    stored = await _reports(target, name)
    if not stored:
        return None
    files = await repository_files(target, target.head_sha)
    changed = added_lines_from_files(await target.snapshot.files())
    figures = tuple(
        _figures(report, parse_lint(report.body, patterns), files, changed, fixes, mode)
        for report in stored
    )
    return PullLint(figures, changed)


async def _reports(target: PullTarget, name: str | None) -> list[StoredReport]:
    async with target.db.reader() as conn:
        found = await load_reports(conn, target.repository, target.head_sha, "lint")
    chosen = [report for report in found if name is None or report.name == name]
    return sorted(chosen, key=lambda report: report.name)


def _figures(
    stored: StoredReport,
    report: LintReport,
    files: Sequence[str],
    changed: dict[str, ChangedFile],
    fixes: Sequence[str],
    mode: str,
) -> LintFigures:
    mapping = resolve_paths((f.path for f in report.findings), files, fixes=fixes).mapping
    mapped: list[Finding] = []
    for finding in report.findings:
        path = mapping.get(finding.path)
        if path is not None:
            mapped.append(dataclasses.replace(finding, path=path))
    selection = filter_findings(mapped, changed, mode)
    return LintFigures(
        name=stored.name,
        tool=report.tool or stored.name,
        kept=tuple(selection.kept),
        dropped=tuple(selection.dropped),
        mode=mode,
        not_in_repository=len(report.findings) - len(mapped),
        suppressed=report.suppressed,
        unreadable=report.unreadable,
        unknown_diff=selection.unknown_diff,
    )
