"""A simulated organisation for the simulator's REST tests: one repository with real commits and
an installation token, reached over real HTTP. `tests/repo_world.py` and `tests/pull_world.py`
choose its permissions, files and people.

Test modules import the ``world`` fixture with the ``clock`` and ``simulator_state`` it needs, by
their function names (pytest finds fixtures in the test module's namespace)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from app.sandbox.events import SimEvent
from app.sandbox.git import Commit
from app.sandbox.models import PullRequest
from app.sandbox.ops.pulls import create_pull
from app.sandbox.state import Installation, Repository, SimulatedGitHub
from tests.helpers import FakeClock

if TYPE_CHECKING:
    from tests.sim_fixtures import Simulator

REPO = "acme/widgets"
BOT = "simulated-app[bot]"
APP_PY = "".join(f"line {number}\n" for number in range(1, 11))


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

    def open_pull(
        self, branch: str, changes: Mapping[str, str | None], *, author: str = "alice"
    ) -> PullRequest:
        """A PR from a new branch holding one commit with `changes`."""
        self.commit(branch, changes, message=f"Change {branch}", author=author)
        return create_pull(self.state, REPO, branch, "main", f"Change {branch}", author)

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


@asynccontextmanager
async def built_world(
    simulator: Simulator,
    clock: FakeClock,
    permissions: Mapping[str, str],
    files: Mapping[str, str],
    populate: Callable[[SimulatedGitHub], None] = lambda _state: None,
) -> AsyncIterator[World]:
    state = simulator.state
    installation = state.add_installation("acme", permissions=permissions)
    repo = state.add_repository(installation, "widgets", files=files)
    populate(state)
    async with aiohttp.ClientSession() as http:
        world = World(simulator, clock, installation, repo, http, token="")
        world.token = await world.token_with(permissions)
        world.forget_events()
        yield world
