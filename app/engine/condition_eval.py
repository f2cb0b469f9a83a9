"""Evaluating condition trees against facts. Pure: relative times are measured from `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.engine.attributes import Kind
from app.engine.condition_types import (
    AnyOf,
    Condition,
    ConditionTree,
    Facts,
    GroupOutcome,
    Leaf,
    LeafOutcome,
    Not,
    Operator,
    Outcome,
    Regex,
    RelativeTime,
    Team,
    aware,
)

# Evaluation


def evaluate(
    tree: ConditionTree, facts: Facts, now: datetime, unread: frozenset[str] = frozenset()
) -> Outcome:
    """Evaluate `tree` against `facts`; relative times are measured back from `now`. The
    attributes in `unread` are not asked for: their leaves, and the groups whose result they
    could change, come out with `read=False` (three-valued logic: a false child decides an
    `all`, a true one an `any`, whatever the unread ones are)."""
    return _outcome(tree, facts, aware(now), unread)


def decided(
    tree: ConditionTree, facts: Facts, now: datetime, unread: frozenset[str]
) -> bool | None:
    """Whether the tree holds, if that does not depend on the `unread` attributes; else None."""
    outcome = evaluate(tree, facts, now, unread)
    return outcome.holds if outcome.read else None


def _outcome(tree: ConditionTree, facts: Facts, now: datetime, unread: frozenset[str]) -> Outcome:
    if isinstance(tree, Leaf):
        if tree.condition.attribute.name in unread:
            return LeafOutcome(tree.condition, tree.path, False, None, read=False)
        return _evaluate_leaf(tree, facts, now)
    if isinstance(tree, Not):
        child = _outcome(tree.child, facts, now, unread)
        return GroupOutcome("not", tree.path, not child.holds, (child,), read=child.read)
    children = tuple(_outcome(child, facts, now, unread) for child in tree.children)
    kind = "any" if isinstance(tree, AnyOf) else "all"
    deciding = kind == "any"  # the child value that decides the group on its own
    known = [child.holds for child in children if child.read]
    if deciding in known:
        return GroupOutcome(kind, tree.path, deciding, children)
    if len(known) == len(children):
        return GroupOutcome(kind, tree.path, not deciding, children)
    return GroupOutcome(kind, tree.path, False, children, read=False)


def attributes_used(tree: ConditionTree) -> set[str]:
    """The attribute names whose values `evaluate` will ask `facts` for."""
    if isinstance(tree, Leaf):
        return {tree.condition.attribute.name}
    if isinstance(tree, Not):
        return attributes_used(tree.child)
    return set().union(*(attributes_used(child) for child in tree.children))


def _evaluate_leaf(leaf: Leaf, facts: Facts, now: datetime) -> LeafOutcome:
    condition = leaf.condition
    name = condition.attribute.name
    seen = facts.count(name) if condition.count else facts.value(name)
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
    return _compare(condition.operator, aware(seen), value)


def _ago(now: datetime, ago: timedelta) -> datetime:
    try:
        return now - ago
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)
