"""The world of the dependency-bump module tests: an `acme` installation of the app `paasbot`
whose repositories each test adds, reached over real HTTP by the app's own client (a real
`InstallationAPI`), with a clock the test moves.

Test modules import the fixtures by their function names (pytest finds fixtures in the test
module's namespace)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING

import aiohttp
import pytest

from app.github.client import ClientPolicy, GitHubApp, InstallationAPI
from app.sandbox.models import Repository
from app.sandbox.state import Installation, SimulatedGitHub
from tests.helpers import FakeClock

if TYPE_CHECKING:
    from tests.sim_fixtures import Simulator

NOW = 1_800_000_000.0
WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})
FAST = ClientPolicy(retry_base_seconds=0.01, retry_cap_seconds=0.02)


@pytest.fixture(name="clock")
def clock_fixture() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture(name="simulator_state")
def simulator_state_fixture(clock: FakeClock) -> SimulatedGitHub:
    return SimulatedGitHub(clock=clock, app_id=4242, app_slug="paasbot")


@pytest.fixture(name="installation")
def installation_fixture(simulator_state: SimulatedGitHub) -> Installation:
    return simulator_state.add_installation("acme")


@pytest.fixture(name="api")
async def api_fixture(
    simulator: Simulator, installation: Installation, clock: FakeClock
) -> AsyncIterator[InstallationAPI]:
    async with aiohttp.ClientSession() as session:
        github = GitHubApp(
            session,
            base_url=simulator.base_url,
            app_id=simulator.state.app_id,
            private_key=simulator.state.private_key_pem,
            policy=FAST,
            clock=clock,
        )
        yield github.installation(installation.id)


def add_repo(
    state: SimulatedGitHub, installation: Installation, name: str, files: Mapping[str, str]
) -> Repository:
    return state.add_repository(installation, name, files=dict(files))


def calls(state: SimulatedGitHub, since: int = 0) -> list[str]:
    """The REST calls made since request number `since`, as `METHOD /path` (token requests
    left out)."""
    return [
        f"{record.method} {record.path}"
        for record in state.requests[since:]
        if not record.path.startswith("/app/")
    ]


def writes(state: SimulatedGitHub, since: int = 0) -> list[str]:
    return [call for call in calls(state, since) if call.split(" ", 1)[0] in WRITES]
