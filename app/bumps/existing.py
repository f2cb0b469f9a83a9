"""What to do about the bump PRs a dependent already has, before opening one for a release. Pure:
the caller lists the PRs, finds out whether each head commit is still paasbot's, and acts.

A PR is paasbot's bump PR of a package only when a bot opened it from a branch of the dependent
itself and its body keeps the hidden marker naming that package (`pr_text.find_marker`, names
compared as written); its version is the marker's. The branch name alone never makes a PR ours,
but a PR of someone else on this version's branch blocks it (BRANCH_TAKEN).

Precedence: a PR for this very version (open and untouched, open and edited, merged, closed), then
the branch taken by someone else, then an open PR for a newer version, then OPEN (superseding the
untouched open PRs for older versions, keeping the edited ones)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cmp_to_key
from typing import Any

from packaging.version import InvalidVersion, Version

from app.bumps import pr_text


class DecisionKind(StrEnum):
    OPEN = "open"  # no PR for this version: open one (and close `supersede`)
    ALREADY_OPEN = "already open"  # an untouched open PR for this version: nothing to do
    EDITED = "edited"  # an open PR for this version that a person edited: left alone
    MERGED = "merged"  # a PR for this version was merged: skip
    CLOSED = "closed"  # a PR for this version was closed unmerged: someone decided, don't reopen
    BRANCH_TAKEN = "branch taken"  # this version's branch is someone else's PR: skip
    NEWER_OPEN = "newer open"  # an open bump PR for a newer version: skip


@dataclass(frozen=True)
class PullInfo:
    number: int
    state: str  # "open" or "closed"
    merged: bool
    head_ref: str
    head_repo: str | None  # full name of the head repository (None when it was deleted)
    base_repo: str
    author_type: str  # GitHub's user.type: "Bot" or "User"
    body: str | None
    html_url: str
    head_is_ours: bool  # the head commit is the one paasbot wrote (nobody pushed since)
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    reason: str  # a sentence for the release summary, naming the PRs by #number
    pull: PullInfo | None = None  # the PR the decision is about (None for OPEN)
    supersede: tuple[PullInfo, ...] = ()  # OPEN: untouched open PRs for older versions, to close
    keep: tuple[PullInfo, ...] = ()  # OPEN: edited open PRs for older versions, left alone


def decide(pulls: Sequence[PullInfo], package: str, version: str) -> Decision:
    """What to do about `pulls` (all of the dependent's PRs that may matter, any state) before
    bumping `package` to `version`; the same answer whatever their order."""
    ordered = sorted(pulls, key=lambda pull: pull.number)
    ours = [(pull, found) for pull in ordered if (found := bump_version(pull, package)) is not None]
    same = [pull for pull, found in ours if found == version]
    for kind, matches in (
        (DecisionKind.ALREADY_OPEN, lambda p: p.state == "open" and p.head_is_ours),
        (DecisionKind.EDITED, lambda p: p.state == "open" and not p.head_is_ours),
        (DecisionKind.MERGED, lambda p: p.merged),
        (DecisionKind.CLOSED, lambda p: p.state == "closed" and not p.merged),
    ):
        found = [pull for pull in same if matches(pull)]
        if found and kind is DecisionKind.ALREADY_OPEN:
            # A crash after opening it may have left older ones open: close them now.
            older = _older_untouched(ours, version)
            return replace(_about(kind, found[-1], package, version), supersede=older)
        if found:
            return _about(kind, found[-1], package, version)
    branch = pr_text.branch_name(package, version)
    taken = [pull for pull in ordered if pull.head_ref == branch and _same_repository(pull)]
    if taken:
        pull = max(taken, key=lambda p: (p.state == "open", p.number))
        verb = "is" if pull.state == "open" else "was"
        reason = f"the branch {branch} {verb} used by #{pull.number}"
        return Decision(DecisionKind.BRANCH_TAKEN, reason, pull)
    opened = [(pull, found) for pull, found in ours if pull.state == "open"]
    newer = [(pull, found) for pull, found in opened if compare_versions(found, version) > 0]
    if newer:
        newest = cmp_to_key(compare_versions)
        pull, found = max(newer, key=lambda item: (newest(item[1]), item[0].number))
        reason = f"#{pull.number} already bumps {package} to {found}, newer than {version}"
        return Decision(DecisionKind.NEWER_OPEN, reason, pull)
    older = [pull for pull, found in opened if compare_versions(found, version) < 0]
    supersede = tuple(pull for pull in older if pull.head_is_ours)
    keep = tuple(pull for pull in older if not pull.head_is_ours)
    reason = f"opening a PR bumping {package} to {version}"
    if supersede:
        reason += f"; superseding {_numbers(supersede)}"
    if keep:
        reason += f"; leaving {_numbers(keep)} (edited by a person) open"
    return Decision(DecisionKind.OPEN, reason, None, supersede, keep)


def _older_untouched(ours: Sequence[tuple[PullInfo, str]], version: str) -> tuple[PullInfo, ...]:
    return tuple(
        pull
        for pull, found in ours
        if pull.state == "open" and pull.head_is_ours and compare_versions(found, version) < 0
    )


def bump_version(pull: PullInfo, package: str) -> str | None:
    """The version `pull` bumps `package` to when it is paasbot's bump PR of that package."""
    if pull.author_type != "Bot" or pull.head_repo != pull.base_repo:
        return None
    marker = pr_text.find_marker(pull.body)
    return marker.version if marker is not None and marker.package == package else None


def compare_versions(left: str, right: str) -> int:
    """-1, 0 or 1: PEP 440 order when both parse, else the order of their numbers. Only equal
    strings are the same version: two spellings of one (`1.4`, `1.4.0`) are ordered by text."""
    if left == right:
        return 0
    try:
        order = _sign(Version(left), Version(right))
    except InvalidVersion:
        order = _sign(_numbers_in(left), _numbers_in(right))
    return order or _sign(left, right)


def _sign(left: Any, right: Any) -> int:
    return (left > right) - (left < right)


def _numbers_in(version: str) -> tuple[int, ...]:
    return tuple(int(number) for number in re.findall(r"\d+", version))


def _same_repository(pull: PullInfo) -> bool:
    return pull.head_repo is not None and pull.head_repo == pull.base_repo


def _about(kind: DecisionKind, pull: PullInfo, package: str, version: str) -> Decision:
    bumps = f"#{pull.number} bumping {package} to {version}"
    reasons = {
        DecisionKind.ALREADY_OPEN: f"#{pull.number} already bumps {package} to {version}",
        DecisionKind.EDITED: f"{bumps} was edited by a person: left alone",
        DecisionKind.MERGED: f"{bumps} was merged",
        DecisionKind.CLOSED: f"{bumps} was closed without merging: not reopened",
    }
    return Decision(kind, reasons[kind], pull)


def _numbers(pulls: Sequence[PullInfo]) -> str:
    return ", ".join(f"#{pull.number}" for pull in pulls)
