"""ESLint's JSON (`eslint --format json`): one result per file linted.

    [{"filePath": "/home/ci/app/src/cart.js",
      "messages": [{"ruleId": "no-unused-vars", "severity": 2, "message": "...",
                    "line": 4, "column": 7, "endLine": 4, "endColumn": 13}, ...],
      "suppressedMessages": [...], "errorCount": 1, ..., "source": "..."}, ...]

Severity 2 is an error, 1 a warning. A file ESLint could not parse has one message with
`"fatal": true` and no ruleId: an error. Columns are 1-based; endColumn points just past the
last character. Messages silenced by `eslint-disable` comments (suppressedMessages) are counted
as suppressed."""

from __future__ import annotations

from typing import Any

from app.reports.lint_formats._common import (
    JsonObject,
    Span,
    add,
    as_list,
    as_object,
    finding,
    get_int,
    get_list,
    get_str,
    is_int,
    load_json,
    required_str,
    span,
)
from app.reports.lint_model import Finding, Level, LintReport, ReportError

FORMAT = "eslint"
TOOL = "eslint"
WHAT = "ESLint JSON"

_LEVELS = {2: Level.ERROR, 1: Level.WARNING}


def parse_eslint(data: bytes) -> LintReport:
    report = LintReport(FORMAT, tool=TOOL)
    for index, result in enumerate(as_list(load_json(data, WHAT), WHAT)):
        where = f"{WHAT} [{index}]"
        result = as_object(result, where)
        path = required_str(result, "filePath", where)
        for number, message in enumerate(get_list(result, "messages", where)):
            add(report, _finding(path, message, f"{where}.messages[{number}]"))
        report.suppressed += len(get_list(result, "suppressedMessages", where))
    return report


def _finding(path: str, message: Any, where: str) -> Finding:
    message = as_object(message, where)
    return finding(
        path,
        _span(message, where),
        _level(message, where),
        required_str(message, "message", where),
        rule=get_str(message, "ruleId", where),
    )


def _level(message: JsonObject, where: str) -> Level:
    if message.get("fatal") is True:
        return Level.ERROR
    severity = message.get("severity")
    level = _LEVELS.get(severity) if is_int(severity) else None
    if level is None:
        raise ReportError(f"{where}.severity must be 1 (warning) or 2 (error)")
    return level


def _span(message: JsonObject, where: str) -> Span:
    return span(
        get_int(message, "line", where),
        get_int(message, "column", where),
        get_int(message, "endLine", where),
        get_int(message, "endColumn", where),
    )
