"""Coverage report parsers, one module per format, each producing a CoverageReport; `detect`
picks the format from the report's first bytes.

    parse_coverage(data) -> CoverageReport     any supported format, detected
    detect_format(head) -> str | None          "cobertura" | "jacoco" | "lcov" |
                                               "coverage.py-json" | "go" | None

Every parser raises ReportError, and nothing else, for input it cannot read."""

from app.reports.coverage_formats.detect import PARSERS, detect_format, parse_coverage

__all__ = ["PARSERS", "detect_format", "parse_coverage"]
