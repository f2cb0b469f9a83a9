"""Parsing the condition language: `[-][#]attribute[operator value]` strings, and the trees YAML
gives (`any:`, `all:`, `not:`). Pure; errors carry the column and the path in the tree."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import re2

from app.engine.attributes import (
    Attribute,
    ConditionError,
    Kind,
    find_attribute,
    get_attribute,
)
from app.engine.condition_types import (
    MAX_DEPTH,
    AllOf,
    AnyOf,
    Condition,
    ConditionTree,
    Leaf,
    Not,
    Operator,
    Regex,
    RelativeTime,
    Team,
    Value,
    aware,
)

_EQUALITY = frozenset({Operator.EQ, Operator.NE})
_RANGES = frozenset({Operator.GE, Operator.LE, Operator.GT, Operator.LT})
_ALLOWED: dict[Kind, frozenset[Operator]] = {
    Kind.TEXT: _EQUALITY | {Operator.MATCH},
    Kind.LIST: _EQUALITY | {Operator.MATCH},
    Kind.NUMBER: _EQUALITY | _RANGES,
    Kind.TIME: _EQUALITY | _RANGES,
    Kind.BOOLEAN: frozenset(),
}
# Longest first, so `>=` is not read as `>` followed by `=`.
_OPERATORS = sorted(Operator, key=lambda op: -len(op.value))

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_RELATIVE = re.compile(r"([0-9]+)\s*(minute|hour|day|week)s?\s+ago", re.IGNORECASE)
_TEAM = re.compile(r"@([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9_.-]+)")


# Parsing one condition


def parse_condition(text: str) -> Condition:
    """Parse `[-][#]attribute[operator value]`; ConditionError (with a column) when it cannot."""
    if not isinstance(text, str):
        raise ConditionError(f"a condition must be text, not {type(text).__name__}", 0)
    pos = _skip_spaces(text, 0)
    if pos == len(text):
        raise ConditionError("empty condition", 0)
    negated = text.startswith("-", pos)
    pos = _skip_spaces(text, pos + 1) if negated else pos
    count = text.startswith("#", pos)
    hash_at = pos
    pos = pos + 1 if count else pos
    name_at = pos
    name = _read_name(text, pos)
    attribute = _lookup(name, count, hash_at, name_at)
    count = count and attribute.kind is Kind.LIST
    pos = _skip_spaces(text, name_at + len(name))
    if pos == len(text):
        return _bare(text, attribute, negated, count, pos)
    operator = _read_operator(text, pos, name)
    _check_operator(attribute, count, operator, pos)
    value_at = _skip_spaces(text, pos + len(operator.value))
    raw = text[value_at:].rstrip()
    value = _parse_value(attribute, count, operator, raw, value_at)
    return Condition(text, attribute, negated, count, operator, value)


def _skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _read_name(text: str, pos: int) -> str:
    match = _NAME.match(text, pos)
    if match is None:
        found = f"'{text[pos]}'" if pos < len(text) else "the end"
        raise ConditionError(f"expected an attribute name, found {found}", pos)
    return match.group()


def _lookup(name: str, count: bool, hash_at: int, name_at: int) -> Attribute:
    if not count:
        return get_attribute(name, name_at)
    attribute = find_attribute(f"#{name}") or find_attribute(name)
    if attribute is None:
        return get_attribute(f"#{name}", hash_at)
    if attribute.name.startswith("#"):
        return attribute
    if attribute.kind is not Kind.LIST:
        raise ConditionError(
            f"'#' takes the length of a list attribute;"
            f" {name} is a {attribute.kind.value} attribute",
            hash_at,
        )
    return attribute


def _bare(text: str, attribute: Attribute, negated: bool, count: bool, pos: int) -> Condition:
    if attribute.kind is Kind.BOOLEAN and not count:
        return Condition(text, attribute, negated)
    shown = f"#{attribute.name}" if count else attribute.name
    raise ConditionError(f"{shown} needs an operator and a value, e.g. {shown}=...", pos)


def _read_operator(text: str, pos: int, name: str) -> Operator:
    for operator in _OPERATORS:
        if text.startswith(operator.value, pos):
            return operator
    choices = ", ".join(op.value for op in Operator)
    raise ConditionError(f"expected an operator ({choices}) after {name}, found '{text[pos]}'", pos)


def _check_operator(attribute: Attribute, count: bool, operator: Operator, pos: int) -> None:
    kind = Kind.NUMBER if count else attribute.kind
    if kind is Kind.BOOLEAN:
        raise ConditionError(
            f"{attribute.name} is a boolean and takes no operator;"
            f" write {attribute.name} or -{attribute.name}",
            pos,
        )
    allowed = _ALLOWED[kind]
    if operator not in allowed:
        shown = f"#{attribute.name}" if count else attribute.name
        choices = ", ".join(op.value for op in Operator if op in allowed)
        raise ConditionError(
            f"'{operator.value}' does not apply to {shown} ({kind.value}); use {choices}", pos
        )


def _parse_value(attribute: Attribute, count: bool, operator: Operator, raw: str, at: int) -> Value:
    if count or attribute.kind is Kind.NUMBER:
        return _parse_number(raw, at)
    if attribute.kind is Kind.TIME:
        return _parse_time(raw, at)
    if operator is Operator.MATCH:
        return _parse_regex(raw, at)
    if attribute.logins and raw.startswith("@"):
        return _parse_team(raw, at)
    return raw


def _parse_number(raw: str, at: int) -> int | float:
    if _NUMBER.fullmatch(raw) is None:
        raise ConditionError(f"expected a number, found '{raw}'", at)
    return float(raw) if "." in raw else int(raw)


def _parse_time(raw: str, at: int) -> datetime | RelativeTime:
    relative = _RELATIVE.fullmatch(raw)
    if relative is not None:
        return _relative(int(relative.group(1)), relative.group(2).lower(), at)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ConditionError(
            f"expected a time (ISO 8601, or 'N minutes|hours|days|weeks ago'), found '{raw}'", at
        ) from None
    return aware(moment)


def _relative(amount: int, unit: str, at: int) -> RelativeTime:
    try:
        return RelativeTime(timedelta(**{f"{unit}s": amount}))
    except OverflowError:
        raise ConditionError(f"{amount} {unit}s ago is too far in the past", at) from None


def _regex_options() -> Any:
    options = re2.Options()
    options.log_errors = False
    return options


_RE2_OPTIONS = _regex_options()


def _parse_regex(raw: str, at: int) -> Regex:
    try:
        return Regex(raw, re2.compile(raw, _RE2_OPTIONS))
    except re2.error as error:
        reason = error.args[0] if error.args else "invalid"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ConditionError(f"invalid regular expression '{raw}': {reason}", at) from None
    except UnicodeError:
        raise ConditionError(f"invalid regular expression '{raw}': not valid text", at) from None


def _parse_team(raw: str, at: int) -> Team:
    match = _TEAM.fullmatch(raw)
    if match is None:
        raise ConditionError(f"a team is written @org/team-slug, found '{raw}'", at)
    return Team(match.group(1), match.group(2))


# Parsing a tree


def parse_tree(node: object, path: str = "if") -> ConditionTree:
    """A YAML-loaded condition tree: a string, a list (all of), or `{any|all|not: ...}`."""
    return _tree(node, path, 0)


def _tree(node: object, path: str, depth: int) -> ConditionTree:
    if depth > MAX_DEPTH:
        raise ConditionError(f"conditions nested more than {MAX_DEPTH} deep", path=path)
    if isinstance(node, str):
        return _leaf(node, path)
    if isinstance(node, list):
        return AllOf(_children(node, path, depth), path)
    if isinstance(node, dict):
        return _group(node, path, depth)
    raise ConditionError(
        "expected a condition, a list of conditions, or a mapping with any:, all: or not:,"
        f" found {_describe(node)}",
        path=path,
    )


def _leaf(text: str, path: str) -> Leaf:
    try:
        return Leaf(parse_condition(text), path)
    except ConditionError as error:
        raise error.at(path) from None


def _children(nodes: list[object], path: str, depth: int) -> tuple[ConditionTree, ...]:
    return tuple(_tree(child, f"{path}[{i}]", depth + 1) for i, child in enumerate(nodes))


def _group(node: dict[Any, Any], path: str, depth: int) -> ConditionTree:
    if len(node) != 1:
        keys = ", ".join(sorted(repr(key) for key in node)) or "none"
        raise ConditionError(
            f"a mapping must have exactly one key, any:, all: or not: (found {keys})", path=path
        )
    key, value = next(iter(node.items()))
    inner = f"{path}.{key}"
    if key == "not":
        return Not(_tree(value, inner, depth + 1), path)
    if key not in ("any", "all"):
        raise ConditionError(f"unknown key {key!r}; expected any:, all: or not:", path=path)
    if not isinstance(value, list) or not value:
        raise ConditionError(f"{key}: takes a non-empty list of conditions", path=inner)
    children = _children(value, inner, depth + 1)
    return AnyOf(children, path) if key == "any" else AllOf(children, path)


def _describe(node: object) -> str:
    if node is None:
        return "nothing"
    return f"{type(node).__name__} {node!r}"[:80]
