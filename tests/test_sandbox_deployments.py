"""The simulator's deployments and deployment statuses over real HTTP: created and listed as
GitHub does, each status published as a `deployment_status` webhook GitHub's schema accepts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.sandbox.ops.deployments import create_deployment, create_deployment_status
from app.sandbox.webhooks import build_payload
from tests.helpers import FakeClock
from tests.repo_world import (  # noqa: F401
    BOT,
    INITIAL_FILES,
    PERMISSIONS,
    REPO,
    World,
    built_world,
    clock_fixture,
    simulator_state_fixture,
)
from tests.sim_fixtures import Simulator
from tests.webhook_schemas import WEBHOOK_SCHEMAS, schema_errors

DEPLOYMENTS = f"/repos/{REPO}/deployments"
WRITE = {"deployments": "write", "metadata": "read"}


@pytest.fixture(name="world")
async def world_fixture(simulator: Simulator, clock: FakeClock) -> AsyncIterator[World]:
    permissions = {**PERMISSIONS, "deployments": "write"}
    async with built_world(simulator, clock, permissions, INITIAL_FILES) as world:
        yield world


async def test_create_a_deployment_and_its_statuses(world: World) -> None:
    token = await world.token_with(WRITE)
    reply = await world.call(
        "POST", DEPLOYMENTS, {"ref": "main", "environment": "production"}, token=token
    )
    assert reply.status == 201, reply.body
    deployment = reply.body
    assert (deployment["sha"], deployment["environment"]) == (world.head(), "production")
    assert deployment["creator"]["login"] == BOT
    statuses = f"{DEPLOYMENTS}/{deployment['id']}/statuses"
    for state in ("in_progress", "success"):
        world.clock.advance(60)
        posted = await world.call("POST", statuses, {"state": state}, token=token)
        assert posted.status == 201, posted.body
    listed = await world.call("GET", statuses, token=token)
    assert [status["state"] for status in listed.body] == ["success", "in_progress"]
    assert listed.body[0]["environment"] == "production"
    events = world.events("deployment_status.created")
    assert [event.subject.state for event in events] == ["in_progress", "success"]


async def test_list_deployments_newest_first_filtered(world: World) -> None:
    repository = world.state.repository(REPO)
    first = create_deployment(world.state, repository, "main", creator="ci", environment="staging")
    world.clock.advance(1)
    second = create_deployment(world.state, repository, "main", creator="ci")
    token = await world.token_with(WRITE)
    listed = await world.call("GET", DEPLOYMENTS, token=token)
    assert [d["id"] for d in listed.body] == [second.id, first.id]
    staging = await world.call("GET", f"{DEPLOYMENTS}?environment=staging", token=token)
    assert [d["id"] for d in staging.body] == [first.id]
    paged = await world.call("GET", f"{DEPLOYMENTS}?per_page=1&page=2", token=token)
    assert [d["id"] for d in paged.body] == [first.id]


async def test_refusals(world: World) -> None:
    token = await world.token_with(WRITE)
    unknown = await world.call("POST", DEPLOYMENTS, {"ref": "no-such-branch"}, token=token)
    assert unknown.status == 422
    assert (await world.call("GET", f"{DEPLOYMENTS}/999999/statuses", token=token)).status == 404
    reader = await world.token_with({"deployments": "read", "metadata": "read"})
    denied = await world.call("POST", DEPLOYMENTS, {"ref": "main"}, token=reader)
    assert denied.status == 403


@pytest.mark.skipif(not WEBHOOK_SCHEMAS.is_dir(), reason="GitHub's webhook schemas are absent")
def test_the_deployment_status_webhook_matches_githubs_schema(world: World) -> None:
    state = world.state
    built: list[dict[str, Any]] = []
    state.subscribers.append(
        lambda event: built.append(build_payload(state, event, "http://127.0.0.1:1/api/v3"))
    )
    deployment = create_deployment(state, state.repository(REPO), "main", creator="ci")
    create_deployment_status(state, deployment, "failure", creator="ci")
    (payload,) = built
    assert schema_errors("deployment_status", "created", payload) == []
    assert payload["deployment"]["id"] == deployment.id
    assert payload["deployment_status"]["state"] == "failure"
