"""PostgreSQL unreachable for a few seconds, through a proxy cut between paasbot and the server
(the server itself is shared by other tests and keeps running): the intake answers 503 for what it
cannot store, never 202; workers live through it and finish the work they held; once the
database is back paasbot recovers without a restart and the refused deliveries come back through
the redelivery sweeper."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from app.sandbox import Fault, SimulatedGitHub
from app.sandbox.actors_pulls import add_labels
from app.sandbox.actors_repos import add_collaborator
from app.sandbox.conformance import ConformanceChecker
from app.sandbox.demo import DemoStage, GitHubStage
from app.sandbox.ops.issues import comments_on
from app.store.db import Database
from app.store.tables import metadata, subjects
from bench.tcp_proxy import CuttableProxy
from tests.e2e_world import eventually
from tests.reliability.delivery_world import (
    attempts_of,
    checked_github,
    running_bot,
    summary_title,
)

REPO = "acme/api"
CONFIG = """
rules:
  - name: Labelled
    if: ["#label>=1"]
    do:
      comment: {body: "Labelled."}
"""
OUTAGE_SECONDS = 5.0


def seeded() -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    files = {"src/app.py": "print('v0')\n", ".paasbot.yml": CONFIG}
    state.add_repository(installation, "api", files=files)
    add_collaborator(state, REPO, "alice", "write")
    return state


def open_pull(state: SimulatedGitHub, branch: str) -> int:
    state.commit(REPO, branch, {"src/app.py": f"print('{branch}')\n"}, author="alice")
    return state.open_pull(REPO, f"Change {branch}", head_ref=branch, author="alice").number


@pytest.fixture
async def direct_db(postgres_url: str) -> AsyncIterator[Database]:
    """The test's database, reached without the proxy, emptied first."""
    database = Database(postgres_url)
    async with database.transaction() as conn:
        names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def proxy(postgres_url: str) -> AsyncIterator[CuttableProxy]:
    server = make_url(postgres_url)
    cuttable = CuttableProxy(server.host or "127.0.0.1", server.port or 5432)
    await cuttable.start()
    try:
        yield cuttable
    finally:
        await cuttable.close()


def through(proxy: CuttableProxy, postgres_url: str) -> str:
    url = make_url(postgres_url).set(host=proxy.host, port=proxy.port)
    return url.render_as_string(hide_password=False)


async def readiness(stage: DemoStage) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{stage.paasbot_url}/readyz") as response,
    ):
        return response.status


async def held_subject(db: Database, number: int) -> bool:
    query = select(subjects.c.lease_owner).where(subjects.c.key == f"{REPO}#{number}")
    async with db.reader() as conn:
        return (await conn.scalar(query)) is not None


async def test_paasbot_refuses_what_it_cannot_store_and_recovers_by_itself(
    postgres_url: str,
    direct_db: Database,
    proxy: CuttableProxy,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
) -> None:
    state = seeded()
    async with (
        checked_github(state, conformance_checker, request) as github,
        running_bot(github, through(proxy, postgres_url), queue={"lease_seconds": 2.0}) as stage,
    ):
        first = open_pull(state, "first")
        await stage.settle()
        assert summary_title(state, REPO, state.pull(REPO, first).head_sha) == "0 of 1 rules match"
        before = len(github.dispatcher.deliveries)

        # An evaluation is under way (GitHub is slow to answer it) when the database goes away.
        state.faults.queue(Fault.timeout(seconds=2.0, path_prefix=f"/repos/{REPO}/pulls/{first}"))
        add_labels(state, REPO, first, ["held"], sender="alice")
        await eventually(lambda: held_subject(direct_db, first))
        await proxy.cut()
        assert await readiness(stage) == 503
        second = open_pull(state, "second")
        add_labels(state, REPO, second, ["refused"], sender="alice")
        await github.dispatcher.drain()
        during = github.dispatcher.deliveries[before + 1 :]
        assert during, "deliveries were sent during the outage"
        assert [d.status for d in during] == [503] * len(during), "never 202 unstored"
        await asyncio.sleep(OUTAGE_SECONDS)
        await proxy.restore()

        await eventually(lambda: readiness_is(stage, 200), within=30)
        for delivery in during:
            await eventually(lambda d=delivery: redelivered_ok(github, d.id), within=30)
        await eventually(lambda: labelled(state, first) and labelled(state, second), within=30)
        await stage.settle()
        assert stage.bot.pool is not None
        assert not any(task.done() for task in stage.bot.pool._tasks), "every worker still runs"
        for number in (first, second):
            head = state.pull(REPO, number).head_sha
            assert summary_title(state, REPO, head) == "1 of 1 rules match"
            assert bot_comments(state, number) == 1


async def readiness_is(stage: DemoStage, status: int) -> bool:
    return await readiness(stage) == status


def redelivered_ok(github: GitHubStage, guid: str) -> bool:
    return any(d.ok and d.redelivery for d in attempts_of(github, guid))


def labelled(state: SimulatedGitHub, number: int) -> bool:
    head = state.pull(REPO, number).head_sha
    return summary_title(state, REPO, head) == "1 of 1 rules match"


def bot_comments(state: SimulatedGitHub, number: int) -> int:
    return sum(1 for c in comments_on(state, REPO, number) if c.user.endswith("[bot]"))
