"""The check an upload passes before it is stored, chosen by its kind.

A validator takes the uncompressed report and returns the name of its format, or raises
`ReportError` (answered 422 with its message). It does not keep what it parsed: reports are parsed
again when a pull request is evaluated.
"""

from __future__ import annotations

from collections.abc import Callable

UNKNOWN_FORMAT = "unknown"


def validate_coverage(body: bytes) -> str:
    try:
        # Imported lazily: the format parsers are large and optional at this stage.
        from app.reports.coverage_formats.detect import parse_coverage
    except ImportError:
        return UNKNOWN_FORMAT
    report = parse_coverage(body)
    return str(getattr(report, "format", None) or UNKNOWN_FORMAT)


def validate_lint(_body: bytes) -> str:
    # Lint formats are not parsed yet: any body is accepted.
    return UNKNOWN_FORMAT


VALIDATORS: dict[str, Callable[[bytes], str]] = {
    "coverage": validate_coverage,
    "lint": validate_lint,
}
REPORT_KINDS = tuple(VALIDATORS)
