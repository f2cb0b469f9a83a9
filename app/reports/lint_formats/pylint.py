"""pylint's JSON: `--output-format=json`, a list of messages, and pylint 3's
`--output-format=json2`, an object with the messages and statistics.

    [{"type": "warning", "module": "acme.shapes", "obj": "area", "line": 7, "column": 4,
      "endLine": 7, "endColumn": 10, "path": "acme/shapes.py", "symbol": "unused-variable",
      "message": "Unused variable 'unused'", "message-id": "W0612"}, ...]
    {"messages": [{... "messageId": "W0612", "confidence": "HIGH", "absolutePath": "..."}],
     "statistics": {...}}

The rule is the symbol (`unused-variable`) rather than the id (W0612): it is what
`# pylint: disable=` comments and pylint's documentation use, and it reads in an annotation
(the id when a message has no symbol). pylint's columns are 0-based and its endColumn points
just past the last character. Types: fatal and error are errors, warning a warning;
convention, refactor and info are notices (so is a type this parser does not know)."""

from __future__ import annotations

from typing import Any

from app.reports.lint_formats._common import (
    JsonObject,
    add,
    as_list,
    as_object,
    finding,
    get_int,
    get_list,
    get_str,
    load_json,
    required_str,
    span,
)
from app.reports.lint_model import Finding, Level, LintReport

FORMAT = "pylint"
TOOL = "pylint"
WHAT = "pylint JSON"

_LEVELS = {"fatal": Level.ERROR, "error": Level.ERROR, "warning": Level.WARNING}


def parse_pylint(data: bytes) -> LintReport:
    report = LintReport(FORMAT, tool=TOOL)
    for index, message in enumerate(_messages(load_json(data, WHAT))):
        where = f"{WHAT} message {index}"
        add(report, _finding(as_object(message, where), where))
    return report


def _messages(document: Any) -> list[Any]:
    """The list of messages, from `json` (the list itself) or `json2` (under "messages")."""
    if isinstance(document, dict):
        return get_list(document, "messages", WHAT)
    return as_list(document, f"{WHAT}: the top level")


def _finding(message: JsonObject, where: str) -> Finding:
    column = get_int(message, "column", where)
    end_column = get_int(message, "endColumn", where)
    rule_id = get_str(message, "message-id", where) or get_str(message, "messageId", where)
    return finding(
        required_str(message, "path", where),
        span(
            get_int(message, "line", where),
            None if column is None else column + 1,
            get_int(message, "endLine", where),
            None if end_column is None else end_column + 1,
        ),
        _LEVELS.get(get_str(message, "type", where) or "", Level.NOTICE),
        required_str(message, "message", where),
        rule=get_str(message, "symbol", where) or rule_id,
    )
