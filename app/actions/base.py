"""The one small interface every action implements.

An action *plans*: it reads what is there, compares it with what its options want, and returns
the changes that close the gap (none when there is no gap), each with a sentence for the summary.
The executor performs the changes, or only reports them in a dry run or while a rule flaps, so
those two concerns live in one place instead of in every action.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar, Protocol

from gidgethub.abc import GitHubAPI

from app.actions.options import ActionOptions
from app.engine.conditions import Facts, FactValue, Outcome
from app.engine.permissions import PermissionCache
from app.engine.snapshot import PullRequestSnapshot
from app.engine.teams import TeamCache
from app.merging.protection import ProtectionCache
from app.reviewers.codeowners_cache import CodeOwnersCache
from app.store.db import Database


class Status(Enum):
    DONE = "done"
    WAITING = "waiting"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Change:
    """One write to GitHub, described for the summary before it is made."""

    description: str
    perform: Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Plan:
    """What an action wants done. `memory` replaces the action's remembered state once the
    changes succeeded (so a failed write is planned again next time)."""

    changes: tuple[Change, ...] = ()
    status: Status = Status.DONE
    detail: str = ""
    memory: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class PullTarget:
    """The pull request an action works on, at the state this evaluation saw."""

    api: GitHubAPI
    db: Database
    snapshot: PullRequestSnapshot
    repository: str
    number: int
    head_sha: str
    # Shared caches: team members and collaborators' permissions (None: a fresh one).
    teams: TeamCache | None = None
    permissions: PermissionCache | None = None
    # Base branches' protection, shared by evaluations (None: read each time).
    protections: ProtectionCache | None = None
    # CODEOWNERS files by branch, shared by evaluations (None: read each time).
    codeowners: CodeOwnersCache | None = None
    # Results computed once per evaluation and shared (e.g. coverage, read by conditions and
    # by the coverage action alike).
    computed: dict[object, object] = field(default_factory=dict, compare=False, repr=False)
    # A simulation (`paasbot simulate`): plans must write nothing, not even to the database.
    simulation: bool = False
    # PRs whose turn in a merge queue came when this one left its head (the worker wakes them).
    queue_turns: list[int] = field(default_factory=list, compare=False, repr=False)


@dataclass(frozen=True)
class ActionInput:
    """Everything an action may read: its options, whether its rule matches (and matched on the
    previous evaluation), the rule's condition outcome (None: the rule has no conditions), the PR
    and its facts, and its memory."""

    rule: str
    options: ActionOptions
    matched: bool
    was_matched: bool | None
    target: PullTarget
    outcome: Outcome | None
    facts: Facts
    values: Mapping[str, FactValue]
    memory: Mapping[str, Any] = field(default_factory=dict)
    now: float = 0.0
    # The rule has `on:` and one of its events woke this evaluation: each wake-up is a new match.
    edge: bool = False


class Action(Protocol):
    name: ClassVar[str]
    options: ClassVar[type[ActionOptions]]
    # Whether the action is planned when its rule does not match (to undo, or to report failure).
    plans_when_unmatched: ClassVar[bool]

    async def plan(self, given: ActionInput) -> Plan: ...

    def attributes(self, options: ActionOptions) -> set[str]:
        """Attributes the action reads from the facts (e.g. a comment's template)."""
        ...
