"""Pytest fixtures serving the GitHub simulator over real HTTP on a loopback port.

Register with ``pytest_plugins = ["tests.sim_fixtures"]``. Override ``simulator_state`` in a test
module to start the server with a customised ``SimulatedGitHub`` (clock, app id, token TTL...).

Every request to the simulator and every response it gives is checked against GitHub's OpenAPI
description (``../shared/corpora/github-openapi``); a test during which the traffic did not
conform fails at teardown, listing the violations. A test that sends non-conforming requests on
purpose is marked ``@pytest.mark.nonconforming``: its request violations are tolerated, the
simulator's responses must still conform. Without the corpora the checker is off, with a warning.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from app.sandbox import SimulatedGitHub, create_simulator_app
from app.sandbox.conformance import ConformanceChecker, Violation
from app.sandbox.context import API_PREFIX
from tests.corpora import OPENAPI_DESCRIPTION


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


@pytest.fixture(scope="session")
def conformance_checker() -> ConformanceChecker | None:
    """One checker for the session: the description is parsed once per process."""
    if not OPENAPI_DESCRIPTION.is_file():
        warnings.warn(
            f"GitHub's OpenAPI description is absent ({OPENAPI_DESCRIPTION}): the simulator's "
            "traffic is not checked for conformance; CI has it",
            stacklevel=1,
        )
        return None
    return ConformanceChecker.from_path(OPENAPI_DESCRIPTION)


@pytest.fixture
async def simulator(
    aiohttp_server: AiohttpServer,
    simulator_state: SimulatedGitHub,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Simulator]:
    if conformance_checker is not None:
        conformance_checker.drain()
    app = create_simulator_app(simulator_state, conformance=conformance_checker)
    server = await aiohttp_server(app)
    yield Simulator(state=simulator_state, server=server, base_url=str(server.make_url(API_PREFIX)))
    if conformance_checker is not None:
        fail_on_violations(conformance_checker.drain(), request.node)


def fail_on_violations(violations: Sequence[Violation], node: pytest.Item) -> None:
    if node.get_closest_marker("nonconforming") is not None:
        violations = [violation for violation in violations if violation.direction == "response"]
    if violations:
        listing = "\n".join(f"  - {violation}" for violation in violations)
        pytest.fail(
            f"{len(violations)} violation(s) of GitHub's OpenAPI description:\n{listing}",
            pytrace=False,
        )
