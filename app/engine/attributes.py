"""The attributes a `.paasbot.yml` condition can test, and the error condition problems raise."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import Enum


class ConditionError(ValueError):
    """A condition (or a tree of them) that cannot be understood.

    `column` is the 0-based character offset of the problem within the condition text (None when
    the problem is the shape of the tree rather than a condition string); `path` names the place
    in the tree, e.g. `if[2].any[0]`, once known.
    """

    def __init__(self, message: str, column: int | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column
        self.path = path

    def at(self, path: str) -> ConditionError:
        """The same error, located at `path` within a tree."""
        return ConditionError(self.message, self.column, path)

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        column = f" (column {self.column + 1})" if self.column is not None else ""
        return f"{where}{self.message}{column}"


class Kind(Enum):
    TEXT = "text"
    LIST = "list of text"
    NUMBER = "number"
    BOOLEAN = "boolean"
    TIME = "time"


class Scope(Enum):
    PULL_REQUEST = "pull_request"
    RELEASE = "release"


@dataclass(frozen=True)
class Attribute:
    """One attribute: `logins` marks values that are GitHub logins (so `@org/team` values apply)."""

    name: str
    kind: Kind
    logins: bool = False
    scope: Scope = Scope.PULL_REQUEST


def _many(kind: Kind, names: str, *, logins: bool = False) -> tuple[Attribute, ...]:
    return tuple(Attribute(name, kind, logins=logins) for name in names.split())


ATTRIBUTES: tuple[Attribute, ...] = (
    *_many(Kind.TEXT, "base head title body milestone repository"),
    *_many(Kind.TEXT, "author sender", logins=True),
    *_many(Kind.LIST, "label files"),
    *_many(
        Kind.LIST,
        "assignee approved-reviews-by changes-requested-reviews-by commented-reviews-by"
        " review-requested",
        logins=True,
    ),
    *_many(Kind.LIST, "check-success check-failure check-pending check-neutral check-skipped"),
    *_many(Kind.NUMBER, "number #commits #commits-behind additions deletions changed-lines"),
    # Computed by paasbot from the coverage reports CI uploaded for the head commit.
    *_many(Kind.NUMBER, "coverage-patch coverage-project"),
    *_many(Kind.BOOLEAN, "draft conflict from-fork merged closed locked"),
    *_many(Kind.TIME, "created-at updated-at"),
    Attribute("tag", Kind.TEXT, scope=Scope.RELEASE),
    Attribute("prerelease", Kind.BOOLEAN, scope=Scope.RELEASE),
)

_BY_NAME: dict[str, Attribute] = {attribute.name: attribute for attribute in ATTRIBUTES}


def attribute_names() -> list[str]:
    """Every name a condition can use, including `#list` counts such as `#files`."""
    counts = [f"#{a.name}" for a in ATTRIBUTES if a.kind is Kind.LIST]
    return [a.name for a in ATTRIBUTES] + counts


def find_attribute(name: str) -> Attribute | None:
    return _BY_NAME.get(name)


def get_attribute(name: str, column: int | None = None) -> Attribute:
    """The attribute called `name`; a ConditionError suggesting close names when there is none."""
    attribute = _BY_NAME.get(name)
    if attribute is None:
        raise ConditionError(_unknown_message(name), column)
    return attribute


def _unknown_message(name: str) -> str:
    close = difflib.get_close_matches(name, attribute_names(), n=3)
    if not close:
        return f"unknown attribute '{name}'"
    return f"unknown attribute '{name}' (did you mean {' or '.join(repr(c) for c in close)}?)"
