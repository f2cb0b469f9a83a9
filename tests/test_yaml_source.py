"""Safe YAML loading: plain data only, with the position of every value and key."""

from __future__ import annotations

import time
from typing import Any

import pytest

from app.config.problems import ConfigInvalid
from app.config.yaml_source import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_NODES,
    Position,
    YamlDocument,
    dotted,
    load_yaml,
)

FILE = ".paasbot.yml"


def problems_of(text: str | bytes) -> list[str]:
    with pytest.raises(ConfigInvalid) as caught:
        load_yaml(text, FILE)
    return [str(problem) for problem in caught.value.problems]


# Values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: true", True),
        ("a: false", False),
        ("a: True", True),
        ("a: FALSE", False),
        # YAML 1.1 booleans stay text, as in YAML 1.2.
        ("a: yes", "yes"),
        ("a: no", "no"),
        ("a: on", "on"),
        ("a: off", "off"),
        ("a: y", "y"),
        ("a: n", "n"),
        ("a: 3", 3),
        ("a: -2", -2),
        ("a: 2.5", 2.5),
        ("a: '3'", "3"),
        ("a: 80%", "80%"),
        ("a: ~", None),
        ("a: null", None),
        ("a:", None),
        ("a: 2024-05-01", "2024-05-01"),  # timestamps stay text
        ("a: 2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z"),
        ("a: !!str 3", "3"),
        ("a: [1, x]", [1, "x"]),
        ("a: {b: c}", {"b": "c"}),
    ],
)
def test_scalars_follow_yaml_1_2(text: str, expected: Any) -> None:
    assert load_yaml(text, FILE).data == {"a": expected}


@pytest.mark.parametrize("key", ["on", "off", "yes", "no", "true", "null", "1", "2.5", "~"])
def test_keys_stay_the_text_written(key: str) -> None:
    assert load_yaml(f"{key}: x\n", FILE).data == {key: "x"}


def test_a_rules_on_key_is_the_text_on() -> None:
    data = load_yaml("rules:\n  - name: a\n    on: pull_request\n", FILE).data
    assert data == {"rules": [{"name": "a", "on": "pull_request"}]}


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n", "\n\n"])
def test_an_empty_document_is_an_empty_mapping(text: str) -> None:
    assert load_yaml(text, FILE).data == {}


def test_bytes_are_read_as_utf8_with_or_without_a_bom() -> None:
    assert load_yaml("name: café\n".encode(), FILE).data == {"name": "café"}
    assert load_yaml("\ufeffname: x\n".encode(), FILE).data == {"name": "x"}


# Positions


def test_every_value_and_key_has_its_line_and_column() -> None:
    document = load_yaml("rules:\n  - name: a\n    if: ['-draft', \"base=main\"]\n", FILE)
    assert document.values[()] == Position(1, 1, single_line=False)
    assert document.keys[("rules",)] == Position(1, 1)
    assert document.values[("rules", 0)] == Position(2, 5, single_line=False)
    assert document.keys[("rules", 0, "name")] == Position(2, 5)
    assert document.values[("rules", 0, "name")] == Position(2, 11)
    assert document.values[("rules", 0, "if", 0)] == Position(3, 10, quoted=True)
    assert document.values[("rules", 0, "if", 1)] == Position(3, 20, quoted=True)


def test_a_missing_path_is_located_at_its_nearest_enclosing_value() -> None:
    document = load_yaml("rules:\n  - name: a\n", FILE)
    assert document.position(("rules", 0, "do", "label")) == Position(2, 5, single_line=False)
    assert document.position(("nothing",)) == document.values[()]
    assert YamlDocument(FILE, {}).position(("x",)) == Position(1, 1)


def test_a_key_position_is_used_when_asked_for() -> None:
    document = load_yaml("a:\n  b: 1\n", FILE)
    assert document.position(("a", "b"), key=True) == Position(2, 3)
    assert document.position(("a", "b")) == Position(2, 6)


@pytest.mark.parametrize(
    ("position", "offset", "expected"),
    [
        (Position(3, 9), 4, Position(3, 13)),
        (Position(3, 9, quoted=True), 4, Position(3, 14, quoted=True)),
        # Inside a value spread over lines the column is unknown: the value's start is kept.
        (Position(3, 9, single_line=False), 4, Position(3, 9, single_line=False)),
    ],
)
def test_an_offset_into_a_scalar(position: Position, offset: int, expected: Position) -> None:
    assert position.at_offset(offset) == expected


def test_block_scalars_are_not_single_line() -> None:
    document = load_yaml("a: |\n  one\nb: >\n  two\nc: one\n", FILE)
    assert not document.values[("a",)].single_line
    assert not document.values[("b",)].single_line
    assert document.values[("c",)].single_line


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ((), ""),
        (("rules",), "rules"),
        (("rules", 0, "if", 1), "rules[0].if[1]"),
        (("rules", 2, "do", "label", "add", 0), "rules[2].do.label.add[0]"),
    ],
)
def test_dotted_paths(path: tuple[str | int, ...], expected: str) -> None:
    assert dotted(path) == expected


# Merge keys


def test_merge_keys_add_the_pairs_a_mapping_does_not_have() -> None:
    text = "base: &base {a: 1, b: 2}\nx:\n  <<: *base\n  b: 3\n"
    assert load_yaml(text, FILE).data["x"] == {"b": 3, "a": 1}


def test_the_first_of_several_merged_mappings_wins() -> None:
    text = "p: &p {a: 1}\nq: &q {a: 2, b: 2}\nx:\n  <<: [*p, *q]\n"
    assert load_yaml(text, FILE).data["x"] == {"a": 1, "b": 2}


def test_merged_mappings_may_merge_in_turn() -> None:
    text = "p: &p {a: 1}\nq: &q {<<: *p, b: 2}\nx: {<<: *q, c: 3}\n"
    assert load_yaml(text, FILE).data["x"] == {"c": 3, "b": 2, "a": 1}


def test_a_merged_key_does_not_count_as_a_duplicate() -> None:
    text = "p: &p {name: a}\nx: {<<: *p, name: b}\n"
    assert load_yaml(text, FILE).data["x"] == {"name": "b"}


def test_a_quoted_merge_key_is_an_ordinary_key() -> None:
    assert load_yaml("'<<': x\n", FILE).data == {"<<": "x"}


# Problems: every one with file:line:column


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "rules:\n  - name: a\n    if: [x\n",
            ".paasbot.yml:4:1: invalid YAML: while parsing a flow sequence"
            " expected ',' or ']', but got '<stream end>'",
            id="unclosed flow sequence",
        ),
        pytest.param(
            "rules:\n  - name: a\n   bad: 1\n",
            ".paasbot.yml:3:4: invalid YAML: while parsing a block collection"
            " expected <block end>, but found '<block mapping start>'",
            id="bad indentation",
        ),
        pytest.param(
            "rules:\n\t- name: a\n",
            ".paasbot.yml:2:1: invalid YAML: while scanning for the next token"
            " found character '\\t' that cannot start any token",
            id="tab",
        ),
        pytest.param(
            "a: 'unterminated\n",
            ".paasbot.yml:2:1: invalid YAML: while scanning a quoted scalar"
            " found unexpected end of stream",
            id="unterminated quote",
        ),
        pytest.param(
            "a: *nowhere\n",
            ".paasbot.yml:1:4: invalid YAML: found undefined alias 'nowhere'",
            id="undefined alias",
        ),
        pytest.param(
            "a: 1\n---\nb: 2\n",
            ".paasbot.yml:2:1: invalid YAML: expected a single document in the stream"
            " but found another document",
            id="two documents",
        ),
    ],
)
def test_syntax_errors_are_located(text: str, expected: str) -> None:
    assert problems_of(text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "rules: !!python/object:os.system {}\n",
            ".paasbot.yml:1:8: rules: the tag !!python/object:os.system is not allowed;"
            " use plain values, lists and mappings",
            id="python object",
        ),
        pytest.param(
            "a: !!python/name:os.system ''\n",
            ".paasbot.yml:1:4: a: the tag !!python/name:os.system is not allowed; use plain values",
            id="python name",
        ),
        pytest.param(
            "a: !!binary aGk=\n",
            ".paasbot.yml:1:4: a: the tag !!binary is not allowed; use plain values",
            id="binary",
        ),
        pytest.param(
            "a: !!set {x}\n",
            ".paasbot.yml:1:4: a: the tag !!set is not allowed;"
            " use plain values, lists and mappings",
            id="set",
        ),
        pytest.param(
            "a: !!omap [x: 1]\n",
            ".paasbot.yml:1:4: a: the tag !!omap is not allowed;"
            " use plain values, lists and mappings",
            id="omap",
        ),
        pytest.param(
            "a: !local 1\n",
            ".paasbot.yml:1:4: a: the tag !local is not allowed; use plain values",
            id="local tag",
        ),
    ],
)
def test_tags_are_refused(text: str, expected: str) -> None:
    assert problems_of(text) == [expected]


def test_a_key_written_twice_is_an_error_at_its_second_place() -> None:
    text = "rules: []\ndry_run: true\nrules:\n  - name: a\n"
    assert problems_of(text) == [".paasbot.yml:3:1: rules: the key 'rules' appears twice"]


def test_duplicate_keys_are_found_at_any_depth() -> None:
    text = "rules:\n  - name: a\n    do: {label: {add: [x]}, label: {add: [y]}}\n"
    assert problems_of(text) == [
        ".paasbot.yml:3:29: rules[0].do.label: the key 'label' appears twice"
    ]


def test_every_problem_is_reported_in_file_order() -> None:
    text = "b: 1\nb: 2\nc: !!binary aGk=\n"
    assert problems_of(text) == [
        ".paasbot.yml:2:1: b: the key 'b' appears twice",
        ".paasbot.yml:3:4: c: the tag !!binary is not allowed; use plain values",
    ]


@pytest.mark.parametrize(
    ("text", "column"), [("[a]: 1\n", 1), ("{a: 1}: 2\n", 1), ("? [a, b]\n: 1\n", 3)]
)
def test_keys_must_be_plain_text(text: str, column: int) -> None:
    assert problems_of(text) == [
        f".paasbot.yml:1:{column}: a key must be plain text, not a list or a mapping"
    ]


def test_a_merge_of_something_else_than_a_mapping() -> None:
    assert problems_of("x:\n  <<: [1]\n") == [".paasbot.yml:2:8: x: `<<` merges mappings only"]


# Size and hostile documents


def test_a_file_at_the_size_limit_is_read() -> None:
    text = "a: " + "x" * (MAX_BYTES - 4) + "\n"
    assert len(text.encode()) == MAX_BYTES
    assert len(load_yaml(text, FILE).data["a"]) == MAX_BYTES - 4


@pytest.mark.parametrize(
    ("content", "size"),
    [
        ("a: " + "x" * MAX_BYTES, MAX_BYTES + 3),
        ("a: " + "é" * (MAX_BYTES // 2), MAX_BYTES + 3),  # bytes are counted, not characters
        (b"#" * (MAX_BYTES + 1), MAX_BYTES + 1),
    ],
)
def test_a_larger_file_is_refused_before_it_is_parsed(content: str | bytes, size: int) -> None:
    assert problems_of(content) == [
        f".paasbot.yml:1:1: the file is {size:,} bytes; the limit is {MAX_BYTES:,}"
    ]


def test_a_file_that_is_not_utf8() -> None:
    assert problems_of(b"rules: \xff\n") == [
        ".paasbot.yml:1:1: the file is not UTF-8 text (invalid start byte)"
    ]


BILLION_LAUGHS = """\
a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_an_alias_bomb_stops_at_the_value_cap_quickly() -> None:
    started = time.monotonic()
    problems = problems_of(BILLION_LAUGHS)
    assert time.monotonic() - started < 2
    assert problems == [
        f".paasbot.yml:1:4: e[1][5][2][3]: more than {MAX_NODES:,} values"
        " (counting what aliases expand to)"
    ]


def test_the_value_cap_without_aliases() -> None:
    text = "a: [" + "1, " * MAX_NODES + "]\n"
    assert problems_of(text) == [
        f".paasbot.yml:1:{5 + 3 * (MAX_NODES - 2)}: a[{MAX_NODES - 2}]:"
        f" more than {MAX_NODES:,} values"
    ]


def test_aliases_under_the_cap_expand() -> None:
    text = "a: &a [1, 2]\nb: [*a, *a]\n"
    assert load_yaml(text, FILE).data == {"a": [1, 2], "b": [[1, 2], [1, 2]]}


def _merge_chain(levels: int) -> str:
    """Each mapping merges the previous one ten times: work grows as 10**levels."""
    sources = ["&m0 {x: 1}"]
    for level in range(1, levels + 1):
        sources.append(f"&m{level} {{<<: [{', '.join([f'*m{level - 1}'] * 10)}]}}")
    return f"x:\n  <<: [{', '.join(sources)}]\n"


def test_a_merge_key_bomb_stops_at_the_value_cap_quickly() -> None:
    started = time.monotonic()
    problems = problems_of(_merge_chain(12))
    assert time.monotonic() - started < 2
    assert problems == [
        f".paasbot.yml:2:8: x: more than {MAX_NODES:,} values (counting what aliases expand to)"
    ]


def test_values_past_the_cap_are_never_silently_dropped() -> None:
    # Once the cap is reached the document is refused, not loaded with missing values.
    with pytest.raises(ConfigInvalid):
        load_yaml(_merge_chain(5), FILE)


def test_an_alias_inside_its_own_value() -> None:
    assert problems_of("a: &a [1, *a]\n") == [
        ".paasbot.yml:1:4: a[1]: an alias refers to a value that contains it"
    ]


def test_a_mapping_merged_into_itself() -> None:
    assert problems_of("a: &a {x: 1, <<: *a}\n") == [
        ".paasbot.yml:1:4: a: `<<` merges a mapping into itself"
    ]


def test_nesting_at_the_limit_is_read() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    data = load_yaml(f"a: {text}\n", FILE).data
    for _ in range(MAX_DEPTH):
        data = data[0] if isinstance(data, list) else data["a"]
    assert data == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[" * 100_000, f".paasbot.yml:1:66: nested more than {MAX_DEPTH} levels deep"),
        (
            "a:\n" + "".join(" " * (i + 1) + "b:\n" for i in range(100)),
            f".paasbot.yml:65:65: nested more than {MAX_DEPTH} levels deep",
        ),
    ],
    ids=["flow", "block"],
)
def test_deeper_nesting_is_refused_without_exhausting_the_stack(text: str, expected: str) -> None:
    assert problems_of(text) == [expected]


def _alias_chain(last: int) -> str:
    """a0 is a list of one text; each next one a list of the previous one."""
    levels = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, last + 1)]
    return "\n".join(levels) + "\n"


def test_aliases_cannot_nest_deeper_than_the_limit() -> None:
    load_yaml(_alias_chain(MAX_DEPTH - 2), FILE)
    last = MAX_DEPTH - 1
    assert problems_of(_alias_chain(last)) == [
        f".paasbot.yml:1:10: a{last}{'[0]' * MAX_DEPTH}: nested more than {MAX_DEPTH} levels deep"
    ]
