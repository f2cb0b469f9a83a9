"""The simulator as a GitHub Actions OIDC issuer, with the repositories acme/api and acme/web.

Test modules import the fixtures they need by their function names (pytest finds fixtures in the
test module's namespace), as with `tests/sim_world.py`. The simulator's clock starts at the real
time, since pyjwt checks `exp`, `nbf` and `iat` against the real clock."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from app.sandbox import SimulatedGitHub
from app.sandbox.oidc import ActionsOidc, WorkflowRun, issuer_url
from app.sandbox.oidc_routes import OIDC_KEY
from tests.helpers import FakeClock
from tests.sim_fixtures import Simulator

REPO = "acme/api"
OTHER_REPO = "acme/web"


@pytest.fixture(name="clock")
def clock_fixture() -> FakeClock:
    return FakeClock(float(int(time.time())))


@pytest.fixture(name="simulator_state")
def simulator_state_fixture(clock: FakeClock) -> SimulatedGitHub:
    state = SimulatedGitHub(clock=clock)
    installation = state.add_installation("acme")
    state.add_repository(installation, "api")
    state.add_repository(installation, "web")
    return state


@pytest.fixture(name="origin")
def origin_fixture(simulator: Simulator) -> str:
    return str(simulator.server.make_url("/")).rstrip("/")


@pytest.fixture(name="issuer")
def issuer_fixture(origin: str) -> str:
    return issuer_url(origin)


@pytest.fixture(name="oidc")
def oidc_fixture(simulator: Simulator) -> ActionsOidc:
    return simulator.server.app[OIDC_KEY]


@pytest.fixture(name="http")
async def http_fixture() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def get_json(
    http: aiohttp.ClientSession, url: str, bearer: str | None = None
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
    async with http.get(url, headers=headers) as response:
        return response.status, await response.json()


async def request_id_token(
    http: aiohttp.ClientSession, run: WorkflowRun, origin: str, audience: str | None = "paasbot"
) -> str:
    """What a job does: GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=X with the request token."""
    env = run.environment(origin)
    url = env["ACTIONS_ID_TOKEN_REQUEST_URL"]
    if audience is not None:
        url += f"&audience={audience}"
    status, body = await get_json(http, url, env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"])
    assert status == 200, body
    assert set(body) == {"value"}
    return body["value"]
