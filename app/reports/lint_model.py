"""A lint report, whatever tool and format it came from: findings, each on a file and a range of
lines, with a level, the rule that found it and its message."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from app.reports.coverage_model import ReportError

__all__ = ["MAX_FINDINGS", "Finding", "Level", "LintReport", "ReportError"]

# More findings than this in one report are refused (422): no PR is helped by a million of them,
# and each costs memory until the report is filtered.
MAX_FINDINGS = 1_000_000


class Level(StrEnum):
    """Severity, from most to least severe; `fail_on` compares along this order."""

    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def annotation_level(self) -> str:
        """GitHub's check-run annotation level."""
        return _ANNOTATION_LEVEL[self]


_RANK = {Level.ERROR: 0, Level.WARNING: 1, Level.NOTICE: 2}
_ANNOTATION_LEVEL = {Level.ERROR: "failure", Level.WARNING: "warning", Level.NOTICE: "notice"}


@dataclass(frozen=True, slots=True)
class Finding:
    path: str  # as the report names it (mapped onto the repository later)
    line: int | None  # first line, 1-based; None for a finding about the whole file
    end_line: int | None  # last line (>= line); None when `line` is None
    level: Level
    message: str
    rule: str | None = None  # e.g. E501, no-unused-vars, python/sql-injection
    tool: str | None = None  # the tool that found it, when the report names one per finding
    column: int | None = None  # 1-based; only meaningful on a single-line finding
    end_column: int | None = None

    def lines(self) -> range:
        """The finding's lines (empty for a whole-file finding)."""
        if self.line is None:
            return range(0)
        return range(self.line, (self.end_line or self.line) + 1)


@dataclass
class LintReport:
    format: str  # sarif | checkstyle | eslint | ruff | pylint | text
    tool: str | None = None  # the tool the report as a whole came from, when it says
    findings: list[Finding] = field(default_factory=list)
    suppressed: int = 0  # findings the report marks as suppressed (SARIF), left out
    unreadable: int = 0  # entries that could not be read as findings (e.g. text lines), left out
