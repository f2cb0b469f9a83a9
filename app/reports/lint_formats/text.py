"""Text lint reports: one finding per line, read by the repository's patterns (errorformat.py)
when it configures some, else by the built-in formats (builtin_text.py).

Blank lines are skipped; a line no pattern matches is counted as unreadable. Terminal colour
codes (ANSI escape sequences) are removed before matching, and CRLF line ends are fine. The
report must be UTF-8 text: a NUL byte means binary data, which is refused. A text report names
no tool."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.reports.lint_formats._common import add, decode
from app.reports.lint_formats.builtin_text import match_builtin
from app.reports.lint_formats.errorformat import Matched, Pattern, compile_patterns
from app.reports.lint_model import LintReport, ReportError

FORMAT = "text"
WHAT = "text lint report"

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def parse_text(data: bytes, patterns: Sequence[str] = ()) -> LintReport:
    text = decode(data, WHAT)
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise ReportError(f"{WHAT} line {line}: a NUL byte; this is binary data, not text")
    compiled = _compiled(patterns)
    report = LintReport(FORMAT)
    for line in text.split("\n"):
        line = _ANSI_ESCAPE.sub("", line.removesuffix("\r"))
        if not line.strip():
            continue
        matched = _match(compiled, line)
        if matched is None:
            report.unreadable += 1
        else:
            add(report, matched.as_finding())
    return report


def _compiled(patterns: Sequence[str]) -> tuple[Pattern, ...]:
    try:
        return compile_patterns(patterns)
    except ValueError as error:
        raise ReportError(f"the lint patterns cannot be used: {error}") from None


def _match(patterns: tuple[Pattern, ...], line: str) -> Matched | None:
    if not patterns:
        return match_builtin(line)
    for pattern in patterns:
        matched = pattern.match(line)
        if matched is not None:
            return matched
    return None
