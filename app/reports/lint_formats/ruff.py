"""ruff's JSON (`ruff check --output-format json`): one entry per violation.

    [{"code": "F401", "message": "`os` imported but unused",
      "filename": "/home/ci/app/acme/shapes.py",
      "location": {"row": 2, "column": 8}, "end_location": {"row": 2, "column": 10},
      "fix": {...}, "noqa_row": 2, "url": "...", "cell": null, "severity": "error"}, ...]

ruff fails the build on every violation, so each is an error, unless the entry carries a
`severity` (newer ruff) that says otherwise. `code` is the rule; a syntax error has
"invalid-syntax" there (ruff 0.12 and later) or null. Columns are 1-based; end_location's
column points just past the last character. In a notebook (`cell` set) the rows count from the
top of the cell, not of the file: such a violation is about the whole file, its cell and row
put before the message."""

from __future__ import annotations

from app.reports.lint_formats._common import (
    WHOLE_FILE,
    JsonObject,
    Span,
    add,
    as_list,
    as_object,
    finding,
    get_int,
    get_object,
    get_str,
    load_json,
    required_str,
    span,
)
from app.reports.lint_model import Finding, Level, LintReport

FORMAT = "ruff"
TOOL = "ruff"
WHAT = "ruff JSON"

_LEVELS = {"error": Level.ERROR, "warning": Level.WARNING, "info": Level.NOTICE}


def parse_ruff(data: bytes) -> LintReport:
    report = LintReport(FORMAT, tool=TOOL)
    for index, entry in enumerate(as_list(load_json(data, WHAT), WHAT)):
        add(report, _finding(as_object(entry, f"{WHAT} [{index}]"), f"{WHAT} [{index}]"))
    return report


def _finding(entry: JsonObject, where: str) -> Finding:
    message = required_str(entry, "message", where)
    cell = entry.get("cell")
    start = _position(entry, "location", where)
    if cell is not None:
        message = f"cell {cell}, line {start[0]}: {message}"
    return finding(
        required_str(entry, "filename", where),
        WHOLE_FILE if cell is not None else _span(start, _position(entry, "end_location", where)),
        _LEVELS.get(get_str(entry, "severity", where) or "", Level.ERROR),
        message,
        rule=get_str(entry, "code", where),
    )


def _position(entry: JsonObject, key: str, where: str) -> tuple[int | None, int | None]:
    """(row, column) of a location object."""
    location = get_object(entry, key, where)
    return get_int(location, "row", f"{where}.{key}"), get_int(location, "column", f"{where}.{key}")


def _span(start: tuple[int | None, int | None], end: tuple[int | None, int | None]) -> Span:
    return span(start[0], start[1], end[0], end[1])
