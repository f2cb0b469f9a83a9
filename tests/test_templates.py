"""Comment and check templates: what they may use, what they render, and what a hostile one
cannot do (build huge values, loop for ever, reach Python's internals)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from app.engine import templates
from app.engine.templates import (
    MAX_OUTPUT,
    MAX_REPEAT,
    MAX_SOURCE,
    MAX_STEPS,
    MAX_TEXT,
    TemplateProblem,
    check_template,
    render,
)

VALUES: dict[str, Any] = {
    "author": "octocat",
    "base": "main",
    "title": "feat: faster checks",
    "label": ["bug", "api"],
    "files": [f"src/module_{i:04}.py" for i in range(1000)],
    "approved-reviews-by": ["alice", "bob"],
    "number": 42,
    "draft": False,
    "milestone": None,
}


def rendered(source: str, values: dict[str, Any] | None = None) -> str:
    return render(source, VALUES if values is None else values, "Greet")


def failure(source: str) -> str:
    started = time.monotonic()
    with pytest.raises(TemplateProblem) as caught:
        rendered(source)
    assert time.monotonic() - started < 3, "a hostile template must be stopped quickly"
    return caught.value.message


def check_failure(source: str) -> tuple[str, int | None]:
    with pytest.raises(TemplateProblem) as caught:
        check_template(source)
    return caught.value.message, caught.value.line


# What a template reads


@pytest.mark.parametrize(
    ("source", "attributes"),
    [
        ("Hello", set()),
        ("{{ rule }}", set()),
        ("{{ author }} on {{ base }}", {"author", "base"}),
        ("{{ approved_reviews_by | join(', ') }}", {"approved-reviews-by"}),
        ("{% if draft %}{{ changed_lines }}{% endif %}", {"draft", "changed-lines"}),
        ("{% for f in files %}{{ f }}{% endfor %}", {"files"}),
        ("{% set n = label | length %}{{ n }}", {"label"}),
    ],
)
def test_check_template_names_the_attributes_read(source: str, attributes: set[str]) -> None:
    assert check_template(source) == attributes


@pytest.mark.parametrize(
    ("source", "message", "line"),
    [
        ("{{ autor }}", "unknown template variable 'autor' (did you mean author?)", 1),
        ("Hi\n\n{{ velocity }}", "unknown template variable 'velocity'", 3),
        ("{{ tag }}", "unknown template variable 'tag'", 1),  # release rules have no templates
        ("{{ approved-reviews-by }}", "unknown template variable 'approved'", 1),
        (
            "{% if %}",
            "template syntax: Expected an expression, got 'end of statement block'",
            1,
        ),
        (
            "a\n{{ author ",
            "template syntax: unexpected end of template, expected 'end of print statement'.",
            2,
        ),
        ("{{ author | uppper }}", "unknown filter 'uppper' (did you mean upper?)", 1),
        ("{{ author | qq }}", "unknown filter 'qq'", 1),
        ("{% if author is strng %}{% endif %}", "unknown test 'strng' (did you mean string?)", 1),
    ],
)
def test_check_template_refuses_what_cannot_render(
    source: str, message: str, line: int | None
) -> None:
    assert check_failure(source) == (message, line)


def test_the_source_has_a_size_limit() -> None:
    check_template("x" * MAX_SOURCE)
    message, _ = check_failure("x" * (MAX_SOURCE + 1))
    assert message == f"the template is {MAX_SOURCE + 1:,} characters; the limit is {MAX_SOURCE:,}"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{% include 'other' %}", "{% include %} is not available in templates"),
        ("{% import 'lib' as lib %}", "{% import %} is not available in templates"),
        ("{% from 'lib' import x %}", "{% from … import %} is not available in templates"),
        ("{% extends 'base' %}", "{% extends %} is not available in templates"),
        ("{% block b %}{{ self.b() }}{% endblock %}", "{% block %} is not available in templates"),
        (
            "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
            "{% macro %} is not available in templates",
        ),
        ("{% call f() %}x{% endcall %}", "{% call %} is not available in templates"),
        ("{% set x %}x{% endset %}", "{% set %}…{% endset %} is not available in templates"),
        ("{% filter upper %}x{% endfilter %}", "{% filter %} is not available in templates"),
        (
            "{% for f in files recursive %}{{ loop(files) }}{% endfor %}",
            "recursive loops are not available in templates",
        ),
        ("{{ author | center(80) }}", "the filter 'center' is not available in templates"),
        ("{{ body | indent(4) }}", "the filter 'indent' is not available in templates"),
        ("{{ body | wordwrap(9) }}", "the filter 'wordwrap' is not available in templates"),
        ("{{ '%s' | format(author) }}", "the filter 'format' is not available in templates"),
        ("{{ files | batch(3) | list }}", "the filter 'batch' is not available in templates"),
        ("{{ files | slice(3) | list }}", "the filter 'slice' is not available in templates"),
    ],
)
def test_tags_and_filters_that_escape_the_limits_are_refused(source: str, message: str) -> None:
    assert check_failure(source) == (message, 1)
    assert failure(source) == message  # rendering refuses them as well, without a crash


@pytest.mark.parametrize("name", ["range", "lipsum", "namespace", "cycler", "joiner", "dict"])
def test_there_are_no_globals(name: str) -> None:
    assert check_failure(f"{{{{ {name}(3) }}}}")[0] == f"unknown template variable '{name}'"
    assert failure(f"{{{{ {name}(3) }}}}") == f"the template failed: '{name}' is undefined"


# Rendering


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Thanks {{ author }}!", "Thanks octocat!"),
        ("{{ rule }}", "Greet"),
        ("{{ label | join(', ') }}", "bug, api"),
        ("{{ files | length }} files", "1000 files"),
        ("{{ approved_reviews_by | map('upper') | join('+') }}", "ALICE+BOB"),
        (
            "{% for l in label %}{{ loop.index }}.{{ l }}{% if not loop.last %} {% endif %}"
            "{% endfor %}",
            "1.bug 2.api",
        ),
        ("{% for a, b in [(1, 2), (3, 4)] %}{{ a + b }}{% endfor %}", "37"),
        ("{% if draft %}draft{% else %}ready{% endif %}", "ready"),
        ("{{ milestone | default('none', true) }}", "none"),
        ("{{ milestone }}", "None"),
        ("{{ title | replace('feat', 'feature') | upper }}", "FEATURE: FASTER CHECKS"),
        ("{{ title | truncate(9, true, '…') }}", "feat: fa…"),
        ("{{ author ~ '/' ~ base }}", "octocat/main"),
        ("{{ '%s has %d labels' % (author, label | length) }}", "octocat has 2 labels"),
        ("{{ '%-6s|%05.1f' % (base, 2.25) }}", "main  |002.2"),
        ("{{ '-' * 10 }}", "----------"),
        ("{{ label * 2 }}", "['bug', 'api', 'bug', 'api']"),
        ("{{ number * 1000 + 1 }}", "42001"),
        ("{% set d = {'a': 1} %}{{ d.a }} {{ d | tojson }}", '1 {"a": 1}'),
        ("{% with n = number %}{{ n }}{% endwith %}", "42"),
        ("{{ [3, 1, 2] | sort | sum }}", "6"),
        ("{{ label | unique | list | length }}", "2"),
        ("{{ author.upper() }} {{ title.split(':')[0] }}", "OCTOCAT feat"),
    ],
)
def test_templates_render_the_facts(source: str, expected: str) -> None:
    check_template(source)
    assert rendered(source) == expected


def test_a_variable_without_a_value_is_none() -> None:
    assert rendered("[{{ author }}]", {}) == "[None]"


def test_output_is_cut_at_the_limit() -> None:
    assert rendered("{{ body }}", {"body": "x" * MAX_OUTPUT}) == "x" * MAX_OUTPUT
    text = rendered("{% for f in files %}{{ f }}\n{% endfor %}" * 10)
    assert len(text) == MAX_OUTPUT + len("\n\n… (cut)")
    assert text.endswith("\n\n… (cut)")


def test_output_is_cut_without_producing_the_rest() -> None:
    # Ten loops over the files give 3.3 MB; only what is needed is produced.
    started = time.monotonic()
    rendered("{% for f in files %}{{ f * 100 }}{% endfor %}" * 10)
    assert time.monotonic() - started < 1


# Hostile templates


HOSTILE = [
    # Huge repetition
    ("{{ 'a' * 10001 }}", "repetition beyond 10,000 characters or items"),
    ("{{ 10001 * 'a' }}", "repetition beyond 10,000 characters or items"),
    ("{{ ('a' * 5000) * 3 }}", "repetition beyond 10,000 characters or items"),
    ("{{ [author] * 10000 }}", "repetition beyond 10,000 characters or items"),
    ("{{ author.encode() * 100000000 }}", "repetition beyond 10,000 characters or items"),
    ("{{ 2 ** 3 }}", "'**' is not available in templates"),
    ("{{ 9 ** 9 ** 9 }}", "'**' is not available in templates"),
    (
        "{% set n = 99999999999 %}" + "{% set n = n * n %}" * 20 + "{{ n }}",
        "the template multiplies numbers that are too large",
    ),
    # Values that double
    (
        "{% set s = author * 1000 %}" + "{% set s = s ~ s %}" * 40 + "{{ s | length }}",
        f"the template builds a value of more than {MAX_TEXT:,} characters",
    ),
    (
        "{% set s = author * 1000 %}" + "{% set s = s + s %}" * 40 + "{{ s | length }}",
        f"the template builds a value of more than {MAX_TEXT:,} characters",
    ),
    (
        "{% set a = [title * 100] %}" + "{% set a = [a, a, a, a, a, a, a, a] %}" * 12 + "{{ a }}",
        f"the template builds a value of more than {MAX_TEXT:,} characters",
    ),
    (
        "{% set a = ['x'] %}{% set b = ['x'] %}"
        + "{% set a = [a, a] %}{% set b = [b, b] %}" * 60
        + "{{ a == b }}",
        f"the template builds a value of more than {MAX_TEXT:,} characters",
    ),
    (
        "{{ ('\\\\' * 5000)" + " | pprint" * 40 + " }}",
        f"the template builds a value of more than {MAX_TEXT:,} characters",
    ),
    # Filters and methods that would pad or repeat
    (
        "{% set s = 'x' * 10000 %}{{ files | join(s) }}",
        f"join would build more than {MAX_TEXT:,} characters",
    ),
    (
        "{% set s = 'a' * 10000 %}{{ s | replace('a', s) }}",
        f"replace would build more than {MAX_TEXT:,} characters",
    ),
    ("{{ [[1], [2]] | sum(start=[]) }}", "sum adds numbers only"),
    ("{{ '%100000000s' % author }}", "'%' formats take widths of at most 3 digits"),
    ("{{ '%.9999f' % 1.5 }}", "'%' formats take widths of at most 3 digits"),
    ("{{ '%*s' % (100000000, author) }}", "'%' formats take widths of at most 3 digits"),
    ("{{ '%(a)9999s' % {'a': 1} }}", "'%' formats take widths of at most 3 digits"),
    *(
        (
            f"{{{{ author.{method}(100000000) }}}}",
            f"the method '{method}' is not available in templates; use filters",
        )
        for method in ("ljust", "rjust", "center", "zfill", "expandtabs")
    ),
    (
        "{{ '{:>100000000}'.format(author) }}",
        "the method 'format' is not available in templates; use filters",
    ),
    (
        "{{ '{x}'.format_map({}) }}",
        "the method 'format_map' is not available in templates; use filters",
    ),
    (
        "{{ author.replace('o', 'oooo') }}",
        "the method 'replace' is not available in templates; use filters",
    ),
    ("{{ ', '.join(files) }}", "the method 'join' is not available in templates; use filters"),
    # Loops
    (
        "{% for a in files %}{% for b in files %}{% endfor %}{% endfor %}",
        f"loops ran more than {MAX_STEPS:,} times",
    ),
    (
        "{% for a in 'x' * 10000 %}{% for b in 'y' * 10000 %}{% endfor %}{% endfor %}",
        f"loops ran more than {MAX_STEPS:,} times",
    ),
    # Escapes from the sandbox
    (
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "access to attribute '__class__' of 'str' object is unsafe.",
    ),
    (
        "{{ author.__init__.__globals__ }}",
        "access to attribute '__init__' of 'str' object is unsafe.",
    ),
    (
        "{{ (author | attr('__class__')).__base__ }}",
        "access to attribute '__class__' of 'str' object is unsafe.",
    ),
    (
        "{{ self._TemplateReference__context }}",
        "access to attribute '_TemplateReference__context' of 'TemplateReference' object"
        " is unsafe.",
    ),
    ("{{ label.__len__() }}", "access to attribute '__len__' of 'list' object is unsafe."),
    ("{{ rendered.__code__ }}", "'rendered' is undefined"),
    # Changing the facts
    ("{{ label.append('x') }}", "access to attribute 'append' of 'list' object is unsafe."),
    ("{{ label.pop() }}", "access to attribute 'pop' of 'list' object is unsafe."),
    (
        "{% set l = [1] %}{% for f in files %}{{ l.extend(l) }}{% endfor %}",
        "access to attribute 'extend' of 'list' object is unsafe.",
    ),
    (
        "{% set d = {} %}{{ d.update(a=1) }}",
        "access to attribute 'update' of 'dict' object is unsafe.",
    ),
]


# Shown, a method or an iterator would be Python's repr, with the object's memory address.
NOT_VALUES = [
    ("{{ title.split }}", "'split' is a function or method: call it, e.g. split()"),
    ("{{ title | attr('upper') }}", "'upper' is a function or method: call it, e.g. upper()"),
    ("{{ (title.split) | string }}", "'split' is a function or method: call it, e.g. split()"),
    ("{{ '' ~ title.upper }}", "'upper' is a function or method: call it, e.g. upper()"),
    ("{{ '%s' % title.lower }}", "'lower' is a function or method: call it, e.g. lower()"),
    ("{{ [title.split] }}", "'split' is a function or method: call it, e.g. split()"),
    ("{{ self }}", "a TemplateReference is not a value a template can show or use"),
    (
        "{% for l in label %}{{ loop }}{% endfor %}",
        "a LoopContext is not a value a template can show or use",
    ),
]


@pytest.mark.parametrize(("source", "message"), NOT_VALUES)
def test_what_is_not_a_value_is_refused_rather_than_shown(source: str, message: str) -> None:
    assert failure(source) == f"the template failed: {message}"


def test_filters_that_give_iterators_show_their_items() -> None:
    assert rendered("{{ label | map('upper') }}") == "['BUG', 'API']"
    assert rendered("{{ label | reverse }} {{ label | select('ne', 'bug') }}") == (
        "['api', 'bug'] ['api']"
    )
    assert rendered("{{ label | map('upper') | join(', ') }}") == "BUG, API"
    assert rendered("{{ {'a': 1}.items() | list }}") == "[('a', 1)]"


@pytest.mark.parametrize(("source", "message"), HOSTILE)
def test_hostile_templates_are_stopped(source: str, message: str) -> None:
    assert failure(source) == f"the template failed: {message}"


def test_repetition_up_to_the_limit_is_allowed() -> None:
    assert len(rendered(f"{{{{ 'a' * {MAX_REPEAT} }}}}")) == MAX_REPEAT


def test_loops_up_to_the_limit_are_allowed() -> None:
    side = int(MAX_STEPS**0.5) - 1
    values = {"files": [str(i) for i in range(side)]}
    text = render("{% for a in files %}{% for b in files %}{% endfor %}{% endfor %}ok", values, "r")
    assert text == "ok"


def test_a_rendering_stops_at_its_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(templates, "MAX_SECONDS", 0.0)
    assert failure("{% for f in files %}{{ f }}{% endfor %}") == (
        "the template failed: the template ran for more than 0 seconds"
    )


def test_the_facts_are_left_alone() -> None:
    values = {"label": ["bug"]}
    with pytest.raises(TemplateProblem):
        render("{{ label.append('x') }}", values, "r")
    assert values == {"label": ["bug"]}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ [1].split ~ '' }}", "'list object' has no attribute 'split'"),
        ("{% if {}.x ~ 1 %}{% endif %}", "'dict object' has no attribute 'x'"),
    ],
)
def test_a_constant_that_cannot_be_evaluated_is_a_problem_when_checked(
    source: str, message: str
) -> None:
    assert check_failure(source) == (f"the template cannot work: {message}", None)


def test_check_template_accepts_what_renders_safely() -> None:
    # Hostile values are found while rendering; the source itself is fine.
    assert check_template("{{ 'a' * 10001 }}") == set()


def test_counted_numbers_have_plain_names_in_templates() -> None:
    source = "{{ commits }} commits, {{ commits_behind }} behind"
    assert check_template(source) == {"#commits", "#commits-behind"}
    values = {"#commits": 3, "#commits-behind": 0}
    assert render(source, values, "r") == "3 commits, 0 behind"


def test_pythons_own_errors_in_a_template_are_template_problems() -> None:
    with pytest.raises(TemplateProblem, match="the template failed"):
        render("{{ body | length }}", {"body": None}, "r")
