"""REST JSON of the pull-request conversation: reviews, review comments, issue comments, the
issue side of a pull request and its requested reviewers."""

from __future__ import annotations

from app.sandbox.context import Urls
from app.sandbox.models import Issue, IssueComment, PullRequest, Review, ReviewComment
from app.sandbox.ops.issues import comments_on
from app.sandbox.serializers import (
    Json,
    account_json,
    association,
    label_json,
    legacy_node_id,
    pull_simple_json,
    team_json,
)
from app.sandbox.serializers_issues import issue_urls, plain_issue_json
from app.sandbox.serializers_reactions import reaction_rollup_json
from app.sandbox.state import SimulatedGitHub
from app.sandbox.timefmt import iso8601

# The fields an issue shares with the pull request it is the conversation of.
ISSUE_FIELDS_FROM_PULL = (
    "html_url",
    "id",
    "node_id",
    "title",
    "user",
    "labels",
    "state",
    "locked",
    "assignee",
    "assignees",
    "milestone",
    "created_at",
    "updated_at",
    "closed_at",
    "body",
    "draft",
    "author_association",
    "active_lock_reason",
)


def _pull_urls(urls: Urls, pull: PullRequest) -> tuple[str, str]:
    """(API URL, web URL) of a pull request."""
    return (
        urls.api(f"/repos/{pull.repo_full_name}/pulls/{pull.number}"),
        urls.html(f"/{pull.repo_full_name}/pull/{pull.number}"),
    )


def review_json(state: SimulatedGitHub, urls: Urls, pull: PullRequest, review: Review) -> Json:
    """A pending review has no ``submitted_at`` yet."""
    pull_url, pull_html = _pull_urls(urls, pull)
    html_url = f"{pull_html}#pullrequestreview-{review.id}"
    body: Json = {
        "id": review.id,
        "node_id": legacy_node_id("PullRequestReview", review.id),
        "user": account_json(urls, state.account(review.user)),
        "body": review.body,
        "state": review.state,
        "html_url": html_url,
        "pull_request_url": pull_url,
        "author_association": association(state, pull.repo_full_name, review.user),
        "_links": {"html": {"href": html_url}, "pull_request": {"href": pull_url}},
        "commit_id": review.commit_id,
    }
    if review.state != "PENDING":
        body["submitted_at"] = iso8601(review.submitted_at)
    return body


def review_comment_json(
    state: SimulatedGitHub, urls: Urls, pull: PullRequest, comment: ReviewComment
) -> Json:
    pull_url, pull_html = _pull_urls(urls, pull)
    url = urls.api(f"/repos/{pull.repo_full_name}/pulls/comments/{comment.id}")
    html_url = f"{pull_html}#discussion_r{comment.id}"
    return {
        "url": url,
        "pull_request_review_id": comment.review_id,
        "id": comment.id,
        "node_id": legacy_node_id("PullRequestReviewComment", comment.id),
        "diff_hunk": comment.diff_hunk,
        "path": comment.path,
        "position": comment.position,
        "original_position": comment.position,
        "commit_id": comment.commit_id,
        "original_commit_id": comment.commit_id,
        "user": account_json(urls, state.account(comment.user)),
        "body": comment.body,
        "created_at": iso8601(comment.created_at),
        "updated_at": iso8601(comment.updated_at),
        "html_url": html_url,
        "pull_request_url": pull_url,
        "author_association": association(state, pull.repo_full_name, comment.user),
        "_links": {
            "self": {"href": url},
            "html": {"href": html_url},
            "pull_request": {"href": pull_url},
        },
        "start_line": None,
        "original_start_line": None,
        "start_side": None,
        "line": comment.line,
        "original_line": comment.line,
        "side": comment.side,
        "subject_type": "line",
    }


def issue_comment_json(
    state: SimulatedGitHub, urls: Urls, pull: PullRequest | Issue, comment: IssueComment
) -> Json:
    """A comment on a pull request's conversation or on a plain issue."""
    api = urls.api(f"/repos/{comment.repo_full_name}/issues")
    _, pull_html = (
        _pull_urls(urls, pull) if isinstance(pull, PullRequest) else issue_urls(urls, pull)
    )
    return {
        "id": comment.id,
        "node_id": legacy_node_id("IssueComment", comment.id),
        "url": f"{api}/comments/{comment.id}",
        "html_url": f"{pull_html}#issuecomment-{comment.id}",
        "body": comment.body,
        "user": account_json(urls, state.account(comment.user)),
        "created_at": iso8601(comment.created_at),
        "updated_at": iso8601(comment.updated_at),
        "issue_url": f"{api}/{comment.issue_number}",
        "author_association": association(state, comment.repo_full_name, comment.user),
        "performed_via_github_app": None,
        "reactions": reaction_rollup_json(
            f"{api}/comments/{comment.id}", state.reactions_of(comment.repo_full_name, comment.id)
        ),
    }


def issue_json(state: SimulatedGitHub, urls: Urls, pull: PullRequest | Issue) -> Json:
    """The issue side of a pull request, whose ``pull_request`` key says what it is, or a plain
    issue, which has none."""
    if isinstance(pull, Issue):
        return plain_issue_json(
            state, urls, pull, comments_on(state, pull.repo_full_name, pull.number)
        )
    rest = pull_simple_json(state, urls, pull)
    issue_url = rest["issue_url"]
    return {key: rest[key] for key in ISSUE_FIELDS_FROM_PULL} | {
        "url": issue_url,
        "repository_url": urls.api(f"/repos/{pull.repo_full_name}"),
        "labels_url": f"{issue_url}/labels{{/name}}",
        "comments_url": f"{issue_url}/comments",
        "events_url": f"{issue_url}/events",
        "timeline_url": f"{issue_url}/timeline",
        "number": pull.number,
        "comments": len(comments_on(state, pull.repo_full_name, pull.number)),
        "closed_by": (
            None if pull.merged_by is None else account_json(urls, state.account(pull.merged_by))
        ),
        "pull_request": {
            "url": rest["url"],
            "html_url": rest["html_url"],
            "diff_url": rest["diff_url"],
            "patch_url": rest["patch_url"],
            "merged_at": rest["merged_at"],
        },
    }


def labels_json(state: SimulatedGitHub, urls: Urls, pull: PullRequest | Issue) -> list[Json]:
    repository = state.repository(pull.repo_full_name)
    return [label_json(urls, repository, name) for name in pull.labels]


def requested_reviewers_json(state: SimulatedGitHub, urls: Urls, pull: PullRequest) -> Json:
    owner = state.repository(pull.repo_full_name).owner
    return {
        "users": [account_json(urls, state.account(login)) for login in pull.requested_reviewers],
        "teams": [team_json(state, urls, owner, slug) for slug in pull.requested_teams],
    }
