"""Patch coverage, as Codecov computes it: of the lines a pull request adds, those the coverage
report knows as executable, and how many of them ran with every branch taken.

- An added line the report does not list (a comment, a blank, a file the tests never load) is
  not executable and counts neither way.
- A line is covered when it was executed and none of its branches was missed: a partial line
  counts as executable and not covered (hits / (hits + misses + partials)).
- Several report paths mapped onto one repository file (merged uploads, a file named both
  absolutely and relatively) are merged first, as `merge_reports` merges reports.

Percentages keep full precision in their values (`covered / executable * 100` as a float).
For display, `format_percent` rounds DOWN to two decimals, as Codecov does by default, so a
patch with one missed line never shows as 100.00%.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from app.reports.coverage_model import CoverageReport, FileCoverage
from app.reports.diff_lines import ChangedFile


@dataclass(frozen=True)
class FilePatchCoverage:
    path: str  # repository path (in the PR's head)
    covered: tuple[int, ...]  # added executable lines executed with every branch, ascending
    missed: tuple[int, ...]  # added executable lines not executed, or partial, ascending
    partial: tuple[int, ...] = ()  # those of `missed` executed with some branch missed

    @property
    def executable(self) -> int:
        return len(self.covered) + len(self.missed)

    @property
    def percent(self) -> float | None:
        return percent(len(self.covered), self.executable)


@dataclass(frozen=True)
class PatchCoverage:
    files: tuple[FilePatchCoverage, ...]  # only files with added executable lines, by path
    covered: int
    executable: int
    percent: float | None  # None when no added line is executable
    # changed files the report covers whose added lines GitHub did not show (too large)
    unknown: tuple[str, ...] = ()


def patch_coverage(
    report: CoverageReport,
    changed: Mapping[str, ChangedFile],
    mapping: Mapping[str, str],
) -> PatchCoverage:
    """Patch coverage of `changed` (repository path -> its changed lines) by `report`, whose
    paths `mapping` maps onto repository paths (see `path_mapping.map_paths`)."""
    by_repo_path = _by_repository_path(report, mapping)
    files: list[FilePatchCoverage] = []
    unknown: list[str] = []
    for path in sorted(changed):
        change = changed[path]
        coverage = by_repo_path.get(path)
        if coverage is None:
            continue
        if change.patch_missing:
            unknown.append(path)
            continue
        found = file_patch_coverage(path, coverage, change.added)
        if found.executable:
            files.append(found)
    covered = sum(len(found.covered) for found in files)
    executable = sum(found.executable for found in files)
    return PatchCoverage(
        tuple(files), covered, executable, percent(covered, executable), tuple(unknown)
    )


def file_patch_coverage(
    path: str, coverage: FileCoverage, added: frozenset[int] | set[int]
) -> FilePatchCoverage:
    """One file's added lines against its coverage."""
    executable = sorted(added.intersection(coverage.hits))
    covered = tuple(line for line in executable if coverage.covered(line))
    missed = tuple(line for line in executable if not coverage.covered(line))
    partial = tuple(line for line in missed if coverage.hits[line] > 0)
    return FilePatchCoverage(path, covered, missed, partial)


def project_coverage(
    report: CoverageReport, mapping: Mapping[str, str] | None = None
) -> float | None:
    """The report's line coverage, in percent; None when it has no executable line. With a
    `mapping`, only the files it maps into the repository count (merged per repository
    path), leaving out what the tests ran outside it (libraries, generated files)."""
    if mapping is None:
        covered, executable = report.totals()
        return percent(covered, executable)
    covered = executable = 0
    for coverage in _by_repository_path(report, mapping).values():
        executable += len(coverage.hits)
        covered += sum(1 for line in coverage.hits if coverage.covered(line))
    return percent(covered, executable)


def percent(covered: int, executable: int) -> float | None:
    """covered / executable in percent, unrounded; None when nothing is executable."""
    if executable <= 0:
        return None
    return covered * 100 / executable


def format_percent(value: float | None, *, decimals: int = 2, none: str = "n/a") -> str:
    """`value` for display: rounded down to `decimals` places, with a percent sign; `none`
    when there is no value. 66.6666... -> "66.66%", 99.999 -> "99.99%", 100 -> "100.00%".

    The value is first rounded to 9 places, so float noise (28.999999999999996 for 29/100 of
    100) does not round down a whole step."""
    if value is None:
        return none
    cleaned = Decimal(repr(value)).quantize(Decimal("1e-9"), rounding=ROUND_HALF_EVEN)
    shown = cleaned.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN)
    return f"{shown}%"


def _by_repository_path(
    report: CoverageReport, mapping: Mapping[str, str]
) -> dict[str, FileCoverage]:
    """The report's files under their repository paths; several report files mapped onto one
    path merged (a line is covered when any of them covers it)."""
    grouped: dict[str, list[FileCoverage]] = {}
    for report_path in sorted(report.files):
        repo_path = mapping.get(report_path)
        if repo_path is not None:
            grouped.setdefault(repo_path, []).append(report.files[report_path])
    merged: dict[str, FileCoverage] = {}
    for repo_path, coverages in grouped.items():
        if len(coverages) == 1:
            merged[repo_path] = coverages[0]
            continue
        target = merged[repo_path] = FileCoverage(repo_path)
        for coverage in coverages:
            for line, hits in coverage.hits.items():
                target.add_line(line, hits, line in coverage.partial)
    return merged
