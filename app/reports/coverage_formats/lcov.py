"""LCOV tracefiles (geninfo, istanbul/nyc/jest, c8, grcov, cargo-llvm-cov, ...).

    TN:<test name>
    SF:<path>
    DA:<line>,<hits>[,<checksum>]
    BRDA:<line>,[e]<block>,<branch>,<taken>          (taken: a count, or '-' for never reached)
    end_of_record

Other records (FN, FNDA, FNF, FNH, LF, LH, BRF, BRH, VER, FNL, FNA, ...) are allowed and skipped.
A line with branches is partial when some branch was not taken ('-' or 0) while another was, or
while the line itself ran (DA hits > 0). A line with BRDA but no DA counts 1 hit if a branch was
taken, else 0. Records of the same file (SF repeated, e.g. one per test) are merged: their hits
add up, and the line is partial only while no record covers it fully. A missing end_of_record
before the next SF or at the end of the file is tolerated."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.reports.coverage_formats._common import (
    count,
    decode_text,
    finished,
    line_number,
    shorten,
    text_lines,
)
from app.reports.coverage_model import CoverageReport, ReportError

FORMAT = "lcov"


@dataclass
class _Record:
    """One SF ... end_of_record block."""

    path: str
    hits: dict[int, int] = field(default_factory=dict)
    branches: dict[int, list[bool]] = field(default_factory=dict)  # line -> taken, per branch


def parse_lcov(data: bytes) -> CoverageReport:
    report = CoverageReport(FORMAT)
    record: _Record | None = None
    for number, line in enumerate(text_lines(decode_text(data, "LCOV")), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            record = _apply(line, record, report)
        except ReportError as error:
            raise ReportError(f"LCOV line {number}: {error}") from None
    if record is not None:
        _add_record(report, record)
    return finished(report)


def _apply(line: str, record: _Record | None, report: CoverageReport) -> _Record | None:
    """Reads one line into `record`; returns the record open after it."""
    if line == "end_of_record":
        if record is None:
            raise ReportError("end_of_record without SF")
        _add_record(report, record)
        return None
    key, colon, value = line.partition(":")
    if not colon:
        raise ReportError(f"expected KEY:value or end_of_record, not {shorten(line)!r}")
    if key == "SF":
        if not value.strip():
            raise ReportError("SF needs a file path")
        if record is not None:
            _add_record(report, record)
        return _Record(value.strip())
    if key in ("DA", "BRDA") and record is None:
        raise ReportError(f"{key} before SF")
    if key == "DA" and record is not None:
        line_no, hits = _da(value)
        record.hits[line_no] = record.hits.get(line_no, 0) + hits
    elif key == "BRDA" and record is not None:
        line_no, taken = _brda(value)
        record.branches.setdefault(line_no, []).append(taken)
    return record


def _da(value: str) -> tuple[int, int]:
    """(line, hits) of a DA record's value."""
    parts = value.split(",")
    if len(parts) not in (2, 3):
        raise ReportError("DA needs line,hits")
    return line_number(parts[0], "DA line"), count(parts[1], "DA hits")


def _brda(value: str) -> tuple[int, bool]:
    """(line, whether the branch was taken) of a BRDA record's value."""
    parts = value.split(",")  # LCOV 2's branch expressions may hold commas: line first, taken last
    if len(parts) < 4:
        raise ReportError("BRDA needs line,block,branch,taken")
    taken = parts[-1].strip()
    return line_number(parts[0], "BRDA line"), taken != "-" and count(taken, "BRDA taken") > 0


def _add_record(report: CoverageReport, record: _Record) -> None:
    target = report.file(record.path)
    for line in sorted(record.hits.keys() | record.branches.keys()):
        branches = record.branches.get(line, [])
        hits = record.hits.get(line, 1 if any(branches) else 0)
        partial = not all(branches) and (hits > 0 or any(branches))
        target.add_line(line, hits, partial)
