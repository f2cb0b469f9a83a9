"""Team members, for `@org/team` values in conditions.

`GET /orgs/{org}/teams/{slug}/members` (every page; GitHub includes the members of child teams)
lists a team's logins. A `TeamCache` is meant to live as long as the worker and remembers each
answer for `ttl_seconds` (10 minutes by default), keyed by (installation, team): an installation
sees its own organisation's teams only. A `TeamDirectory` is one evaluation's view: it answers
through the cache and records the teams GitHub does not know (404), which resolve to no members
and are listed in `missing_teams` for the summary to show.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import gidgethub
from cachetools import TTLCache
from gidgethub.abc import GitHubAPI

DEFAULT_TTL_SECONDS = 600.0
PER_PAGE = 100

# A team's members, or None for a team GitHub does not know.
Members = frozenset[str] | None
CacheKey = tuple[int | str, str]


class TeamCache:
    def __init__(
        self,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        maxsize: int = 2_000,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.entries: TTLCache[CacheKey, Members] = TTLCache(
            maxsize=maxsize, ttl=ttl_seconds, timer=timer
        )


class TeamDirectory:
    def __init__(self, api: GitHubAPI, cache: TeamCache | None = None) -> None:
        self.api = api
        self.cache = cache if cache is not None else TeamCache()
        self.missing_teams: list[str] = []

    async def members(self, team: str) -> set[str]:
        """The logins of `org/slug` (no `@`); an empty set, recorded in `missing_teams`, for a
        team GitHub does not know."""
        org, slug = split_team(team)
        key = (api_identity(self.api), f"{org}/{slug}".casefold())
        if key in self.cache.entries:
            found = self.cache.entries[key]
        else:
            found = await self._fetch(org, slug)
            self.cache.entries[key] = found
        if found is None:
            self._missing(f"{org}/{slug}")
            return set()
        return set(found)

    async def resolve(self, teams: Iterable[str]) -> dict[str, set[str]]:
        """The members of each team, by the name given."""
        return {team: await self.members(team) for team in dict.fromkeys(teams)}

    async def _fetch(self, org: str, slug: str) -> Members:
        try:
            items = self.api.getiter(
                "/orgs/{org}/teams/{slug}/members{?per_page}",
                url_vars={"org": org, "slug": slug, "per_page": str(PER_PAGE)},
            )
            return frozenset([item["login"] async for item in items])
        except gidgethub.BadRequest as error:
            if error.status_code == 404:
                return None
            raise

    def _missing(self, team: str) -> None:
        if team.casefold() not in {known.casefold() for known in self.missing_teams}:
            self.missing_teams.append(team)


def split_team(team: str) -> tuple[str, str]:
    """`org/slug` (or `@org/slug`) → (org, slug); ValueError for anything else."""
    org, separator, slug = team.removeprefix("@").partition("/")
    if not (org and separator and slug) or "/" in slug:
        raise ValueError(f"a team is named org/slug, not {team!r}")
    return org, slug


def api_identity(api: GitHubAPI) -> int | str:
    """The installation an API client acts as, or the client itself when it has none."""
    installation_id = getattr(api, "installation_id", None)
    return installation_id if isinstance(installation_id, int) else f"api-{id(api)}"
