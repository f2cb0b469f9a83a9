"""What a base branch's protection requires, read from GitHub.

`GET /repos/{repo}/branches/{branch}/protection` needs the Administration (read) permission, which
paasbot does not ask for by default: without it (403), the required checks come from the branch
itself (`GET /repos/{repo}/branches/{branch}`, `protection.required_status_checks`), and whether
the head must be up to date or approved is left to the PR's `mergeable_state` ("behind",
"blocked"). An unprotected branch (404) requires nothing."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from cachetools import TTLCache
from gidgethub import BadRequest, RateLimitExceeded
from gidgethub.abc import GitHubAPI

from app.merging.readiness import Requirements

_NOT_FOUND = 404
_FORBIDDEN = 403
DEFAULT_TTL_SECONDS = 60.0


class ProtectionCache:
    """What each base branch requires, read at most once a minute: every merge moves the base
    and wakes each queued PR, and the head of the queue judges again each time. (A change to the
    protection reaches paasbot within the minute.)"""

    def __init__(
        self,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        maxsize: int = 10_000,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._found: TTLCache[tuple[str, str], Requirements] = TTLCache(
            maxsize=maxsize, ttl=ttl_seconds, timer=timer
        )

    async def requirements(self, api: GitHubAPI, repository: str, branch: str) -> Requirements:
        key = (repository.casefold(), branch)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = await branch_requirements(api, repository, branch)
        return found


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
