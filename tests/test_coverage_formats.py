"""Coverage report parsers: every format to the model's lines, hits and partial lines; format
detection; malformed and hostile input refused with a ReportError that says why."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.reports.coverage_formats import PARSERS, detect_format, parse_coverage
from app.reports.coverage_formats.cobertura import parse_cobertura
from app.reports.coverage_formats.coveragepy_json import parse_coveragepy_json
from app.reports.coverage_formats.go_cover import parse_go_cover
from app.reports.coverage_formats.jacoco import parse_jacoco
from app.reports.coverage_formats.lcov import parse_lcov
from app.reports.coverage_model import CoverageReport, ReportError
from app.reports.xml_stream import elements

FIXTURES = Path(__file__).parent / "fixtures" / "coverage"

# Lines, hits and partial lines per file: {path: ({line: hits}, {partial lines})}
Expected = dict[str, tuple[dict[int, int], set[int]]]

# coverage.py, branch coverage on (tests/fixtures/coverage/make_fixtures.py): line 7
# (`if n == 0:`) and 15 (`if item:`) ran but took one way only; `unused` never ran.
SHAPES = (
    {
        **{line: 1 for line in (4, 5, 6, 7, 9, 12, 13, 14, 15, 16, 17, 20)},
        **{line: 0 for line in (8, 21, 22, 23)},
    },
    {7, 15},
)

EXPECTED: dict[str, tuple[str, Expected]] = {
    # coverage.py names files relative to its <source> (source = acme), its JSON relative to
    # the working directory; an empty __init__.py is a file with no lines.
    "coveragepy-coverage.xml": ("cobertura", {"__init__.py": ({}, set()), "shapes.py": SHAPES}),
    "coveragepy-coverage.json": (
        "coverage.py-json",
        {"acme/__init__.py": ({}, set()), "acme/shapes.py": SHAPES},
    ),
    # Two classes (Cart, Cart$Item) of one file; the <method>s' <line>s are not counted again;
    # line 12 has 0% condition coverage but never ran: a miss, not a partial.
    "cobertura-java.xml": (
        "cobertura",
        {"com/acme/shop/Cart.java": ({3: 1, 6: 3, 7: 0, 9: 3, 12: 0, 15: 2, 16: 2}, {6})},
    ),
    # cart.js twice (unit, integration): hits add up; line 2 is partial in the first record
    # but fully covered in the second; line 9 ran with no branch taken: partial. Line 6:
    # no branch reached ('-') and not run: a miss.
    "lcov.info": (
        "lcov",
        {
            "src/cart.js": ({1: 4, 2: 4, 3: 4, 5: 4, 6: 0, 7: 0, 9: 2}, {9}),
            "src/price.c": ({3: 10, 4: 10, 5: 0, 7: 10}, {4}),
        },
    ),
    # ci > 0 is 1 hit; mb > 0 and cb > 0 partial (line 6); the default package has no prefix.
    "jacoco.xml": (
        "jacoco",
        {
            "com/acme/shop/Cart.java": ({3: 1, 6: 1, 7: 0, 9: 1, 11: 0}, {6}),
            "Main.java": ({3: 1}, set()),
        },
    ),
    # Line 9 (`if n <= 0 {`) ends a block that ran and starts one that did not: partial.
    # price.go's blocks appear twice (merged profiles): counts added.
    "go-count.out": (
        "go",
        {
            "github.com/acme/shop/cart.go": (
                {8: 3, 9: 3, 10: 0, 11: 0, 12: 3, 13: 3, 17: 0, 18: 0, 19: 0},
                {9},
            ),
            "github.com/acme/shop/price.go": ({5: 5, 6: 5, 7: 5, 8: 5, 9: 5}, set()),
        },
    ),
}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def lines_of(report: CoverageReport) -> Expected:
    return {path: (f.hits, f.partial) for path, f in report.files.items()}


def error_of(parse: Callable[[bytes], CoverageReport], data: bytes) -> str:
    with pytest.raises(ReportError) as caught:
        parse(data)
    return str(caught.value)


# Fixtures


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fixture_parses_to_its_exact_lines(name: str) -> None:
    expected_format, expected = EXPECTED[name]
    report = parse_coverage(fixture(name))
    assert report.format == expected_format
    assert lines_of(report) == expected


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fixture_parses_the_same_with_its_own_parser(name: str) -> None:
    expected_format, _ = EXPECTED[name]
    assert lines_of(PARSERS[expected_format](fixture(name))) == lines_of(
        parse_coverage(fixture(name))
    )


def test_cobertura_keeps_its_sources() -> None:
    java = parse_coverage(fixture("cobertura-java.xml"))
    assert java.sources == ("/home/ci/shop/src/main/java", "/home/ci/shop/target/generated-sources")
    (source,) = parse_coverage(fixture("coveragepy-coverage.xml")).sources
    assert source.endswith("/sample/acme")  # the temporary directory make_fixtures.py used


def test_other_formats_name_no_sources() -> None:
    for name in ("lcov.info", "jacoco.xml", "go-count.out", "coveragepy-coverage.json"):
        assert parse_coverage(fixture(name)).sources == ()


def test_partial_lines_count_as_not_covered() -> None:
    assert parse_coverage(fixture("coveragepy-coverage.xml")).totals() == (10, 16)


def test_xml_parsers_read_a_binary_stream(tmp_path: Path) -> None:
    for name, parse in (("cobertura-java.xml", parse_cobertura), ("jacoco.xml", parse_jacoco)):
        with (FIXTURES / name).open("rb") as stream:
            assert lines_of(parse(stream)) == EXPECTED[name][1]


def test_xml_elements_are_detached_once_read() -> None:
    """What makes the XML parsers stream: nothing read stays attached to the tree."""
    root = None
    ends = 0
    for event, element, tags in elements(fixture("cobertura-java.xml"), "test"):
        if root is None:
            root = element
        if event == "end":
            ends += 1
            assert tags[-1] == element.tag
    assert root is not None and root.tag == "coverage"
    assert ends > 20
    assert len(root) == 0 and not root.attrib


# Semantics beyond the fixtures


def test_cobertura_condition_coverage_forms() -> None:
    lines = "".join(
        f'<line number="{n}" hits="{hits}" branch="true" condition-coverage="{coverage}"/>'
        for n, hits, coverage in (
            (1, 1, "100%"),
            (2, 1, "33.33% (1/3)"),
            (3, 1, "99%"),
            (4, 2, "100% (4/4)"),
            (5, 0, "50% (1/2)"),
        )
    )
    data = (
        f'<coverage><packages><package name="p"><classes><class filename="a.py"><lines>{lines}'
        "</lines></class></classes></package></packages></coverage>"
    ).encode()
    assert lines_of(parse_coverage(data)) == {"a.py": ({1: 1, 2: 1, 3: 1, 4: 2, 5: 0}, {2, 3})}


def test_lcov_tolerates_crlf_bom_and_missing_end_of_record() -> None:
    data = b"\xef\xbb\xbfTN:\r\nSF:a.c\r\nDA:1,2\r\nSF:b.c\r\nDA:3,0\r\n"
    assert lines_of(parse_coverage(data)) == {"a.c": ({1: 2}, set()), "b.c": ({3: 0}, set())}


def test_lcov_branches_without_a_da_line() -> None:
    data = b"SF:a.c\nBRDA:4,0,0,1\nBRDA:4,0,1,0\nBRDA:5,0,0,-\nBRDA:5,0,1,-\nend_of_record\n"
    assert lines_of(parse_lcov(data)) == {"a.c": ({4: 1, 5: 0}, {4})}


def test_lcov_2_records_and_exception_branches() -> None:
    data = (
        b"VER:2.0\nSF:a.cpp\nFNL:0,3,9\nFNA:0,1,main\nDA:3,1\n"
        b"BRDA:3,e0,(x > 1) == True,1\nBRDA:3,e0,(x > 1) == False,1\nend_of_record\n"
    )
    assert lines_of(parse_lcov(data)) == {"a.cpp": ({3: 1}, set())}


def test_go_set_mode_ors_repeated_blocks_and_skips_empty_blocks() -> None:
    data = (
        b"mode: set\n"
        b"a.go:3.10,4.2 1 0\n"
        b"a.go:3.10,4.2 1 1\n"
        b"a.go:6.1,6.9 0 0\n"
        b"mode: set\n"
        b"C:/src/b.go:1.1,1.20 1 1\n"
    )
    assert lines_of(parse_coverage(data)) == {
        "a.go": ({3: 1, 4: 1}, set()),
        "C:/src/b.go": ({1: 1}, set()),
    }


def test_go_line_hits_are_the_largest_block_count() -> None:
    data = b"mode: atomic\na.go:1.1,2.5 1 7\na.go:2.5,3.2 1 2\n"
    assert lines_of(parse_coverage(data)) == {"a.go": ({1: 7, 2: 7, 3: 2}, set())}


def test_coveragepy_json_without_branch_coverage() -> None:
    data = json.dumps(
        {
            "meta": {"branch_coverage": False},
            "files": {"a.py": {"executed_lines": [1, 2], "missing_lines": [3]}},
        }
    ).encode()
    assert lines_of(parse_coverage(data)) == {"a.py": ({1: 1, 2: 1, 3: 0}, set())}


def test_coveragepy_json_missing_branch_of_a_missing_line_is_a_miss() -> None:
    entry = {"executed_lines": [1], "missing_lines": [2, 3], "missing_branches": [[2, 3]]}
    data = json.dumps({"meta": {}, "files": {"a.py": entry}}).encode()
    assert lines_of(parse_coverage(data)) == {"a.py": ({1: 1, 2: 0, 3: 0}, set())}


# Detection


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_detection_picks_each_fixtures_format(name: str) -> None:
    assert detect_format(fixture(name)[:8192]) == EXPECTED[name][0]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (json.dumps(json.loads(fixture("coveragepy-coverage.json"))).encode(), "coverage.py-json"),
        (b'\xef\xbb\xbf  <?xml version="1.0"?>\n<!-- x --><coverage line-rate="1">', "cobertura"),
        (b'<!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd">', "jacoco"),
        (b"\n\nSF:/src/a.c\nDA:1,1\n", "lcov"),
        (b"mode: atomic\n", "go"),
        (b"", None),
        (b"   \n", None),
        (b"hello world", None),
        (b"<html><body/></html>", None),
        (b'<?xml version="1.0"?><coverage generated="1" clover="4.4.1"><project/>', None),
        (b'{"coverage": {"a.py": [1, 0]}}', None),
        (b"[1, 2]", None),
        (b"mode: bogus\n", None),
        (b"\x00\x01\x02", None),
    ],
)
def test_detection(head: bytes, expected: str | None) -> None:
    assert detect_format(head) == expected


@pytest.mark.parametrize("data", [b"hello world", b"<html/>", b'{"a": 1}', b"mode: fast\n"])
def test_unknown_input_is_refused(data: bytes) -> None:
    assert error_of(parse_coverage, data) == (
        "unknown coverage format: expected Cobertura XML, JaCoCo XML, LCOV, coverage.py JSON or"
        " a Go coverprofile"
    )


# Malformed input

COBERTURA_CLASS = (
    '<coverage><packages><package name="p"><classes><class filename="a.py"><lines>{}</lines>'
    "</class></classes></package></packages></coverage>"
)
JACOCO_FILE = '<report name="r"><package name="com/acme"><sourcefile name="A.java">{}</sourcefile>'
JACOCO_FILE += "</package></report>"
NOT_UTF8 = b"SF:a.c\nDA:1,1\n\xff\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the report is empty"),
        (b"  \n", "the report is empty"),
        # LCOV
        (b"TN:x\n", "the report has no files"),
        (b"SF:a.c\nDA:1\n", "LCOV line 2: DA needs line,hits"),
        (b"SF:a.c\nDA:1,2,3,4\n", "LCOV line 2: DA needs line,hits"),
        (b"SF:a.c\nDA:x,1\n", "LCOV line 2: DA line must be a non-negative integer, not 'x'"),
        (b"SF:a.c\nDA:0,1\n", "LCOV line 2: DA line must be a positive line number, not 0"),
        (b"SF:a.c\nDA:1,-1\n", "LCOV line 2: DA hits must be a non-negative integer, not '-1'"),
        (b"SF:a.c\nDA:1,1.5\n", "LCOV line 2: DA hits must be a non-negative integer, not '1.5'"),
        (b"SF:a.c\nDA:1,\n", "LCOV line 2: DA hits must be a non-negative integer, not ''"),
        (b"SF:a.c\nDA:1," + b"9" * 5000 + b"\n", "LCOV line 2: DA hits is too long a number"),
        (b"TN:\nDA:1,1\n", "LCOV line 2: DA before SF"),
        (b"TN:\nBRDA:1,0,0,1\n", "LCOV line 2: BRDA before SF"),
        (b"SF:a.c\nBRDA:1,0,0\n", "LCOV line 2: BRDA needs line,block,branch,taken"),
        (
            b"SF:a.c\nBRDA:1,0,0,yes\n",
            "LCOV line 2: BRDA taken must be a non-negative integer, not 'yes'",
        ),
        (b"SF:a.c\n\nbogus\n", "LCOV line 3: expected KEY:value or end_of_record, not 'bogus'"),
        (b"TN:\nend_of_record\n", "LCOV line 2: end_of_record without SF"),
        (b"SF:\n", "LCOV line 1: SF needs a file path"),
        (NOT_UTF8, "LCOV line 3: not UTF-8 text (byte 14)"),
        # Go
        (b"mode: set\n", "the report has no files"),
        (
            b"mode: set\na.go:1.1,2.1 1\n",
            "Go coverprofile line 2: expected file.go:startLine.startCol,endLine.endCol"
            " statements count",
        ),
        (
            b"mode: set\na.go 1 1\n",
            "Go coverprofile line 2: expected file.go:startLine.startCol,endLine.endCol"
            " statements count",
        ),
        (
            b"mode: set\na.go:3.1,2.1 1 1\n",
            "Go coverprofile line 2: the block ends (line 2) before it starts (3)",
        ),
        (
            b"mode: set\na.go:1.1,2.1 1 x\n",
            "Go coverprofile line 2: the count must be a non-negative integer, not 'x'",
        ),
        (
            b"mode: set\na.go:1.1,2.1 -1 1\n",
            "Go coverprofile line 2: the number of statements must be a non-negative integer,"
            " not '-1'",
        ),
        (
            b"mode: set\na.go:1,2.1 1 1\n",
            "Go coverprofile line 2: the start must be line.column, not '1'",
        ),
        (
            b"mode: set\na.go:0.1,2.1 1 1\n",
            "Go coverprofile line 2: the start line must be a positive line number, not 0",
        ),
        (
            b"mode: set\na.go:1.1,200001.1 1 1\n",
            "Go coverprofile line 2: the block spans more than 100,000 lines",
        ),
        (
            b"mode: set\n\nmode: count\n",
            "Go coverprofile line 3: 'mode: count' differs from the first 'mode: set'",
        ),
        (
            b"mode: count\na.go:1.1,2.1 1 1\na.go:1.1,2.1 2 1\n",
            "Go coverprofile line 3: this block has 2 statements, 1 where it appeared before",
        ),
        # coverage.py JSON
        (b'{"meta": {}}', 'coverage.py JSON: no "files" object'),
        (b'{"meta": {}, "files": []}', 'coverage.py JSON: no "files" object'),
        (b'{"meta": [], "files": {}}', 'coverage.py JSON: "meta" must be an object'),
        (b'{"meta": {}, "files": {}}', "the report has no files"),
        (
            b'{"meta": {}, "files": {"a.py": []}}',
            "coverage.py JSON: files['a.py'] must be an object",
        ),
        (
            b'{"meta": {}, "files": {"a.py": {"executed_lines": [1]}}}',
            """coverage.py JSON: files['a.py']["missing_lines"] must be a list of line numbers""",
        ),
        (
            b'{"meta": {}, "files": {"a.py": {"executed_lines": [true], "missing_lines": []}}}',
            """coverage.py JSON: files['a.py']["executed_lines"] must be a list of line numbers""",
        ),
        (
            b'{"meta": {}, "files": {"a.py": {"executed_lines": [0], "missing_lines": []}}}',
            """coverage.py JSON: files['a.py']["executed_lines"] must be a list of line numbers""",
        ),
        (
            b'{"meta": {}, "files": {"a.py": {"executed_lines": [], "missing_lines": [],'
            b' "missing_branches": [[1]]}}}',
            "coverage.py JSON: files['a.py'][\"missing_branches\"] must be a list of [from, to]"
            " line pairs",
        ),
        (
            b'{"meta": {}, "files": {" ": {"executed_lines": [], "missing_lines": []}}}',
            "coverage.py JSON: a file with an empty path",
        ),
        (b'{"meta": {}, "files": ', "coverage.py JSON line 1 column 23: Expecting value"),
        (b'{"meta": ' + b"[" * 100_000, "coverage.py JSON: nested too deeply"),
        (b'{"meta": {}, "files": \xff}', "coverage.py JSON: not UTF-8 text (byte 22)"),
        # Cobertura
        (b"<coverage/>", "the report has no files"),
        (
            b"<coverage><sources></coverage>",
            "Cobertura XML is not well-formed XML: mismatched tag: line 1, column 21",
        ),
        (
            b"<coverage><packages>",
            "Cobertura XML is not well-formed XML: no element found: line 1, column 20",
        ),
        (
            b'<?xml version="1.0" encoding="bogus"?><coverage/>',
            "Cobertura XML: unknown encoding: bogus",
        ),
        (b"<coverage>" + b"<a>" * 70, "Cobertura XML: elements nested more than 64 deep"),
        (
            b'<coverage><packages><package><classes><class name="a"/>',
            "Cobertura XML: a <class> has no filename",
        ),
        (
            COBERTURA_CLASS.format('<line number="x" hits="1"/>').encode(),
            "Cobertura XML: <line number='x'> of a.py: number must be a non-negative integer,"
            " not 'x'",
        ),
        (
            COBERTURA_CLASS.format('<line number="3"/>').encode(),
            "Cobertura XML: <line number='3'> of a.py: hits is missing",
        ),
        (
            COBERTURA_CLASS.format(
                '<line number="3" hits="1" branch="true" condition-coverage="half"/>'
            ).encode(),
            "Cobertura XML: <line number='3'> of a.py: condition-coverage must look like"
            " '50% (1/2)', not 'half'",
        ),
        (
            COBERTURA_CLASS.format(
                '<line number="3" hits="1" branch="true"'
                f' condition-coverage="1% (1/{"9" * 5000})"/>'
            ).encode(),
            "Cobertura XML: <line number='3'> of a.py: condition-coverage is too long a number",
        ),
        # JaCoCo
        (b'<report name="r"/>', "the report has no files"),
        (
            JACOCO_FILE.format('<line mi="0" ci="1" mb="0" cb="0"/>').encode(),
            "JaCoCo XML: <line nr='?'> of com/acme/A.java: nr is missing",
        ),
        (
            JACOCO_FILE.format('<line nr="4" mi="0" ci="-1" mb="0" cb="0"/>').encode(),
            "JaCoCo XML: <line nr='4'> of com/acme/A.java: ci must be a non-negative integer,"
            " not '-1'",
        ),
        (
            b'<report name="r"><package name="com/acme"><sourcefile><line nr="1" ci="1"/>',
            "JaCoCo XML: a <sourcefile> in package 'com/acme' has no name",
        ),
        (
            b'<report name="r"><package>',
            "JaCoCo XML is not well-formed XML: no element found: line 1, column 26",
        ),
    ],
)
def test_malformed_input_is_refused_with_a_clear_message(data: bytes, message: str) -> None:
    assert error_of(parse_coverage, data) == message


@pytest.mark.parametrize(
    ("parse", "data", "message"),
    [
        (
            parse_cobertura,
            b"<report/>",
            "Cobertura XML: the root element is <report>, not <coverage>",
        ),
        (parse_jacoco, b"<coverage/>", "JaCoCo XML: the root element is <coverage>, not <report>"),
        (
            parse_go_cover,
            b"a.go:1.1,2.1 1 1\n",
            "Go coverprofile line 1: expected 'mode: set', 'mode: count' or 'mode: atomic' first",
        ),
        (parse_coveragepy_json, b"[]", "coverage.py JSON: the top level must be an object"),
        (parse_lcov, b"", "the report has no files"),
    ],
)
def test_each_parser_refuses_input_of_another_shape(
    parse: Callable[[bytes], CoverageReport], data: bytes, message: str
) -> None:
    assert error_of(parse, data) == message


# Hostile XML

LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n<{root}>&lol9;</{root}>\n"
)


@pytest.mark.parametrize(
    ("document", "entity"),
    [
        (LAUGHS.replace(b"{root}", b"coverage"), "lol"),
        (LAUGHS.replace(b"{root}", b"report"), "lol"),
        (b'<!DOCTYPE coverage [<!ENTITY big "' + b"x" * 100_000 + b'">]><coverage/>', "big"),
        (
            b'<!DOCTYPE coverage [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b"<coverage><sources><source>&xxe;</source></sources></coverage>",
            "xxe",
        ),
        (
            b'<!DOCTYPE report [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>'
            b"<report/>",
            "remote",
        ),
    ],
)
def test_entity_declarations_are_refused(document: bytes, entity: str) -> None:
    started = time.perf_counter()
    message = error_of(parse_coverage, document)
    assert time.perf_counter() - started < 1
    assert f"the XML declares an entity ('{entity}')" in message
    assert "entity declarations are refused (no entity expansion, no external entities)" in message


def test_an_external_dtd_is_neither_fetched_nor_read(tmp_path: Path) -> None:
    dtd = tmp_path / "report.dtd"
    dtd.write_text('<!ATTLIST line ci CDATA "7">\n<!ENTITY secret "from the DTD">\n')
    doctype = f'<!DOCTYPE report SYSTEM "{dtd.as_uri()}">'
    line = '<line nr="1" mi="0" mb="0" cb="0"/>'  # no ci: the DTD's default would supply one
    document = (doctype + JACOCO_FILE.format(line)).encode()
    assert error_of(parse_coverage, document) == (
        "JaCoCo XML: <line nr='1'> of com/acme/A.java: ci is missing"
    )
    uses_entity = (doctype + '<report name="r">&secret;</report>').encode()
    message = error_of(parse_coverage, uses_entity)
    assert "undefined entity" in message and "from the DTD" not in message


def test_the_jacoco_doctype_does_not_make_the_report_unreadable() -> None:
    assert fixture("jacoco.xml").count(b"<!DOCTYPE report PUBLIC") == 1
    assert parse_coverage(fixture("jacoco.xml")).files


# Arbitrary input

SAMPLES = [fixture(name) for name in sorted(EXPECTED)]


def mangled() -> st.SearchStrategy[bytes]:
    """A fixture cut short, with bytes put in, or a line replaced: deep into each parser."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        sample = draw(st.sampled_from(SAMPLES))
        cut = draw(st.integers(0, len(sample)))
        insert = draw(
            st.binary(max_size=20) | st.sampled_from([b"0", b"-", b",", b":", b"<", b"&"])
        )
        rest = draw(st.integers(cut, len(sample)))
        return sample[:cut] + insert + sample[rest:]

    return build()


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=2000) | mangled())
def test_parse_coverage_raises_nothing_but_report_error(data: bytes) -> None:
    try:
        report = parse_coverage(data)
    except ReportError as error:
        assert str(error)
    else:
        assert report.files
        assert report.format in PARSERS
        for coverage in report.files.values():
            assert all(line > 0 and hits >= 0 for line, hits in coverage.hits.items())
            assert coverage.partial <= coverage.hits.keys()
