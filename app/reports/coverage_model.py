"""A coverage report, whatever format it came in: per file, the executable lines with their hit
counts, and the lines whose branches are only partly covered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


class ReportError(ValueError):
    """A report that cannot be used; the message says why, for a 4xx answer or the summary."""


@dataclass
class FileCoverage:
    path: str  # as the report names it (mapped onto the repository later)
    hits: dict[int, int] = field(default_factory=dict)  # executable line -> times executed
    partial: set[int] = field(default_factory=set)  # lines with branches only partly taken

    def covered(self, line: int) -> bool:
        """Executed, with every branch taken: a partial line counts as not covered (Codecov)."""
        return self.hits.get(line, 0) > 0 and line not in self.partial

    def add_line(self, line: int, hits: int, partial: bool = False) -> None:
        """Adds a record of `line`; repeated records (LCOV, merged reports) add their hits, and
        the line is partial only while no record covers it fully."""
        previous = self.hits.get(line)
        self.hits[line] = hits if previous is None else previous + hits
        fully = hits > 0 and not partial
        if fully or (previous is not None and previous > 0 and line not in self.partial):
            self.partial.discard(line)
        elif partial:
            self.partial.add(line)


@dataclass
class CoverageReport:
    format: str  # cobertura | lcov | coverage.py-json | jacoco | go
    files: dict[str, FileCoverage] = field(default_factory=dict)
    sources: tuple[str, ...] = ()  # source roots the report names (Cobertura <source>)

    def file(self, path: str) -> FileCoverage:
        found = self.files.get(path)
        if found is None:
            found = self.files[path] = FileCoverage(path)
        return found

    def totals(self) -> tuple[int, int]:
        """(covered lines, executable lines) over the whole report."""
        covered = executable = 0
        for coverage in self.files.values():
            executable += len(coverage.hits)
            covered += sum(1 for line in coverage.hits if coverage.covered(line))
        return covered, executable


def merge_reports(reports: Iterable[CoverageReport]) -> CoverageReport:
    """Several reports of one SHA (e.g. split test jobs) as one: a line is covered when any
    report covers it."""
    merged: CoverageReport | None = None
    for report in reports:
        if merged is None:
            merged = CoverageReport(report.format, sources=report.sources)
        merged.sources = tuple(dict.fromkeys((*merged.sources, *report.sources)))
        for path, coverage in report.files.items():
            target = merged.file(path)
            for line, hits in coverage.hits.items():
                target.add_line(line, hits, line in coverage.partial)
    if merged is None:
        raise ReportError("no report to merge")
    return merged
