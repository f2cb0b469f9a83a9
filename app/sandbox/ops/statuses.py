"""Commit statuses: posting them, and the combined status GitHub computes per commit."""

from __future__ import annotations

from app.sandbox.errors import ApiError
from app.sandbox.models import CommitStatus, Repository, repo_key
from app.sandbox.state import SimulatedGitHub

STATES = ("error", "failure", "pending", "success")
FAILING = frozenset({"error", "failure"})
DEFAULT_CONTEXT = "default"


def invalid_state() -> ApiError:
    error = {
        "resource": "Status",
        "code": "custom",
        "field": "state",
        "message": "state is not included in the list",
    }
    return ApiError(422, "Validation Failed", errors=[error])


def create_status(
    state: SimulatedGitHub,
    repository: Repository,
    sha: str,
    status_state: str,
    *,
    context: str = DEFAULT_CONTEXT,
    creator: str,
    target_url: str | None = None,
    description: str | None = None,
) -> CommitStatus:
    if status_state not in STATES:
        raise invalid_state()
    state.account(creator)
    status = CommitStatus(
        id=state.next_id(),
        repo_full_name=repository.full_name,
        sha=sha,
        context=context,
        state=status_state,
        description=description,
        target_url=target_url,
        creator=creator,
        created_at=state.now(),
    )
    state.statuses.append(status)
    state.publish("status", None, repository, creator, status)
    return status


def statuses_for(state: SimulatedGitHub, repository: Repository, sha: str) -> list[CommitStatus]:
    """Newest first, as GitHub lists them."""
    key = repo_key(repository.full_name)
    found = [s for s in state.statuses if repo_key(s.repo_full_name) == key and s.sha == sha]
    return sorted(found, key=lambda status: (status.created_at, status.id), reverse=True)


def latest_per_context(newest_first: list[CommitStatus]) -> list[CommitStatus]:
    """GitHub compares contexts case-insensitively."""
    latest: dict[str, CommitStatus] = {}
    for status in newest_first:
        latest.setdefault(status.context.lower(), status)
    return list(latest.values())


def combined_state(latest: list[CommitStatus]) -> str:
    """``failure`` if any context errored or failed, ``pending`` if one is pending or there are
    none at all, ``success`` once every context succeeded."""
    states = {status.state for status in latest}
    if states & FAILING:
        return "failure"
    if not states or "pending" in states:
        return "pending"
    return "success"
