"""coverage.py's JSON report (`coverage json`, format 2 or 3).

    {"meta": {"format": 3, "version": "7.6.1", "branch_coverage": true, ...},
     "files": {"acme/shapes.py": {"executed_lines": [1, 2, 4], "missing_lines": [5],
                                  "excluded_lines": [],
                                  "executed_branches": [[2, 4]], "missing_branches": [[2, 5]],
                                  "summary": {...}, ...}},
     "totals": {...}}

coverage.py records whether a line ran, not how often: executed lines get 1 hit, missing lines 0.
An executed line that is the source of a missing branch is partial (the branch lists are there
only with branch coverage on); a missing line stays a miss, not a partial."""

from __future__ import annotations

import json
from typing import Any

from app.reports.coverage_formats._common import finished, shorten
from app.reports.coverage_model import CoverageReport, ReportError

FORMAT = "coverage.py-json"
WHAT = "coverage.py JSON"


def parse_coveragepy_json(data: bytes) -> CoverageReport:
    document = _load(data)
    meta = document.get("meta", {})
    if not isinstance(meta, dict):
        raise ReportError(f'{WHAT}: "meta" must be an object')
    files = document.get("files")
    if not isinstance(files, dict):
        raise ReportError(f'{WHAT}: no "files" object')
    report = CoverageReport(FORMAT)
    for path, entry in files.items():
        where = f"{WHAT}: files[{shorten(path, 80)!r}]"
        if not path.strip():
            raise ReportError(f"{WHAT}: a file with an empty path")
        if not isinstance(entry, dict):
            raise ReportError(f"{where} must be an object")
        executed = _lines(entry, "executed_lines", where, required=True)
        missing = _lines(entry, "missing_lines", where, required=True)
        partial = {source for source, _ in _arcs(entry, "missing_branches", where)}
        _arcs(entry, "executed_branches", where)  # checked, not needed
        target = report.file(path)
        for line in executed:
            target.add_line(line, 1, line in partial)
        for line in missing:
            target.add_line(line, 0)
    return finished(report)


def _load(data: bytes) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except RecursionError:
        raise ReportError(f"{WHAT}: nested too deeply") from None
    except UnicodeDecodeError as error:
        raise ReportError(f"{WHAT}: not UTF-8 text (byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise ReportError(f"{WHAT} line {error.lineno} column {error.colno}: {error.msg}") from None
    except ValueError as error:  # e.g. a number with more digits than int() accepts
        raise ReportError(f"{WHAT}: {error}") from None
    if not isinstance(document, dict):
        raise ReportError(f"{WHAT}: the top level must be an object")
    return document


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _lines(entry: dict[str, Any], key: str, where: str, *, required: bool = False) -> list[int]:
    value = entry.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list) or not all(_is_int(line) and line > 0 for line in value):
        raise ReportError(f'{where}["{key}"] must be a list of line numbers')
    return value


def _arcs(entry: dict[str, Any], key: str, where: str) -> list[tuple[int, int]]:
    """[from line, to line] pairs; the target is negative for an exit from the code object."""
    value = entry.get(key, [])
    if not isinstance(value, list):
        raise ReportError(f'{where}["{key}"] must be a list of [from, to] line pairs')
    arcs = []
    for arc in value:
        if not (isinstance(arc, list) and len(arc) == 2 and all(_is_int(n) for n in arc)):
            raise ReportError(f'{where}["{key}"] must be a list of [from, to] line pairs')
        arcs.append((arc[0], arc[1]))
    return arcs
