"""JSON of a repository in full, of its branches and of their protection."""

from __future__ import annotations

from app.sandbox.context import Urls
from app.sandbox.models import BranchProtection, Repository
from app.sandbox.serializers import Json, repository_json
from app.sandbox.serializers_git import commit_json
from app.sandbox.state import SimulatedGitHub

DISABLED = {"enabled": False}


def full_repository_json(state: SimulatedGitHub, urls: Urls, repository: Repository) -> Json:
    methods = repository.allowed_merge_methods
    return repository_json(state, urls, repository) | {
        "allow_merge_commit": "merge" in methods,
        "allow_squash_merge": "squash" in methods,
        "allow_rebase_merge": "rebase" in methods,
        "has_discussions": False,
        "network_count": 0,
        "subscribers_count": 0,
        "delete_branch_on_merge": False,
        "allow_auto_merge": False,
        "allow_update_branch": True,
        "allow_forking": False,
    }


def _branch_api(urls: Urls, repository: Repository, branch: str) -> str:
    return urls.api(f"/repos/{repository.full_name}/branches/{branch}")


def short_branch_json(urls: Urls, repository: Repository, branch: str, sha: str) -> Json:
    return {
        "name": branch,
        "commit": {"sha": sha, "url": urls.api(f"/repos/{repository.full_name}/commits/{sha}")},
        "protected": branch in repository.protections,
    }


def branch_json(state: SimulatedGitHub, urls: Urls, repository: Repository, branch: str) -> Json:
    commit = state.git.commits[repository.branches[branch]]
    api = _branch_api(urls, repository, branch)
    protection = repository.protections.get(branch)
    return {
        "name": branch,
        "commit": commit_json(state, urls, repository, commit),
        "_links": {"self": api, "html": urls.html(f"/{repository.full_name}/tree/{branch}")},
        "protected": protection is not None,
        "protection": _protection_summary(protection),
        "protection_url": f"{api}/protection",
    }


def _protection_summary(protection: BranchProtection | None) -> Json:
    checks = () if protection is None else protection.required_checks
    return {
        "enabled": protection is not None,
        "required_status_checks": {
            "enforcement_level": "non_admins" if checks else "off",
            "contexts": list(checks),
            "checks": [{"context": context, "app_id": None} for context in checks],
        },
    }


def checks_enabled(protection: BranchProtection) -> bool:
    return bool(protection.required_checks) or protection.require_up_to_date


def status_check_policy_json(
    urls: Urls, repository: Repository, branch: str, protection: BranchProtection
) -> Json:
    url = f"{_branch_api(urls, repository, branch)}/protection/required_status_checks"
    return {
        "url": url,
        "strict": protection.require_up_to_date,
        "contexts": list(protection.required_checks),
        "contexts_url": f"{url}/contexts",
        "checks": [{"context": context, "app_id": None} for context in protection.required_checks],
    }


def protection_json(
    urls: Urls, repository: Repository, branch: str, protection: BranchProtection
) -> Json:
    """GitHub leaves out the rules that are not enabled."""
    url = f"{_branch_api(urls, repository, branch)}/protection"
    body: Json = {"url": url}
    if checks_enabled(protection):
        body["required_status_checks"] = status_check_policy_json(
            urls, repository, branch, protection
        ) | {"enforcement_level": "non_admins"}
    if protection.required_approvals:
        body["required_pull_request_reviews"] = {
            "url": f"{url}/required_pull_request_reviews",
            "dismiss_stale_reviews": False,
            "require_code_owner_reviews": False,
            "require_last_push_approval": False,
            "required_approving_review_count": protection.required_approvals,
        }
    return body | {
        "required_signatures": {"url": f"{url}/required_signatures", "enabled": False},
        "enforce_admins": {"url": f"{url}/enforce_admins", "enabled": False},
        "required_linear_history": dict(DISABLED),
        "allow_force_pushes": dict(DISABLED),
        "allow_deletions": dict(DISABLED),
        "block_creations": dict(DISABLED),
        "required_conversation_resolution": dict(DISABLED),
        "lock_branch": dict(DISABLED),
        "allow_fork_syncing": dict(DISABLED),
    }
