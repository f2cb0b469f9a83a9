"""Issues: plain issues (opened, edited, closed) and what every issue number has, a pull
request's issue side included: conversation comments, labels and assignees."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.sandbox.errors import ApiError, field_error, not_found, validation_failed
from app.sandbox.models import Issue, IssueComment, PullRequest, repo_key
from app.sandbox.ops.access import ensure_actor, require_issue
from app.sandbox.ops.labels import ensure_label
from app.sandbox.ops.roles import has_access
from app.sandbox.state import SimulatedGitHub

MAX_ASSIGNEES = 10
LABEL_MISSING = "Label does not exist"
RESOURCE = "Issue"
STATE_REASONS = ("completed", "not_planned", "reopened")


@dataclass(frozen=True)
class IssueEdit:
    """Fields to change on a plain issue; None leaves a field as it is."""

    title: str | None = None
    body: str | None = None
    state: str | None = None  # open | closed
    state_reason: str | None = None  # completed | not_planned | reopened


def open_issue(
    state: SimulatedGitHub,
    repo: str,
    title: str,
    author: str,
    body: str | None = None,
    *,
    labels: Iterable[str] = (),
    assignees: Iterable[str] = (),
) -> Issue:
    """Opens a plain issue under the repository's next number (shared with pull requests) and
    announces ``issues.opened``; then ``labeled`` and ``assigned`` for what it was given, as
    GitHub does. Unknown label names create labels; assignees without access are dropped."""
    repository = state.repository(repo)
    if not title.strip():
        raise validation_failed([field_error(RESOURCE, "title", "missing_field")])
    ensure_actor(state, author)
    issue = state.add_issue(
        repository.full_name, title, state.account(author).login, body=body or None
    )
    state.publish("issues", "opened", repository, author, issue)
    add_labels(state, repo, issue.number, labels, sender=author)
    add_assignees(state, repo, issue.number, assignees, sender=author)
    return issue


def edit_issue(
    state: SimulatedGitHub, repo: str, number: int, edit: IssueEdit, *, sender: str
) -> Issue:
    """Applies `edit` to a plain issue (a pull request's number is 404 here: edit the PR),
    announcing ``edited`` with the previous values and ``closed``/``reopened``."""
    repository = state.repository(repo)
    issue = state.find_issue(repo, number)
    if issue is None:
        raise not_found()
    errors = []
    if edit.state not in (None, "open", "closed"):
        errors.append(field_error(RESOURCE, "state", "invalid"))
    if edit.state_reason not in (None, *STATE_REASONS):
        errors.append(field_error(RESOURCE, "state_reason", "invalid"))
    if edit.title is not None and not edit.title.strip():
        errors.append(field_error(RESOURCE, "title", "missing_field"))
    if errors:
        raise validation_failed(errors)
    changes: dict[str, dict[str, str | None]] = {}
    if edit.title is not None and edit.title != issue.title:
        changes["title"] = {"from": issue.title}
        issue.title = edit.title
    if edit.body is not None and (edit.body or None) != issue.body:
        changes["body"] = {"from": issue.body or ""}  # webhooks say "" for none
        issue.body = edit.body or None
    now = state.now()
    if changes:
        issue.updated_at = now
        state.publish("issues", "edited", repository, sender, issue, changes=changes)
    if edit.state == "closed" and issue.state == "open":
        issue.state, issue.closed_at, issue.updated_at = "closed", now, now
        issue.state_reason = edit.state_reason or "completed"
        issue.closed_by = state.account(sender).login
        state.publish("issues", "closed", repository, sender, issue)
    elif edit.state == "open" and issue.state == "closed":
        issue.state, issue.closed_at, issue.updated_at = "open", None, now
        issue.state_reason, issue.closed_by = "reopened", None
        state.publish("issues", "reopened", repository, sender, issue)
    return issue


def _details(target: PullRequest | Issue) -> dict[str, object]:
    """What an ``issue_comment`` event says the comment is on (see `app.sandbox.events`)."""
    if isinstance(target, PullRequest):
        return {"pull": target}
    return {"pull": None, "issue": target}


def comment(state: SimulatedGitHub, repo: str, number: int, user: str, body: str) -> IssueComment:
    repository = state.repository(repo)
    target = require_issue(state, repo, number)
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
    if isinstance(target, Issue):
        target.updated_at = now
    state.publish("issue_comment", "created", repository, user, created, **_details(target))
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
        changes=changes,
        **_details(require_issue(state, repo, edited.issue_number)),
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
        **_details(require_issue(state, repo, deleted.issue_number)),
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
    """Adds labels (matched case-insensitively with those already on the PR or issue); returns
    all. A name the repository has no label for creates that label, as GitHub does."""
    pull = require_issue(state, repo, number)
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
    pull = require_issue(state, repo, number)
    wanted = list(dict.fromkeys(labels))
    wanted_keys = {name.lower() for name in wanted}
    for name in [name for name in pull.labels if name.lower() not in wanted_keys]:
        pull.labels.remove(name)
        _announce(state, pull, sender, "unlabeled", label=name)
    return add_labels(state, repo, number, wanted, sender=sender)


def remove_label(
    state: SimulatedGitHub, repo: str, number: int, name: str, *, sender: str
) -> list[str]:
    pull = require_issue(state, repo, number)
    present = _find_label(pull, name)
    if present is None:
        raise ApiError(404, LABEL_MISSING)
    pull.labels.remove(present)
    _announce(state, pull, sender, "unlabeled", label=present)
    return list(pull.labels)


def _find_label(pull: PullRequest | Issue, name: str) -> str | None:
    return next((label for label in pull.labels if label.lower() == name.lower()), None)


def add_assignees(
    state: SimulatedGitHub, repo: str, number: int, logins: Iterable[str], *, sender: str
) -> PullRequest | Issue:
    """Assigns users who can see the repository; GitHub silently ignores anyone else."""
    repository = state.repository(repo)
    pull = require_issue(state, repo, number)
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
) -> PullRequest | Issue:
    pull = require_issue(state, repo, number)
    for login in logins:
        present = next((item for item in pull.assignees if item.lower() == login.lower()), None)
        if present is not None:
            pull.assignees.remove(present)
            _announce(state, pull, sender, "unassigned", assignee=present)
    return pull


def _announce(
    state: SimulatedGitHub, pull: PullRequest | Issue, sender: str, action: str, **details: str
) -> None:
    """``pull_request.<action>`` for a pull request, ``issues.<action>`` for a plain issue."""
    pull.updated_at = state.now()
    repository = state.repository(pull.repo_full_name)
    name = "pull_request" if isinstance(pull, PullRequest) else "issues"
    state.publish(name, action, repository, sender, pull, **details)
