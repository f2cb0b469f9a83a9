"""A simulated organisation for the repository-side tests (repositories, git data, statuses,
teams, releases): one repository with real commits and an installation token allowed to read
and write all of it.

Test modules import the ``world`` fixture with the ``clock`` and ``simulator_state`` it needs, by
their function names (pytest finds fixtures in the test module's namespace)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from app.sandbox.events import SimEvent
from app.sandbox.git import Commit
from app.sandbox.state import Installation, Repository, SimulatedGitHub
from tests.helpers import FakeClock

if TYPE_CHECKING:
    from tests.sim_fixtures import Simulator

REPO = "acme/widgets"
BOT = "simulated-app[bot]"
PERMISSIONS = {
    "administration": "read",
    "contents": "write",
    "members": "read",
    "metadata": "read",
    "pull_requests": "write",
    "statuses": "write",
}
APP_PY = "".join(f"line {number}\n" for number in range(1, 11))
INITIAL_FILES = {"README.md": "hello\n", "src/app.py": APP_PY, "src/lib/util.py": "x = 1\n"}


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: Any


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


@dataclass
class World:
    sim: Simulator
    clock: FakeClock
    installation: Installation
    repo: Repository
    http: aiohttp.ClientSession
    token: str

    @property
    def state(self) -> SimulatedGitHub:
        return self.sim.state

    def head(self, branch: str = "main") -> str:
        return self.repo.branches[branch]

    async def call(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        sent = {"Authorization": f"token {token or self.token}"} | dict(headers or {})
        async with self.http.request(
            method, self.sim.url(path), json=payload, headers=sent
        ) as response:
            raw = await response.read()
            body = await response.json() if raw else None
            return Reply(response.status, response.headers, body)

    async def get(self, path: str, **headers: str) -> Reply:
        return await self.call("GET", path, headers=headers)

    async def token_with(self, permissions: Mapping[str, str]) -> str:
        path = f"/app/installations/{self.installation.id}/access_tokens"
        headers = {"Authorization": f"Bearer {self.state.app_jwt()}"}
        async with self.http.post(
            self.sim.url(path), json={"permissions": dict(permissions)}, headers=headers
        ) as response:
            assert response.status == 201
            return (await response.json())["token"]

    def commit(self, branch: str, changes: Mapping[str, str | None], **kwargs: Any) -> Commit:
        """Each commit a second after the previous one, so that histories order by time."""
        self.clock.advance(1)
        return self.state.commit(REPO, branch, changes, **kwargs)

    def events(self, label: str | None = None) -> list[SimEvent]:
        return [event for event in self.state.published if label in (None, event.label)]

    def labels(self) -> list[str]:
        return [event.label for event in self.state.published]

    def forget_events(self) -> None:
        self.state.published.clear()


@pytest.fixture(name="clock")
def clock_fixture() -> FakeClock:
    return FakeClock()


@pytest.fixture(name="simulator_state")
def simulator_state_fixture(clock: FakeClock) -> SimulatedGitHub:
    return SimulatedGitHub(clock=clock)


@pytest.fixture(name="world")
async def world_fixture(simulator: Simulator, clock: FakeClock) -> AsyncIterator[World]:
    state = simulator.state
    installation = state.add_installation("acme", permissions=PERMISSIONS)
    repo = state.add_repository(installation, "widgets", files=INITIAL_FILES)
    async with aiohttp.ClientSession() as http:
        world = World(simulator, clock, installation, repo, http, token="")
        world.token = await world.token_with(PERMISSIONS)
        world.forget_events()
        yield world
