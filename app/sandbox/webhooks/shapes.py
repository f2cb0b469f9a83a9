"""The objects of webhook payloads: those only webhooks carry (pushed commits, the status
payload, check suites) and the webhook variants of REST shapes (reviews, comments, issues,
releases, teams), built on the REST serializers (`app.sandbox.serializers*`)."""

from __future__ import annotations

from typing import Any

from app.sandbox.context import Urls
from app.sandbox.git import Commit, Signature, diff_trees
from app.sandbox.models import (
    CheckRun,
    CommitStatus,
    Issue,
    IssueComment,
    PullRequest,
    Release,
    Repository,
    Review,
    fake_sha,
)
from app.sandbox.serializers import (
    Json,
    account_json,
    app_json,
    association,
    check_run_json,
    legacy_node_id,
    pulls_for_sha_json,
)
from app.sandbox.serializers_activity import release_json as rest_release_json
from app.sandbox.serializers_activity import simple_status_json
from app.sandbox.serializers_git import commit_json
from app.sandbox.serializers_pulls import issue_comment_json as rest_issue_comment_json
from app.sandbox.serializers_pulls import issue_json as rest_issue_json
from app.sandbox.serializers_pulls import review_json as rest_review_json
from app.sandbox.serializers_reactions import reaction_rollup_json
from app.sandbox.state import SimulatedGitHub
from app.sandbox.timefmt import iso8601

MAX_STATUS_BRANCHES = 10
# Worst first: a suite concludes with the worst conclusion among its runs.
SUITE_CONCLUSIONS = ("action_required", "cancelled", "timed_out", "failure", "stale", "success")
# Team keys the REST API returns and webhook payloads leave out.
REST_ONLY_TEAM_KEYS = frozenset({"type", "organization_id", "enterprise_id"})
# The fields of a status that its webhook payload repeats.
STATUS_FIELDS = ("id", "target_url", "avatar_url", "context", "description", "state")


def installation_lite_json(installation_id: int) -> Json:
    return {
        "id": installation_id,
        "node_id": legacy_node_id("IntegrationInstallation", installation_id),
    }


def webhook_team_json(team: Json) -> Json:
    body = {key: value for key, value in team.items() if key not in REST_ONLY_TEAM_KEYS}
    if body.get("parent") is not None:
        body["parent"] = webhook_team_json(body["parent"])
    return body


def webhook_pull_json(pull: Json) -> Json:
    """A REST pull request (full or simple) as webhook payloads carry it."""
    return pull | {"requested_teams": [webhook_team_json(team) for team in pull["requested_teams"]]}


def repository_lite_json(repository: Repository) -> Json:
    """The short repository entries of installation events."""
    return {
        "id": repository.id,
        "node_id": legacy_node_id("Repository", repository.id),
        "name": repository.name,
        "full_name": repository.full_name,
        "private": repository.private,
    }


def commit_at(state: SimulatedGitHub, sha: str, login: str) -> Commit:
    """The commit `sha`, or an empty stand-in for a made-up SHA with no commit behind it."""
    if state.git.has_commit(sha):
        return state.git.commits[sha]
    signature = state.signature(login)
    return Commit(sha, {}, (), "", signature, signature)


# --- commits ---------------------------------------------------------------------------------


def commit_author_json(state: SimulatedGitHub, signature: Signature) -> Json:
    body: Json = {"name": signature.name, "email": signature.email}
    account = state.accounts.get(signature.name.lower())
    if account is not None:
        body["username"] = account.login
    return body


def push_commit_json(
    state: SimulatedGitHub, urls: Urls, repository: Repository, commit: Commit
) -> Json:
    parent = commit.parents[0] if commit.parents else None
    parent_tree = state.git.commits[parent].tree if parent and state.git.has_commit(parent) else {}
    changes = diff_trees(parent_tree, commit.tree)
    return {
        "id": commit.sha,
        "tree_id": commit.tree_sha,
        "distinct": True,
        "message": commit.message,
        "timestamp": iso8601(commit.committer.timestamp),
        "url": urls.html(f"/{repository.full_name}/commit/{commit.sha}"),
        "author": commit_author_json(state, commit.author),
        "committer": commit_author_json(state, commit.committer),
        "added": [change.path for change in changes if change.status == "added"],
        "removed": [change.path for change in changes if change.status == "removed"],
        "modified": [change.path for change in changes if change.status == "modified"],
    }


def simple_commit_json(state: SimulatedGitHub, commit: Commit) -> Json:
    return {
        "id": commit.sha,
        "tree_id": commit.tree_sha,
        "message": commit.message,
        "timestamp": iso8601(commit.committer.timestamp),
        "author": commit_author_json(state, commit.author),
        "committer": commit_author_json(state, commit.committer),
    }


# --- statuses --------------------------------------------------------------------------------


def status_json(state: SimulatedGitHub, urls: Urls, status: CommitStatus) -> Json:
    repository = state.repository(status.repo_full_name)
    rest = simple_status_json(state, urls, status)
    commit = commit_json(state, urls, repository, commit_at(state, status.sha, status.creator))
    verification = dict(commit["commit"]["verification"])
    verification.pop("verified_at", None)
    commit["commit"] = commit["commit"] | {"verification": verification}
    # Status payloads write their times with a +00:00 offset where everything else uses Z.
    created = iso8601(status.created_at).replace("Z", "+00:00")
    return {key: rest[key] for key in STATUS_FIELDS} | {
        "sha": status.sha,
        "name": repository.full_name,
        "commit": commit,
        "branches": _branches_containing(state, urls, repository, status.sha),
        "created_at": created,
        "updated_at": created,
    }


def _branches_containing(
    state: SimulatedGitHub, urls: Urls, repository: Repository, sha: str
) -> list[Json]:
    api = urls.api(f"/repos/{repository.full_name}")
    names = [
        name
        for name, head in sorted(repository.branches.items())
        if head == sha or state.git.is_ancestor(sha, head)
    ]
    return [
        {
            "name": name,
            "commit": {
                "sha": repository.branches[name],
                "url": f"{api}/commits/{repository.branches[name]}",
            },
            "protected": name in repository.protections,
        }
        for name in names[:MAX_STATUS_BRANCHES]
    ]


# --- checks ----------------------------------------------------------------------------------


def check_run_webhook_json(state: SimulatedGitHub, urls: Urls, run: CheckRun) -> Json:
    body = check_run_json(state, urls, run)
    repository = state.repository(run.repo_full_name)
    suite = check_suite_json(state, urls, repository, run.check_suite_id, run.head_sha)
    return body | {
        # GitHub fills in an empty external id, and the app's page when no details URL was given.
        "external_id": run.external_id or "",
        "details_url": run.details_url or body["app"]["external_url"],
        "check_suite": suite,
    }


def check_suite_json(
    state: SimulatedGitHub,
    urls: Urls,
    repository: Repository,
    suite_id: int,
    head_sha: str,
    *,
    head_branch: str | None = None,
) -> Json:
    """A suite as check runs embed it, its status and conclusion computed from its runs."""
    runs = [run for run in state.check_runs.values() if run.check_suite_id == suite_id]
    commit = state.git.commits.get(head_sha)
    created, updated = _suite_times(state, runs)
    status = _suite_status(runs)
    return {
        "id": suite_id,
        "node_id": legacy_node_id("CheckSuite", suite_id),
        "head_branch": head_branch or _branch_at(repository, head_sha),
        "head_sha": head_sha,
        "status": status,
        "conclusion": _suite_conclusion(runs) if status == "completed" else None,
        "url": urls.api(f"/repos/{repository.full_name}/check-suites/{suite_id}"),
        "before": commit.parents[0] if commit and commit.parents else None,
        "after": head_sha,
        "pull_requests": pulls_for_sha_json(state, urls, repository, head_sha),
        "app": app_json(state, urls),
        "created_at": iso8601(created),
        "updated_at": iso8601(updated),
    }


def check_suite_event_json(
    state: SimulatedGitHub, urls: Urls, repository: Repository, details: dict[str, Any]
) -> Json:
    """The suite of a check_suite event: the facts the event states, plus the suite's extras."""
    suite_id, head_sha = details["suite_id"], details["head_sha"]
    body = check_suite_json(
        state, urls, repository, suite_id, head_sha, head_branch=details.get("head_branch")
    )
    runs = [run for run in state.check_runs.values() if run.check_suite_id == suite_id]
    return body | {
        "status": details.get("status", body["status"]),
        "conclusion": details.get("conclusion", body["conclusion"]),
        "rerequestable": True,
        "runs_rerequestable": True,
        "latest_check_runs_count": len(runs),
        "check_runs_url": f"{body['url']}/check-runs",
        "head_commit": simple_commit_json(state, commit_at(state, head_sha, repository.owner)),
    }


def _branch_at(repository: Repository, sha: str) -> str | None:
    return next((name for name, head in repository.branches.items() if head == sha), None)


def _suite_status(runs: list[CheckRun]) -> str:
    if runs and all(run.status == "completed" for run in runs):
        return "completed"
    if any(run.status != "queued" for run in runs):
        return "in_progress"
    return "queued"


def _suite_conclusion(runs: list[CheckRun]) -> str:
    conclusions = {run.conclusion for run in runs}
    return next((name for name in SUITE_CONCLUSIONS if name in conclusions), "neutral")


def _suite_times(state: SimulatedGitHub, runs: list[CheckRun]) -> tuple[float, float]:
    started = [run.started_at for run in runs if run.started_at is not None]
    finished = [run.completed_at for run in runs if run.completed_at is not None]
    created = min(started, default=state.now())
    return created, max(started + finished, default=created)


# --- reviews and comments --------------------------------------------------------------------


def review_json(state: SimulatedGitHub, urls: Urls, pull: PullRequest, review: Review) -> Json:
    rest = rest_review_json(state, urls, pull, review)
    # Webhooks give the review state in lower case, and an empty body as null.
    return rest | {"state": review.state.lower(), "body": review.body or None}


def issue_json(
    state: SimulatedGitHub, urls: Urls, comment: IssueComment, pull: PullRequest | None
) -> Json:
    """The issue a comment is on: a pull request's issue side, or a plain issue (one the
    simulator has no `Issue` for is described from the comment alone)."""
    issue = (
        None if pull is not None else state.find_issue(comment.repo_full_name, comment.issue_number)
    )
    if issue is not None:
        return webhook_issue_json(state, urls, issue)
    if pull is None:
        body = _plain_issue_json(state, urls, comment)
    else:
        body = rest_issue_json(state, urls, pull)
        body.pop("closed_by", None)
    return body | {
        "reactions": reaction_rollup_json(body["url"]),
        "performed_via_github_app": None,
    }


def webhook_issue_json(state: SimulatedGitHub, urls: Urls, issue: Issue) -> Json:
    """A plain issue as webhooks carry it: the REST issue without ``closed_by``, with the
    reaction rollup."""
    body = rest_issue_json(state, urls, issue)
    body.pop("closed_by", None)
    return body | {
        "reactions": reaction_rollup_json(body["url"]),
        "performed_via_github_app": None,
    }


def _plain_issue_json(state: SimulatedGitHub, urls: Urls, comment: IssueComment) -> Json:
    issue_url = urls.api(f"/repos/{comment.repo_full_name}/issues/{comment.issue_number}")
    issue_id = int(fake_sha(f"{comment.repo_full_name}#{comment.issue_number}")[:8], 16)
    return {
        "url": issue_url,
        "repository_url": urls.api(f"/repos/{comment.repo_full_name}"),
        "labels_url": f"{issue_url}/labels{{/name}}",
        "comments_url": f"{issue_url}/comments",
        "events_url": f"{issue_url}/events",
        "timeline_url": f"{issue_url}/timeline",
        "html_url": urls.html(f"/{comment.repo_full_name}/issues/{comment.issue_number}"),
        "id": issue_id,
        "node_id": legacy_node_id("Issue", issue_id),
        "number": comment.issue_number,
        "title": f"Issue #{comment.issue_number}",
        "user": account_json(urls, state.account(comment.user)),
        "labels": [],
        "state": "open",
        "state_reason": None,
        "locked": False,
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "comments": len(_comments_on_issue(state, comment)),
        "created_at": iso8601(comment.created_at),
        "updated_at": iso8601(comment.updated_at),
        "closed_at": None,
        "author_association": association(state, comment.repo_full_name, comment.user),
        "active_lock_reason": None,
        "draft": False,
        "body": None,
    }


def _comments_on_issue(state: SimulatedGitHub, comment: IssueComment) -> list[IssueComment]:
    return [
        other
        for other in state.comments.values()
        if other.repo_full_name == comment.repo_full_name
        and other.issue_number == comment.issue_number
    ]


def issue_comment_json(
    state: SimulatedGitHub, urls: Urls, comment: IssueComment, pull: PullRequest | None
) -> Json:
    if pull is None:
        body = _plain_issue_comment_json(state, urls, comment)
    else:
        body = rest_issue_comment_json(state, urls, pull, comment)
    by_the_app = comment.user == f"{state.app_slug}[bot]"
    return body | {
        "reactions": reaction_rollup_json(
            body["url"], state.reactions_of(comment.repo_full_name, comment.id)
        ),
        "performed_via_github_app": app_json(state, urls) if by_the_app else None,
    }


def _plain_issue_comment_json(state: SimulatedGitHub, urls: Urls, comment: IssueComment) -> Json:
    issues = urls.api(f"/repos/{comment.repo_full_name}/issues")
    html = urls.html(f"/{comment.repo_full_name}/issues/{comment.issue_number}")
    return {
        "id": comment.id,
        "node_id": legacy_node_id("IssueComment", comment.id),
        "url": f"{issues}/comments/{comment.id}",
        "html_url": f"{html}#issuecomment-{comment.id}",
        "body": comment.body,
        "user": account_json(urls, state.account(comment.user)),
        "created_at": iso8601(comment.created_at),
        "updated_at": iso8601(comment.updated_at),
        "issue_url": f"{issues}/{comment.issue_number}",
        "author_association": association(state, comment.repo_full_name, comment.user),
    }


# --- releases --------------------------------------------------------------------------------


def release_json(state: SimulatedGitHub, urls: Urls, release: Release) -> Json:
    rest = rest_release_json(state, urls, release)
    # Webhooks send an empty string, not null, for a release without a name or body.
    return rest | {"name": release.name or "", "body": release.body or ""}
