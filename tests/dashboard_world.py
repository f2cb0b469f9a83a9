"""The dashboard's world, shared by its tests: one installation with acme/web (alice can read it)
and acme/secret (she cannot), paasbot logged in through the simulator's OAuth, and a browser."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import aiohttp
import pytest

from app.sandbox import SimulatedGitHub
from app.sandbox.actors_repos import add_collaborator
from app.sandbox.demo import DemoStage, start_github, start_paasbot

INSIGHTS_TOKEN = "insights-read-only-token-0123456789"


def dashboard_world() -> SimulatedGitHub:
    """alice can read acme/web, not acme/secret; both are the installation's."""
    state = SimulatedGitHub(app_id=1, app_slug="paasbot")
    installation = state.add_installation("acme")
    state.add_repository(installation, "web")
    state.add_repository(installation, "secret")
    add_collaborator(state, "acme/web", "alice", "read")
    state.web_user = "alice"
    return state


@asynccontextmanager
async def running_dashboard(
    database_url: str,
    env: dict[str, str] | None = None,
    prepare: Callable[[DemoStage], Awaitable[None]] | None = None,
) -> AsyncIterator[DemoStage]:
    """paasbot with the dashboard's OAuth client and INSIGHTS_TOKEN (`env` adds or replaces),
    `prepare`d before it is yielded."""
    state = dashboard_world()
    github = await start_github(state)
    settings = {
        "APP_ID": "1",
        "PRIVATE_KEY": state.private_key_pem,
        "WEBHOOK_SECRET": github.dispatcher.secret,
        "GITHUB_CLIENT_ID": state.client_id,
        "GITHUB_CLIENT_SECRET": state.client_secret,
        "INSIGHTS_TOKEN": INSIGHTS_TOKEN,
        **(env or {}),
    }
    running = await start_paasbot(github, database_url, env=settings)
    try:
        if prepare is not None:
            await prepare(running)
        yield running
    finally:
        await running.close()


@pytest.fixture
async def browser() -> AsyncIterator[aiohttp.ClientSession]:
    """A browser's cookie jar (it keeps cookies of a loopback address)."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session
