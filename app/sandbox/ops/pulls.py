"""Opening and editing pull requests, and requesting reviewers, as GitHub validates them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.sandbox.errors import ApiError, field_error, validation_failed
from app.sandbox.models import PullRequest, Repository
from app.sandbox.ops.access import ensure_actor, require_pull, team_slug
from app.sandbox.ops.errors import custom_validation
from app.sandbox.ops.roles import has_access
from app.sandbox.state import SimulatedGitHub

RESOURCE = "PullRequest"
AUTHOR_REVIEW = "Review cannot be requested from pull request author."


@dataclass(frozen=True)
class PullEdit:
    """Fields to change on a pull request; None leaves a field as it is."""

    title: str | None = None
    body: str | None = None
    state: str | None = None  # open | closed
    base: str | None = None


def create_pull(
    state: SimulatedGitHub,
    repo: str,
    head: str,
    base: str,
    title: str,
    author: str,
    *,
    draft: bool = False,
    body: str | None = None,
) -> PullRequest:
    repository = state.repository(repo)
    head_ref = _own_branch(repository, head)
    _require_branches(repository, head_ref, base)
    _require_new_commits(state, repository, head_ref, base)
    _require_no_open_pull(state, repository, head_ref, base)
    ensure_actor(state, author)
    return state.open_pull(
        repository.full_name,
        title,
        head_ref=head_ref,
        base_ref=base,
        author=author,
        body=body,
        draft=draft,
    )


def _own_branch(repository: Repository, head: str) -> str:
    """``owner:branch`` names a branch of the owner's repository (a fork's pull request is
    opened with `ops.forks.open_fork_pull`)."""
    owner, _, branch = head.rpartition(":")
    if owner and owner.lower() != repository.owner.lower():
        raise validation_failed([field_error(RESOURCE, "head", "invalid")])
    return branch


def _require_branches(repository: Repository, head_ref: str, base: str) -> None:
    missing = [
        field_error(RESOURCE, key, "invalid")
        for key, branch in (("base", base), ("head", head_ref))
        if branch not in repository.branches
    ]
    if missing:
        raise validation_failed(missing)


def _require_new_commits(
    state: SimulatedGitHub, repository: Repository, head_ref: str, base: str
) -> None:
    head_sha, base_sha = repository.branches[head_ref], repository.branches[base]
    if head_sha == base_sha or state.git.is_ancestor(head_sha, base_sha):
        raise custom_validation(RESOURCE, f"No commits between {base} and {head_ref}")


def _require_no_open_pull(
    state: SimulatedGitHub, repository: Repository, head_ref: str, base: str
) -> None:
    for pull in state.pulls_in(repository.full_name):
        if pull.state == "open" and pull.head_ref == head_ref and pull.base_ref == base:
            message = f"A pull request already exists for {repository.owner}:{head_ref}."
            raise custom_validation(RESOURCE, message)


def edit_pull(
    state: SimulatedGitHub, repo: str, number: int, edit: PullEdit, *, sender: str
) -> PullRequest:
    """Applies `edit`, announcing ``edited`` (with the previous values) and ``closed`` or
    ``reopened`` when the state changes."""
    repository = state.repository(repo)
    pull = require_pull(state, repo, number)
    _validate_edit(repository, pull, edit)
    changes = _apply_fields(state, repository, pull, edit)
    if changes:
        pull.updated_at = state.now()
        state.publish("pull_request", "edited", repository, sender, pull, changes=changes)
    if edit.state is not None and edit.state != pull.state:
        _change_state(state, repository, pull, edit.state, sender)
    return pull


def _validate_edit(repository: Repository, pull: PullRequest, edit: PullEdit) -> None:
    errors = []
    if edit.state not in (None, "open", "closed") or (edit.state == "open" and pull.merged):
        errors.append(field_error(RESOURCE, "state", "invalid"))
    if edit.base is not None and edit.base not in repository.branches:
        errors.append(field_error(RESOURCE, "base", "invalid"))
    if errors:
        raise validation_failed(errors)
    if edit.base is not None and edit.base != pull.base_ref and pull.state == "closed":
        raise custom_validation(RESOURCE, "Cannot change the base branch of a closed pull request.")


def _apply_fields(
    state: SimulatedGitHub, repository: Repository, pull: PullRequest, edit: PullEdit
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if edit.title is not None and edit.title != pull.title:
        changes["title"] = {"from": pull.title}
        pull.title = edit.title
    if edit.body is not None and edit.body != pull.body:
        changes["body"] = {"from": pull.body}
        pull.body = edit.body
    if edit.base is not None and edit.base != pull.base_ref:
        changes["base"] = {"ref": {"from": pull.base_ref}, "sha": {"from": pull.base_sha}}
        pull.base_ref, pull.base_sha = edit.base, repository.branches[edit.base]
    return changes


def _change_state(
    state: SimulatedGitHub, repository: Repository, pull: PullRequest, new_state: str, sender: str
) -> None:
    now = state.now()
    pull.updated_at = now
    if new_state == "closed":
        pull.state, pull.closed_at = "closed", now
        state.publish("pull_request", "closed", repository, sender, pull)
        return
    pull.state, pull.closed_at = "open", None
    state.publish("pull_request", "reopened", repository, sender, pull)


def request_reviewers(
    state: SimulatedGitHub,
    repo: str,
    number: int,
    reviewers: Iterable[str] = (),
    teams: Iterable[str] = (),
    *,
    sender: str,
) -> PullRequest:
    """Requests reviews, one ``review_requested`` per new reviewer or team. Refused as a whole
    when the author is among the users, or anyone lacks access to the repository."""
    repository = state.repository(repo)
    pull = require_pull(state, repo, number)
    users = list(reviewers)
    if any(user.lower() == pull.author.lower() for user in users):
        raise ApiError(422, AUTHOR_REVIEW)
    slugs = [team_slug(state, repository, slug) for slug in teams]
    if not all(has_access(state, repository, user) for user in users) or None in slugs:
        raise ApiError(422, _not_collaborators(repository))
    for user in users:
        if user.lower() not in {login.lower() for login in pull.requested_reviewers}:
            login = state.account(user).login
            pull.requested_reviewers.append(login)
            _announce(state, repository, pull, sender, "review_requested", requested_reviewer=login)
    for slug in filter(None, slugs):
        if slug not in pull.requested_teams:
            pull.requested_teams.append(slug)
            _announce(state, repository, pull, sender, "review_requested", requested_team=slug)
    return pull


def _not_collaborators(repository: Repository) -> str:
    return (
        "Reviews may only be requested from collaborators. One or more of the users or teams you "
        f"specified is not a collaborator of the {repository.full_name} repository."
    )


def remove_requested_reviewers(
    state: SimulatedGitHub,
    repo: str,
    number: int,
    reviewers: Iterable[str] = (),
    teams: Iterable[str] = (),
    *,
    sender: str,
) -> PullRequest:
    repository = state.repository(repo)
    pull = require_pull(state, repo, number)
    withdrawals = (
        ("requested_reviewer", pull.requested_reviewers, reviewers),
        ("requested_team", pull.requested_teams, teams),
    )
    for detail, requested, wanted in withdrawals:
        for name in wanted:
            present = _find_login(requested, name)
            if present is not None:
                requested.remove(present)
                _announce(
                    state, repository, pull, sender, "review_request_removed", **{detail: present}
                )
    return pull


def _find_login(names: list[str], wanted: str) -> str | None:
    """Logins and team slugs compare case-insensitively."""
    return next((name for name in names if name.lower() == wanted.lower()), None)


def _announce(
    state: SimulatedGitHub,
    repository: Repository,
    pull: PullRequest,
    sender: str,
    action: str,
    **details: str,
) -> None:
    pull.updated_at = state.now()
    state.publish("pull_request", action, repository, sender, pull, **details)


def mark_ready_for_review(state: SimulatedGitHub, repo: str, number: int, *, sender: str) -> None:
    """A draft becomes ready for review (GitHub does it through GraphQL or the web UI)."""
    repository = state.repository(repo)
    pull = require_pull(state, repo, number)
    if pull.draft:
        pull.draft = False
        pull.updated_at = state.now()
        state.publish("pull_request", "ready_for_review", repository, sender, pull)
