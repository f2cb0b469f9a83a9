"""The template language of `comment` bodies and `check` titles: Jinja2, sandboxed.

Variables are the PR attributes with `_` for `-` (`{{ author }}`, `{{ approved_reviews_by |
join(", ") }}`) plus `rule`. The sandbox blocks attribute tricks; `range` is gone and `*`/`**`
are capped, so a hostile template cannot make a worker build a huge string or loop for ever.
Output is cut at MAX_OUTPUT characters.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from app.engine.attributes import ATTRIBUTES, Scope
from app.engine.conditions import FactValue

MAX_SOURCE = 20_000
MAX_OUTPUT = 60_000
MAX_REPEAT = 10_000

EXTRA_VARIABLES = frozenset({"rule"})
VARIABLES: dict[str, str] = {
    attribute.name.replace("-", "_"): attribute.name
    for attribute in ATTRIBUTES
    if attribute.scope is Scope.PULL_REQUEST
}


class TemplateProblem(ValueError):
    """A template that cannot be used; `line` is 1-based within the template when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _Environment(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("'**' is not available in templates")
        for sequence, times in ((left, right), (right, left)):
            repeated = isinstance(sequence, str | list | tuple) and isinstance(times, int)
            if repeated and len(sequence) * max(times, 0) > MAX_REPEAT:
                raise SecurityError(f"repetition beyond {MAX_REPEAT} items")
        return super().call_binop(context, operator, left, right)


def _environment() -> _Environment:
    environment = _Environment(undefined=StrictUndefined, autoescape=False)
    environment.globals.pop("range", None)
    return environment


_ENVIRONMENT = _environment()


def check_template(source: str) -> set[str]:
    """The attributes `source` reads; TemplateProblem when it is not a valid template or uses a
    variable that does not exist."""
    if len(source) > MAX_SOURCE:
        raise TemplateProblem(
            f"the template is {len(source):,} characters; the limit is {MAX_SOURCE:,}"
        )
    try:
        tree = _ENVIRONMENT.parse(source)
    except TemplateSyntaxError as error:
        raise TemplateProblem(f"template syntax: {error.message}", error.lineno) from None
    names = meta.find_undeclared_variables(tree)
    unknown = sorted(names - VARIABLES.keys() - EXTRA_VARIABLES)
    if unknown:
        raise TemplateProblem(_unknown_message(unknown[0]), _line_of(tree, unknown[0]))
    return {VARIABLES[name] for name in names if name in VARIABLES}


def render(source: str, values: Mapping[str, FactValue], rule: str) -> str:
    """`source` rendered with the facts in `values` (by attribute name); TemplateProblem when
    rendering fails (a variable without a value, a blocked operation)."""
    context: dict[str, Any] = {name: values.get(attribute) for name, attribute in VARIABLES.items()}
    context["rule"] = rule
    try:
        template = _ENVIRONMENT.from_string(source)
        return _bounded("".join(_take(template.generate(context))))
    except TemplateError as error:
        raise TemplateProblem(f"the template failed: {error.message or error}") from None


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
