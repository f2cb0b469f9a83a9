"""Which lint format a report is in, from its first bytes; and parsing it as that format.

Structured formats are recognised first: a JSON object with SARIF's keys or pylint's `json2`
shape, a JSON list whose first entries have ESLint's, ruff's or pylint's keys, an empty JSON
list (what those tools print when they find nothing), an XML document whose root is
<checkstyle>. JSON or XML of another shape is refused. Anything else is a text report, read
line by line."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from app.reports.lint_formats._common import load_json
from app.reports.lint_formats.checkstyle import parse_checkstyle
from app.reports.lint_formats.errorformat import compile_patterns
from app.reports.lint_formats.eslint import parse_eslint
from app.reports.lint_formats.pylint import parse_pylint
from app.reports.lint_formats.ruff import parse_ruff
from app.reports.lint_formats.sarif import parse_sarif
from app.reports.lint_formats.text import parse_text
from app.reports.lint_model import LintReport, ReportError

__all__ = ["HEAD_BYTES", "PARSERS", "compile_patterns", "detect_format", "parse_lint"]

HEAD_BYTES = 8192  # what detect_format needs to see

EMPTY_JSON = "json"


def parse_empty_json(data: bytes) -> LintReport:
    """An empty JSON list: a report with no findings, from a tool it does not name."""
    if load_json(data, "JSON") != []:
        raise ReportError("JSON: expected an empty list")
    return LintReport(EMPTY_JSON)


PARSERS: dict[str, Callable[[bytes], LintReport]] = {
    "sarif": parse_sarif,
    "checkstyle": parse_checkstyle,
    "eslint": parse_eslint,
    "ruff": parse_ruff,
    "pylint": parse_pylint,
    EMPTY_JSON: parse_empty_json,
    "text": parse_text,
}

_BOM = b"\xef\xbb\xbf"
_JSON_OBJECT = re.compile(rb'\{\s*["}]')
_JSON_LIST = re.compile(rb"\[\s*(?:[{\]]|$)")
_EMPTY_LIST = re.compile(rb"\[\s*\]\s*$")
_SARIF_KEYS = re.compile(rb'"runs"\s*:|"\$schema"\s*:\s*"[^"]*sarif', re.IGNORECASE)
_PYLINT_JSON2 = re.compile(rb'\{\s*"messages"\s*:|"messageTypeCount"\s*:')
_LIST_KEYS = (
    ("eslint", re.compile(rb'"filePath"\s*:')),
    ("ruff", re.compile(rb'"(?:noqa_row|end_location)"\s*:')),
    ("pylint", re.compile(rb'"(?:message-id|messageId|obj)"\s*:')),
)
_XML_START = (b"<?xml", b"<!--", b"<!DOCTYPE", b"<!doctype")
_XML_SKIPPED = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.DOTALL)  # declaration, comments
_DOCTYPE = re.compile(rb"\s*<!DOCTYPE\s+([A-Za-z_][\w:.-]*)", re.IGNORECASE)
# A start tag, unless a colon follows it: "<stdin>:3:1: E1 ..." is a line of text.
_START_TAG = re.compile(rb"\s*<([A-Za-z_][\w:.-]*)(?:\s[^>]*)?/?>(?!:)")


def detect_format(head: bytes) -> str | None:
    """The format of a report that starts with `head` (its first HEAD_BYTES bytes or more): one
    of PARSERS' keys, or None for JSON or XML of no known shape."""
    head = head.removeprefix(_BOM).lstrip()
    if _JSON_OBJECT.match(head):
        if _SARIF_KEYS.search(head):
            return "sarif"
        return "pylint" if _PYLINT_JSON2.search(head) else None
    if _JSON_LIST.match(head):
        if _EMPTY_LIST.match(head):
            return EMPTY_JSON
        return next((name for name, keys in _LIST_KEYS if keys.search(head)), None)
    if head.startswith(_XML_START) or _START_TAG.match(head):
        return "checkstyle" if _xml_root(head) == b"checkstyle" else None
    return "text"


def _xml_root(head: bytes) -> bytes | None:
    """The root element's name, from the DOCTYPE that names it or its start tag."""
    position = 0
    while skipped := _XML_SKIPPED.match(head, position):
        position = skipped.end()
    found = _DOCTYPE.match(head, position) or _START_TAG.match(head, position)
    return found.group(1) if found is not None else None


def parse_lint(data: bytes, patterns: Sequence[str] = ()) -> LintReport:
    """The lint report in `data`, whatever supported format it is in. A text report is read
    with `patterns` (errorformat-like, see errorformat.py) when given, else with the built-in
    formats. ReportError when the report is malformed, of an unknown structured shape, or holds
    more than MAX_FINDINGS findings."""
    found = detect_format(data[:HEAD_BYTES])
    if found is None:
        raise _unknown(data)
    if found == "text":
        return parse_text(data, patterns)
    return PARSERS[found](data)


def _unknown(data: bytes) -> ReportError:
    head = data[:HEAD_BYTES].removeprefix(_BOM).lstrip()
    if head.startswith((b"{", b"[")):
        load_json(data, "JSON")  # a syntax error says where it is
        return ReportError(
            "JSON of an unknown shape: expected SARIF 2.1.0, or the JSON output of ESLint"
            " (--format json), ruff (--output-format json) or pylint (--output-format json"
            " or json2)"
        )
    root = _xml_root(head)
    which = f"with root element <{root.decode()}>" if root else "without a root element"
    return ReportError(f"an XML report {which}: checkstyle is the only XML lint format read")
