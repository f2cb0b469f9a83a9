"""A simulated organisation for the pull-request tests: one repository with real commits,
collaborators of every role, a team, and an installation token to call the REST API with.

Test modules import the ``world`` fixture with the ``clock`` and ``simulator_state`` it needs, by
their function names (pytest finds fixtures in the test module's namespace)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from app.sandbox.actors_repos import add_collaborator, add_team
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
PERMISSIONS = {
    "contents": "write",
    "pull_requests": "write",
    "issues": "write",
    "checks": "write",
    "statuses": "write",
    "metadata": "read",
}
APP_PY = "".join(f"line {number}\n" for number in range(1, 11))
INITIAL_FILES = {"README.md": "# widgets\n", "src/app.py": APP_PY}


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: Any


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

    async def token_with(self, permissions: Mapping[str, str]) -> str:
        path = f"/app/installations/{self.installation.id}/access_tokens"
        headers = {"Authorization": f"Bearer {self.state.app_jwt()}"}
        async with self.http.post(
            self.sim.url(path), json={"permissions": dict(permissions)}, headers=headers
        ) as response:
            assert response.status == 201
            return (await response.json())["token"]

    def commit(self, branch: str, changes: Mapping[str, str | None], **kwargs: Any) -> Commit:
        return self.state.commit(REPO, branch, changes, **kwargs)

    def open_pull(
        self, branch: str, changes: Mapping[str, str | None], *, author: str = "alice"
    ) -> PullRequest:
        """A PR from a new branch holding one commit with `changes`."""
        self.commit(branch, changes, message=f"Change {branch}", author=author)
        return create_pull(self.state, REPO, branch, "main", f"Change {branch}", author)

    def events(self, label: str | None = None) -> list[SimEvent]:
        return [event for event in self.state.published if label in (None, event.label)]

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
    for login, role in (("alice", "write"), ("bob", "write"), ("carol", "read")):
        add_collaborator(state, REPO, login, role)
    add_team(state, "acme", "reviewers", members=["dave"])
    async with aiohttp.ClientSession() as http:
        world = World(simulator, clock, installation, repo, http, token="")
        world.token = await world.token_with(PERMISSIONS)
        yield world
