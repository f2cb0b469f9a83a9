"""Branch protection as GitHub enforces it on merges: required status checks (commit statuses
and check runs on the head), approving reviews from users with write access, and an up-to-date
head. Also the ``mergeable_state`` those rules give a pull request."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from app.sandbox.models import BranchProtection, PullRequest, Repository, Review
from app.sandbox.ops.roles import has_write_access
from app.sandbox.ops.statuses import FAILING, latest_per_context, statuses_for
from app.sandbox.state import SimulatedGitHub

PASSING_CONCLUSIONS = frozenset({"success", "neutral", "skipped"})
VERDICT_STATES = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})
OUT_OF_DATE = "Head branch is out of date. Review and try the merge again."


class Outcome(Enum):
    PASSING = "passing"
    EXPECTED = "expected"  # missing or still running
    FAILING = "failing"


def protection_of(state: SimulatedGitHub, pull: PullRequest) -> BranchProtection:
    return state.repository(pull.repo_full_name).protections.get(pull.base_ref, BranchProtection())


def check_outcomes(state: SimulatedGitHub, repository: Repository, sha: str) -> dict[str, Outcome]:
    """The outcome of every status context and check run name on `sha` (lower-cased: GitHub
    matches them case-insensitively); a name used by a status and a check run needs both."""
    outcomes: dict[str, list[Outcome]] = {}
    for name, outcome in (
        *_status_outcomes(state, repository, sha),
        *_check_run_outcomes(state, repository, sha),
    ):
        outcomes.setdefault(name.lower(), []).append(outcome)
    return {name: _worst(found) for name, found in outcomes.items()}


def _status_outcomes(
    state: SimulatedGitHub, repository: Repository, sha: str
) -> Iterable[tuple[str, Outcome]]:
    for status in latest_per_context(statuses_for(state, repository, sha)):
        if status.state == "success":
            yield status.context, Outcome.PASSING
        elif status.state in FAILING:
            yield status.context, Outcome.FAILING
        else:
            yield status.context, Outcome.EXPECTED


def _check_run_outcomes(
    state: SimulatedGitHub, repository: Repository, sha: str
) -> Iterable[tuple[str, Outcome]]:
    latest = {}
    for run in sorted(state.check_runs_for(repository.full_name, sha), key=lambda run: run.id):
        latest[run.name] = run
    for name, run in latest.items():
        if run.status != "completed":
            yield name, Outcome.EXPECTED
        elif run.conclusion in PASSING_CONCLUSIONS:
            yield name, Outcome.PASSING
        else:
            yield name, Outcome.FAILING


def _worst(outcomes: list[Outcome]) -> Outcome:
    for candidate in (Outcome.FAILING, Outcome.EXPECTED):
        if candidate in outcomes:
            return candidate
    return Outcome.PASSING


def latest_verdicts(pull: PullRequest) -> dict[str, Review]:
    """Each reviewer's latest approval, change request or dismissal: comments change nothing."""
    latest: dict[str, Review] = {}
    for review in pull.reviews:
        if review.state in VERDICT_STATES:
            latest[review.user.lower()] = review
    return latest


def approvals(state: SimulatedGitHub, repository: Repository, pull: PullRequest) -> int:
    """Approvals that count for protection: from others than the author, with write access."""
    return sum(
        review.state == "APPROVED"
        and review.user.lower() != pull.author.lower()
        and has_write_access(state, repository, review.user)
        for review in latest_verdicts(pull).values()
    )


def protection_failures(state: SimulatedGitHub, pull: PullRequest) -> list[str]:
    """GitHub's reasons for refusing the merge, in the order it reports them."""
    repository = state.repository(pull.repo_full_name)
    protection = protection_of(state, pull)
    failures = _review_failures(state, repository, pull, protection)
    failures += _check_failures(state, repository, pull, protection)
    base_head = repository.branches.get(pull.base_ref, "")
    if protection.require_up_to_date and not state.git.is_ancestor(base_head, pull.head_sha):
        failures.append(OUT_OF_DATE)
    return failures


def _review_failures(
    state: SimulatedGitHub, repository: Repository, pull: PullRequest, protection: BranchProtection
) -> list[str]:
    required = protection.required_approvals
    if approvals(state, repository, pull) >= required:
        return []
    if required == 1:
        return ["At least 1 approving review is required by reviewers with write access."]
    return [f"At least {required} approving reviews are required by reviewers with write access."]


def _check_failures(
    state: SimulatedGitHub,
    repository: Repository,
    pull: PullRequest,
    protection: BranchProtection,
) -> list[str]:
    required = protection.required_checks
    outcomes = check_outcomes(state, repository, pull.head_sha)
    unmet = {
        name: outcomes.get(name.lower(), Outcome.EXPECTED)
        for name in required
        if outcomes.get(name.lower()) is not Outcome.PASSING
    }
    if not unmet:
        return []
    if len(unmet) == 1:
        [(name, outcome)] = unmet.items()
        return [f'Required status check "{name}" is {outcome.value}.']
    verb = "have failed" if Outcome.FAILING in unmet.values() else "are expected"
    return [f"{len(unmet)} of {len(required)} required status checks {verb}."]


def mergeable_state(state: SimulatedGitHub, pull: PullRequest) -> tuple[bool | None, str]:
    """`SimulatedGitHub.mergeability`, refined as GitHub does: ``blocked`` while protection
    refuses a clean merge, ``unstable`` while a check that is not required fails."""
    mergeable, computed = state.mergeability(pull)
    if computed != "clean":
        return mergeable, computed
    if protection_failures(state, pull):
        return mergeable, "blocked"
    repository = state.repository(pull.repo_full_name)
    outcomes = check_outcomes(state, repository, pull.head_sha).values()
    if Outcome.FAILING in outcomes:
        return mergeable, "unstable"
    return mergeable, "clean"
