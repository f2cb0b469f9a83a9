"""Who has write access to a repository, asked of GitHub and remembered for a while.

`GET /repos/{repo}/collaborators/{login}/permission` answers a user's role on a repository. One
`PermissionCache` is meant to live as long as the worker and be shared by every evaluation: it
decides whose approvals count (as GitHub does, only from people with write access) and who may
run comment commands. Answers are kept for `ttl_seconds` (10 minutes by default), keyed by
(repository, login), both case-insensitively.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import gidgethub
from cachetools import TTLCache
from gidgethub.abc import GitHubAPI

NO_ACCESS = "none"
WRITE_ROLES = frozenset({"admin", "maintain", "write"})
BASE_ROLES = WRITE_ROLES | {"triage", "read", NO_ACCESS}
DEFAULT_TTL_SECONDS = 600.0


class PermissionCache:
    def __init__(
        self,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        maxsize: int = 10_000,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._roles: TTLCache[tuple[str, str], str] = TTLCache(
            maxsize=maxsize, ttl=ttl_seconds, timer=timer
        )

    async def permission(self, api: GitHubAPI, repository: str, login: str) -> str:
        """The user's role: `admin`, `maintain`, `write`, `triage`, `read`, or `none` (also for
        a user GitHub does not know)."""
        key = (repository.casefold(), login.casefold())
        role = self._roles.get(key)
        if role is None:
            role = await _fetch_role(api, repository, login)
            self._roles[key] = role
        return role

    async def can_write(self, api: GitHubAPI, repository: str, login: str) -> bool:
        """Whether the user's role is admin, maintain or write."""
        return await self.permission(api, repository, login) in WRITE_ROLES

    def forget(self, repository: str, login: str) -> None:
        """Drop one remembered answer (e.g. after the role is known to have changed)."""
        self._roles.pop((repository.casefold(), login.casefold()), None)


async def _fetch_role(api: GitHubAPI, repository: str, login: str) -> str:
    try:
        body = await api.getitem(
            "/repos/{+repository}/collaborators/{login}/permission",
            url_vars={"repository": repository, "login": login},
        )
    except gidgethub.BadRequest as error:
        if error.status_code == 404:
            return NO_ACCESS
        raise
    return role_of(body)


def role_of(body: dict[str, Any]) -> str:
    """The role in a permission answer: `role_name` when it is a base role (it tells maintain
    and triage apart), else the legacy `permission` (admin, write, read or none), which also
    covers an organisation's custom roles by the base role they extend."""
    role = str(body.get("role_name") or "").casefold()
    if role in BASE_ROLES:
        return role
    return str(body.get("permission") or NO_ACCESS).casefold()
