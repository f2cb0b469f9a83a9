"""A running paasbot against the simulator, for the end-to-end tests: all traffic is checked
(the API's against GitHub's OpenAPI description, the webhooks against GitHub's schemas)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from app.reports.tokens import upload_token
from app.sandbox import SimulatedGitHub
from app.sandbox.conformance import ConformanceChecker
from app.sandbox.demo import DemoStage, start_stage
from app.store.queue import QueuePolicy
from tests.sim_fixtures import fail_on_violations
from tests.webhook_schemas import invalid_deliveries


@asynccontextmanager
async def running_stage(
    state: SimulatedGitHub,
    database_url: str,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
    **policy_changes: Any,
) -> AsyncIterator[DemoStage]:
    if conformance_checker is not None:
        conformance_checker.drain()
    policy = QueuePolicy(coalesce_seconds=0.5, backoff_base_seconds=0.05, **policy_changes)
    stage = await start_stage(
        state, database_url, queue_policy=policy, conformance=conformance_checker
    )
    try:
        yield stage
    finally:
        await stage.close()
    assert_conforming(conformance_checker, request, stage.dispatcher.deliveries)


def assert_conforming(
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
    deliveries: Sequence[Any],
) -> None:
    """After a run: paasbot's requests as GitHub's OpenAPI description allows them, and the
    simulator's webhooks as GitHub's schemas do."""
    if conformance_checker is not None:
        fail_on_violations(conformance_checker.drain(), request.node)
    invalid = invalid_deliveries(deliveries)
    assert not invalid, "webhooks GitHub's schemas reject:\n" + "\n".join(invalid)


@pytest.fixture
def stage_for(
    database_url: str,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
) -> Callable[[SimulatedGitHub], Any]:
    """`stage_for(state)`: an `async with` running paasbot against the simulated `state`;
    keyword arguments change the queue's policy (`lease_seconds=2.0`). Stages of one test share
    its database, so a second one is paasbot restarted."""

    def make(state: SimulatedGitHub, **policy_changes: Any) -> Any:
        return running_stage(state, database_url, conformance_checker, request, **policy_changes)

    return make


def check_runs_named(state: SimulatedGitHub, repo: str, sha: str, name: str) -> list[Any]:
    return [run for run in state.check_runs_for(repo, sha) if run.name == name]


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


async def upload_report(
    stage: DemoStage, repo: str, sha: str, body: bytes, *, kind: str, name: str
) -> dict[str, Any]:
    """Uploads a report as CI does (with the repository's upload token); asserts it is stored."""
    token = upload_token(stage.bot.settings.webhook_secret, repo)
    url = f"{stage.paasbot_url}/api/reports/{repo}/{sha}?kind={kind}&name={name}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers={"Authorization": f"Bearer {token}"}) as response,
    ):
        assert response.status == 202, await response.text()
        answer: dict[str, Any] = await response.json()
        return answer
