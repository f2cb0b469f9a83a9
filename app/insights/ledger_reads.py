"""What the ledger reads from GitHub besides webhooks, shared by the PR worker and the backfill:
a merged PR's first commit (one call per merged PR) and a repository's teams (at most once a day
per repository). Never a login: the commit's author date, the teams' slugs and permissions."""

from __future__ import annotations

from typing import Any

from gidgethub import BadRequest, RateLimitExceeded
from gidgethub.abc import GitHubAPI

from app.insights.ledger_facts import CORRECTION, parse_time, pull_fact
from app.store.db import Database
from app.store.ledger import (
    needs_first_commit,
    record_first_commit,
    record_pull,
    replace_teams,
    teams_due,
)


async def first_commit_at(api: GitHubAPI, repository: str, number: int) -> float | None:
    """The author date of the PR's oldest commit (`/pulls/{n}/commits` lists oldest first)."""
    commits = await api.getitem(
        "/repos/{+repository}/pulls/{number}/commits?per_page=1",
        url_vars={"repository": repository, "number": str(number)},
    )
    if not commits:
        return None
    commit = commits[0].get("commit") or {}
    return parse_time((commit.get("author") or {}).get("date")) or parse_time(
        (commit.get("committer") or {}).get("date")
    )


async def repository_teams(api: GitHubAPI, repository: str) -> dict[str, str]:
    """slug -> permission (admin, maintain, push, triage, pull) of the repository's teams."""
    teams: dict[str, str] = {}
    async for team in api.getiter(
        "/repos/{+repository}/teams?per_page=100", url_vars={"repository": repository}
    ):
        if isinstance(team.get("slug"), str):
            teams[team["slug"]] = str(team.get("permission") or "pull")
    return teams


async def record_closed_pull(
    api: GitHubAPI, db: Database, repository: str, pull: dict[str, Any], now: float
) -> None:
    """A closed PR as the API shows it (corrects what webhooks left), and, when it merged, its
    first commit once."""
    fact = pull_fact(repository.lower(), pull, CORRECTION)
    if fact is None:
        return
    async with db.transaction() as conn:
        await record_pull(conn, fact, now)
        wanted = fact.merged_at is not None and await needs_first_commit(
            conn, repository, fact.number
        )
    if not wanted:
        return
    at = await first_commit_at(api, repository, fact.number)
    if at is not None:
        async with db.transaction() as conn:
            await record_first_commit(conn, repository, fact.number, at, now)


async def refresh_teams(
    api: GitHubAPI, db: Database, repository: str, now: float, *, force: bool = False
) -> bool:
    """Reads the repository's teams if a day has passed since the last read; True if it read.
    GitHub refusing the list (the app lacks the permission) counts as a read with no team."""
    if not force:
        async with db.reader() as conn:
            if not await teams_due(conn, repository, now):
                return False
    try:
        teams = await repository_teams(api, repository)
    except BadRequest as error:
        if isinstance(error, RateLimitExceeded) or error.status_code not in (403, 404):
            raise
        teams = {}
    async with db.transaction() as conn:
        await replace_teams(conn, repository, teams, now)
    return True
