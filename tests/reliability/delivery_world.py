"""paasbot and the simulator on loopback for the delivery reliability tests: the redelivery
sweeper on a short interval, every API call checked against GitHub's OpenAPI description and
every webhook against GitHub's payload schemas."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import pytest

from app.sandbox import SimulatedGitHub
from app.sandbox.conformance import ConformanceChecker
from app.sandbox.demo import DemoStage, GitHubStage, start_github, start_paasbot
from app.sandbox.webhooks import Delivery
from app.store.queue import QueuePolicy
from tests.e2e_world import assert_conforming

SWEEP_SECONDS = 0.3


def bot_env(github: GitHubStage, **settings: str) -> dict[str, str]:
    """The built-in app's settings, as `start_paasbot` gives them, with the sweeper's interval."""
    state = github.state
    return {
        "APP_ID": str(state.app_id),
        "PRIVATE_KEY": state.private_key_pem,
        "WEBHOOK_SECRET": github.dispatcher.secret,
        "REDELIVERY_INTERVAL_SECONDS": str(SWEEP_SECONDS),
        **settings,
    }


@asynccontextmanager
async def checked_github(
    state: SimulatedGitHub,
    conformance: ConformanceChecker | None,
    request: pytest.FixtureRequest,
) -> AsyncIterator[GitHubStage]:
    """The simulator alone; paasbot's reserved address refuses connections until started."""
    if conformance is not None:
        conformance.drain()
    github = await start_github(state, conformance=conformance)
    try:
        yield github
    finally:
        await github.close()
    assert_conforming(conformance, request, github.dispatcher.deliveries)


async def start_bot(
    github: GitHubStage,
    database_url: str,
    *,
    queue: Mapping[str, float] | None = None,
    **settings: str,
) -> DemoStage:
    """paasbot as the built-in app; `queue` changes its queue's policy, `settings` its env."""
    policy = QueuePolicy(coalesce_seconds=0.5, backoff_base_seconds=0.05, **(queue or {}))
    return await start_paasbot(
        github, database_url, env=bot_env(github, **settings), queue_policy=policy
    )


@asynccontextmanager
async def running_bot(
    github: GitHubStage,
    database_url: str,
    *,
    queue: Mapping[str, float] | None = None,
    **settings: str,
) -> AsyncIterator[DemoStage]:
    stage = await start_bot(github, database_url, queue=queue, **settings)
    try:
        yield stage
    finally:
        for runner in stage.runners[:-1]:  # the simulator's runner is `checked_github`'s
            await runner.cleanup()


def unreachable_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/api/github/webhooks"


def attempts_of(github: GitHubStage | DemoStage, guid: str) -> list[Delivery]:
    return [d for d in github.dispatcher.deliveries if d.id == guid]


def summary_title(state: SimulatedGitHub, repo: str, sha: str) -> Any:
    runs = [run for run in state.check_runs_for(repo, sha) if run.name == "paasbot"]
    return runs[0].output["title"] if runs else None
