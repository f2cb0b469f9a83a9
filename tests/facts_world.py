"""The organisation of the fact-loading tests: people of every role, two teams, and the app's own
client (`GitHubApp`, an installation `GitHubAPI`) talking to the simulator over real HTTP, with a
log of the REST calls it makes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import aiohttp
import pytest

from app.github.client import ClientPolicy, GitHubApp, InstallationAPI
from app.sandbox.actors_repos import add_collaborator, add_team
from app.sandbox.state import SimulatedGitHub
from tests.helpers import FakeClock
from tests.sim_world import (  # noqa: F401 (fixtures and names the test modules import)
    APP_PY,
    REPO,
    World,
    built_world,
    clock_fixture,
    simulator_state_fixture,
)

if TYPE_CHECKING:
    from tests.sim_fixtures import Simulator

PERMISSIONS = {
    "checks": "write",
    "contents": "write",
    "issues": "write",
    "members": "read",
    "metadata": "read",
    "pull_requests": "write",
    "statuses": "write",
}
INITIAL_FILES = {"README.md": "# widgets\n", "src/app.py": APP_PY}
FAST = ClientPolicy(retry_base_seconds=0.01, retry_cap_seconds=0.02)
# Roles on acme/widgets. dave and gus have none of their own: as members of the organisation
# (through their team) they read it.
ROLES = {
    "alice": "write",
    "bob": "write",
    "erin": "maintain",
    "frank": "write",
    "root": "admin",
    "carol": "read",
    "tom": "triage",
    "gina": "read",
}


def people(state: SimulatedGitHub) -> None:
    for login, role in ROLES.items():
        add_collaborator(state, REPO, login, role)
    add_team(state, "acme", "reviewers", members=["dave", "gus"])
    add_team(state, "acme", "backend", members=["bob", "erin"])


@pytest.fixture(name="world")
async def world_fixture(simulator: Simulator, clock: FakeClock) -> AsyncIterator[World]:
    async with built_world(simulator, clock, PERMISSIONS, INITIAL_FILES, people) as world:
        yield world


@pytest.fixture(name="github")
async def github_fixture(world: World) -> AsyncIterator[GitHubApp]:
    async with aiohttp.ClientSession() as session:
        yield GitHubApp(
            session,
            base_url=world.sim.base_url,
            app_id=world.state.app_id,
            private_key=world.state.private_key_pem,
            policy=FAST,
            clock=world.clock,
        )


@pytest.fixture(name="api")
def api_fixture(world: World, github: GitHubApp) -> InstallationAPI:
    return github.installation(world.installation.id)


class CallLog:
    """The REST calls made since the log was created (or last `reset`), as `METHOD /path`;
    the app's token requests are left out."""

    def __init__(self, state: SimulatedGitHub) -> None:
        self.state = state
        self.start = len(state.requests)

    def calls(self) -> list[str]:
        return [
            f"{record.method} {record.path}"
            for record in self.state.requests[self.start :]
            if not record.path.startswith("/app/")
        ]

    def reset(self) -> None:
        self.start = len(self.state.requests)


@pytest.fixture(name="log")
def log_fixture(world: World) -> CallLog:
    return CallLog(world.state)
