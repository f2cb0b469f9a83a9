"""Cobertura XML: what coverage.py's `coverage xml` writes, and many other tools (gcovr,
istanbul, Cobertura itself, .NET's coverlet).

    <coverage ...>
      <sources><source>/home/ci/project/src</source></sources>
      <packages><package name="acme"><classes>
        <class name="shapes.py" filename="acme/shapes.py">
          <methods>...</methods>          (their <line>s repeat the class's: ignored)
          <lines>
            <line number="3" hits="1"/>
            <line number="4" hits="1" branch="true" condition-coverage="50% (1/2)"/>

A line is partial when it ran (hits > 0) but its condition coverage is below 100%. Read as a
stream: memory does not grow with the size of the report, only with the coverage it holds."""

from __future__ import annotations

import re

from app.reports.coverage_formats._common import count, finished, line_number, shorten
from app.reports.coverage_model import CoverageReport, FileCoverage, ReportError
from app.reports.xml_stream import XmlSource, elements, expect_root

FORMAT = "cobertura"
WHAT = "Cobertura XML"

# "50% (1/2)", "100%", "33.33% (1/3)"
_CONDITION = re.compile(r"(\d+(?:\.\d+)?)%(?:\s*\(\s*(\d+)\s*/\s*(\d+)\s*\))?", re.ASCII)


def parse_cobertura(source: XmlSource) -> CoverageReport:
    """The report in `source` (bytes, or a binary file read as a stream)."""
    report = CoverageReport(FORMAT)
    sources: list[str] = []
    current: FileCoverage | None = None
    for event, element, tags in elements(source, WHAT):
        if event == "start":
            if len(tags) == 1:
                expect_root(element, "coverage", WHAT)
            elif element.tag == "class" and _under(tags, "classes"):
                current = report.file(_filename(element.get("filename")))
            continue
        if element.tag == "line" and _under(tags, "class", "lines") and current is not None:
            number, hits, partial = _line(element.attrib, current.path)
            current.add_line(number, hits, partial)
        elif element.tag == "class":
            current = None
        elif element.tag == "source" and _under(tags, "sources"):
            root = (element.text or "").strip()
            if root:
                sources.append(root)
    report.sources = tuple(dict.fromkeys(sources))
    return finished(report)


def _under(tags: list[str], *parents: str) -> bool:
    """Whether the current element (last of `tags`) sits directly under `parents`."""
    return tuple(tags[-1 - len(parents) : -1]) == parents


def _filename(value: str | None) -> str:
    if not value or not value.strip():
        raise ReportError(f"{WHAT}: a <class> has no filename")
    return value


def _line(attributes: dict[str, str], path: str) -> tuple[int, int, bool]:
    """(line number, hits, partial) of a <line> of `path`."""
    try:
        number = line_number(attributes.get("number"), "number")
        hits = count(attributes.get("hits"), "hits")
        partial = False
        if hits > 0 and attributes.get("branch", "false").strip().lower() == "true":
            coverage = attributes.get("condition-coverage")
            partial = coverage is not None and not _fully_covered(coverage)
    except ReportError as error:
        at = shorten(attributes.get("number", "?"), 12)
        raise ReportError(f"{WHAT}: <line number={at!r}> of {shorten(path, 80)}: {error}") from None
    return number, hits, partial


def _fully_covered(condition_coverage: str) -> bool:
    """Whether a condition-coverage value ("50% (1/2)") says every branch was taken."""
    match = _CONDITION.fullmatch(condition_coverage.strip())
    if match is None:
        raise ReportError(
            f"condition-coverage must look like '50% (1/2)', not {shorten(condition_coverage)!r}"
        )
    percent, taken, total = match.groups()
    if taken is not None and total is not None:
        return count(taken, "condition-coverage") >= count(total, "condition-coverage")
    return float(percent) >= 100
