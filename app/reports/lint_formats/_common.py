"""What the lint parsers share: UTF-8 decoding, JSON loading and strict field access with error
messages that say where, the findings cap, and the conversion of a tool's positions into a
finding's lines and columns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.reports import lint_model
from app.reports.lint_model import Finding, Level, LintReport, ReportError

JsonObject = dict[str, Any]


def shorten(text: str, limit: int = 40) -> str:
    """`text` cut to `limit` characters for an error message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def decode(data: bytes, what: str) -> str:
    """UTF-8 text (a leading byte-order mark dropped), or ReportError naming the bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ReportError(f"{what} line {line}: not UTF-8 text (byte {error.start})") from None


def load_json(data: bytes, what: str) -> Any:
    """The JSON document in `data`, or ReportError with the line and column of the mistake."""
    text = decode(data, what)
    try:
        return json.loads(text)
    except RecursionError:
        raise ReportError(f"{what}: nested too deeply") from None
    except json.JSONDecodeError as error:
        raise ReportError(f"{what} line {error.lineno} column {error.colno}: {error.msg}") from None
    except ValueError as error:  # e.g. a number with more digits than int() accepts
        raise ReportError(f"{what}: {error}") from None


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def as_list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ReportError(f"{where} must be a list")
    return value


def as_object(value: object, where: str) -> JsonObject:
    if not isinstance(value, dict):
        raise ReportError(f"{where} must be an object")
    return value


def get_list(document: JsonObject, key: str, where: str) -> list[Any]:
    """document[key] as a list; absent or null is an empty list."""
    value = document.get(key)
    return [] if value is None else as_list(value, f"{where}.{key}")


def get_object(document: JsonObject, key: str, where: str) -> JsonObject:
    """document[key] as an object; absent or null is an empty object."""
    value = document.get(key)
    return {} if value is None else as_object(value, f"{where}.{key}")


def get_str(document: JsonObject, key: str, where: str) -> str | None:
    value = document.get(key)
    if value is not None and not isinstance(value, str):
        raise ReportError(f"{where}.{key} must be a string")
    return value


def get_int(document: JsonObject, key: str, where: str) -> int | None:
    value = document.get(key)
    if value is not None and not is_int(value):
        raise ReportError(f"{where}.{key} must be a whole number")
    return value


def required_str(document: JsonObject, key: str, where: str) -> str:
    value = get_str(document, key, where)
    if not value:
        raise ReportError(f"{where}.{key} is missing")
    return value


@dataclass(frozen=True, slots=True)
class Span:
    """Where a finding is: 1-based lines, 1-based inclusive columns; all None for a whole file."""

    line: int | None = None
    end_line: int | None = None
    column: int | None = None
    end_column: int | None = None


WHOLE_FILE = Span()


def span(
    line: int | None,
    column: int | None = None,
    end_line: int | None = None,
    end_column_exclusive: int | None = None,
) -> Span:
    """A finding's span from a tool's 1-based positions whose end column is exclusive (SARIF,
    ESLint, ruff; pass end + 1 for an inclusive one). A line below 1 or missing is a whole-file
    finding; a column below 1 is no column. A multi-line range that ends at column 1 of its last
    line ends on the line before; an empty range on one line marks its start column."""
    if line is None or line < 1:
        return WHOLE_FILE
    last = line if end_line is None or end_line < line else end_line
    if column is None or column < 1:
        return Span(line, last)
    end = None if end_column_exclusive is None else end_column_exclusive - 1
    if end is not None and end < 1 and last > line:
        return Span(line, last - 1, column)
    if end is not None and last == line:
        end = max(end, column)
    return Span(line, last, column, end if end is not None and end >= 1 else None)


def finding(
    path: str,
    where: Span,
    level: Level,
    message: str,
    rule: str | None = None,
    tool: str | None = None,
) -> Finding:
    return Finding(
        path=path,
        line=where.line,
        end_line=where.end_line,
        level=level,
        message=message,
        rule=rule,
        tool=tool,
        column=where.column,
        end_column=where.end_column,
    )


def add(report: LintReport, found: Finding) -> None:
    """Appends `found`; ReportError once the report holds more than MAX_FINDINGS."""
    if len(report.findings) >= lint_model.MAX_FINDINGS:
        raise ReportError(f"the report has more than {lint_model.MAX_FINDINGS:,} findings")
    report.findings.append(found)


def single_tool(tools: list[str | None]) -> str | None:
    """The one tool `tools` name (None: unnamed), or None when they name none or several."""
    named = {tool for tool in tools if tool}
    return named.pop() if len(named) == 1 else None
