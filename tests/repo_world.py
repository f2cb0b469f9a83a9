"""The organisation of the repository-side tests (repositories, git data, statuses, teams,
releases): a token allowed to read and write all of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

from tests.helpers import FakeClock
from tests.sim_world import (  # noqa: F401 (fixtures and names the test modules import)
    APP_PY,
    BOT,
    REPO,
    Reply,
    World,
    b64,
    built_world,
    clock_fixture,
    simulator_state_fixture,
    unb64,
)

if TYPE_CHECKING:
    from tests.sim_fixtures import Simulator

PERMISSIONS = {
    "administration": "read",
    "contents": "write",
    "members": "read",
    "metadata": "read",
    "pull_requests": "write",
    "statuses": "write",
}
INITIAL_FILES = {"README.md": "hello\n", "src/app.py": APP_PY, "src/lib/util.py": "x = 1\n"}


@pytest.fixture(name="world")
async def world_fixture(simulator: Simulator, clock: FakeClock) -> AsyncIterator[World]:
    async with built_world(simulator, clock, PERMISSIONS, INITIAL_FILES) as world:
        yield world
