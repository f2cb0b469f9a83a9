"""Lint report parsers: every format to the model's findings (levels, rules, spans); format
detection; the errorformat-like text patterns; malformed input refused with a ReportError that
says why."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.reports import lint_model
from app.reports.lint_formats import PARSERS, compile_patterns, detect_format, parse_lint
from app.reports.lint_formats._common import Span, span
from app.reports.lint_formats.checkstyle import parse_checkstyle
from app.reports.lint_formats.eslint import parse_eslint
from app.reports.lint_formats.pylint import parse_pylint
from app.reports.lint_formats.ruff import parse_ruff
from app.reports.lint_formats.sarif import parse_sarif
from app.reports.lint_model import Finding, Level, LintReport, ReportError

FIXTURES = Path(__file__).parent / "fixtures" / "lint"
E, W, N = Level.ERROR, Level.WARNING, Level.NOTICE
SAMPLE = "/home/ci/sample"  # make_fixtures.py's stand-in for its temporary directory


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def error_of(parse: Callable[[bytes], LintReport], data: bytes) -> str:
    with pytest.raises(ReportError) as caught:
        parse(data)
    return str(caught.value)


# Fixtures: the real tools' output over tests/fixtures/lint/sample (make_fixtures.py), and the
# hand-written hand-* files.

# name: (format, report tool, findings, suppressed, unreadable)
SUMMARY = {
    "ruff.json": ("ruff", "ruff", 10, 0, 0),
    "ruff.sarif": ("sarif", "ruff", 10, 0, 0),
    "ruff.txt": ("text", None, 10, 0, 2),  # "Found 10 errors." and the fixable note
    "pylint.json": ("pylint", "pylint", 12, 0, 0),
    "pylint-json2.json": ("pylint", "pylint", 12, 0, 0),
    "pylint.txt": ("text", None, 12, 0, 5),  # three "**** Module" lines, the score's two
    "flake8.txt": ("text", None, 8, 0, 0),
    "eslint.json": ("eslint", "eslint", 7, 1, 0),  # an eslint-disable-next-line
    "eslint-checkstyle.xml": ("checkstyle", "eslint", 7, 0, 0),
    "gcc.txt": ("text", None, 4, 0, 1),  # "In function 'price':"
    "hand-features.sarif": ("sarif", None, 7, 2, 2),  # two tools
    "hand-checkstyle.xml": ("checkstyle", "checkstyle", 5, 0, 0),
}


@pytest.mark.parametrize("name", sorted(SUMMARY))
def test_each_fixture_parses_to_its_counts(name: str) -> None:
    report = parse_lint(fixture(name))
    found = (report.format, report.tool, len(report.findings), report.suppressed)
    assert (*found, report.unreadable) == SUMMARY[name]


@pytest.mark.parametrize("name", sorted(SUMMARY))
def test_detection_picks_each_fixtures_format(name: str) -> None:
    assert detect_format(fixture(name)[:8192]) == SUMMARY[name][0]


@pytest.mark.parametrize("name", sorted(n for n in SUMMARY if SUMMARY[n][0] != "text"))
def test_each_fixture_parses_the_same_with_its_own_parser(name: str) -> None:
    assert PARSERS[SUMMARY[name][0]](fixture(name)) == parse_lint(fixture(name))


def test_ruff_json() -> None:
    findings = parse_lint(fixture("ruff.json")).findings
    shapes = f"{SAMPLE}/python/shapes.py"
    assert findings[0] == Finding(
        f"{SAMPLE}/python/broken.py",
        1,
        1,
        E,
        "Expected a parameter or the end of the parameter list",
        rule="invalid-syntax",
        column=10,
        end_column=10,
    )
    # Ends at column 1 of line 2: the range is the rest of line 1.
    assert (findings[1].line, findings[1].end_line, findings[1].column) == (1, 1, 11)
    assert findings[1].end_column is None
    assert findings[2] == Finding(
        shapes, 2, 2, E, "`os` imported but unused", rule="F401", column=8, end_column=9
    )
    # SIM102 spans the two nested ifs; the exclusive end column 28 is 27 inclusive.
    assert findings[6] == Finding(
        shapes,
        12,
        13,
        E,
        "Use a single `if` statement instead of nested `if` statements",
        rule="SIM102",
        column=5,
        end_column=27,
    )
    assert findings[-1].path == f"{SAMPLE}/python/spaced name.py"
    assert {f.level for f in findings} == {E}


def test_ruff_sarif_reads_as_the_json_does() -> None:
    sarif = parse_lint(fixture("ruff.sarif")).findings
    as_json = parse_lint(fixture("ruff.json")).findings
    assert [f.tool for f in sarif] == ["ruff"] * 10
    assert [
        (f.path, f.line, f.end_line, f.column, f.end_column, f.rule, f.message) for f in sarif
    ] == [(f.path, f.line, f.end_line, f.column, f.end_column, f.rule, f.message) for f in as_json]


def test_ruff_concise_text() -> None:
    findings = parse_lint(fixture("ruff.txt")).findings
    assert findings[0] == Finding(
        "python/broken.py",
        1,
        1,
        E,
        "Expected a parameter or the end of the parameter list",
        rule="invalid-syntax",
        column=10,
    )
    # "[*] " (fixable) is dropped; the level comes from the code's letter.
    assert findings[2] == Finding(
        "python/shapes.py", 2, 2, E, "`os` imported but unused", rule="F401", column=8
    )
    assert [(f.rule, f.level) for f in findings if f.level != E] == [("SIM102", W), ("B006", W)]


def test_pylint_json_and_json2() -> None:
    old = parse_lint(fixture("pylint.json")).findings
    assert parse_lint(fixture("pylint-json2.json")).findings == old
    # Columns are 0-based in pylint: 19 is 20; endColumn 24 (exclusive, 0-based) is 25.
    assert old[2] == Finding(
        "python/shapes.py",
        8,
        8,
        E,
        "Undefined variable 'heigth'",
        rule="undefined-variable",
        column=20,
        end_column=25,
    )
    assert old[0].rule == "syntax-error" and old[0].end_column is None
    levels = {f.rule: f.level for f in old}
    assert levels["missing-function-docstring"] == N  # convention
    assert levels["unused-import"] == W
    assert levels["invalid-name"] == N


def test_pylint_text_matches_its_json() -> None:
    text = parse_lint(fixture("pylint.txt")).findings
    as_json = parse_lint(fixture("pylint.json")).findings
    assert [(f.path, f.line, f.column, f.level, f.rule, f.message) for f in text] == [
        (f.path, f.line, f.column, f.level, f.rule, f.message) for f in as_json
    ]


def test_flake8_text() -> None:
    findings = parse_lint(fixture("flake8.txt")).findings
    assert findings[0] == Finding(
        "python/broken.py", 1, 1, E, "SyntaxError: invalid syntax", rule="E999", column=11
    )
    assert findings[-1] == Finding(
        "python/spaced name.py", 2, 2, E, "'json' imported but unused", rule="F401", column=1
    )


def test_eslint_json() -> None:
    report = parse_lint(fixture("eslint.json"))
    cart = f"{SAMPLE}/js/cart.js"
    assert report.findings[0] == Finding(
        f"{SAMPLE}/js/broken.js", 2, 2, E, "Parsing error: Unexpected keyword 'return'", column=3
    )
    assert report.findings[1] == Finding(
        cart,
        4,
        4,
        E,
        "'unused' is assigned a value but never used.",
        rule="no-unused-vars",
        column=7,
        end_column=12,
    )
    assert report.findings[3].level == W and report.findings[3].rule == "eqeqeq"
    # The empty block `{` (line 7) to `}` (line 8, column 5).
    assert report.findings[4] == Finding(
        cart, 7, 8, E, "Empty block statement.", rule="no-empty", column=29, end_column=5
    )


def test_eslint_checkstyle() -> None:
    report = parse_lint(fixture("eslint-checkstyle.xml"))
    assert report.findings[0] == Finding(
        f"{SAMPLE}/js/broken.js", 2, 2, E, "Parsing error: Unexpected keyword 'return'", column=3
    )
    # The formatter's "eslint.rules." prefix and " (rule)" suffix are taken off.
    assert report.findings[1] == Finding(
        f"{SAMPLE}/js/cart.js",
        4,
        4,
        E,
        "'unused' is assigned a value but never used.",
        rule="no-unused-vars",
        tool="eslint",
        column=7,
    )
    json_findings = parse_lint(fixture("eslint.json")).findings
    assert [(f.line, f.level, f.rule) for f in report.findings] == [
        (f.line, f.level, f.rule) for f in json_findings
    ]


def test_gcc_text_with_the_built_in_compiler_format() -> None:
    findings = parse_lint(fixture("gcc.txt")).findings
    assert findings[0] == Finding(
        "c/price.c",
        3,
        3,
        W,
        "suggest parentheses around assignment used as truth value",
        rule="-Wparentheses",
        column=9,
    )
    assert [f.level for f in findings] == [W, E, N, W]


def test_hand_written_sarif() -> None:
    findings = parse_lint(fixture("hand-features.sarif")).findings
    scanner = "CodeScanner"
    assert findings == [
        # ruleIndex 0: the rule's default level and its message string, with arguments;
        # SRCROOT is src/ under REPOROOT.
        Finding(
            "/home/ci/repo/src/main.c",
            10,
            10,
            E,
            "Variable 'count' is declared but never used.",
            rule="CS1001",
            tool=scanner,
            column=5,
            end_column=9,
        ),
        # No level anywhere: warning. {{ }} are literal braces; %20 is a space.
        Finding(
            "/home/ci/repo/include/my header.h",
            3,
            3,
            W,
            "Return early from parse() instead of nesting { blocks }.",
            rule="CS2002",
            tool=scanner,
        ),
        # The extension's rule, by rule.toolComponent.index; the file by artifacts[0]; the
        # region ends at column 1 of line 9, so on line 8.
        Finding(
            "/home/ci/repo/src/lib/util.c",
            7,
            8,
            E,
            "Untrusted data from argv reaches system().",
            rule="SEC001",
            tool=scanner,
            column=3,
        ),
        # A hierarchical ruleId takes CS1001's default level; markdown when there is no text;
        # an empty region marks its column.
        Finding(
            "/home/ci/repo/src/main.c",
            14,
            14,
            E,
            "Loop variable `i` is never used.",
            rule="CS1001/loop-variable",
            tool=scanner,
            column=9,
            end_column=9,
        ),
        # A rejected suppression does not suppress; an undefined base leaves the URI relative;
        # no region: the whole file.
        Finding("docs/read me.md", None, None, N, "Consider a constant.", "CS3003", scanner),
        Finding(
            "C:/build/src/Program.cs",
            5,
            5,
            W,
            "Rename fooBar to match the naming rules.",
            rule="NAME01",
            tool="DotNetAnalyzer",
            column=7,
            end_column=12,
        ),
        Finding(
            "//buildserver/share/src/Util.cs", 2, 4, E, "Rename Baz.", "NAME01", "DotNetAnalyzer"
        ),
    ]


def test_hand_written_checkstyle() -> None:
    findings = parse_lint(fixture("hand-checkstyle.xml")).findings
    check = "com.puppycrawl.tools.checkstyle.checks."
    assert findings[1] == Finding(
        "src/main/java/com/acme/Cart.java",
        12,
        12,
        W,
        "'42' is a magic number.",
        rule=check + "coding.MagicNumberCheck",
        tool="checkstyle",
        column=21,
    )
    assert [(f.line, f.level) for f in findings] == [(3, E), (12, W), (20, N), (None, E), (7, E)]
    # Not a Checkstyle check, and the root names no tool; no severity is Checkstyle's "error".
    assert findings[-1] == Finding(
        "build.gradle", 7, 7, E, "Use the plugins block.", rule="GradleLint.PluginsBlock", column=1
    )


def test_checkstyle_reads_a_binary_stream() -> None:
    with (FIXTURES / "hand-checkstyle.xml").open("rb") as stream:
        assert parse_checkstyle(stream) == parse_lint(fixture("hand-checkstyle.xml"))


# Semantics beyond the fixtures


def sarif(results: list[dict], **run: object) -> bytes:
    return json.dumps(
        {
            "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "t"}}, **run, "results": results}],
        }
    ).encode()


def located(**result: object) -> dict:
    where = {"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": 1}}}
    return {"message": {"text": "m"}, "locations": [where], **result}


@pytest.mark.parametrize(
    ("result", "level"),
    [
        ({"level": "error"}, E),
        ({"level": "warning"}, W),
        ({"level": "note"}, N),
        ({"level": "none"}, N),
        ({"level": "fatal"}, W),  # not a SARIF level
        ({}, W),
        ({"kind": "fail"}, W),
    ],
)
def test_sarif_levels(result: dict, level: Level) -> None:
    [found] = parse_lint(sarif([located(**result)])).findings
    assert found.level == level


@pytest.mark.parametrize(
    "suppressions",
    [[{"kind": "inSource"}], [{"status": "accepted"}], [{"status": "rejected"}, {}]],
)
def test_sarif_suppressed_unless_every_suppression_is_rejected(suppressions: list) -> None:
    report = parse_lint(sarif([located(suppressions=suppressions)]))
    assert (len(report.findings), report.suppressed) == (0, 1)


@pytest.mark.parametrize("suppressions", [[], [{"status": "rejected"}], None])
def test_sarif_not_suppressed(suppressions: list | None) -> None:
    report = parse_lint(sarif([located(suppressions=suppressions)]))
    assert (len(report.findings), report.suppressed) == (1, 0)


@pytest.mark.parametrize("kind", ["pass", "open", "informational", "notApplicable", "review"])
def test_sarif_results_that_are_not_failures_are_left_out(kind: str) -> None:
    report = parse_lint(sarif([located(kind=kind, level="none")]))
    assert (report.findings, report.suppressed, report.unreadable) == ([], 0, 0)


def test_sarif_rule_lookups() -> None:
    rules = [{"id": "A", "defaultConfiguration": {"level": "note"}}, {"id": "B"}]
    extension = {
        "name": "pack",
        "guid": "1234",
        "rules": [{"id": "X", "shortDescription": {"text": "x!"}}],
    }
    run = {"tool": {"driver": {"name": "t", "rules": rules}, "extensions": [extension]}}
    results = [
        located(ruleIndex=0),  # by index: A, its default level
        located(ruleId="A", ruleIndex=-1),  # -1 is "no index": by id
        located(rule={"id": "A"}),  # rule.id
        located(rule={"index": 0, "toolComponent": {"name": "pack"}}, message={"id": "none"}),
        located(rule={"id": "X", "toolComponent": {"guid": "1234"}}, level="error"),
        located(ruleId="X"),  # found among the extensions' rules when the driver has none
        located(ruleIndex=7, ruleId="Z"),  # neither: no rule details, the id kept
        located(rule={"index": 1, "toolComponent": {"name": "gone"}}),  # the driver's
    ]
    findings = parse_lint(
        json.dumps({"version": "2.1.0", "runs": [{**run, "results": results}]}).encode()
    ).findings
    assert [(f.rule, f.level, f.message) for f in findings] == [
        ("A", N, "m"),
        ("A", N, "m"),
        ("A", N, "m"),
        ("X", W, "x!"),  # an unknown message id: the rule's shortDescription
        ("X", E, "m"),
        ("X", W, "m"),
        ("Z", W, "m"),
        ("B", W, "m"),
    ]


def test_sarif_message_fallbacks_and_unreadable_results() -> None:
    results = [
        {**located(ruleId="R"), "message": {}},  # no text: the rule id
        {**located(), "message": {}},  # neither message nor rule
        located(locations=[{"physicalLocation": {"region": {"startLine": 1}}}]),  # no file
        located(locations=[]),
        located(message={"text": "{0} and {1} and {2}", "arguments": ["a", 2]}),
    ]
    report = parse_lint(sarif(results))
    assert [f.message for f in report.findings] == ["R", "a and 2 and {2}"]
    assert report.unreadable == 3


@pytest.mark.parametrize(
    ("location", "bases", "path"),
    [
        ({"uri": "src/a%23b.py"}, {}, "src/a#b.py"),
        ({"uri": "a.py", "uriBaseId": "R"}, {"R": {"uri": "file:///w"}}, "/w/a.py"),
        ({"uri": "a.py", "uriBaseId": "R"}, {"R": {"uri": "lib/"}}, "lib/a.py"),
        ({"uri": "a.py", "uriBaseId": "R"}, {"R": {"description": {"text": "x"}}}, "a.py"),
        ({"uri": "../b/a.py", "uriBaseId": "R"}, {"R": {"uri": "file:///w/x/"}}, "/w/b/a.py"),
        ({"uri": "file:///abs/a.py", "uriBaseId": "R"}, {"R": {"uri": "file:///w/"}}, "/abs/a.py"),
        ({"uri": "file://localhost/srv/a.py"}, {}, "/srv/a.py"),
        ({"uri": "https://example.com/a.py"}, {}, "https://example.com/a.py"),
        ({"uri": "C:\\src\\a.py"}, {}, "C:\\src\\a.py"),
    ],
)
def test_sarif_uris(location: dict, bases: dict, path: str) -> None:
    result = located()
    result["locations"][0]["physicalLocation"]["artifactLocation"] = location
    [found] = parse_lint(sarif([result], originalUriBaseIds=bases)).findings
    assert found.path == path


def test_sarif_uri_base_loops_are_refused() -> None:
    result = located()
    result["locations"][0]["physicalLocation"]["artifactLocation"] = {"uri": "a", "uriBaseId": "A"}
    bases = {"A": {"uri": "x/", "uriBaseId": "B"}, "B": {"uri": "y/", "uriBaseId": "A"}}
    assert error_of(parse_lint, sarif([result], originalUriBaseIds=bases)) == (
        "SARIF runs[0].results[0].locations[0].physicalLocation.artifactLocation: uriBaseId 'A'"
        " is defined through more than 16 other bases (a loop?)"
    )


def test_sarif_message_strings_without_text() -> None:
    rules = [{"id": "R", "messageStrings": {"empty": {}}, "shortDescription": {"text": "short"}}]
    run = {"tool": {"driver": {"name": "t", "rules": rules}}}
    result = located(ruleId="R", message={"id": "empty"})
    document = {"version": "2.1.0", "runs": [{**run, "results": [result]}]}
    [found] = parse_lint(json.dumps(document).encode()).findings
    assert found.message == "short"


def test_sarif_region_without_lines_is_a_whole_file_finding() -> None:
    result = located()
    result["locations"][0]["physicalLocation"]["region"] = {"charOffset": 10, "charLength": 4}
    [found] = parse_lint(sarif([result])).findings
    assert (found.line, found.end_line, found.column) == (None, None, None)


def test_sarif_without_runs_or_results() -> None:
    for document in (
        {"version": "2.1.0", "runs": None},
        {"version": "2.1.0", "runs": [{"tool": {}}]},
    ):
        report = parse_lint(json.dumps(document).encode())
        assert (report.format, report.findings, report.tool) == ("sarif", [], None)


def test_eslint_file_level_message_and_no_problems() -> None:
    data = json.dumps(
        [
            {"filePath": "/w/a.js", "messages": [{"severity": 1, "message": "File ignored."}]},
            {"filePath": "/w/b.js", "messages": [], "suppressedMessages": []},
        ]
    ).encode()
    assert parse_lint(data).findings == [Finding("/w/a.js", None, None, W, "File ignored.")]


def test_ruff_notebook_cells_old_syntax_errors_and_severities() -> None:
    base = {"message": "m", "filename": "/w/n.ipynb", "location": {"row": 3, "column": 1}}
    data = json.dumps(
        [
            {**base, "code": "F401", "cell": 2, "end_location": {"row": 3, "column": 5}},
            {**base, "code": None, "end_location": None},  # ruff before 0.12: syntax errors
            {**base, "code": "X1", "severity": "warning", "end_location": {"row": 3, "column": 2}},
        ]
    ).encode()
    assert detect_format(data) == "ruff"
    assert parse_lint(data).findings == [
        Finding("/w/n.ipynb", None, None, E, "cell 2, line 3: m", rule="F401"),
        Finding("/w/n.ipynb", 3, 3, E, "m", column=1),
        Finding("/w/n.ipynb", 3, 3, W, "m", rule="X1", column=1, end_column=1),
    ]


@pytest.mark.parametrize(
    ("kind", "level"),
    [("fatal", E), ("error", E), ("warning", W), ("convention", N), ("refactor", N), ("info", N)],
)
def test_pylint_types(kind: str, level: Level) -> None:
    message = {"type": kind, "path": "a.py", "line": 1, "column": 0, "message": "m", "obj": ""}
    [found] = parse_lint(json.dumps([{**message, "message-id": "C0000"}]).encode()).findings
    assert (found.level, found.rule) == (level, "C0000")  # no symbol: the id


def test_checkstyle_tool_from_the_root_attributes() -> None:
    data = b'<checkstyle version="5.0" generator="golangci-lint"><file name="a.go">'
    data += b'<error line="2" column="1" severity="warning" message="m" source="errcheck"/>'
    data += b'<error line="3" source=""/></file></checkstyle>'
    report = parse_lint(data)
    assert report.tool == "golangci-lint"
    assert report.findings == [Finding("a.go", 2, 2, W, "m", "errcheck", "golangci-lint", 1)]
    assert report.unreadable == 1  # neither message nor source


def test_an_empty_json_list_is_a_report_without_findings() -> None:
    for data in (b"[]", b"[ ]\n", b"\xef\xbb\xbf[\n]"):
        assert parse_lint(data) == LintReport("json")


def test_too_many_findings_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lint_model, "MAX_FINDINGS", 3)
    assert len(parse_lint(b"a:1: E1 m\n" * 3).findings) == 3
    for data in (b"a:1: E1 m\n" * 4, fixture("ruff.json"), fixture("hand-checkstyle.xml")):
        assert error_of(parse_lint, data) == "the report has more than 3 findings"


# Spans


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ((None,), Span()),
        ((0, 5), Span()),
        ((3,), Span(3, 3)),
        ((3, None, 5), Span(3, 5)),
        ((3, None, 2), Span(3, 3)),  # an end before the start is ignored
        ((3, 0, 3, 9), Span(3, 3)),  # column 0 is no column
        ((3, 4, 3, 9), Span(3, 3, 4, 8)),
        ((3, 4, 3, 4), Span(3, 3, 4, 4)),  # empty: the start column
        ((3, 4, 3, 2), Span(3, 3, 4, 4)),
        ((3, 4, 5, 1), Span(3, 4, 4)),  # ends at the start of line 5: on line 4
        ((3, 4, 4, 1), Span(3, 3, 4)),
        ((3, 4, 5, 3), Span(3, 5, 4, 2)),
        ((3, 4, 5, None), Span(3, 5, 4)),
    ],
)
def test_span(given: tuple, expected: Span) -> None:
    assert span(*given) == expected


# Text reports


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "a.py:3:1: E302 expected 2 blank lines",
            Finding("a.py", 3, 3, E, "expected 2 blank lines", "E302", column=1),
        ),
        (
            "a.py:3: W291 trailing whitespace",
            Finding("a.py", 3, 3, W, "trailing whitespace", "W291"),
        ),
        (
            "a.py:9:5: C901 'f' is too complex (12)",
            Finding("a.py", 9, 9, W, "'f' is too complex (12)", "C901", column=5),
        ),
        (
            "a.py:1:1: D100 Missing docstring",
            Finding("a.py", 1, 1, W, "Missing docstring", "D100", column=1),
        ),
        (
            "C:\\w\\a.py:3:1: F401 'os' unused",
            Finding("C:\\w\\a.py", 3, 3, E, "'os' unused", "F401", column=1),
        ),
        (
            'a.py:2:0: R1705: Unnecessary "else" (no-else-return)',
            Finding("a.py", 2, 2, N, 'Unnecessary "else"', "no-else-return", column=1),
        ),
        (
            "a.py:2:4: W0611: Unused import os",
            Finding("a.py", 2, 2, W, "Unused import os", "W0611", column=5),
        ),
        (
            "a.py:12: error: Incompatible types  [assignment]",
            Finding("a.py", 12, 12, E, "Incompatible types", "assignment"),
        ),
        ("a.py:12: note: Revealed type is int", Finding("a.py", 12, 12, N, "Revealed type is int")),
        (
            "s.sh:4:8: warning: Double quote [SC2086]",
            Finding("s.sh", 4, 4, W, "Double quote", "SC2086", column=8),
        ),
        (
            "a.c:1:10: fatal error: x.h: No such file",
            Finding("a.c", 1, 1, E, "x.h: No such file", column=10),
        ),
        ("a.py:1:5: SyntaxError: Expected ')'", Finding("a.py", 1, 1, E, "Expected ')'", column=5)),
        (
            "<stdin>:1:1: E111 indentation",
            Finding("<stdin>", 1, 1, E, "indentation", "E111", column=1),
        ),
    ],
)
def test_built_in_text_formats(line: str, expected: Finding) -> None:
    assert parse_lint(line.encode()).findings == [expected]


@pytest.mark.parametrize(
    "line",
    [
        "Found 3 errors.",
        "a.py:x: E1 m",
        "a.py:1:1: e501 lower-case code",
        "a.py:1:1: E501",  # no message
        "a.py:1:1: remark: not a level",
        "    import os",
    ],
)
def test_lines_no_built_in_format_reads_are_unreadable(line: str) -> None:
    report = parse_lint(f"a.py:1:1: F401 m\n\n{line}\n   \n".encode())
    assert (len(report.findings), report.unreadable) == (1, 1)


def test_text_crlf_colours_and_blank_lines() -> None:
    data = b"\r\n\x1b[1ma.py\x1b[0m:\x1b[33m2\x1b[0m:1: \x1b[31mE1\x1b[0m m\r\n\r\n"
    report = parse_lint(data)
    assert report.findings == [Finding("a.py", 2, 2, E, "m", "E1", column=1)]
    assert report.unreadable == 0


def test_an_empty_or_unmatched_text_report_is_still_a_report() -> None:
    assert parse_lint(b"") == LintReport("text")
    assert parse_lint(b"\n \n") == LintReport("text")
    assert parse_lint(b"all good\nno problems\n") == LintReport("text", unreadable=2)


def test_configured_patterns_replace_the_built_in_ones() -> None:
    data = b"c/price.c: In function 'f':\n"
    data += b"c/price.c:3:9: warning: use () [-Wparentheses]\na.py:1:1: E1 m\n"
    report = parse_lint(data, ["%f:%l:%c: %t%*s %m [%n]"])
    assert report.findings == [Finding("c/price.c", 3, 3, W, "use ()", "-Wparentheses", column=9)]
    assert report.unreadable == 2


def test_gcc_fixture_with_patterns() -> None:
    patterns = ["%f:%l:%c: %t%*s %m [%n]", "%f:%l:%c: %t%*s %m"]
    report = parse_lint(fixture("gcc.txt"), patterns)
    assert [(f.line, f.level, f.rule) for f in report.findings] == [
        (3, W, "-Wparentheses"),
        (4, E, None),
        (4, N, None),
        (2, W, "-Wunused-variable"),
    ]
    assert report.unreadable == 1


@pytest.mark.parametrize(
    ("pattern", "line", "expected"),
    [
        ("%f:%l:%c: %m", "a.py:3:7: bad thing", Finding("a.py", 3, 3, W, "bad thing", column=7)),
        (
            "%f:%l: [%t] %m (%n)",
            "a b.py:3: [E] no (x) (R-1)",
            Finding("a b.py", 3, 3, E, "no (x)", "R-1"),
        ),
        (
            "%f(%l,%c-%k): %tarning %n: %m",
            "A.cs(5,3-9): warning CS0168: unused",
            Finding("A.cs", 5, 5, W, "unused", "CS0168", column=3, end_column=9),
        ),
        ("%f:%l-%e: %m", "a.md:3-5: long section", Finding("a.md", 3, 5, W, "long section")),
        ("%f:%l: %t: %m", "a:1: i: fyi", Finding("a", 1, 1, N, "fyi")),
        ("%f:%l: %t: %m", "a:1: N: fyi", Finding("a", 1, 1, N, "fyi")),
        (
            "%f:%l: %t: %m",
            "a:1: x: other letters warn",
            Finding("a", 1, 1, W, "other letters warn"),
        ),
        ("%f:%l: 100%% %m", "a:1: 100% sure", Finding("a", 1, 1, W, "sure")),
        ("%*d %f:%l %m", "12 a.js:4 msg", Finding("a.js", 4, 4, W, "msg")),
        ("[%*s] %f:%l %m", "[lint:js] a.js:4 msg", Finding("a.js", 4, 4, W, "msg")),
        (
            "%f|%l|%m",
            "a.(x)*.py|2|regex characters are literal",
            Finding("a.(x)*.py", 2, 2, W, "regex characters are literal"),
        ),
    ],
)
def test_errorformat_patterns(pattern: str, line: str, expected: Finding) -> None:
    assert parse_lint(line.encode(), [pattern]).findings == [expected]


@pytest.mark.parametrize(
    ("pattern", "line"),
    [
        ("%f:%l: %m", "a.py:3: "),  # an empty message
        ("%f:%l: %m", " :3: m"),  # a blank path
        ("%f:%l: %m", "prefix a.py:3"),
        ("%f:%l: %m", "a.py:x: m"),
        ("%f:%l: %m", "a.py:1234567890: m"),  # too large a line number
        ("%f:%l:%c %m", "a.py:1: m"),
        ("%f(%l): %m", "a.py(1): "),
    ],
)
def test_errorformat_lines_that_do_not_match(pattern: str, line: str) -> None:
    report = parse_lint(line.encode(), [pattern])
    assert (report.findings, report.unreadable) == ([], 1)


def test_errorformat_first_matching_pattern_wins() -> None:
    report = parse_lint(b"a.py:1:2: m\n", ["%f:%l:%c: %m", "%f:%l: %m"])
    assert report.findings == [Finding("a.py", 1, 1, W, "m", column=2)]


KNOWN = "%f %l %e %c %k %t %n %m %*d %*s %%"


@pytest.mark.parametrize(
    ("patterns", "message"),
    [
        ([""], "pattern 1 ('') has no %f (the file)"),
        (["%l %m"], "pattern 1 ('%l %m') has no %f (the file)"),
        (["%f %m"], "pattern 1 ('%f %m') has no %l (the line)"),
        (["%f:%l"], "pattern 1 ('%f:%l') has no %m (the message)"),
        (
            ["%f:%l:%m", "%f %l %q %m"],
            f"pattern 2 ('%f %l %q %m'): unknown code %q; known: {KNOWN}",
        ),
        (["%f:%l:%m %"], "pattern 1 ('%f:%l:%m %') ends with a lone %; write %% for a literal %"),
        (
            ["%f:%l:%m %*x"],
            f"pattern 1 ('%f:%l:%m %*x'): unknown code %*x; known: {KNOWN}",
        ),
        (
            ["%f:%l:%m %*"],
            f"pattern 1 ('%f:%l:%m %*'): unknown code %*; known: {KNOWN}",
        ),
        (["%f:%l:%l: %m"], "pattern 1 ('%f:%l:%l: %m'): %l appears more than once"),
        (["%f:%l-%k: %m"], "pattern 1 ('%f:%l-%k: %m'): %k needs %c"),
        (
            ["%E%f:%l:%m"],
            f"pattern 1 ('%E%f:%l:%m'): unknown code %E; known: {KNOWN}",
        ),
    ],
)
def test_bad_patterns_are_refused(patterns: list[str], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        compile_patterns(patterns)
    assert str(caught.value) == message
    assert error_of(lambda data: parse_lint(data, patterns), b"a:1: m") == (
        f"the lint patterns cannot be used: {message}"
    )


def test_good_patterns_compile() -> None:
    assert compile_patterns([]) == ()
    [pattern] = compile_patterns(["%f:%l:%c: %t%*s %m [%n]"])
    assert pattern.source == "%f:%l:%c: %t%*s %m [%n]"


def test_a_long_line_does_not_make_a_pattern_slow() -> None:
    """Backtracking would try every way to split the line among %f, %m, %n and %*s: RE2 does
    not backtrack."""
    started = time.perf_counter()
    report = parse_lint(b"a:1: " * 20_000, ["%f:%l: %m: %n: %*s!"])
    assert report.unreadable == 1
    assert time.perf_counter() - started < 2


# Detection


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'{"version": "2.1.0", "runs": []}', "sarif"),
        (b'\xef\xbb\xbf {"$schema": "https://x/sarif-schema-2.1.0.json"}', "sarif"),
        (b'{"messages": [], "statistics": {}}', "pylint"),
        (b'{"statistics": {"messageTypeCount": {}}, "messages": []}', "pylint"),
        (b'[{"type": "error", "module": "a", "obj": ""}]', "pylint"),
        (b'[\n  {\n    "filePath": "/a.js", "messages": []}]', "eslint"),
        (b'[{"cell": null, "code": "F401", "end_location": {}}]', "ruff"),
        (b"[]", "json"),
        (b"[\n]\n", "json"),
        (b'<?xml version="1.0"?>\n<!-- c --><checkstyle version="4.3">', "checkstyle"),
        (b"<checkstyle>", "checkstyle"),
        (b'<?xml version="1.0"?><coverage/>', None),
        (b"<html><body/></html>", None),
        (b'{"foo": 1}', None),
        (b"[1, 2]", "text"),  # not a list of objects: text (with no readable line)
        (b'[{"foo": 1}]', None),
        (b"{}", None),
        (b"", "text"),
        (b"a.py:1:1: E1 m", "text"),
        (b"<stdin>:1:1: E1 m", "text"),
        (b"{a}.py:1: E1 m", "text"),
        (b"[lint] a.py:1 m", "text"),
    ],
)
def test_detection(head: bytes, expected: str | None) -> None:
    assert detect_format(head) == expected


# Malformed input

NOT_UTF8 = b"a.py:1:1: E1 m\n\xff\n"
UNKNOWN_JSON = (
    "JSON of an unknown shape: expected SARIF 2.1.0, or the JSON output of ESLint (--format json),"
    " ruff (--output-format json) or pylint (--output-format json or json2)"
)
CHECKSTYLE_ERROR = '<checkstyle><file name="a"><error {}/></file></checkstyle>'


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (NOT_UTF8, "text lint report line 2: not UTF-8 text (byte 15)"),
        (
            b"a.py:1:1: E1 m\nx\x00y\n",
            "text lint report line 2: a NUL byte; this is binary data, not text",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "text lint report line 1: not UTF-8 text (byte 0)"),
        # JSON
        (
            b'{"foo": 1}',
            UNKNOWN_JSON,
        ),
        (
            b'[{"foo": 1}]',
            UNKNOWN_JSON,
        ),
        (b'{"foo": ', "JSON line 1 column 9: Expecting value"),
        (
            b'[{"filePath": "a.js",\n "messages": [}]',
            "ESLint JSON line 2 column 15: Expecting value",
        ),
        (b'[{"filePath": "a.js", "messages": ' + b"[" * 100_000, "ESLint JSON: nested too deeply"),
        (b'[{"filePath": "\xff"}]', "ESLint JSON line 1: not UTF-8 text (byte 15)"),
        (b"[ ]x", "JSON line 1 column 4: Extra data"),
        # SARIF
        (b'{"version": "2.0.0", "runs": []}', "SARIF version '2.0.0': only SARIF 2.1.0 is read"),
        (b'{"$schema": "sarif", "runs": []}', "SARIF no version: only SARIF 2.1.0 is read"),
        (b'{"version": "2.1.0", "runs": {}}', "SARIF.runs must be a list"),
        (b'{"version": "2.1.0", "runs": [[]]}', "SARIF runs[0] must be an object"),
        (
            b'{"version": "2.1.0", "runs": [{"results": {}}]}',
            "SARIF runs[0].results must be a list",
        ),
        (
            sarif([located(ruleIndex="0")]),
            "SARIF runs[0].results[0].ruleIndex must be a whole number",
        ),
        (
            b'{"version": "2.1.0", "runs": [{"results": [{"locations": {}}]}]}',
            "SARIF runs[0].results[0].locations must be a list",
        ),
        (
            b'{"version": "2.1.0", "runs": [{"tool": {"driver": {"rules": [1]}}}]}',
            "SARIF runs[0].tool.driver.rules[0] must be an object",
        ),
        (
            sarif([located(ruleId=5)]),
            "SARIF runs[0].results[0].ruleId must be a string",
        ),
        # ESLint
        (
            b'[{"filePath": "a.js", "messages": [{"message": "m", "severity": 3}]}]',
            "ESLint JSON [0].messages[0].severity must be 1 (warning) or 2 (error)",
        ),
        (
            b'[{"filePath": "a.js", "messages": [{"message": "m", "severity": true}]}]',
            "ESLint JSON [0].messages[0].severity must be 1 (warning) or 2 (error)",
        ),
        (
            b'[{"filePath": "a.js", "messages": [{"severity": 2}]}]',
            "ESLint JSON [0].messages[0].message is missing",
        ),
        (b'[{"filePath": "", "messages": []}]', "ESLint JSON [0].filePath is missing"),
        (b'[{"filePath": "a.js", "messages": {}}]', "ESLint JSON [0].messages must be a list"),
        (
            b'[{"filePath": "a.js", "messages": [{"message": "m", "severity": 2, "line": 1.5}]}]',
            "ESLint JSON [0].messages[0].line must be a whole number",
        ),
        # ruff
        (
            b'[{"code": "F1", "end_location": {}, "filename": "a.py"}]',
            "ruff JSON [0].message is missing",
        ),
        (
            b'[{"code": "F1", "end_location": {}, "message": "m"}]',
            "ruff JSON [0].filename is missing",
        ),
        (
            b'[{"code": "F1", "end_location": 3, "message": "m", "filename": "a"}]',
            "ruff JSON [0].end_location must be an object",
        ),
        (
            b'[{"code": 1, "end_location": {}, "message": "m", "filename": "a"}]',
            "ruff JSON [0].code must be a string",
        ),
        # pylint
        (b'{"messages": {}}', "pylint JSON.messages must be a list"),
        (
            b'{"messages": [{"message": "m", "path": "a.py", "line": "1"}]}',
            "pylint JSON message 0.line must be a whole number",
        ),
        (b'[{"obj": "", "message": "m"}]', "pylint JSON message 0.path is missing"),
        # checkstyle
        (
            b'<checkstyle><file name="a">',
            "checkstyle XML is not well-formed XML: no element found: line 1, column 27",
        ),
        (b'<checkstyle><file name=" "/></checkstyle>', "checkstyle XML: a <file> has no name"),
        (
            CHECKSTYLE_ERROR.format('line="x" message="m"').encode(),
            "checkstyle XML: <error> of a: line must be a whole number, not 'x'",
        ),
        (
            CHECKSTYLE_ERROR.format('line="1" column="-1" message="m"').encode(),
            "checkstyle XML: <error> of a: column must be a whole number, not '-1'",
        ),
        (
            b'<?xml version="1.0"?><coverage/>',
            "an XML report with root element <coverage>: checkstyle is the only XML lint format"
            " read",
        ),
        (
            b"<?xml version='1.0'?>",
            "an XML report without a root element: checkstyle is the only XML lint format read",
        ),
        (
            b'<!DOCTYPE checkstyle [<!ENTITY x "y">]><checkstyle/>',
            "checkstyle XML: the XML declares an entity ('x'); entity declarations are refused"
            " (no entity expansion, no external entities)",
        ),
    ],
)
def test_malformed_input_is_refused_with_a_clear_message(data: bytes, message: str) -> None:
    assert error_of(parse_lint, data) == message


def test_a_number_too_long_for_python_is_refused() -> None:
    data = b'{"version": "2.1.0", "runs": [], "n": ' + b"9" * 5000 + b"}"
    assert error_of(parse_lint, data).startswith("SARIF: Exceeds the limit (4300 digits)")


@pytest.mark.parametrize(
    ("parse", "data", "message"),
    [
        (parse_sarif, b"[]", "SARIF: the top level must be an object"),
        (parse_eslint, b"{}", "ESLint JSON must be a list"),
        (parse_ruff, b"{}", "ruff JSON must be a list"),
        (parse_pylint, b"3", "pylint JSON: the top level must be a list"),
        (
            parse_checkstyle,
            b"<coverage/>",
            "checkstyle XML: the root element is <coverage>, not <checkstyle>",
        ),
        (PARSERS["json"], b"[{}]", "JSON: expected an empty list"),
    ],
)
def test_each_parser_refuses_input_of_another_shape(
    parse: Callable[[bytes], LintReport], data: bytes, message: str
) -> None:
    assert error_of(parse, data) == message


# Arbitrary input

SAMPLES = [fixture(name) for name in sorted(SUMMARY)]


def mangled() -> st.SearchStrategy[bytes]:
    """A fixture cut short, with bytes put in: deep into each parser."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        sample = draw(st.sampled_from(SAMPLES))
        cut = draw(st.integers(0, len(sample)))
        insert = draw(
            st.binary(max_size=20)
            | st.sampled_from([b"0", b"-1", b",", b":", b"<", b"&", b"null", b'"', b"{}", b"[]"])
        )
        rest = draw(st.integers(cut, len(sample)))
        return sample[:cut] + insert + sample[rest:]

    return build()


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=2000) | mangled())
def test_parse_lint_raises_nothing_but_report_error(data: bytes) -> None:
    try:
        report = parse_lint(data)
    except ReportError as error:
        assert str(error)
    else:
        assert report.format in PARSERS
        for found in report.findings:
            assert found.path
            assert isinstance(found.level, Level)
            if found.line is None:
                assert found.end_line is None and found.column is None
            else:
                assert found.line >= 1 and found.end_line is not None
                assert found.end_line >= found.line
            if (
                found.column is not None
                and found.end_column is not None
                and found.line == found.end_line
            ):
                assert found.end_column >= found.column
