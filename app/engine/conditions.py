"""The condition language of `.paasbot.yml`: parse, nest and evaluate. Pure functions, no I/O.

A condition is `[-][#]attribute[operator value]`; trees nest them with `any:`, `all:` and `not:`.
Regular expressions are RE2, so a hostile pattern cannot hang a worker.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any, Protocol

import re2

from app.engine.attributes import (
    Attribute,
    ConditionError,
    Kind,
    find_attribute,
    get_attribute,
)

__all__ = [
    "AllOf",
    "AnyOf",
    "Condition",
    "ConditionError",
    "ConditionTree",
    "FactValue",
    "Facts",
    "GroupOutcome",
    "Leaf",
    "LeafOutcome",
    "Not",
    "Operator",
    "Outcome",
    "Regex",
    "RelativeTime",
    "StaticFacts",
    "Team",
    "attributes_used",
    "evaluate",
    "parse_condition",
    "parse_tree",
]

MAX_DEPTH = 32


class Operator(Enum):
    EQ = "="
    NE = "!="
    MATCH = "~="
    GE = ">="
    LE = "<="
    GT = ">"
    LT = "<"


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


@dataclass(frozen=True)
class Team:
    """An `@org/team` value on a login attribute."""

    org: str
    slug: str

    @property
    def name(self) -> str:
        return f"{self.org}/{self.slug}"


@dataclass(frozen=True)
class Regex:
    pattern: str
    compiled: Any = field(compare=False, repr=False)


@dataclass(frozen=True)
class RelativeTime:
    """`N units ago`: compared against `now - ago` at evaluation time."""

    ago: timedelta


Value = str | int | float | datetime | RelativeTime | Regex | Team


@dataclass(frozen=True)
class Condition:
    text: str
    attribute: Attribute
    negated: bool = False
    count: bool = False
    operator: Operator | None = None
    value: Value | None = None

    @property
    def kind(self) -> Kind:
        """The kind of what is compared: a `#list` count is a number."""
        return Kind.NUMBER if self.count else self.attribute.kind


@dataclass(frozen=True)
class Leaf:
    condition: Condition
    path: str


@dataclass(frozen=True)
class AllOf:
    children: tuple[ConditionTree, ...]
    path: str


@dataclass(frozen=True)
class AnyOf:
    children: tuple[ConditionTree, ...]
    path: str


@dataclass(frozen=True)
class Not:
    child: ConditionTree
    path: str


ConditionTree = Leaf | AllOf | AnyOf | Not

FactValue = str | int | bool | datetime | list[str] | None


class Facts(Protocol):
    def value(self, attribute: str) -> FactValue: ...

    def members(self, team: str) -> set[str]: ...


@dataclass(frozen=True)
class StaticFacts:
    """Facts known up front: attribute values by name, team members by `org/team`."""

    values: Mapping[str, FactValue] = field(default_factory=dict)
    teams: Mapping[str, set[str]] = field(default_factory=dict)

    def value(self, attribute: str) -> FactValue:
        return self.values.get(attribute)

    def members(self, team: str) -> set[str]:
        return set(self.teams.get(team, set()))


@dataclass(frozen=True)
class LeafOutcome:
    condition: Condition
    path: str
    holds: bool
    seen: FactValue


@dataclass(frozen=True)
class GroupOutcome:
    kind: str  # "all", "any" or "not"
    path: str
    holds: bool
    children: tuple[Outcome, ...]


Outcome = LeafOutcome | GroupOutcome


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
    return _aware(moment)


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


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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


# Evaluation


def evaluate(tree: ConditionTree, facts: Facts, now: datetime) -> Outcome:
    """Evaluate `tree` against `facts`; relative times are measured back from `now`."""
    now = _aware(now)
    if isinstance(tree, Leaf):
        return _evaluate_leaf(tree, facts, now)
    if isinstance(tree, Not):
        child = evaluate(tree.child, facts, now)
        return GroupOutcome("not", tree.path, not child.holds, (child,))
    children = tuple(evaluate(child, facts, now) for child in tree.children)
    if isinstance(tree, AnyOf):
        return GroupOutcome("any", tree.path, any(c.holds for c in children), children)
    return GroupOutcome("all", tree.path, all(c.holds for c in children), children)


def attributes_used(tree: ConditionTree) -> set[str]:
    """The attribute names whose values `evaluate` will ask `facts` for."""
    if isinstance(tree, Leaf):
        return {tree.condition.attribute.name}
    if isinstance(tree, Not):
        return attributes_used(tree.child)
    return set().union(*(attributes_used(child) for child in tree.children))


def _evaluate_leaf(leaf: Leaf, facts: Facts, now: datetime) -> LeafOutcome:
    condition = leaf.condition
    seen = facts.value(condition.attribute.name)
    if condition.count and isinstance(seen, list | tuple):
        seen = len(seen)
    holds = seen is not None and _holds(condition, seen, facts, now)
    return LeafOutcome(condition, leaf.path, holds != condition.negated, seen)


def _holds(condition: Condition, seen: Any, facts: Facts, now: datetime) -> bool:
    kind = condition.kind
    if kind is Kind.BOOLEAN:
        return bool(seen)
    if kind is Kind.NUMBER:
        return _is_number(seen) and _compare(condition.operator, seen, condition.value)
    if kind is Kind.TIME:
        return isinstance(seen, datetime) and _compare_time(condition, seen, now)
    if kind is Kind.LIST:
        return _holds_list(condition, _as_list(seen), facts)
    return _holds_text(condition, str(seen), facts)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _holds_list(condition: Condition, items: list[str], facts: Facts) -> bool:
    found = any(_item_matches(condition, item, facts) for item in items)
    return not found if condition.operator is Operator.NE else found


def _as_list(seen: Any) -> list[str]:
    if isinstance(seen, list | tuple | set | frozenset):
        return [str(item) for item in seen]
    return [str(seen)]


def _holds_text(condition: Condition, text: str, facts: Facts) -> bool:
    found = _item_matches(condition, text, facts)
    return not found if condition.operator is Operator.NE else found


def _item_matches(condition: Condition, item: str, facts: Facts) -> bool:
    """Whether `item` matches the value: searched for `~=`, equal for `=` and `!=`."""
    value = condition.value
    if isinstance(value, Regex):
        return _search(value, item)
    if isinstance(value, Team):
        members = {member.casefold() for member in facts.members(value.name)}
        return item.casefold() in members or item.casefold() == f"@{value.name}".casefold()
    if condition.attribute.logins:
        return item.casefold() == str(value).casefold()
    return item == value


def _search(regex: Regex, item: str) -> bool:
    try:
        return regex.compiled.search(item) is not None
    except UnicodeError:
        return False


def _compare(operator: Operator | None, left: Any, right: Any) -> bool:
    if operator is Operator.EQ:
        return bool(left == right)
    if operator is Operator.NE:
        return bool(left != right)
    if operator is Operator.GE:
        return bool(left >= right)
    if operator is Operator.LE:
        return bool(left <= right)
    if operator is Operator.GT:
        return bool(left > right)
    return operator is Operator.LT and bool(left < right)


def _compare_time(condition: Condition, seen: datetime, now: datetime) -> bool:
    value = condition.value
    if isinstance(value, RelativeTime):
        value = _ago(now, value.ago)
    return _compare(condition.operator, _aware(seen), value)


def _ago(now: datetime, ago: timedelta) -> datetime:
    try:
        return now - ago
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)
