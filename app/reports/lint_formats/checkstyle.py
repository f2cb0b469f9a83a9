"""Checkstyle XML, which Checkstyle writes and many other tools too (ESLint's checkstyle
formatter, golangci-lint, PHP_CodeSniffer, ktlint, SwiftLint, ...).

    <checkstyle version="10.12.0">
      <file name="src/main/java/com/acme/Cart.java">
        <error line="12" column="5" severity="warning" message="..."
               source="com.puppycrawl.tools.checkstyle.checks.coding.MagicNumberCheck"/>

Severity error, warning, info (a notice) or ignore (left out); absent, it is Checkstyle's
default, error; any other value is a warning. A line missing or 0 makes a whole-file finding;
columns are 1-based. The rule is `source`; the tool is known from it for Checkstyle's own checks
(com.puppycrawl.tools.checkstyle.*) and ESLint's (eslint.rules.<rule>: the rule is then the
ESLint rule, and the " (<rule>)" the formatter appends to the message is dropped), else from a
`tool` or `generator` attribute of <checkstyle>, else unknown. Read as a stream."""

from __future__ import annotations

from app.reports.lint_formats._common import add, finding, shorten, single_tool, span
from app.reports.lint_model import Level, LintReport, ReportError
from app.reports.xml_stream import XmlSource, elements, expect_root

FORMAT = "checkstyle"
WHAT = "checkstyle XML"

_LEVELS = {"error": Level.ERROR, "warning": Level.WARNING, "info": Level.NOTICE}
_IGNORED = "ignore"
_TOOL_ATTRIBUTES = ("tool", "generator")
# source prefix -> (tool, whether the prefix is dropped from the rule)
_SOURCE_PREFIXES = {
    "com.puppycrawl.tools.checkstyle.": ("checkstyle", False),
    "eslint.rules.": ("eslint", True),
}


def parse_checkstyle(source: XmlSource) -> LintReport:
    report = LintReport(FORMAT)
    default_tool: str | None = None
    path: str | None = None
    for event, element, tags in elements(source, WHAT):
        if event != "start":
            continue
        if len(tags) == 1:
            expect_root(element, "checkstyle", WHAT)
            default_tool = _root_tool(element.attrib)
        elif element.tag == "file" and len(tags) == 2:
            path = _file_name(element.attrib)
        elif element.tag == "error" and len(tags) == 3 and tags[1] == "file" and path:
            _read_error(report, path, element.attrib, default_tool)
    report.tool = single_tool([f.tool for f in report.findings]) or default_tool
    return report


def _root_tool(attributes: dict[str, str]) -> str | None:
    return next((attributes[a] for a in _TOOL_ATTRIBUTES if attributes.get(a)), None)


def _file_name(attributes: dict[str, str]) -> str:
    name = attributes.get("name", "")
    if not name.strip():
        raise ReportError(f"{WHAT}: a <file> has no name")
    return name


def _read_error(
    report: LintReport, path: str, attributes: dict[str, str], default_tool: str | None
) -> None:
    """Adds the <error>'s finding, unless its severity is "ignore"; one with neither message nor
    source is unreadable."""
    severity = attributes.get("severity", "error").strip().lower()
    if severity == _IGNORED:
        return
    rule, tool = _rule_and_tool(attributes.get("source", "").strip())
    message = _message(attributes.get("message", ""), rule) or rule
    if message is None:
        report.unreadable += 1
        return
    where = f"{WHAT}: <error> of {shorten(path, 80)}"
    add(
        report,
        finding(
            path,
            span(_number(attributes, "line", where), _number(attributes, "column", where)),
            _LEVELS.get(severity, Level.WARNING),
            message,
            rule=rule,
            tool=tool or default_tool,
        ),
    )


def _rule_and_tool(source: str) -> tuple[str | None, str | None]:
    for prefix, (tool, dropped) in _SOURCE_PREFIXES.items():
        if source.startswith(prefix):
            return (source.removeprefix(prefix) if dropped else source), tool
    return source or None, None


def _message(message: str, rule: str | None) -> str:
    if rule is not None:
        message = message.removesuffix(f" ({rule})")
    return message.strip()


def _number(attributes: dict[str, str], name: str, where: str) -> int | None:
    """A line or column attribute; None when absent."""
    value = attributes.get(name)
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not (value.isascii() and value.isdigit() and len(value) < 20):
        raise ReportError(f"{where}: {name} must be a whole number, not {shorten(value)!r}")
    return int(value)
