"""Whether the pull request at the head of a merge queue can merge now, and if not, what it waits
for or why it must leave the queue. Pure: it reads the PR, its checks, its approvals and the base
branch's protection as the caller fetched them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum


class CheckState(Enum):
    PASSING = "passing"
    PENDING = "pending"
    FAILING = "failing"


@dataclass(frozen=True)
class Requirements:
    """What the base branch's protection requires, as far as paasbot can read it."""

    required_checks: tuple[str, ...] = ()
    # None: unknown (the protection itself is not readable); GitHub's mergeable_state still says
    # "behind" or "blocked" then.
    strict: bool | None = None
    approvals: int | None = None
    source: str = "none"  # protection | branch | none

    def lines(self) -> list[str]:
        """The requirements as the summary lists them."""
        found = [f"required check `{name}`" for name in self.required_checks]
        if self.strict:
            found.append("up to date with the base branch")
        if self.approvals:
            found.append(f"{self.approvals} approving review(s)")
        return found


class Verdict(Enum):
    MERGE = "merge"
    UPDATE = "update"  # bring the head up to date with the base, then wait for its checks
    WAIT = "wait"
    LEAVE = "leave"  # cannot merge without a human: leave the queue


@dataclass(frozen=True)
class Readiness:
    verdict: Verdict
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class PullState:
    """What GitHub says of the PR now (`GET /pulls/{n}`), its head's checks and approvals."""

    draft: bool
    mergeable: bool | None
    mergeable_state: str
    checks: Mapping[str, CheckState]  # status contexts and check run names, lower-case
    approvals: int
    commits_behind: int | None
    # None: paasbot can update the branch; else why not (e.g. it is in a fork it cannot push to).
    cannot_update: str | None = None
    # paasbot's own report checks (coverage, lint) that failed on the head.
    own_failures: tuple[str, ...] = ()


def readiness(pull: PullState, requirements: Requirements) -> Readiness:
    if pull.mergeable is False or pull.mergeable_state == "dirty":
        return Readiness(Verdict.LEAVE, ("it conflicts with its base branch",))
    failing = _checks_in(pull.checks, requirements.required_checks, CheckState.FAILING)
    if failing:
        return Readiness(Verdict.LEAVE, (f"required check(s) failed: {_names(failing)}",))
    if pull.own_failures:
        return Readiness(
            Verdict.LEAVE, (f"paasbot's check(s) failed: {_names(pull.own_failures)}",)
        )
    if pull.draft:
        return Readiness(Verdict.WAIT, ("it is a draft",))
    if _behind(pull, requirements):
        if pull.cannot_update:
            reason = f"its branch is behind its base branch and {pull.cannot_update}"
            return Readiness(Verdict.LEAVE, (reason,))
        return Readiness(Verdict.UPDATE, ("its branch is behind its base branch",))
    waits = _waits(pull, requirements)
    if waits:
        return Readiness(Verdict.WAIT, tuple(waits))
    return Readiness(Verdict.MERGE)


def _behind(pull: PullState, requirements: Requirements) -> bool:
    if pull.mergeable_state == "behind":
        return True
    return bool(requirements.strict) and bool(pull.commits_behind)


def _waits(pull: PullState, requirements: Requirements) -> list[str]:
    waits: list[str] = []
    pending = _checks_in(pull.checks, requirements.required_checks, CheckState.PENDING)
    missing = [name for name in requirements.required_checks if name.lower() not in pull.checks]
    if pending or missing:
        waits.append(f"required check(s) not finished: {_names([*pending, *missing])}")
    if requirements.approvals and pull.approvals < requirements.approvals:
        waits.append(f"{requirements.approvals} approving review(s), has {pull.approvals}")
    if pull.mergeable is None or pull.mergeable_state == "unknown":
        waits.append("GitHub is still computing whether it can merge")
    elif pull.mergeable_state == "blocked" and not waits:
        waits.append("branch protection blocks the merge (mergeable_state: blocked)")
    return waits


def _checks_in(
    checks: Mapping[str, CheckState], names: Sequence[str], state: CheckState
) -> list[str]:
    return [name for name in names if checks.get(name.lower()) is state]


def _names(names: Sequence[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)
