"""The organisation of the pull-request tests: collaborators of every role, a team, and a token
allowed to write pull requests, issues, checks and statuses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

from app.sandbox.actors_repos import add_collaborator, add_team
from app.sandbox.state import SimulatedGitHub
from tests.helpers import FakeClock
from tests.sim_world import (  # noqa: F401 (fixtures and names the test modules import)
    APP_PY,
    BOT,
    REPO,
    Reply,
    World,
    built_world,
    clock_fixture,
    simulator_state_fixture,
)

if TYPE_CHECKING:
    from tests.sim_fixtures import Simulator

PERMISSIONS = {
    "contents": "write",
    "pull_requests": "write",
    "issues": "write",
    "checks": "write",
    "statuses": "write",
    "metadata": "read",
}
INITIAL_FILES = {"README.md": "# widgets\n", "src/app.py": APP_PY}


def people(state: SimulatedGitHub) -> None:
    for login, role in (("alice", "write"), ("bob", "write"), ("carol", "read")):
        add_collaborator(state, REPO, login, role)
    add_team(state, "acme", "reviewers", members=["dave"])


@pytest.fixture(name="world")
async def world_fixture(simulator: Simulator, clock: FakeClock) -> AsyncIterator[World]:
    async with built_world(simulator, clock, PERMISSIONS, INITIAL_FILES, people) as world:
        yield world
