"""The issue API for scripted actors and tests: plain issues, opened, edited and closed by a
user, through the same operations as the REST endpoints. Comments, labels and assignees take an
issue number or a pull request number alike (`app.sandbox.actors_pulls` re-exports them too)."""

from __future__ import annotations

from app.sandbox.models import Issue
from app.sandbox.ops.issues import (
    IssueEdit,
    add_assignees,
    add_labels,
    comment,
    delete_comment,
    edit_comment,
    edit_issue,
    remove_assignees,
    remove_label,
    set_labels,
)
from app.sandbox.ops.issues import open_issue as _open_issue
from app.sandbox.state import SimulatedGitHub

__all__ = [
    "Issue",
    "IssueEdit",
    "add_assignees",
    "add_labels",
    "close_issue",
    "comment",
    "delete_comment",
    "edit_comment",
    "edit_issue",
    "open_issue",
    "remove_assignees",
    "remove_label",
    "reopen_issue",
    "set_labels",
]


def open_issue(
    sim: SimulatedGitHub,
    repo: str,
    title: str,
    author: str,
    body: str = "",
    *,
    labels: tuple[str, ...] = (),
    assignees: tuple[str, ...] = (),
) -> Issue:
    """`author` opens a plain issue (``issues.opened``, delivered only to apps subscribed to
    ``issues``); its number is the repository's next, shared with pull requests."""
    return _open_issue(sim, repo, title, author, body, labels=labels, assignees=assignees)


def close_issue(
    sim: SimulatedGitHub, repo: str, number: int, sender: str, reason: str = "completed"
) -> Issue:
    return edit_issue(
        sim, repo, number, IssueEdit(state="closed", state_reason=reason), sender=sender
    )


def reopen_issue(sim: SimulatedGitHub, repo: str, number: int, sender: str) -> Issue:
    return edit_issue(sim, repo, number, IssueEdit(state="open"), sender=sender)
