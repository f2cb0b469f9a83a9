"""The backfill of the insights ledger (`paasbot backfill`, `app/backfill_cli.py`): a repository's
history read from the API and stored through the same upserts as the webhooks, so running it
twice, or while webhooks arrive, changes nothing (but the rows' `updated_at` / `refreshed_at`).

Reads: the PRs updated since then (`GET /pulls?state=all&sort=updated&direction=desc`, pages
until one is older), each PR (`GET /pulls/{n}`: the list carries no sizes), its reviews, a merged
PR's first commit once; the deployments created since then with their statuses; the
repository's teams."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from gidgethub.abc import GitHubAPI

from app.insights.ledger_facts import deployment_fact, parse_time, pull_fact, review_fact
from app.insights.ledger_reads import first_commit_at, refresh_teams
from app.store.db import Database
from app.store.ledger import (
    needs_first_commit,
    record_deployment,
    record_first_commit,
    record_pull,
    record_review,
    teams_of,
)


@dataclass
class BackfillCounts:
    pulls: int = 0
    merged: int = 0
    first_commits: int = 0
    reviews: int = 0
    deployments: int = 0
    statuses: int = 0
    teams: int = 0

    def text(self, repository: str, since: float) -> str:
        day = datetime.fromtimestamp(since, UTC).strftime("%Y-%m-%d")
        return (
            f"{repository} since {day}: {self.pulls} pull requests ({self.merged} merged, "
            f"{self.first_commits} first commits read), {self.reviews} reviews, "
            f"{self.deployments} deployments with {self.statuses} statuses, {self.teams} teams\n"
        )


async def backfill(
    api: GitHubAPI, db: Database, repository: str, since: float, clock: Callable[[], float]
) -> BackfillCounts:
    counts = BackfillCounts()
    await _pulls(api, db, repository, since, clock, counts)
    await _deployments(api, db, repository, since, counts)
    await refresh_teams(api, db, repository, clock(), force=True)
    async with db.reader() as conn:
        counts.teams = sum(repository.lower() in found for found in (await teams_of(conn)).values())
    return counts


async def _pulls(
    api: GitHubAPI,
    db: Database,
    repository: str,
    since: float,
    clock: Callable[[], float],
    counts: BackfillCounts,
) -> None:
    name = repository.lower()
    listed = api.getiter(
        "/repos/{+repository}/pulls?state=all&sort=updated&direction=desc&per_page=100",
        url_vars={"repository": repository},
    )
    async for listed_pull in listed:
        if (parse_time(listed_pull.get("updated_at")) or 0) < since:
            break  # sorted by update, newest first: the rest is older still
        number = int(listed_pull["number"])
        pull = await api.getitem(
            "/repos/{+repository}/pulls/{number}",
            url_vars={"repository": repository, "number": str(number)},
        )
        fact = pull_fact(name, pull, None)
        if fact is None:
            continue
        reviews = [
            found
            async for item in api.getiter(
                "/repos/{+repository}/pulls/{number}/reviews?per_page=100",
                url_vars={"repository": repository, "number": str(number)},
            )
            if (found := review_fact(name, number, item, pull.get("user"))) is not None
        ]
        async with db.transaction() as conn:
            await record_pull(conn, fact, clock())
            for review in reviews:
                await record_review(conn, review, clock())
            wanted = fact.merged_at is not None and await needs_first_commit(conn, name, number)
        counts.pulls += 1
        counts.reviews += len(reviews)
        counts.merged += fact.merged_at is not None
        if wanted:
            at = await first_commit_at(api, repository, number)
            if at is not None:
                async with db.transaction() as conn:
                    await record_first_commit(conn, name, number, at, clock())
                counts.first_commits += 1


async def _deployments(
    api: GitHubAPI, db: Database, repository: str, since: float, counts: BackfillCounts
) -> None:
    name = repository.lower()
    async for deployment in api.getiter(
        "/repos/{+repository}/deployments?per_page=100", url_vars={"repository": repository}
    ):
        if (parse_time(deployment.get("created_at")) or 0) < since:
            break  # newest first
        facts = [
            found
            async for status in api.getiter(
                "/repos/{+repository}/deployments/{id}/statuses?per_page=100",
                url_vars={"repository": repository, "id": str(deployment["id"])},
            )
            if (found := deployment_fact(name, deployment, status)) is not None
        ]
        async with db.transaction() as conn:
            for fact in facts:
                await record_deployment(conn, fact)
        counts.deployments += 1
        counts.statuses += len(facts)
