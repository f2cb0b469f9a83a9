"""SARIF 2.1.0, the static-analysis interchange format (CodeQL, Semgrep, ruff, ESLint's SARIF
formatter, golangci-lint, Trivy, ...).

    {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "ruff", "rules": [...]}},
       "originalUriBaseIds": {...}, "results": [{"ruleId": "F401", "level": "error",
       "message": {"text": "..."}, "locations": [{"physicalLocation": {
         "artifactLocation": {"uri": "src/a.py", "uriBaseId": "SRCROOT"},
         "region": {"startLine": 2, "startColumn": 8, "endColumn": 10}}}]}]}]}

Every run's results are read; each becomes a finding at its first location, by the run's tool
(`tool.driver.name`). A result whose `kind` is not "fail" (pass, open, informational,
notApplicable, review) is no finding, nor is one whose baselineState is "absent" (it was
in the baseline, not in this run). A result with suppressions that are not all rejected is
counted as suppressed; one without a file location is unreadable.

The level is the result's, else its rule's defaultConfiguration.level, else "warning": error is
an error, warning a warning, note and none are notices (an unknown level is a warning).
Configuration overrides of an invocation (ruleConfigurationOverrides) are not applied."""

from __future__ import annotations

from app.reports.lint_formats._common import (
    JsonObject,
    add,
    as_object,
    finding,
    get_list,
    get_object,
    get_str,
    load_json,
    single_tool,
)
from app.reports.lint_formats.sarif_locations import artifact_path, region_span
from app.reports.lint_formats.sarif_messages import message_text
from app.reports.lint_formats.sarif_rules import (
    RuleCatalog,
    catalog,
    default_level,
    rule_name,
    rule_of,
)
from app.reports.lint_model import Finding, Level, LintReport, ReportError

FORMAT = "sarif"
WHAT = "SARIF"
VERSION = "2.1.0"

_LEVELS = {
    "error": Level.ERROR,
    "warning": Level.WARNING,
    "note": Level.NOTICE,
    "none": Level.NOTICE,
}


def parse_sarif(data: bytes) -> LintReport:
    document = as_object(load_json(data, WHAT), f"{WHAT}: the top level")
    _check_version(document.get("version"))
    report = LintReport(FORMAT)
    tools = [
        _read_run(report, as_object(run, f"{WHAT} runs[{i}]"), f"{WHAT} runs[{i}]")
        for i, run in enumerate(get_list(document, "runs", WHAT))
    ]
    report.tool = single_tool(tools)
    return report


def _check_version(version: object) -> None:
    if version == VERSION:
        return
    said = "no version" if version is None else f"version {version!r}"
    raise ReportError(f"{WHAT} {said}: only SARIF {VERSION} is read")


def _read_run(report: LintReport, run: JsonObject, where: str) -> str | None:
    """Adds the run's findings; returns its tool's name."""
    rules = catalog(run, where)
    tool = get_str(rules.driver.definition, "name", f"{where}.tool.driver")
    for index, result in enumerate(get_list(run, "results", where)):
        at = f"{where}.results[{index}]"
        _read_result(report, as_object(result, at), run, rules, tool, at)
    return tool


def _read_result(
    report: LintReport,
    result: JsonObject,
    run: JsonObject,
    rules: RuleCatalog,
    tool: str | None,
    where: str,
) -> None:
    if (get_str(result, "kind", where) or "fail") != "fail":
        return
    if get_str(result, "baselineState", where) == "absent":
        return
    if _suppressed(result, where):
        report.suppressed += 1
        return
    found = _finding(result, run, rules, tool, where)
    if found is None:
        report.unreadable += 1
    else:
        add(report, found)


def _suppressed(result: JsonObject, where: str) -> bool:
    suppressions = get_list(result, "suppressions", where)
    statuses = [
        as_object(suppression, f"{where}.suppressions[{i}]").get("status")
        for i, suppression in enumerate(suppressions)
    ]
    return any(status != "rejected" for status in statuses)


def _finding(
    result: JsonObject, run: JsonObject, rules: RuleCatalog, tool: str | None, where: str
) -> Finding | None:
    """The result's finding; None when it has no file location, or no message and no rule."""
    locations = get_list(result, "locations", where)
    if not locations:
        return None
    location = as_object(locations[0], f"{where}.locations[0]")
    physical = get_object(location, "physicalLocation", f"{where}.locations[0]")
    at = f"{where}.locations[0].physicalLocation"
    path = artifact_path(
        get_object(physical, "artifactLocation", at), run, f"{at}.artifactLocation"
    )
    if path is None:
        return None
    component, descriptor = rule_of(result, rules, where)
    rule = rule_name(result, descriptor, where)
    message = message_text(result, component, descriptor, where) or rule
    if message is None:
        return None
    level = get_str(result, "level", where) or default_level(descriptor) or "warning"
    return finding(
        path,
        region_span(physical, at),
        _LEVELS.get(level, Level.WARNING),
        message,
        rule=rule,
        tool=tool,
    )
