"""Fuzzing what a `.paasbot.yml` feeds paasbot (issue 13): the condition parser and evaluator, the
file validator (and the merge of what it accepts) and the template sandbox.

Arbitrary text, text shaped by each language's own tokens, and mutations of the real presets and
example files. The condition parser answers a condition or `ConditionError`, the validator a
layer or `ConfigInvalid` whose problems are located, the templates text or `TemplateProblem`;
never another exception, never the same input judged twice differently, and no rendering shows
Python's internals. Budgets are fixed and derandomized so CI replays the same examples."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.actions.registry import OPTIONS
from app.config.merge import merge_layers
from app.config.model import ConfigLayer
from app.config.presets import presets
from app.config.problems import ConfigInvalid
from app.config.validate import parse_config_file
from app.config.yaml_source import load_yaml
from app.engine.attributes import ATTRIBUTES, Kind, attribute_names
from app.engine.conditions import (
    Condition,
    ConditionError,
    Operator,
    Regex,
    RelativeTime,
    StaticFacts,
    Team,
    evaluate,
    parse_condition,
    parse_tree,
)
from app.engine.templates import MAX_OUTPUT, VARIABLES, TemplateProblem, check_template, render
from tests.config_examples import VALID_EXAMPLES

RULES = Path(__file__).resolve().parents[2] / "rules"
FILE = ".paasbot.yml"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# Conditions

OPERATORS = [operator.value for operator in Operator]
VALUES = [
    "main", "1", "-3", "+2", "1.5", "0", "99999999999999999999", "3 days ago", "2 weeks ago",
    "99999999999 weeks ago", "2026-01-01", "2026-01-01T10:00:00+02:00", "@acme/backend", "@x",
    "^feat", "(?i)^api\\b", "(a+)+$", "(", "[", "\\", "(?P<v>a)", "a{1000}", "\\1", "(?=a)",
    "é", "\u0000", "\ud800", " ", "",
]  # fmt: skip
CONDITION_TOKENS = st.one_of(
    st.sampled_from(["-", "#", " ", "\t", "-#"]),
    st.sampled_from(attribute_names()),
    st.sampled_from(OPERATORS),
    st.sampled_from(VALUES),
    st.text(max_size=4),
)
near_conditions = st.lists(CONDITION_TOKENS, max_size=8).map("".join)
well_formed = st.builds(
    lambda negated, name, operator, value: f"{negated}{name}{operator}{value}",
    st.sampled_from(["", "-", "- "]),
    st.sampled_from(attribute_names()),
    st.sampled_from(["", *OPERATORS]),
    st.sampled_from(VALUES),
)
conditions_text = st.one_of(st.text(), near_conditions, well_formed)
trees = st.recursive(
    st.one_of(conditions_text, st.none(), st.integers(), st.booleans()),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(["any", "all", "not"]), children, min_size=1, max_size=1),
        st.dictionaries(
            st.one_of(st.sampled_from(["any", "all", "not", "or"]), st.text(max_size=3)),
            children,
            max_size=3,
        ),
    ),
    max_leaves=12,
)
fact_values = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.booleans(),
    st.datetimes(timezones=st.sampled_from([UTC, None])),
    st.lists(st.text(max_size=10), max_size=4),
)
facts = st.builds(
    StaticFacts,
    st.dictionaries(st.sampled_from(attribute_names()), fact_values),
    st.dictionaries(st.sampled_from(["acme/backend", "acme/staff"]), st.sets(st.text(max_size=5))),
)


def condition_outcome(text: Any) -> Condition | ConditionError:
    try:
        return parse_condition(text)
    except ConditionError as error:
        return error


def shape(condition: Condition) -> tuple[Any, ...]:
    return (
        condition.attribute,
        condition.negated,
        condition.count,
        condition.operator,
        condition.value,
    )


def canonical(condition: Condition) -> str:
    """The condition written the plainest way the grammar allows."""
    name = condition.attribute.name
    if condition.count and not name.startswith("#"):
        name = f"#{name}"
    text = f"{'-' if condition.negated else ''}{name}"
    if condition.operator is None:
        return text
    return f"{text}{condition.operator.value}{written(condition.value)}"


def written(value: Any) -> str:
    if isinstance(value, Regex):
        return value.pattern
    if isinstance(value, Team):
        return f"@{value.name}"
    if isinstance(value, RelativeTime):
        return f"{value.ago // timedelta(minutes=1)} minutes ago"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


@fuzz(600)
@given(conditions_text)
def test_a_condition_parses_or_is_refused_with_a_located_error(text: str) -> None:
    outcome = condition_outcome(text)
    if isinstance(outcome, ConditionError):
        assert outcome.message
        assert outcome.column is None or 0 <= outcome.column <= len(text)
        return
    again = condition_outcome(text)
    assert isinstance(again, Condition) and shape(again) == shape(outcome)


@fuzz(400)
@given(st.one_of(near_conditions, well_formed))
def test_a_condition_written_canonically_parses_to_the_same_condition(text: str) -> None:
    outcome = condition_outcome(text)
    if isinstance(outcome, ConditionError):
        return
    rewritten = condition_outcome(canonical(outcome))
    assert isinstance(rewritten, Condition), (canonical(outcome), rewritten)
    assert shape(rewritten) == shape(outcome)


@fuzz(250)
@given(trees, facts)
def test_a_condition_tree_parses_or_is_refused_and_evaluates_on_any_facts(
    node: Any, seen: StaticFacts
) -> None:
    try:
        tree = parse_tree(node)
    except ConditionError as error:
        assert error.message and error.path
        return
    outcome = evaluate(tree, seen, NOW)
    assert isinstance(outcome.holds, bool)
    assert outcome.path == tree.path
    assert parse_tree(node) == tree


def test_every_attribute_is_in_the_fuzzed_vocabulary() -> None:
    """The token strategies above draw from the attribute table, so a new kind is fuzzed too."""
    assert {a.kind for a in ATTRIBUTES} == set(Kind)
    assert all(a.name in attribute_names() for a in ATTRIBUTES)


# The validator

SETTING_KEYS = ["extends", "dry_run", "onboarding", "defaults", "rules"]
RULE_KEYS = ["name", "description", "enabled", "on", "if", "do"]
OPTION_KEYS = sorted({key for options in OPTIONS.values() for key in options.model_fields})
KEYS = [*SETTING_KEYS, *RULE_KEYS, *OPTIONS, *OPTION_KEYS, "<<", "any", "all", "not"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    conditions_text,
    st.sampled_from(["golden-path", "minimal", "acme/.github", "pull_request.opened", "80%"]),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), children, max_size=5
        ),
    ),
    max_leaves=25,
)


def options_of(action: str) -> st.SearchStrategy[dict[str, Any]]:
    """`{action: {option: value}}` with the action's own option names and hostile values."""
    values = st.one_of(
        scalars,
        st.deferred(lambda: st.one_of(near_templates, expressions)),
        st.lists(
            st.one_of(scalars, st.sampled_from(["../..", "acme/x", "evil/y", "%f:%l"])), max_size=3
        ),
    )
    names = sorted(OPTIONS[action].model_fields)
    return st.fixed_dictionaries(
        {action: st.dictionaries(st.sampled_from(names), values, max_size=4)}
    )


rule_like = st.fixed_dictionaries(
    {"name": st.one_of(st.text(max_size=8), scalars)},
    optional={
        "if": trees,
        "on": st.one_of(st.sampled_from(["pull_request.opened", "release.published"]), scalars),
        "do": st.one_of(
            st.dictionaries(st.sampled_from(sorted(OPTIONS)), documents, max_size=2),
            st.sampled_from(sorted(OPTIONS)).flatmap(lambda action: options_of(action)),
        ),
        "enabled": scalars,
    },
)
file_like = st.fixed_dictionaries(
    {"rules": st.lists(rule_like, max_size=4)},
    optional={
        "extends": st.one_of(scalars, st.lists(scalars, max_size=3)),
        "defaults": st.dictionaries(st.sampled_from(sorted(OPTIONS)), documents, max_size=2),
        "dry_run": scalars,
    },
)


def sources() -> dict[str, str]:
    found = {f"preset {path.stem}": path.read_text() for path in sorted(RULES.glob("*.yml"))}
    return {**found, **{name: text for name, text in VALID_EXAMPLES.items() if text.strip()}}


SOURCES = sources()
# The real files as data (read as paasbot reads them: `on:` stays a key).
SOURCE_DATA = {name: load_yaml(text, FILE).data for name, text in SOURCES.items()}


def dumped(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def judged(content: str | bytes) -> ConfigLayer | ConfigInvalid:
    """What the validator says of `content`; the problems are checked to be usable as they are."""
    try:
        layer = parse_config_file(content, FILE, presets=presets())
    except ConfigInvalid as invalid:
        assert invalid.problems
        for problem in invalid.problems:
            assert problem.file == FILE
            assert problem.line >= 1 and problem.column >= 1
            assert problem.message.strip()
        return invalid
    try:
        merge_layers([layer])
    except ConfigInvalid as invalid:
        assert all(problem.message.strip() for problem in invalid.problems)
    return layer


def judged_twice(content: str | bytes) -> None:
    first, second = judged(content), judged(content)
    if isinstance(first, ConfigInvalid):
        assert isinstance(second, ConfigInvalid) and second.problems == first.problems
    else:
        assert first == second


@fuzz(150)
@given(documents)
def test_any_yaml_document_is_validated_or_refused_with_located_problems(data: Any) -> None:
    judged_twice(dumped(data))


@fuzz(120)
@given(file_like)
def test_any_file_shaped_document_is_validated_or_refused(data: Any) -> None:
    judged_twice(dumped(data))


@fuzz(300)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_any_text_or_bytes_is_validated_or_refused(content: str | bytes) -> None:
    judged_twice(content)


def mutate(data: Any, draw: Any, depth: int = 0) -> Any:
    """`data` with one value somewhere replaced, dropped, duplicated or retyped."""
    if isinstance(data, dict) and data and depth < 8 and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(data, key=str)))
        return {**data, key: mutate(data[key], draw, depth + 1)}
    if isinstance(data, list) and data and depth < 8 and draw(st.booleans()):
        i = draw(st.integers(0, len(data) - 1))
        return [*data[:i], mutate(data[i], draw, depth + 1), *data[i + 1 :]]
    how = draw(st.sampled_from(["replace", "drop", "wrap", "duplicate", "document"]))
    if how == "replace":
        return draw(scalars)
    if how == "drop" and isinstance(data, dict) and data:
        key = draw(st.sampled_from(sorted(data, key=str)))
        return {k: v for k, v in data.items() if k != key}
    if how == "drop" and isinstance(data, list) and data:
        return data[1:]
    if how == "wrap":
        return [data]
    if how == "duplicate" and isinstance(data, list):
        return data + data
    return draw(documents)


@fuzz(150)
@given(st.sampled_from(sorted(SOURCE_DATA)), st.data())
def test_mutated_presets_and_examples_are_validated_or_refused(name: str, data: Any) -> None:
    mutated = SOURCE_DATA[name]
    for _ in range(data.draw(st.integers(1, 3))):
        mutated = mutate(mutated, data.draw)
    judged_twice(dumped(mutated))


@fuzz(150)
@given(st.sampled_from(sorted(SOURCES)), st.data())
def test_text_edits_of_presets_and_examples_are_validated_or_refused(name: str, data: Any) -> None:
    text = SOURCES[name]
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 8))
        inserted = data.draw(
            st.one_of(st.text(max_size=6), st.sampled_from(list("-:[]{}&*!|>'\"#% \n\t")))
        )
        text = text[:at] + inserted + text[at + cut :]
    judged_twice(text)


# Templates

TEMPLATE_TOKENS = st.one_of(
    st.sampled_from(["{{ ", " }}", "{% ", " %}", "{# ", " #}", "{%- ", " -%}", "\n", " "]),
    st.sampled_from(["for x in ", "endfor", "if ", "else", "endif", "set y = ", "raw", "endraw"]),
    st.sampled_from(sorted(VARIABLES)),
    st.sampled_from(["rule", "x", "y", "loop", "loop.index", "self", "cycler", "range", "lipsum"]),
    st.sampled_from(["|upper", "|join(', ')", "|map('upper')", "|list", "|string", "|length"]),
    st.sampled_from(["|first", "|reverse", "|unique", "|select", "|pprint", "|tojson", "|e"]),
    st.sampled_from(["|sum", "|int", "|truncate(5)", "|replace('a', 'bb')", "|attr('split')"]),
    st.sampled_from([".__class__", ".__mro__", ".__init__", ".__globals__", ".__subclasses__()"]),
    st.sampled_from([".split", ".split()", ".upper()", ".mro()", ".items()", "[0]", "[1:]"]),
    st.sampled_from(["*", "**", "~", "+", "%", "/", "//", "-", " in ", " is ", " not ", ","]),
    st.sampled_from(["9999", "10", "2", "'a'", '"%s"', "'%9999s'", "[", "]", "(", ")", "{", "}"]),
    st.text(max_size=4),
)
near_templates = st.lists(TEMPLATE_TOKENS, max_size=14).map("".join)
# `{{ value.attribute|filter… }}`: what reaches objects rather than syntax errors.
TRAILERS = [
    ".split", ".upper", ".split()", ".__class__", ".__init__", ".__globals__", ".mro", ".items",
    ".items()", "[0]", "[1:]", "|map('upper')", "|reverse", "|select", "|unique", "|list",
    "|string", "|pprint", "|tojson", "|attr('split')", "|attr('__class__')", "|first", "|sort",
    "|join(', ')", "|length", "|e", " ~ ''", " * 3", " % 1",
]  # fmt: skip
expressions = st.builds(
    lambda head, trailers, wrap: wrap.format("".join([head, *trailers])),
    st.sampled_from([*sorted(VARIABLES), "rule", "self", "'%s'", "'a'", "[1]", "{}", "loop"]),
    st.lists(st.sampled_from(TRAILERS), max_size=4),
    st.sampled_from(
        ["{{{{ {} }}}}", "{{{{ [{}] }}}}", "{{% for x in label %}}{{{{ {} }}}}{{% endfor %}}"]
    ),
)
PR_VALUES: dict[str, Any] = {
    "title": "Retry charges",
    "body": "b" * 2_000,
    "author": "alice",
    "base": "main",
    "label": ["bug", "api"],
    "files": ["src/app.py", "README.md"],
    "number": 42,
    "#commits": 3,
    "draft": False,
    "created-at": datetime(2026, 1, 1, tzinfo=UTC),
    "milestone": None,
}
# What Python shows of its objects: a repr with an address, a function, a class, a module.
INTERNALS = re.compile(
    r" at 0x[0-9a-fA-F]+|<(?:built-in |bound )?(?:function|method)|<class '|<module '"
)


@fuzz(400)
@given(st.one_of(st.text(), near_templates, expressions))
@example("{{ [1].split ~ '' }}")
def test_a_template_renders_or_fails_with_a_template_problem_and_no_internals(
    source: str,
) -> None:
    try:
        check_template(source)
        text = render(source, PR_VALUES, "A rule")
    except TemplateProblem as problem:
        assert problem.message
        assert INTERNALS.search(problem.message) is None, problem.message
        return
    assert len(text) <= MAX_OUTPUT + len("\n\n… (cut)")
    leaked = set(INTERNALS.findall(text)) - set(INTERNALS.findall(source))
    assert not leaked, text[:300]


# Found by this fuzzing with a larger budget: Jinja folded the constant as it compiled, and the
# UndefinedError it raised crashed the validator.
FOUND = "{{ [1].split ~ '' }}"


@fuzz(300)
@given(st.one_of(expressions, near_templates))
@example(FOUND)
def test_a_template_in_a_file_is_validated_or_refused(source: str) -> None:
    judged_twice(dumped({"rules": [{"name": "r", "do": {"comment": {"body": source}}}]}))
