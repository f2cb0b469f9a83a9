"""Webhook in, GitHub API calls out: paasbot served over HTTP, driving the simulator."""

import asyncio
import copy
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from sqlalchemy import func, select

from app.sandbox import SimulatedGitHub
from app.service import Paasbot
from app.store.queue import QueuePolicy
from app.store.tables import evaluations, subject_failures, subjects
from app.web.server import WEBHOOK_PATH, create_web_app
from app.web.signature import sign
from tests.corpora import webhook_example
from tests.helpers import make_settings
from tests.sim_fixtures import Simulator

SECRET = "It's a Secret to Everybody"
HEAD = "a" * 40


@pytest.fixture
def simulator_state() -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242)
    installation = state.add_installation("acme")
    state.add_repository(installation, "api")
    state.open_pull("acme/api", "Add a thing", head_sha=HEAD, head_ref="thing")
    return state


@dataclass
class Stage:
    bot: Paasbot
    simulator: Simulator
    url: str
    session: aiohttp.ClientSession
    installation_id: int
    sent: int = 0

    async def deliver(self, event: str, payload: dict[str, Any]) -> int:
        self.sent += 1
        body = json.dumps(payload).encode()
        headers = {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": f"delivery-{self.sent}",
            "X-Hub-Signature-256": sign(SECRET, body),
            "Content-Type": "application/json",
        }
        async with self.session.post(self.url, data=body, headers=headers) as response:
            return response.status

    def pull_request_event(self, action: str, head: str = HEAD) -> dict[str, Any]:
        payload = copy.deepcopy(webhook_example("pull_request", "opened"))
        payload["action"] = action
        payload["installation"] = {"id": self.installation_id}
        payload["repository"]["full_name"] = "acme/api"
        payload["pull_request"].update(number=1, state="open")
        payload["pull_request"]["head"]["sha"] = head
        payload["pull_request"]["base"]["ref"] = "main"
        return payload

    def status_event(self, sha: str = HEAD) -> dict[str, Any]:
        payload = copy.deepcopy(webhook_example("status", "payload"))
        payload.update(sha=sha, installation={"id": self.installation_id}, state="success")
        payload["repository"]["full_name"] = "acme/api"
        return payload

    def check_runs(self, sha: str = HEAD) -> list[Any]:
        return [
            run
            for run in self.simulator.state.check_runs_for("acme/api", sha)
            if run.name == "paasbot"
        ]

    async def evaluations(self) -> int:
        async with self.bot.db.reader() as conn:
            return await conn.scalar(select(func.count()).select_from(evaluations))


async def eventually(predicate: Callable[[], Any], within: float = 15.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


@pytest.fixture
async def stage(
    simulator: Simulator, database_url: str, aiohttp_server: Any
) -> AsyncIterator[Stage]:
    host = urlsplit(simulator.base_url).netloc
    settings = make_settings(
        database_url,
        simulator.state.private_key_pem,
        ghe_host=host,
        ghe_protocol="http",
        coalesce_seconds=0.5,
        workers=2,
    )
    bot = Paasbot(
        settings, queue_policy=QueuePolicy(coalesce_seconds=0.5, backoff_base_seconds=0.05)
    )
    server = await aiohttp_server(create_web_app(bot))
    async with aiohttp.ClientSession() as session:
        yield Stage(
            bot,
            simulator,
            str(server.make_url(WEBHOOK_PATH)),
            session,
            next(iter(simulator.state.installations)),
        )


async def test_a_pr_event_produces_the_paasbot_check_run(stage: Stage) -> None:
    assert await stage.deliver("pull_request", stage.pull_request_event("opened")) == 202
    runs = await eventually(stage.check_runs)
    assert len(runs) == 1
    assert runs[0].output["title"] == "paasbot received 1 event"
    assert "pull_request.opened" in runs[0].output["summary"]
    assert runs[0].conclusion == "neutral"


async def test_statuses_reach_the_pr_through_a_listed_index(stage: Stage) -> None:
    await stage.deliver("pull_request", stage.pull_request_event("opened"))
    await eventually(stage.check_runs)
    assert await stage.deliver("status", stage.status_event()) == 202
    await eventually(lambda: stage.check_runs()[0].output["title"] == "paasbot received 2 events")
    listings = stage.simulator.state.requests_matching("GET", "/repos/acme/api/pulls")
    assert len(listings) == 1, "the repository's open PRs are listed once"
    await stage.deliver("status", stage.status_event())
    await eventually(lambda: stage.check_runs()[0].output["title"] == "paasbot received 3 events")
    assert len(stage.simulator.state.requests_matching("GET", "/repos/acme/api/pulls")) == 1
    assert len(stage.check_runs()) == 1, "one check run, updated in place"


async def test_a_new_head_gets_its_own_check_run(stage: Stage) -> None:
    await stage.deliver("pull_request", stage.pull_request_event("opened"))
    await eventually(stage.check_runs)
    stage.simulator.state.push_to_pull("acme/api", 1, "b" * 40)
    await stage.deliver("pull_request", stage.pull_request_event("synchronize", head="b" * 40))
    runs = await eventually(lambda: stage.check_runs("b" * 40))
    assert runs[0].output["title"] == "paasbot received 2 events"


async def test_a_burst_of_fifty_events_makes_few_evaluations(stage: Stage) -> None:
    await asyncio.gather(
        *(stage.deliver("pull_request", stage.pull_request_event("labeled")) for _ in range(50))
    )
    await eventually(
        lambda: (
            stage.check_runs()
            and stage.check_runs()[0].output["title"] == "paasbot received 50 events"
        )
    )
    await asyncio.sleep(0.6)
    assert await stage.evaluations() <= 3
    writes = stage.simulator.state.requests_matching("POST", "/repos/acme/api/check-runs")
    writes += stage.simulator.state.requests_matching(
        method="PATCH", path_prefix="/repos/acme/api/check-runs/"
    )
    assert len(writes) == await stage.evaluations()


async def test_an_unchanged_summary_is_not_written_again(stage: Stage) -> None:
    await stage.deliver("pull_request", stage.pull_request_event("opened"))
    await eventually(stage.check_runs)
    # A re-evaluation with nothing new (as after a lost lease) sends nothing.
    async with stage.bot.db.transaction() as conn:
        await conn.execute(subjects.update().values(due_at=0.0, version=subjects.c.version + 1))
    stage.bot.intake.work_available.set()
    await eventually(_evaluated_twice(stage))
    assert (
        len(
            stage.simulator.state.requests_matching(
                method="PATCH", path_prefix="/repos/acme/api/check-runs/"
            )
        )
        == 0
    )


def _evaluated_twice(stage: Stage) -> Callable[[], Any]:
    async def check() -> bool:
        return await stage.evaluations() >= 2

    return check


async def test_paasbots_own_check_run_events_are_ignored(stage: Stage) -> None:
    await stage.deliver("pull_request", stage.pull_request_event("opened"))
    runs = await eventually(stage.check_runs)
    payload = copy.deepcopy(webhook_example("check_run", "completed"))
    payload["installation"] = {"id": stage.installation_id}
    payload["repository"]["full_name"] = "acme/api"
    payload["check_run"].update(head_sha=HEAD, name="paasbot", id=runs[0].id)
    payload["check_run"]["app"]["id"] = 4242
    payload["check_run"]["pull_requests"] = []
    await stage.deliver("check_run", payload)
    await stage.bot.intake.settle()
    async with stage.bot.db.reader() as conn:
        events = await conn.scalar(select(subjects.c.events_total))
    assert events == 1


async def test_a_github_outage_is_retried_until_it_succeeds(stage: Stage) -> None:
    from app.sandbox import Fault

    stage.simulator.state.faults.queue(Fault.error(502), times=6)
    await stage.deliver("pull_request", stage.pull_request_event("opened"))
    await eventually(stage.check_runs, within=30)
    async with stage.bot.db.reader() as conn:
        failures = await conn.scalar(select(func.count()).select_from(subject_failures))
    assert failures >= 1


async def test_a_spent_rate_limit_puts_the_work_back_without_failing(stage: Stage) -> None:
    stage.simulator.state.exhaust_rate_limit(stage.installation_id, reset_in_seconds=3600)
    await stage.deliver("pull_request", stage.pull_request_event("opened"))

    async def rescheduled() -> bool:
        async with stage.bot.db.reader() as conn:
            row = (await conn.execute(select(subjects.c.due_at, subjects.c.last_error))).first()
        return row is not None and row.due_at is not None and row.due_at > time.time() + 3000

    await eventually(rescheduled)
    async with stage.bot.db.reader() as conn:
        assert await conn.scalar(select(func.count()).select_from(subject_failures)) == 0
    assert stage.check_runs() == []
