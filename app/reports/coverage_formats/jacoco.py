"""JaCoCo XML (`jacoco:report`, Gradle's jacocoTestReport).

    <!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd">
    <report name="acme">
      <sessioninfo .../>
      <group name="module">                     (optional, any depth)
        <package name="com/acme">
          <class ...>...</class>                (per-method counters: not needed)
          <sourcefile name="Foo.java">
            <line nr="5" mi="0" ci="3" mb="1" cb="1"/>

A file is `package/sourcefile` ("Foo.java" alone in the default package). JaCoCo counts
instructions and branches, not executions: a line with covered instructions (ci > 0) has 1 hit,
one without has 0; a line with both missed and covered branches (mb > 0 and cb > 0) is partial.
A line that ran but took none of its branches (ci > 0, mb > 0, cb == 0) counts as covered.

The external DTD the DOCTYPE names is neither fetched nor read."""

from __future__ import annotations

from app.reports.coverage_formats._common import count, finished, line_number, shorten
from app.reports.coverage_model import CoverageReport, FileCoverage, ReportError
from app.reports.xml_stream import XmlSource, elements, expect_root

FORMAT = "jacoco"
WHAT = "JaCoCo XML"


def parse_jacoco(source: XmlSource) -> CoverageReport:
    """The report in `source` (bytes, or a binary file read as a stream)."""
    report = CoverageReport(FORMAT)
    package: str | None = None
    current: FileCoverage | None = None
    for event, element, tags in elements(source, WHAT):
        if event == "start":
            if len(tags) == 1:
                expect_root(element, "report", WHAT)
            elif element.tag == "package":
                package = element.get("name", "").strip("/")
            elif element.tag == "sourcefile" and tags[-2] == "package" and package is not None:
                current = report.file(_path(package, element.get("name")))
            continue
        if element.tag == "line" and tags[-2] == "sourcefile" and current is not None:
            number, hits, partial = _line(element.attrib, current.path)
            current.add_line(number, hits, partial)
        elif element.tag == "sourcefile":
            current = None
        elif element.tag == "package":
            package = None
    return finished(report)


def _path(package: str, name: str | None) -> str:
    if not name or not name.strip():
        raise ReportError(f"{WHAT}: a <sourcefile> in package {package!r} has no name")
    return f"{package}/{name}" if package else name


def _line(attributes: dict[str, str], path: str) -> tuple[int, int, bool]:
    """(line number, hits, partial) of a <line> of `path`."""
    try:
        number = line_number(attributes.get("nr"), "nr")
        covered_instructions = count(attributes.get("ci"), "ci")
        missed_branches = count(attributes.get("mb", "0"), "mb")
        covered_branches = count(attributes.get("cb", "0"), "cb")
        count(attributes.get("mi", "0"), "mi")  # checked, not needed
    except ReportError as error:
        at = shorten(attributes.get("nr", "?"), 12)
        raise ReportError(f"{WHAT}: <line nr={at!r}> of {shorten(path, 80)}: {error}") from None
    hits = 1 if covered_instructions > 0 else 0
    return number, hits, missed_branches > 0 and covered_branches > 0
