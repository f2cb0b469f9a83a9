"""The issue side of pull requests: conversation comments, labels and assignees."""

from __future__ import annotations

from collections.abc import Iterable

from app.sandbox.errors import ApiError, not_found
from app.sandbox.models import IssueComment, PullRequest, repo_key
from app.sandbox.ops.access import ensure_actor, require_pull
from app.sandbox.ops.labels import ensure_label
from app.sandbox.ops.roles import has_access
from app.sandbox.state import SimulatedGitHub

MAX_ASSIGNEES = 10
LABEL_MISSING = "Label does not exist"


def comment(state: SimulatedGitHub, repo: str, number: int, user: str, body: str) -> IssueComment:
    repository = state.repository(repo)
    pull = require_pull(state, repo, number)
    ensure_actor(state, user)
    now = state.now()
    created = IssueComment(
        id=state.next_id(),
        repo_full_name=repository.full_name,
        issue_number=number,
        user=user,
        body=body,
        created_at=now,
        updated_at=now,
    )
    state.comments[created.id] = created
    state.publish("issue_comment", "created", repository, user, created, pull=pull)
    return created


def find_comment(state: SimulatedGitHub, repo: str, comment_id: int) -> IssueComment:
    found = state.comments.get(comment_id)
    if found is None or repo_key(found.repo_full_name) != repo_key(repo):
        raise not_found()
    return found


def edit_comment(
    state: SimulatedGitHub, repo: str, comment_id: int, body: str, *, sender: str
) -> IssueComment:
    edited = find_comment(state, repo, comment_id)
    changes = {"body": {"from": edited.body}}
    edited.body, edited.updated_at = body, state.now()
    state.publish(
        "issue_comment",
        "edited",
        state.repository(repo),
        sender,
        edited,
        pull=state.find_pull(repo, edited.issue_number),
        changes=changes,
    )
    return edited


def delete_comment(state: SimulatedGitHub, repo: str, comment_id: int, *, sender: str) -> None:
    deleted = find_comment(state, repo, comment_id)
    del state.comments[comment_id]
    for reaction in state.reactions_of(repo, comment_id):  # they go with the comment
        del state.reactions[reaction.id]
    state.publish(
        "issue_comment",
        "deleted",
        state.repository(repo),
        sender,
        deleted,
        pull=state.find_pull(repo, deleted.issue_number),
    )


def comments_on(state: SimulatedGitHub, repo: str, number: int) -> list[IssueComment]:
    return sorted(
        (
            item
            for item in state.comments.values()
            if repo_key(item.repo_full_name) == repo_key(repo) and item.issue_number == number
        ),
        key=lambda item: item.id,
    )


def add_labels(
    state: SimulatedGitHub, repo: str, number: int, labels: Iterable[str], *, sender: str
) -> list[str]:
    """Adds labels (matched case-insensitively with those already on the PR); returns all. A
    name the repository has no label for creates that label, as GitHub does."""
    pull = require_pull(state, repo, number)
    repository = state.repository(repo)
    for name in labels:
        if _find_label(pull, name) is None:
            label = ensure_label(state, repository, name, sender=sender)
            pull.labels.append(label.name)
            _announce(state, pull, sender, "labeled", label=label.name)
    return list(pull.labels)


def set_labels(
    state: SimulatedGitHub, repo: str, number: int, labels: Iterable[str], *, sender: str
) -> list[str]:
    pull = require_pull(state, repo, number)
    wanted = list(dict.fromkeys(labels))
    wanted_keys = {name.lower() for name in wanted}
    for name in [name for name in pull.labels if name.lower() not in wanted_keys]:
        pull.labels.remove(name)
        _announce(state, pull, sender, "unlabeled", label=name)
    return add_labels(state, repo, number, wanted, sender=sender)


def remove_label(
    state: SimulatedGitHub, repo: str, number: int, name: str, *, sender: str
) -> list[str]:
    pull = require_pull(state, repo, number)
    present = _find_label(pull, name)
    if present is None:
        raise ApiError(404, LABEL_MISSING)
    pull.labels.remove(present)
    _announce(state, pull, sender, "unlabeled", label=present)
    return list(pull.labels)


def _find_label(pull: PullRequest, name: str) -> str | None:
    return next((label for label in pull.labels if label.lower() == name.lower()), None)


def add_assignees(
    state: SimulatedGitHub, repo: str, number: int, logins: Iterable[str], *, sender: str
) -> PullRequest:
    """Assigns users who can see the repository; GitHub silently ignores anyone else."""
    repository = state.repository(repo)
    pull = require_pull(state, repo, number)
    for login in logins:
        assigned = {assignee.lower() for assignee in pull.assignees}
        if login.lower() in assigned or len(assigned) >= MAX_ASSIGNEES:
            continue
        if has_access(state, repository, login):
            pull.assignees.append(state.account(login).login)
            _announce(state, pull, sender, "assigned", assignee=login)
    return pull


def remove_assignees(
    state: SimulatedGitHub, repo: str, number: int, logins: Iterable[str], *, sender: str
) -> PullRequest:
    pull = require_pull(state, repo, number)
    for login in logins:
        present = next((item for item in pull.assignees if item.lower() == login.lower()), None)
        if present is not None:
            pull.assignees.remove(present)
            _announce(state, pull, sender, "unassigned", assignee=present)
    return pull


def _announce(
    state: SimulatedGitHub, pull: PullRequest, sender: str, action: str, **details: str
) -> None:
    pull.updated_at = state.now()
    repository = state.repository(pull.repo_full_name)
    state.publish("pull_request", action, repository, sender, pull, **details)
