"""End to end through real HTTP both ways: the simulator's actors change GitHub, its signed
webhooks reach paasbot, and paasbot's API calls land back in the simulator. All traffic is checked:
the API's against GitHub's OpenAPI description, the webhooks against GitHub's payload schemas."""

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from app.sandbox import Fault, SimulatedGitHub
from app.sandbox.actors_pulls import add_labels
from app.sandbox.actors_repos import post_status
from app.sandbox.conformance import ConformanceChecker
from app.sandbox.demo import DemoStage
from app.store.tables import evaluations, subject_failures, subjects
from tests.e2e_world import check_runs_named, eventually, running_stage

REPO = "acme/api"
CONFIG = """
rules:
  - name: CI is green
    if: [check-success=ci/build]
    do:
      label: {toggle: [ci-green]}
  - name: Labels counted
    if: ["#label>=0"]
"""


def seeded() -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    files = {"src/app.py": "print('v0')\n", ".paasbot.yml": CONFIG}
    state.add_repository(installation, "api", files=files)
    return state


@pytest.fixture
async def stage(
    database_url: str,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
) -> AsyncIterator[DemoStage]:
    async with running_stage(seeded(), database_url, conformance_checker, request) as stage:
        yield stage


def open_pull(state: SimulatedGitHub, branch: str = "feature") -> Any:
    state.commit(REPO, branch, {"src/app.py": "print('v1')\n"}, author="alice")
    return state.open_pull(REPO, "A change", head_ref=branch)


def paasbot_runs(state: SimulatedGitHub, sha: str) -> list[Any]:
    return check_runs_named(state, REPO, sha, "paasbot")


def title_of(state: SimulatedGitHub, sha: str) -> str | None:
    runs = paasbot_runs(state, sha)
    return runs[0].output["title"] if runs else None


async def count(stage: DemoStage, table: Any) -> int:
    async with stage.bot.db.reader() as conn:
        return await conn.scalar(select(func.count()).select_from(table))


async def test_a_pr_opened_on_github_gets_the_paasbot_check_run(stage: DemoStage) -> None:
    pull = open_pull(stage.state)
    await stage.settle()
    runs = paasbot_runs(stage.state, pull.head_sha)
    assert len(runs) == 1
    assert runs[0].output["title"] == "1 of 2 rules match"
    assert "✗ `check-success=ci/build` — check-success: *none*" in runs[0].output["summary"]
    assert runs[0].conclusion == "neutral"
    assert all(delivery.ok for delivery in stage.dispatcher.deliveries)


async def test_statuses_reach_the_pr_through_the_index(stage: DemoStage) -> None:
    pull = open_pull(stage.state)
    await stage.settle()
    post_status(stage.state, REPO, pull.head_sha, "ci/build", "success")
    await stage.settle()
    assert title_of(stage.state, pull.head_sha) == "2 of 2 rules match"
    assert "ci-green" in stage.state.pull(REPO, pull.number).labels
    post_status(stage.state, REPO, pull.head_sha, "ci/build", "failure")
    await stage.settle()
    assert title_of(stage.state, pull.head_sha) == "1 of 2 rules match"
    assert "ci-green" not in stage.state.pull(REPO, pull.number).labels
    listings = stage.state.requests_matching("GET", f"/repos/{REPO}/pulls")
    assert len(listings) == 1, "the repository's open PRs are listed once, then indexed"
    assert len(paasbot_runs(stage.state, pull.head_sha)) == 1, "updated in place"


async def test_a_push_to_the_pr_gets_a_check_run_on_the_new_head(stage: DemoStage) -> None:
    pull = open_pull(stage.state)
    await stage.settle()
    first_head = pull.head_sha
    stage.state.commit(REPO, "feature", {"src/app.py": "print('v2')\n"}, author="alice")
    await stage.settle()
    assert pull.head_sha != first_head
    assert title_of(stage.state, pull.head_sha) == "1 of 2 rules match"


async def test_a_burst_of_fifty_events_makes_few_evaluations(stage: DemoStage) -> None:
    pull = open_pull(stage.state)
    await stage.settle()
    before = await count(stage, evaluations)
    for i in range(50):
        add_labels(stage.state, REPO, pull.number, [f"label-{i}"], sender="alice")
    await stage.settle()
    summary = paasbot_runs(stage.state, pull.head_sha)[0].output["summary"]
    assert "✓ `#label>=0` — #label: `50`" in summary
    # Coalescing makes a handful of evaluations of 50 events (bench.coalesce measures it: 2). A
    # loaded machine stretches the burst over more quiet periods (7 seen with the suite running
    # beside other work), so this only checks that events are coalesced, not how well.
    assert await count(stage, evaluations) - before <= 12


async def test_paasbots_own_check_runs_do_not_wake_it(stage: DemoStage) -> None:
    pull = open_pull(stage.state)
    await stage.settle()
    own = [d for d in stage.dispatcher.deliveries if d.event in ("check_run", "check_suite")]
    assert own, "GitHub announces paasbot's own check run, as it would"
    async with stage.bot.db.reader() as conn:
        events = await conn.scalar(
            select(subjects.c.events_total).where(subjects.c.key == f"{REPO}#{pull.number}")
        )
    assert events == 1


async def test_a_github_outage_is_retried_until_it_succeeds(stage: DemoStage) -> None:
    stage.state.faults.queue(Fault.error(502), times=6)
    pull = open_pull(stage.state)
    await eventually(lambda: paasbot_runs(stage.state, pull.head_sha), within=30)
    assert await count(stage, subject_failures) >= 1


async def test_a_spent_rate_limit_puts_the_work_back_without_failing(stage: DemoStage) -> None:
    installation = next(iter(stage.state.installations))
    stage.state.exhaust_rate_limit(installation, reset_in_seconds=3600)
    pull = open_pull(stage.state)

    async def rescheduled() -> bool:
        async with stage.bot.db.reader() as conn:
            due = await conn.scalar(
                select(subjects.c.due_at).where(subjects.c.key == f"{REPO}#{pull.number}")
            )
        return due is not None and due > time.time() + 3000

    await eventually(rescheduled)
    assert await count(stage, subject_failures) == 0
    assert paasbot_runs(stage.state, pull.head_sha) == []
