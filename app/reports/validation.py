"""The check an upload passes before it is stored, chosen by its kind.

A validator takes the uncompressed report and returns the name of its format, or raises
`ReportError` (answered 422 with its message). It does not keep what it parsed: reports are parsed
again when a pull request is evaluated.
"""

from __future__ import annotations

from collections.abc import Callable

from app.reports.coverage_formats.detect import parse_coverage
from app.reports.lint_formats.detect import parse_lint


def validate_coverage(body: bytes) -> str:
    return parse_coverage(body).format


def validate_lint(body: bytes) -> str:
    """The lint format: a structured report must parse; a text report is accepted even when no
    line matches the built-in formats (the repository may configure its own patterns), but it
    must be UTF-8 text."""
    return parse_lint(body).format


VALIDATORS: dict[str, Callable[[bytes], str]] = {
    "coverage": validate_coverage,
    "lint": validate_lint,
}
REPORT_KINDS = tuple(VALIDATORS)
