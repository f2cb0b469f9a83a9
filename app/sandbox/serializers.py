"""JSON representations using GitHub's REST field names."""

from __future__ import annotations

import base64
from typing import Any

from app.sandbox.context import Urls
from app.sandbox.models import (
    Account,
    CheckRun,
    Installation,
    IssuedToken,
    PullRequest,
    Repository,
)
from app.sandbox.state import SimulatedGitHub
from app.sandbox.timefmt import iso8601, optional_iso8601

Json = dict[str, Any]


def legacy_node_id(type_name: str, object_id: int) -> str:
    """GitHub's legacy global node IDs are base64 of ``0<len(type)>:<Type><id>``."""
    return base64.b64encode(f"0{len(type_name)}:{type_name}{object_id}".encode()).decode()


def account_json(urls: Urls, account: Account) -> Json:
    return {
        "login": account.login,
        "id": account.id,
        "node_id": legacy_node_id(account.type, account.id),
        "type": account.type,
        "site_admin": False,
        "url": urls.api(f"/users/{account.login}"),
        "html_url": urls.html(f"/{account.login}"),
    }


def repository_json(state: SimulatedGitHub, urls: Urls, repository: Repository) -> Json:
    return {
        "id": repository.id,
        "node_id": legacy_node_id("Repository", repository.id),
        "name": repository.name,
        "full_name": repository.full_name,
        "private": repository.private,
        "visibility": "private" if repository.private else "public",
        "fork": False,
        "owner": account_json(urls, state.account(repository.owner)),
        "default_branch": repository.default_branch,
        "url": urls.api(f"/repos/{repository.full_name}"),
        "html_url": urls.html(f"/{repository.full_name}"),
    }


def _branch_json(
    state: SimulatedGitHub, urls: Urls, repository: Repository, ref: str, sha: str
) -> Json:
    return {
        "label": f"{repository.owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": account_json(urls, state.account(repository.owner)),
        "repo": repository_json(state, urls, repository),
    }


def pull_simple_json(state: SimulatedGitHub, urls: Urls, pull: PullRequest) -> Json:
    """The shape of list items; the single-PR endpoint adds merge details on top."""
    repository = state.repository(pull.repo_full_name)
    api = urls.api(f"/repos/{repository.full_name}")
    html = urls.html(f"/{repository.full_name}/pull/{pull.number}")
    return {
        "url": f"{api}/pulls/{pull.number}",
        "id": pull.id,
        "node_id": legacy_node_id("PullRequest", pull.id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": f"{api}/issues/{pull.number}",
        "number": pull.number,
        "state": pull.state,
        "locked": False,
        "title": pull.title,
        "user": account_json(urls, state.account(pull.author)),
        "body": pull.body,
        "labels": [],
        "milestone": None,
        "created_at": iso8601(pull.created_at),
        "updated_at": iso8601(pull.updated_at),
        "closed_at": optional_iso8601(pull.closed_at),
        "merged_at": optional_iso8601(pull.merged_at),
        "merge_commit_sha": pull.head_sha if pull.merged else None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": _branch_json(state, urls, repository, pull.head_ref, pull.head_sha),
        "base": _branch_json(state, urls, repository, pull.base_ref, pull.base_sha),
        "author_association": "MEMBER",
        "draft": pull.draft,
    }


def pull_json(state: SimulatedGitHub, urls: Urls, pull: PullRequest) -> Json:
    """GitHub computes mergeability in the background and reports null until it is known."""
    return pull_simple_json(state, urls, pull) | {
        "merged": pull.merged,
        "mergeable": None,
        "rebaseable": None,
        "mergeable_state": "unknown",
        "merged_by": None,
        "comments": 0,
        "review_comments": 0,
        "maintainer_can_modify": False,
        "commits": 1,
        "additions": 0,
        "deletions": 0,
        "changed_files": 0,
    }


def _pull_reference_json(urls: Urls, repository: Repository, pull: PullRequest) -> Json:
    repo = {
        "id": repository.id,
        "url": urls.api(f"/repos/{repository.full_name}"),
        "name": repository.name,
    }
    return {
        "url": urls.api(f"/repos/{repository.full_name}/pulls/{pull.number}"),
        "id": pull.id,
        "number": pull.number,
        "head": {"ref": pull.head_ref, "sha": pull.head_sha, "repo": repo},
        "base": {"ref": pull.base_ref, "sha": pull.base_sha, "repo": repo},
    }


def app_json(state: SimulatedGitHub, urls: Urls) -> Json:
    return {
        "id": state.app_id,
        "slug": state.app_slug,
        "node_id": legacy_node_id("Integration", state.app_id),
        "name": state.app_slug,
        "html_url": urls.html(f"/github-apps/{state.app_slug}"),
    }


def check_run_json(state: SimulatedGitHub, urls: Urls, run: CheckRun) -> Json:
    """``pull_requests`` lists open pull requests whose head is the run's commit."""
    repository = state.repository(run.repo_full_name)
    pulls = [
        _pull_reference_json(urls, repository, pull)
        for pull in state.pulls_in(repository.full_name)
        if pull.state == "open" and pull.head_sha == run.head_sha
    ]
    url = urls.api(f"/repos/{repository.full_name}/check-runs/{run.id}")
    return {
        "id": run.id,
        "node_id": legacy_node_id("CheckRun", run.id),
        "head_sha": run.head_sha,
        "external_id": run.external_id,
        "url": url,
        "html_url": urls.html(f"/{repository.full_name}/runs/{run.id}"),
        "details_url": run.details_url,
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": optional_iso8601(run.started_at),
        "completed_at": optional_iso8601(run.completed_at),
        "output": {
            "title": run.output.get("title"),
            "summary": run.output.get("summary"),
            "text": run.output.get("text"),
            "annotations_count": len(run.annotations),
            "annotations_url": f"{url}/annotations",
        },
        "name": run.name,
        "check_suite": {"id": run.check_suite_id},
        "app": app_json(state, urls),
        "pull_requests": pulls,
    }


def _installation_settings_path(account: Account, installation_id: int) -> str:
    if account.type == "Organization":
        return f"/organizations/{account.login}/settings/installations/{installation_id}"
    return f"/settings/installations/{installation_id}"


def installation_json(state: SimulatedGitHub, urls: Urls, installation: Installation) -> Json:
    account = state.account(installation.account)
    return {
        "id": installation.id,
        "account": account_json(urls, account),
        "app_id": state.app_id,
        "app_slug": state.app_slug,
        "target_id": account.id,
        "target_type": account.type,
        "repository_selection": installation.repository_selection,
        "permissions": dict(installation.permissions),
        "events": list(installation.events),
        "access_tokens_url": urls.api(f"/app/installations/{installation.id}/access_tokens"),
        "repositories_url": urls.api("/installation/repositories"),
        "html_url": urls.html(_installation_settings_path(account, installation.id)),
        "created_at": iso8601(installation.created_at),
        "updated_at": iso8601(installation.created_at),
        "single_file_name": None,
        "suspended_at": None,
        "suspended_by": None,
    }


def access_token_json(
    state: SimulatedGitHub, urls: Urls, token: IssuedToken, installation: Installation
) -> Json:
    body: Json = {
        "token": token.token,
        "expires_at": iso8601(token.expires_at),
        "permissions": dict(token.permissions),
        "repository_selection": installation.repository_selection,
    }
    if token.repositories is not None:
        body["repositories"] = [
            repository_json(state, urls, repository)
            for repository in state.repositories.values()
            if token.covers(repository.full_name)
        ]
    return body
