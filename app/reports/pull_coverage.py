"""A pull request's coverage, from the reports CI uploaded for its head (and base) commit: parsed,
merged per SHA, mapped onto the repository's files and the PR's added lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gidgethub import BadRequest

from app.actions.base import PullTarget
from app.reports.coverage_formats.detect import parse_coverage
from app.reports.coverage_model import CoverageReport, ReportError, merge_reports
from app.reports.coverage_summary import CoverageFigures
from app.reports.diff_lines import added_lines_from_files
from app.reports.patch_coverage import patch_coverage, project_coverage
from app.reports.path_mapping import resolve_paths
from app.reports.repo_files import repository_files
from app.store.reports import StoredReport, load_reports


@dataclass(frozen=True)
class Waiting:
    received: int
    expected: int


@dataclass(frozen=True)
class Computed:
    figures: CoverageFigures
    notes: tuple[str, ...]


async def pull_coverage(
    target: PullTarget, name: str | None, fixes: Sequence[str], wait_for: int
) -> Waiting | Computed:
    """ReportError when a stored report cannot be read (it was checked at upload, so only a
    parser change can cause it). Computed once per evaluation for the same options."""
    key = ("coverage", name, tuple(fixes), wait_for)
    known = target.computed.get(key)
    if not isinstance(known, Waiting | Computed):
        known = target.computed[key] = await _compute(target, name, fixes, wait_for)
    return known


async def _compute(
    target: PullTarget, name: str | None, fixes: Sequence[str], wait_for: int
) -> Waiting | Computed:
    head_reports = await _reports(target, target.head_sha, name)
    if len(head_reports) < wait_for:
        return Waiting(len(head_reports), wait_for)
    pull = await target.snapshot.pull()
    head = _merged(head_reports)
    repo_files = await repository_files(target, target.head_sha)
    paths = resolve_paths(head.files, repo_files, sources=head.sources, fixes=fixes)
    changed = added_lines_from_files(await target.snapshot.files())
    patch = patch_coverage(head, changed, paths.mapping)
    project = project_coverage(head, paths.mapping)
    base_project = await _base_project(target, pull["base"]["sha"], name, fixes)
    notes = _mapping_notes(len(paths.unmatched), len(paths.escaped))
    names = tuple(sorted(report.name for report in head_reports))
    return Computed(CoverageFigures(patch, project, base_project, names), notes)


async def _reports(target: PullTarget, sha: str, name: str | None) -> list[StoredReport]:
    async with target.db.reader() as conn:
        found = await load_reports(conn, target.repository, sha, "coverage")
    return [report for report in found if name is None or report.name == name]


def _merged(stored: list[StoredReport]) -> CoverageReport:
    return merge_reports(parse_coverage(report.body) for report in stored)


async def _base_project(
    target: PullTarget, base_sha: str, name: str | None, fixes: Sequence[str]
) -> float | None:
    stored = await _reports(target, base_sha, name)
    if not stored:
        return None
    try:
        base = _merged(stored)
        files = await repository_files(target, base_sha)
    except (ReportError, BadRequest):
        return None
    mapping = resolve_paths(base.files, files, sources=base.sources, fixes=fixes).mapping
    return project_coverage(base, mapping)


def _mapping_notes(unmatched: int, escaped: int) -> tuple[str, ...]:
    notes = []
    if unmatched:
        notes.append(f"{unmatched} report path(s) match no file of the repository")
    if escaped:
        notes.append(f"{escaped} report path(s) point outside the repository (ignored)")
    return tuple(notes)
