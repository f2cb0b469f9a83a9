"""What a base branch's protection requires, read from GitHub.

`GET /repos/{repo}/branches/{branch}/protection` needs the Administration (read) permission, which
paasbot does not ask for by default: without it (403), the required checks come from the branch
itself (`GET /repos/{repo}/branches/{branch}`, `protection.required_status_checks`), and whether
the head must be up to date or approved is left to the PR's `mergeable_state` ("behind",
"blocked"). An unprotected branch (404) requires nothing."""

from __future__ import annotations

from typing import Any

from gidgethub import BadRequest, RateLimitExceeded
from gidgethub.abc import GitHubAPI

from app.merging.readiness import Requirements

_NOT_FOUND = 404
_FORBIDDEN = 403


async def branch_requirements(api: GitHubAPI, repository: str, branch: str) -> Requirements:
    url_vars = {"repository": repository, "branch": branch}
    try:
        protection = await api.getitem(
            "/repos/{+repository}/branches/{branch}/protection", url_vars=url_vars
        )
    except BadRequest as error:
        if isinstance(error, RateLimitExceeded):
            raise
        if error.status_code == _NOT_FOUND:
            return Requirements(source="none")
        if error.status_code != _FORBIDDEN:
            raise
        summary = await api.getitem("/repos/{+repository}/branches/{branch}", url_vars=url_vars)
        return requirements_from_branch(summary)
    return requirements_from_protection(protection)


def requirements_from_protection(protection: dict[str, Any]) -> Requirements:
    checks = protection.get("required_status_checks") or {}
    reviews = protection.get("required_pull_request_reviews") or {}
    return Requirements(
        required_checks=_check_names(checks),
        strict=bool(checks.get("strict")),
        approvals=int(reviews.get("required_approving_review_count") or 0),
        source="protection",
    )


def requirements_from_branch(branch: dict[str, Any]) -> Requirements:
    checks = (branch.get("protection") or {}).get("required_status_checks") or {}
    if checks.get("enforcement_level") == "off":
        return Requirements(source="branch")
    return Requirements(required_checks=_check_names(checks), source="branch")


def _check_names(checks: dict[str, Any]) -> tuple[str, ...]:
    """`checks[].context` (newer) and `contexts` (older), each name once, in order."""
    names = [item.get("context") for item in checks.get("checks") or ()]
    names += list(checks.get("contexts") or ())
    return tuple(dict.fromkeys(name for name in names if isinstance(name, str) and name))
