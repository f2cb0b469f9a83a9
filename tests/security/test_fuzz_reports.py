"""Fuzzing every report parser, called directly (not through format detection): arbitrary bytes,
byte-level mutations of the real fixtures, and structurally plausible JSON, XML and line formats
built from each format's own vocabulary. A parser answers with a report or `ReportError`, never
another exception, and what it answers is sane (positive lines, ordered spans, known levels).

Budgets are fixed and derandomized so CI replays the same examples every run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.reports.coverage_formats import PARSERS as COVERAGE_PARSERS
from app.reports.coverage_model import CoverageReport, ReportError
from app.reports.lint_formats import PARSERS as LINT_PARSERS
from app.reports.lint_model import LintReport

FIXTURES = Path(__file__).parent.parent / "fixtures"
EXAMPLES = 120
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

COVERAGE_SAMPLES = {
    "cobertura": ["coverage/cobertura-java.xml", "coverage/coveragepy-coverage.xml"],
    "jacoco": ["coverage/jacoco.xml"],
    "lcov": ["coverage/lcov.info"],
    "coverage.py-json": ["coverage/coveragepy-coverage.json"],
    "go": ["coverage/go-count.out"],
}
LINT_SAMPLES = {
    "sarif": ["lint/ruff.sarif", "lint/hand-features.sarif"],
    "checkstyle": ["lint/eslint-checkstyle.xml", "lint/hand-checkstyle.xml"],
    "eslint": ["lint/eslint.json"],
    "ruff": ["lint/ruff.json"],
    "pylint": ["lint/pylint.json", "lint/pylint-json2.json"],
    "json": [],
    "text": ["lint/ruff.txt", "lint/pylint.txt", "lint/flake8.txt", "lint/gcc.txt"],
}


def sample(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# Mutations of real reports: a run of bytes flipped, inserted or deleted, a few times over.

TRICKY = [b"0", b"-1", b"-", b"99999999999999999999", b"1e308", b"NaN", b"null", b"true", b'"']
TRICKY += [b"{}", b"[]", b"<", b">", b"&", b"&amp;", b"]]>", b"\x00", b"\xff", b"\xef\xbb\xbf"]
TRICKY += [b"\r\n", b"\\", b"%", b":", b",", b"</a>", b"<a>", b"\\u0000", b"\\ud800"]


@st.composite
def mutated(draw: st.DrawFn, samples: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(samples)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if action == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            data[at:at] = draw(st.sampled_from(TRICKY) | st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        else:
            del data[at:]
    return bytes(data)


# Structurally plausible JSON: the format's keys, values of every JSON type (numbers huge,
# negative, zero, fractional), nested a few levels.

JSON_KEYS = {
    "coverage.py-json": [
        "meta",
        "files",
        "executed_lines",
        "missing_lines",
        "excluded_lines",
        "missing_branches",
        "executed_branches",
        "summary",
        "version",
        "branch_coverage",
    ],
    "sarif": [
        "version",
        "runs",
        "results",
        "tool",
        "driver",
        "name",
        "rules",
        "id",
        "ruleId",
        "ruleIndex",
        "level",
        "message",
        "text",
        "markdown",
        "arguments",
        "locations",
        "physicalLocation",
        "artifactLocation",
        "uri",
        "uriBaseId",
        "index",
        "region",
        "startLine",
        "startColumn",
        "endLine",
        "endColumn",
        "originalUriBaseIds",
        "artifacts",
        "suppressions",
        "status",
        "kind",
        "baselineState",
        "extensions",
        "toolComponent",
        "rule",
        "defaultConfiguration",
        "messageStrings",
        "globalMessageStrings",
        "shortDescription",
    ],
    "eslint": [
        "filePath",
        "messages",
        "ruleId",
        "severity",
        "message",
        "line",
        "column",
        "endLine",
        "endColumn",
        "fatal",
        "suppressedMessages",
    ],
    "ruff": [
        "code",
        "message",
        "filename",
        "location",
        "end_location",
        "row",
        "column",
        "cell",
        "noqa_row",
        "fix",
        "url",
        "severity",
    ],
    "pylint": [
        "messages",
        "statistics",
        "messageTypeCount",
        "type",
        "module",
        "obj",
        "line",
        "column",
        "endLine",
        "endColumn",
        "path",
        "symbol",
        "message",
        "message-id",
        "messageId",
    ],
    "json": [],
}
LEVELS = ["error", "warning", "note", "none", "info", "fail", "2.1.0", "fatal", "convention"]
NUMBERS = st.sampled_from([0, -1, 1, 2, 2**31, 2**63, 10**30, -(10**30), 1.5, 1e308, -0.0])


def json_values(keys: list[str]) -> st.SearchStrategy[Any]:
    key = st.sampled_from(keys) if keys else st.text(max_size=5)
    leaf = (
        st.none()
        | st.booleans()
        | NUMBERS
        | st.integers(-5, 50)
        | st.sampled_from(LEVELS)
        | st.text(max_size=12)
        | st.sampled_from(["a.py", "/etc/passwd", "../../x", "file:///C:/x", "%2e%2e/x", "a\\b"])
    )
    return st.recursive(
        leaf,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(key, inner, max_size=6),
        max_leaves=40,
    )


@st.composite
def plausible_json(draw: st.DrawFn, fmt: str) -> bytes:
    values = json_values(JSON_KEYS[fmt])
    value = draw(values)
    if fmt == "sarif" and draw(st.booleans()):
        value = {"version": "2.1.0", "runs": draw(st.lists(values, max_size=3))}
    elif fmt in ("eslint", "ruff", "pylint") and not isinstance(value, list):
        value = [value]
    elif fmt == "coverage.py-json" and draw(st.booleans()):
        value = {"meta": {}, "files": {draw(st.text(max_size=8)): value}}
    return json.dumps(value).encode()


# Structurally plausible XML: the format's elements and attributes with hostile values.

XML_VOCABULARY = {
    "cobertura": (
        [
            "coverage",
            "sources",
            "source",
            "packages",
            "package",
            "classes",
            "class",
            "lines",
            "line",
            "methods",
            "method",
        ],
        ["filename", "number", "hits", "branch", "condition-coverage", "name", "line-rate"],
    ),
    "jacoco": (
        ["report", "group", "package", "sourcefile", "class", "method", "line", "counter"],
        ["name", "nr", "mi", "ci", "mb", "cb", "type", "missed", "covered", "sourcefilename"],
    ),
    "checkstyle": (
        ["checkstyle", "file", "error"],
        ["name", "line", "column", "severity", "message", "source", "tool", "generator"],
    ),
}
ATTRIBUTE_VALUES = st.sampled_from(
    [
        *("1", "0", "-1", "x", "", "1.5", "9" * 30, "50% (1/2)", "1% (1/0)", "true", "error"),
        *("info", "ignore", "../a", "/abs", "a\\b.py", "C:\\x.py", "com/acme", "eslint.rules.no-x"),
    ]
)


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


@st.composite
def xml_element(draw: st.DrawFn, tags: list[str], attributes: list[str], depth: int) -> str:
    tag = draw(st.sampled_from(tags))
    attrs = draw(st.dictionaries(st.sampled_from(attributes), ATTRIBUTE_VALUES, max_size=5))
    written = "".join(f' {name}="{xml_escape(value)}"' for name, value in attrs.items())
    children = []
    if depth < 6:
        count = draw(st.integers(0, 3))
        children = [draw(xml_element(tags, attributes, depth + 1)) for _ in range(count)]
    return f"<{tag}{written}>{''.join(children)}</{tag}>"


@st.composite
def plausible_xml(draw: st.DrawFn, fmt: str) -> bytes:
    tags, attributes = XML_VOCABULARY[fmt]
    inner = "".join(draw(st.lists(xml_element(tags, attributes, 1), max_size=4)))
    root = tags[0] if draw(st.integers(0, 4)) else draw(st.sampled_from(tags))
    prolog = draw(st.sampled_from(["", '<?xml version="1.0"?>', '<?xml version="1.0" ?>\n']))
    return f"{prolog}<{root}>{inner}</{root}>".encode()


# Line formats: records from each format's vocabulary with hostile numbers and paths.

NUMBER_TEXT = st.sampled_from(["0", "1", "-1", "3", "", "x", "1.5", "9" * 25, "+1", " 2"])
PATH_TEXT = st.sampled_from(["a.py", "/etc/passwd", "../../a.c", "C:\\a.c", "a b.go", "é.py", ""])


@st.composite
def plausible_lcov(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(1, 12))):
        key = draw(st.sampled_from(["TN", "SF", "DA", "BRDA", "FN", "FNDA", "LF", "LH", "BRF"]))
        fields = ",".join(draw(st.lists(NUMBER_TEXT, min_size=1, max_size=5)))
        value = draw(PATH_TEXT) if key == "SF" else fields
        lines.append(draw(st.sampled_from([f"{key}:{value}", "end_of_record", ""])))
    return "\n".join(lines).encode()


@st.composite
def plausible_go(draw: st.DrawFn) -> bytes:
    mode = draw(st.sampled_from(["set", "count", "atomic", "bogus"]))
    lines = [f"mode: {mode}"]
    for _ in range(draw(st.integers(0, 8))):
        numbers = draw(st.lists(NUMBER_TEXT, min_size=6, max_size=6))
        block = "{}:{}.{},{}.{} {} {}".format(draw(PATH_TEXT), *numbers, draw(NUMBER_TEXT))
        lines.append(block)
    return "\n".join(lines).encode()


@st.composite
def plausible_text(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        parts = [draw(PATH_TEXT), draw(NUMBER_TEXT), draw(NUMBER_TEXT)]
        code = draw(st.sampled_from(["E501", "W1", "C0301", "error:", "warning:", "note:", "x"]))
        lines.append(":".join(parts) + f": {code} {draw(st.text(max_size=10))}")
    return "\n".join(lines).encode(errors="surrogatepass")


def structured(fmt: str) -> st.SearchStrategy[bytes]:
    if fmt in JSON_KEYS:
        return plausible_json(fmt)
    if fmt in XML_VOCABULARY:
        return plausible_xml(fmt)
    return {"lcov": plausible_lcov(), "go": plausible_go(), "text": plausible_text()}[fmt]


def inputs(fmt: str, samples: list[str]) -> st.SearchStrategy[bytes]:
    strategies = [st.binary(max_size=1500), structured(fmt)]
    if samples:
        strategies.append(mutated([sample(name) for name in samples]))
    return st.one_of(strategies)


def check_coverage(report: CoverageReport, fmt: str) -> None:
    assert report.format == fmt
    assert report.files
    for path, coverage in report.files.items():
        assert path.strip()
        assert all(line > 0 and hits >= 0 for line, hits in coverage.hits.items())
        assert coverage.partial <= coverage.hits.keys()


def check_lint(report: LintReport, fmt: str) -> None:
    assert report.format == fmt
    assert report.suppressed >= 0 and report.unreadable >= 0
    for found in report.findings:
        assert found.path
        if found.line is None:
            assert found.end_line is None and found.column is None
        else:
            assert 1 <= found.line <= found.end_line  # type: ignore[operator]
        if found.column is not None:
            assert found.column >= 1
            if found.end_column is not None and found.line == found.end_line:
                assert found.end_column >= found.column


def fuzz(parse: Callable[[bytes], Any], check: Callable[[Any, str], None], fmt: str, data: bytes):
    try:
        report = parse(data)
    except ReportError as error:
        assert str(error)
        return
    check(report, fmt)


@pytest.mark.parametrize("fmt", sorted(COVERAGE_PARSERS))
def test_each_coverage_parser_answers_a_report_or_report_error(fmt: str) -> None:
    @FUZZ
    @given(inputs(fmt, COVERAGE_SAMPLES[fmt]))
    def run(data: bytes) -> None:
        fuzz(COVERAGE_PARSERS[fmt], check_coverage, fmt, data)

    run()


@pytest.mark.parametrize("fmt", sorted(LINT_PARSERS))
def test_each_lint_parser_answers_a_report_or_report_error(fmt: str) -> None:
    @FUZZ
    @given(inputs(fmt, LINT_SAMPLES[fmt]))
    def run(data: bytes) -> None:
        fuzz(LINT_PARSERS[fmt], check_lint, fmt, data)

    run()


def test_the_samples_and_strategies_reach_the_parsers() -> None:
    """The fuzzing is only worth something if the unmutated samples parse: a renamed fixture or a
    format key no parser reads would quietly test nothing but refusals."""
    for fmt, names in COVERAGE_SAMPLES.items():
        for name in names:
            check_coverage(COVERAGE_PARSERS[fmt](sample(name)), fmt)
    for fmt, names in LINT_SAMPLES.items():
        for name in names:
            check_lint(LINT_PARSERS[fmt](sample(name)), fmt)
    assert set(COVERAGE_SAMPLES) == set(COVERAGE_PARSERS)
    assert set(LINT_SAMPLES) == set(LINT_PARSERS)
