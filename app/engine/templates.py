"""The template language of `comment` bodies and `check` titles: Jinja2, sandboxed.

Variables are the PR attributes with `_` for `-` (`{{ author }}`, `{{ approved_reviews_by |
join(", ") }}`) plus `rule`. The sandbox blocks attribute tricks and changes to lists and
mappings. A hostile template can make a worker neither build a huge value nor loop for ever:
there are no globals (`range`, `lipsum`, `namespace`, …), no macros, includes, blocks or
recursive loops, and no filters or methods that pad text; every operator, filter and method
checks the size of what it builds (MAX_TEXT), `*` repeats at most MAX_REPEAT characters or
items, loops stop after MAX_STEPS steps, and a rendering stops after MAX_SECONDS. Output is cut
at MAX_OUTPUT characters. Only plain values (text, numbers, times, lists, mappings) can be shown
or passed on: a method, `loop` or `self` is refused rather than printed as Python's repr.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from datetime import time as time_of_day
from typing import Any

from jinja2 import Environment, StrictUndefined, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.filters import do_join, do_replace
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import pass_context, pass_eval_context
from jinja2.visitor import NodeTransformer

from app.engine.attributes import ATTRIBUTES, Scope
from app.engine.conditions import FactValue

MAX_SOURCE = 20_000
MAX_OUTPUT = 60_000
MAX_REPEAT = 10_000
MAX_TEXT = 400_000
MAX_STEPS = 100_000
MAX_SECONDS = 1.0
MAX_INT_BITS = 4_096

EXTRA_VARIABLES = frozenset({"rule"})
VARIABLES: dict[str, str] = {
    attribute.name.lstrip("#").replace("-", "_"): attribute.name
    for attribute in ATTRIBUTES
    if attribute.scope is Scope.PULL_REQUEST
}

# Filters and text methods that pad, or repeat their argument: each could build gigabytes.
REMOVED_FILTERS = frozenset({"batch", "center", "format", "indent", "slice", "wordwrap"})
_PADDING_METHODS = frozenset(
    {"center", "ljust", "rjust", "zfill", "expandtabs", "format", "format_map", "join"}
    | {"replace", "translate"}
)
_FORBIDDEN: dict[type[nodes.Node], str] = {
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from … import %}",
    nodes.Extends: "{% extends %}",
    nodes.Block: "{% block %}",
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.AssignBlock: "{% set %}…{% endset %}",
    nodes.FilterBlock: "{% filter %}",
}
# A width or precision of four digits or more, or one given by `*`, in a `%` format.
_WIDE_FORMAT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d{4,}|\d*\.(?:\*|\d{4,}))")


class TemplateProblem(ValueError):
    """A template that cannot be used; `line` is 1-based within the template when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class _Budget:
    """What one rendering may still spend on loops."""

    deadline: float
    steps: int = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise SecurityError(f"loops ran more than {MAX_STEPS:,} times")
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise SecurityError(f"the template ran for more than {MAX_SECONDS:g} seconds")


_BUDGET: ContextVar[_Budget | None] = ContextVar("template_budget", default=None)

# What a template may hold as a value. Anything else (a method, a generator, `loop`, `self`)
# would print as Python's repr, which shows the object's memory address.
_SCALARS = (str, bytes, int, float, date, time_of_day, timedelta, Undefined, type(None))
_VIEWS = (type({}.keys()), type({}.values()), type({}.items()))
# Jinja's own objects, given to filters marked pass_context and the like.
_RUNTIME = (Context, EvalContext, Environment)


def _not_a_value(item: Any) -> SecurityError:
    if inspect.isroutine(item):
        name = getattr(item, "__name__", "this")
        return SecurityError(f"'{name}' is a function or method: call it, e.g. {name}()")
    return SecurityError(f"a {type(item).__name__} is not a value a template can show or use")


def _size(value: Any, limit: int = MAX_TEXT) -> int:
    """About how many characters `value` prints as, counted only until `limit` is passed (a
    list that holds the same long text many times counts it every time)."""
    total = 0
    pending = [value]
    while pending and total <= limit:
        item = pending.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, list | tuple | set | frozenset):
            total += 2 * len(item) + 2
            if total <= limit:
                pending.extend(item)
        elif isinstance(item, dict):
            total += 4 * len(item) + 2
            if total <= limit:
                pending.extend(item.keys())
                pending.extend(item.values())
        elif isinstance(item, _VIEWS):
            pending.append(list(item))
        elif isinstance(item, _SCALARS):
            total += 8
        else:
            raise _not_a_value(item)
    return total


def _sized(value: Any) -> Any:
    """`value`, when it is not too large (and the rendering has time left)."""
    budget = _BUDGET.get()
    if budget is not None:
        budget.check_time()
    if _size(value) > MAX_TEXT:
        raise SecurityError(f"the template builds a value of more than {MAX_TEXT:,} characters")
    return value


def _check_repeat(left: Any, right: Any) -> None:
    for sequence, times in ((left, right), (right, left)):
        repeats = isinstance(sequence, str | bytes | list | tuple) and isinstance(times, int)
        if repeats and _size(sequence, MAX_REPEAT) * max(times, 0) > MAX_REPEAT:
            raise SecurityError(f"repetition beyond {MAX_REPEAT:,} characters or items")
    numbers = isinstance(left, int) and isinstance(right, int)
    if numbers and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise SecurityError("the template multiplies numbers that are too large")


class _Environment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("'**' is not available in templates")
        if operator == "*":
            _check_repeat(left, right)
        if operator == "%" and isinstance(left, str):
            if _WIDE_FORMAT.search(left):
                raise SecurityError("'%' formats take widths of at most 3 digits")
            _sized(right)
        return _sized(super().call_binop(context, operator, left, right))

    def wrap_str_format(self, value: Any) -> None:
        return None  # `format` and `format_map` are refused by is_safe_attribute instead

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str | bytes) and attr in _PADDING_METHODS:
            return False
        return bool(super().is_safe_attribute(obj, attr, value))

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, str | bytes) and attribute in _PADDING_METHODS:
            message = f"the method '{attribute}' is not available in templates; use filters"
            return self.undefined(message, name=attribute, obj=obj, exc=SecurityError)
        return super().unsafe_undefined(obj, attribute)

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        return _sized(super().call(context, obj, *args, **kwargs))


def _guarded(function: Callable[..., Any]) -> Callable[..., Any]:
    """The filter `function`, refusing inputs and results larger than MAX_TEXT."""

    @functools.wraps(function)  # keeps Jinja's pass_context/pass_environment marks
    def guarded(*args: Any, **kwargs: Any) -> Any:
        for argument in (*args, *kwargs.values()):
            if not isinstance(argument, _RUNTIME):
                _sized(argument)
        result = function(*args, **kwargs)
        if isinstance(result, Iterator):
            # `map`, `select`, `reverse`… give iterators over what was already sized: as lists
            # they print as their items.
            result = list(result)
        return _sized(result)

    return guarded


@pass_eval_context
def _join(eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: Any = None) -> str:
    items = list(value)
    if sum(_size(item) for item in items) + _size(d) * len(items) > MAX_TEXT:
        raise SecurityError(f"join would build more than {MAX_TEXT:,} characters")
    return str(do_join(eval_ctx, items, d, attribute))


@pass_eval_context
def _replace(eval_ctx: Any, s: Any, old: Any, new: Any, count: int | None = None) -> str:
    text, old, new = str(s), str(old), str(new)
    if len(text) + text.count(old) * max(len(new) - len(old), 0) > MAX_TEXT:
        raise SecurityError(f"replace would build more than {MAX_TEXT:,} characters")
    return str(do_replace(eval_ctx, text, old, new, count))


def _sum_numbers(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def sum_numbers(*args: Any, start: Any = 0, **kwargs: Any) -> Any:
        if not isinstance(start, int | float):
            raise SecurityError("sum adds numbers only")
        return original(*args, start=start, **kwargs)

    return sum_numbers


@pass_context
def _counted(_context: Any, iterable: Iterable[Any]) -> Iterator[Any]:
    budget = _BUDGET.get()
    for item in iterable:
        if budget is not None:
            budget.step()
        yield item


@pass_context
def _concat(_context: Any, values: list[Any]) -> str:
    for value in values:
        _sized(value)
    return _sized("".join(str(value) for value in values))  # type: ignore[no-any-return]


@pass_context
def _literal(_context: Any, value: Any) -> Any:
    return _sized(value)


_INTERNAL_FILTERS = {"_loop_steps": _counted, "_concat": _concat, "_literal": _literal}


class _Guard(NodeTransformer):
    """Loops count their steps; `~` and list, tuple and dict literals check their size."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _filter(node.iter, "_loop_steps")
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _filter(nodes.List(node.nodes, lineno=node.lineno), "_concat")

    def visit_List(self, node: nodes.List) -> nodes.Node:
        self.generic_visit(node)
        return _filter(node, "_literal")

    def visit_Dict(self, node: nodes.Dict) -> nodes.Node:
        self.generic_visit(node)
        return _filter(node, "_literal")

    def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:
        self.generic_visit(node)
        return node if node.ctx != "load" else _filter(node, "_literal")


def _filter(node: nodes.Expr, name: str) -> nodes.Filter:
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)


def _environment() -> _Environment:
    environment = _Environment(undefined=StrictUndefined, autoescape=False, finalize=_sized)
    environment.globals.clear()
    for name in REMOVED_FILTERS:
        environment.filters.pop(name, None)
    filters = {**environment.filters, "join": _join, "replace": _replace}
    filters["sum"] = _sum_numbers(filters["sum"])
    environment.filters = {name: _guarded(f) for name, f in filters.items()}
    environment.filters.update(_INTERNAL_FILTERS)
    return environment


_ENVIRONMENT = _environment()


def check_template(source: str) -> set[str]:
    """The attributes `source` reads; TemplateProblem when it is not a valid template or uses a
    variable, filter, test or tag that does not exist here."""
    tree = _parsed(source)
    try:
        names = meta.find_undeclared_variables(tree)
    except Exception as error:
        # Finding the names compiles the template, and Jinja folds constant expressions as it
        # compiles: one that cannot be evaluated (`{{ [1].split ~ '' }}`) fails here.
        message = getattr(error, "message", None) or str(error)
        raise TemplateProblem(f"the template cannot work: {message}") from None
    unknown = sorted(names - VARIABLES.keys() - EXTRA_VARIABLES)
    if unknown:
        raise TemplateProblem(_unknown_message(unknown[0]), _line_of(tree, unknown[0]))
    return {VARIABLES[name] for name in names if name in VARIABLES}


def render(source: str, values: Mapping[str, FactValue], rule: str) -> str:
    """`source` rendered with the facts in `values` (by attribute name); TemplateProblem when
    rendering fails (a variable without a value, a blocked operation)."""
    context: dict[str, Any] = {name: values.get(attribute) for name, attribute in VARIABLES.items()}
    context["rule"] = rule
    token = _BUDGET.set(_Budget(time.monotonic() + MAX_SECONDS))
    try:
        tree = _Guard().visit(_parsed(source))
        tree.set_environment(_ENVIRONMENT)
        template = _ENVIRONMENT.from_string(tree)
        return _bounded("".join(_take(template.generate(context))))
    except TemplateError as error:
        raise TemplateProblem(f"the template failed: {error.message or error}") from None
    except RecursionError:
        raise TemplateProblem("the template failed: it nests too deeply") from None
    except TemplateProblem:
        raise
    except Exception as error:
        # The sandbox lets Python's own errors through (`{{ body | length }}` on a PR without a
        # description is a TypeError): they are the template's fault, never the evaluation's.
        raise TemplateProblem(f"the template failed: {error}") from None
    finally:
        _BUDGET.reset(token)


def _parsed(source: str) -> nodes.Template:
    """The syntax tree of `source`, refused when it uses what templates here cannot."""
    if len(source) > MAX_SOURCE:
        raise TemplateProblem(
            f"the template is {len(source):,} characters; the limit is {MAX_SOURCE:,}"
        )
    try:
        tree = _ENVIRONMENT.parse(source)
    except TemplateSyntaxError as error:
        raise TemplateProblem(f"template syntax: {error.message}", error.lineno) from None
    for node in tree.find_all(nodes.Node):
        problem = _unavailable(node)
        if problem is not None:
            raise TemplateProblem(problem, node.lineno)
    return tree


def _unavailable(node: nodes.Node) -> str | None:
    for kind, shown in _FORBIDDEN.items():
        if isinstance(node, kind):
            return f"{shown} is not available in templates"
    if isinstance(node, nodes.For) and node.recursive:
        return "recursive loops are not available in templates"
    if isinstance(node, nodes.Filter | nodes.Test):
        return _unknown_function(node)
    return None


def _unknown_function(node: nodes.Filter | nodes.Test) -> str | None:
    kind, known = ("filter", _ENVIRONMENT.filters)
    if isinstance(node, nodes.Test):
        kind, known = ("test", _ENVIRONMENT.tests)
    if node.name in known:
        return None
    if node.name in REMOVED_FILTERS and kind == "filter":
        return f"the filter '{node.name}' is not available in templates"
    public = [name for name in known if not name.startswith("_")]
    close = difflib.get_close_matches(node.name, public, n=2)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    return f"unknown {kind} '{node.name}'{hint}"


def _take(chunks: Any) -> list[str]:
    taken: list[str] = []
    size = 0
    for chunk in chunks:
        taken.append(chunk)
        size += len(chunk)
        if size > MAX_OUTPUT:
            break
    return taken


def _bounded(text: str) -> str:
    if len(text) <= MAX_OUTPUT:
        return text
    return text[:MAX_OUTPUT] + "\n\n… (cut)"


def _unknown_message(name: str) -> str:
    close = difflib.get_close_matches(name, [*VARIABLES, *EXTRA_VARIABLES], n=2)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    return f"unknown template variable '{name}'{hint}"


def _line_of(tree: nodes.Template, name: str) -> int | None:
    for node in tree.find_all(nodes.Name):
        if node.name == name:
            return node.lineno
    return None
