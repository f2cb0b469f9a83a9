"""Pytest fixtures serving the GitHub simulator over real HTTP on a loopback port.

Register with ``pytest_plugins = ["tests.sim_fixtures"]``. Override ``simulator_state`` in a test
module to start the server with a customised ``SimulatedGitHub`` (clock, app id, token TTL...).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from app.sandbox import SimulatedGitHub, create_simulator_app
from app.sandbox.context import API_PREFIX


@dataclass(frozen=True)
class Simulator:
    state: SimulatedGitHub
    server: TestServer
    base_url: str

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture
def simulator_state() -> SimulatedGitHub:
    return SimulatedGitHub()


@pytest.fixture
async def simulator(aiohttp_server: AiohttpServer, simulator_state: SimulatedGitHub) -> Simulator:
    server = await aiohttp_server(create_simulator_app(simulator_state))
    return Simulator(
        state=simulator_state, server=server, base_url=str(server.make_url(API_PREFIX))
    )
