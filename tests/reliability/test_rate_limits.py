"""GitHub's rate limits, end to end through the simulator with two installations: a secondary rate
limit's `retry-after` and a spent primary budget pause the installation they hit until then (not
before), its work resumes by itself, and the other installation's PRs are evaluated meanwhile."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import select

from app.github.client import ClientPolicy
from app.sandbox import Fault, SimulatedGitHub
from app.sandbox.conformance import ConformanceChecker
from app.sandbox.demo import DemoStage, start_stage
from app.sandbox.models import RecordedRequest
from app.store.queue import QueuePolicy
from app.store.tables import evaluations
from tests.e2e_world import eventually
from tests.sim_fixtures import fail_on_violations

CONFIG = """
rules:
  - name: Triage
    if: [-draft]
    do:
      label: {toggle: [triaged]}
"""
WAITING = "alpha/api"  # the installation GitHub slows down
OTHER = "beta/api"
# Long enough that the other installation's evaluation (well under a second) fits in the pause
# even on a busy machine: the tests assert the order of events, never their speed.
PRIMARY_RESET_SECONDS = 6
WITHIN = 40.0


def world() -> tuple[SimulatedGitHub, dict[str, int]]:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installations = {}
    for org in ("alpha", "beta"):
        installation = state.add_installation(org)
        state.add_repository(installation, "api", files={".paasbot.yml": CONFIG})
        installations[f"{org}/api"] = installation.id
    return state, installations


@asynccontextmanager
async def running(
    state: SimulatedGitHub,
    database_url: str,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
    policy: ClientPolicy,
) -> AsyncIterator[DemoStage]:
    if conformance_checker is not None:
        conformance_checker.drain()
    stage = await start_stage(
        state,
        database_url,
        coalesce_seconds=0.0,
        queue_policy=QueuePolicy(coalesce_seconds=0.0, backoff_base_seconds=0.05),
        conformance=conformance_checker,
        client_policy=policy,
    )
    try:
        await stage.settle()
        yield stage
    finally:
        await stage.close()
    if conformance_checker is not None:
        fail_on_violations(conformance_checker.drain(), request.node)


def open_pulls(state: SimulatedGitHub) -> None:
    for repo in (WAITING, OTHER):
        state.commit(repo, "feature", {"app.py": "x = 1\n"}, author="alice")
        state.open_pull(repo, "A change", head_ref="feature", author="alice")


def labelled_at(state: SimulatedGitHub, repo: str) -> float | None:
    return next(
        (
            event.at
            for event in state.published
            if (event.label, event.repository) == ("pull_request.labeled", repo)
        ),
        None,
    )


def calls_to(state: SimulatedGitHub, repo: str, since: int) -> list[RecordedRequest]:
    return [r for r in state.requests[since:] if r.path.startswith(f"/repos/{repo}/")]


async def outcomes(stage: DemoStage) -> list[str]:
    async with stage.bot.db.reader() as conn:
        return list((await conn.execute(select(evaluations.c.outcome))).scalars())


@pytest.mark.parametrize(
    ("retry_after", "max_inline_wait", "paused_by"),
    [(3, 10.0, "waiting in the worker"), (5, 1.0, "rescheduling the subject")],
)
async def test_a_secondary_rate_limit_pauses_its_installation_for_retry_after_only(
    database_url: str,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
    retry_after: int,
    max_inline_wait: float,
    paused_by: str,
) -> None:
    state, _ = world()
    policy = ClientPolicy(max_inline_wait_seconds=max_inline_wait)
    async with running(state, database_url, conformance_checker, request, policy) as stage:
        since = len(state.requests)
        limit = Fault.secondary_rate_limit(retry_after, path_prefix=f"/repos/{WAITING}/")
        state.faults.queue(limit)
        open_pulls(state)

        await eventually(lambda: labelled_at(state, WAITING), within=WITHIN)

        limited, *after = calls_to(state, WAITING, since)
        assert (limited.fault, limited.status) == ("secondary_rate_limit", 403)
        assert after, "the installation's work resumed"
        assert after[0].received_at >= limited.received_at + retry_after, "not before retry-after"
        other = labelled_at(state, OTHER)
        assert other is not None and other < after[0].received_at, "the other was not held up"
        rescheduled = "rescheduled" in await outcomes(stage)
        assert rescheduled == (paused_by == "rescheduling the subject")


async def test_a_spent_primary_budget_pauses_its_installation_until_the_reset_only(
    database_url: str,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
) -> None:
    state, installations = world()
    async with running(state, database_url, conformance_checker, request, ClientPolicy()) as stage:
        state.exhaust_rate_limit(installations[WAITING], reset_in_seconds=PRIMARY_RESET_SECONDS)
        reset_at = state.installations[installations[WAITING]].rate.reset_at
        since = len(state.requests)
        open_pulls(state)

        await eventually(lambda: labelled_at(state, WAITING), within=WITHIN)

        calls = calls_to(state, WAITING, since)
        refused = [r for r in calls if r.status == 403]
        served = [r for r in calls if r.status is not None and r.status < 400]
        assert 1 <= len(refused) <= 2, "paused at the first refusal, not retried in a loop"
        assert all(r.received_at < reset_at for r in refused)
        assert served and min(r.received_at for r in served) >= reset_at, "not before the reset"
        other = labelled_at(state, OTHER)
        assert other is not None and other < reset_at, "the other was not held up"
        assert "rescheduled" in await outcomes(stage)
