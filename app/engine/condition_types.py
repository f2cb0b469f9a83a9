"""The condition language's vocabulary: operators, values, condition trees, facts and outcomes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any, Protocol

from app.engine.attributes import Attribute, Kind

MAX_DEPTH = 32


class Operator(Enum):
    EQ = "="
    NE = "!="
    MATCH = "~="
    GE = ">="
    LE = "<="
    GT = ">"
    LT = "<"


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

    def count(self, attribute: str) -> int | None:
        """`#attribute`: how many items the list attribute has (None when unknown)."""
        ...

    def members(self, team: str) -> set[str]: ...


def count_of(value: FactValue) -> int | None:
    """The length of a list value; None for anything else."""
    return len(value) if isinstance(value, list | tuple) else None


@dataclass(frozen=True)
class StaticFacts:
    """Facts known up front: attribute values by name, team members by `org/team`."""

    values: Mapping[str, FactValue] = field(default_factory=dict)
    teams: Mapping[str, set[str]] = field(default_factory=dict)

    def value(self, attribute: str) -> FactValue:
        return self.values.get(attribute)

    def count(self, attribute: str) -> int | None:
        """A `#attribute` value given explicitly, else the length of the list."""
        given = self.values.get(f"#{attribute}")
        if isinstance(given, int) and not isinstance(given, bool):
            return given
        return count_of(self.values.get(attribute))

    def members(self, team: str) -> set[str]:
        return set(self.teams.get(team, set()))


@dataclass(frozen=True)
class LeafOutcome:
    condition: Condition
    path: str
    holds: bool
    seen: FactValue
    # False: the value was not read, because the rule's other conditions decide it (`holds`
    # and `seen` mean nothing then).
    read: bool = True


@dataclass(frozen=True)
class GroupOutcome:
    kind: str  # "all", "any" or "not"
    path: str
    holds: bool
    children: tuple[Outcome, ...]
    # False: the group's result depends on a value that was not read (`holds` means nothing).
    read: bool = True


Outcome = LeafOutcome | GroupOutcome


def aware(moment: datetime) -> datetime:
    """`moment` with UTC as its zone when it has none."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
