"""REST JSON of plain issues (those that are not pull requests). A pull request's issue side is
built by `serializers_pulls.issue_json`, which hands plain issues to `plain_issue_json`."""

from __future__ import annotations

from app.sandbox.context import Urls
from app.sandbox.models import Issue, IssueComment
from app.sandbox.serializers import Json, account_json, association, label_json, legacy_node_id
from app.sandbox.state import SimulatedGitHub
from app.sandbox.timefmt import iso8601


def issue_urls(urls: Urls, issue: Issue) -> tuple[str, str]:
    """(API URL, web URL) of a plain issue."""
    return (
        urls.api(f"/repos/{issue.repo_full_name}/issues/{issue.number}"),
        urls.html(f"/{issue.repo_full_name}/issues/{issue.number}"),
    )


def plain_issue_json(
    state: SimulatedGitHub, urls: Urls, issue: Issue, comments: list[IssueComment]
) -> Json:
    """GitHub's issue: no ``pull_request`` key, which is how clients tell it from a PR's."""
    issue_url, html_url = issue_urls(urls, issue)
    repository = state.repository(issue.repo_full_name)
    assignees = [account_json(urls, state.account(login)) for login in issue.assignees]
    return {
        "url": issue_url,
        "repository_url": urls.api(f"/repos/{issue.repo_full_name}"),
        "labels_url": f"{issue_url}/labels{{/name}}",
        "comments_url": f"{issue_url}/comments",
        "events_url": f"{issue_url}/events",
        "timeline_url": f"{issue_url}/timeline",
        "html_url": html_url,
        "id": issue.id,
        "node_id": legacy_node_id("Issue", issue.id),
        "number": issue.number,
        "title": issue.title,
        "user": account_json(urls, state.account(issue.author)),
        "labels": [label_json(urls, repository, name) for name in issue.labels],
        "state": issue.state,
        "state_reason": issue.state_reason,
        "locked": issue.locked,
        "assignee": assignees[0] if assignees else None,
        "assignees": assignees,
        "milestone": None,
        "comments": len(comments),
        "created_at": iso8601(issue.created_at),
        "updated_at": iso8601(issue.updated_at),
        "closed_at": None if issue.closed_at is None else iso8601(issue.closed_at),
        "author_association": association(state, issue.repo_full_name, issue.author),
        "active_lock_reason": None,
        "body": issue.body,
        "closed_by": (
            None if issue.closed_by is None else account_json(urls, state.account(issue.closed_by))
        ),
    }
