"""bench/ci_reports.py: what CI uploads in the fault trace is read by paasbot's own parsers as
meant, and is the same in every run (it depends on the paths alone)."""

from __future__ import annotations

from collections import Counter

from app.reports.coverage_formats.detect import parse_coverage
from app.reports.lint_formats.detect import parse_lint
from bench.ci_reports import broken, lcov, sarif

PATHS = sorted(f"services/api/change-{n}.py" for n in range(30))


def test_a_few_files_are_broken_their_first_line_uncovered() -> None:
    report = parse_coverage(lcov(PATHS))
    assert report.format == "lcov" and sorted(report.files) == PATHS
    uncovered = [path for path in PATHS if not report.files[path].covered(1)]
    assert 0 < len(uncovered) < len(PATHS) / 2
    assert uncovered == [path for path in PATHS if broken(path)]
    assert lcov(PATHS) == lcov(list(PATHS))


def test_lint_finds_one_thing_per_file_an_error_in_the_broken_ones() -> None:
    report = parse_lint(sarif(PATHS))
    assert report.format == "sarif"
    assert sorted(f.path for f in report.findings) == PATHS
    assert all(f.line == 1 and f.rule == "B101" for f in report.findings)
    levels = Counter(f.level.value for f in report.findings)
    assert set(levels) == {"error", "warning", "notice"}
    errors = sorted(f.path for f in report.findings if f.level.value == "error")
    assert errors == [path for path in PATHS if broken(path)]
    assert sarif(PATHS) == sarif(list(PATHS))
