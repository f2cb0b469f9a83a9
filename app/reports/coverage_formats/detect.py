"""Which coverage format a report is in, from its first bytes; and parsing it as that format."""

from __future__ import annotations

import re
from collections.abc import Callable

from app.reports.coverage_formats.cobertura import parse_cobertura
from app.reports.coverage_formats.coveragepy_json import parse_coveragepy_json
from app.reports.coverage_formats.go_cover import parse_go_cover
from app.reports.coverage_formats.jacoco import parse_jacoco
from app.reports.coverage_formats.lcov import parse_lcov
from app.reports.coverage_model import CoverageReport, ReportError

HEAD_BYTES = 8192  # what detect_format needs to see

PARSERS: dict[str, Callable[[bytes], CoverageReport]] = {
    "cobertura": parse_cobertura,
    "jacoco": parse_jacoco,
    "lcov": parse_lcov,
    "coverage.py-json": parse_coveragepy_json,
    "go": parse_go_cover,
}

_BOM = b"\xef\xbb\xbf"
_XML_SKIPPED = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.DOTALL)  # declaration, comments
_DOCTYPE = re.compile(rb"\s*<!DOCTYPE\s+([A-Za-z_][\w:.-]*)")
_START_TAG = re.compile(rb"\s*<([A-Za-z_][\w:.-]*)([^>]*)")
_COVERAGEPY_KEY = re.compile(rb'"(?:meta|executed_lines)"\s*:')
_LCOV_FIRST = re.compile(rb"(?:TN|SF):")
_GO_FIRST = re.compile(rb"mode:\s*(?:set|count|atomic)\s*$")


def detect_format(head: bytes) -> str | None:
    """The format of a report that starts with `head` (its first HEAD_BYTES bytes or more): one
    of PARSERS' keys, or None when it is none of them."""
    head = head.removeprefix(_BOM).lstrip()
    if head.startswith(b"<"):
        return _xml_format(head)
    if head.startswith(b"{"):
        return "coverage.py-json" if _COVERAGEPY_KEY.search(head) else None
    first = head.split(b"\n", 1)[0].strip()
    if _GO_FIRST.match(first):
        return "go"
    if _LCOV_FIRST.match(first):
        return "lcov"
    return None


def _xml_format(head: bytes) -> str | None:
    """cobertura or jacoco from the root element (or the DOCTYPE that names it)."""
    position = 0
    while skipped := _XML_SKIPPED.match(head, position):
        position = skipped.end()
    doctype = _DOCTYPE.match(head, position)
    if doctype is not None:
        root, attributes = doctype.group(1), b""
    else:
        start = _START_TAG.match(head, position)
        if start is None:
            return None
        root, attributes = start.group(1), start.group(2)
    if root == b"report":
        return "jacoco"
    if root == b"coverage" and b"clover" not in attributes:  # Clover's root is <coverage> too
        return "cobertura"
    return None


def parse_coverage(data: bytes) -> CoverageReport:
    """The coverage report in `data`, whatever supported format it is in; ReportError when the
    format is unknown or the report is malformed or empty."""
    if not data.strip():
        raise ReportError("the report is empty")
    found = detect_format(data[:HEAD_BYTES])
    if found is None:
        raise ReportError(
            "unknown coverage format: expected Cobertura XML, JaCoCo XML, LCOV,"
            " coverage.py JSON or a Go coverprofile"
        )
    return PARSERS[found](data)
