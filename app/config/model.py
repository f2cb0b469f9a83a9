"""A configuration as the engine uses it: rules with parsed conditions and validated options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.actions.options import ActionOptions
from app.engine.conditions import ConditionTree


@dataclass(frozen=True)
class Origin:
    """Where something was written: a file, a 1-based line and a 1-based column."""

    file: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class RuleLayer:
    """A rule as one file writes it, before defaults from every layer are applied."""

    name: str
    description: str | None
    enabled: bool
    triggers: frozenset[str]
    conditions: ConditionTree | None
    actions: Mapping[str, Mapping[str, Any]]
    origin: Origin
    # Where each action is named under `do:` (its options are judged once layers are merged).
    action_origins: Mapping[str, Origin] = field(default_factory=dict)
    # Only `name` and `enabled` written: it turns an earlier layer's rule on or off, keeping it.
    toggles_only: bool = False


@dataclass(frozen=True)
class ConfigLayer:
    """One validated file: what it extends, its settings and its rules."""

    file: str
    content_digest: str = ""
    extends: tuple[str, ...] = ()
    dry_run: bool | None = None
    onboarding: bool | None = None  # the organisation's switch for onboarding PRs
    defaults: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    rules: tuple[RuleLayer, ...] = ()
    # Where each `extends:` entry is written, for problems found once it is fetched.
    extends_origins: Mapping[str, Origin] = field(default_factory=dict)

    def extends_origin(self, name: str) -> Origin:
        return self.extends_origins.get(name, Origin(self.file, 1))


@dataclass(frozen=True)
class ActionSpec:
    name: str
    options: ActionOptions


@dataclass(frozen=True)
class Rule:
    name: str
    description: str | None
    triggers: frozenset[str]
    conditions: ConditionTree | None
    actions: tuple[ActionSpec, ...]
    origin: Origin


@dataclass(frozen=True)
class Config:
    """The rules in force for a repository, and where they came from."""

    rules: tuple[Rule, ...] = ()
    dry_run: bool = False
    sources: tuple[str, ...] = ()
    digest: str = ""
