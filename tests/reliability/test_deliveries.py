"""Deliveries as GitHub really makes them: twice, out of order, days late, and for repositories
the installation no longer covers. paasbot is driven through the simulator over real HTTP; a
delivery is held back by cutting the network while it is sent, and sent again later with
GitHub's "Redeliver" (same delivery id) or as a replay of the same event (a new id)."""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.sandbox import SimulatedGitHub
from app.sandbox.actors_pulls import PullEdit, add_labels, edit_pull, merge_pull, review
from app.sandbox.actors_repos import add_collaborator
from app.sandbox.conformance import ConformanceChecker
from app.sandbox.demo import DemoStage, GitHubStage
from app.sandbox.models import RecordedRequest
from app.sandbox.ops.issues import comments_on
from app.sandbox.webhooks import Delivery
from app.store.tables import evaluations
from tests.e2e_world import check_runs_named
from tests.reliability.delivery_world import checked_github, running_bot, unreachable_url

REPO = "acme/api"
OTHER = "acme/web"
CONFIG = """
rules:
  - name: Welcome
    on: [pull_request.opened]
    do:
      comment: {body: "Thanks @{{ author }}!"}
  - name: Reviewers
    if: [-closed]
    do:
      request_reviews: {users: [carol]}
  - name: Approved
    if: ["#approved-reviews-by>=1"]
    do:
      label: {toggle: [approved]}
"""
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})


def seeded() -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    for name in ("api", "web"):
        files = {"src/app.py": "print('v0')\n", ".paasbot.yml": CONFIG}
        state.add_repository(installation, name, files=files)
        for login in ("alice", "bob", "carol"):
            add_collaborator(state, f"acme/{name}", login, "write")
    return state


@pytest.fixture
async def world(
    database_url: str,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
) -> AsyncIterator[DemoStage]:
    """paasbot with its redelivery sweeper off: each test decides when a held delivery comes."""
    state = seeded()
    async with (
        checked_github(state, conformance_checker, request) as github,
        running_bot(github, database_url, REDELIVERY_INTERVAL_SECONDS="0") as stage,
    ):
        yield stage


@asynccontextmanager
async def held_back(stage: DemoStage | GitHubStage) -> AsyncIterator[list[Delivery]]:
    """The deliveries made inside the block fail (the network is cut); yields them."""
    dispatcher = stage.dispatcher
    webhook_url, first = dispatcher.url, len(dispatcher.deliveries)
    dispatcher.url = unreachable_url()
    held: list[Delivery] = []
    try:
        yield held
        await dispatcher.drain()
    finally:
        dispatcher.url = webhook_url
    held += dispatcher.deliveries[first:]
    assert held and not any(d.ok for d in held)


def open_pull(state: SimulatedGitHub, repo: str = REPO, branch: str = "feature") -> Any:
    state.commit(repo, branch, {"src/app.py": f"print('{branch}')\n"}, author="alice")
    return state.open_pull(repo, "A change", head_ref=branch, author="alice")


def of_kind(deliveries: list[Delivery], event: str, action: str | None = None) -> Delivery:
    (found,) = [d for d in deliveries if d.event == event and d.action == action]
    return found


def writes_since(state: SimulatedGitHub, start: int) -> list[RecordedRequest]:
    """paasbot's writes to GitHub after request `start` (the app's own token requests aside)."""
    return [
        r for r in state.requests[start:] if r.method in WRITES and not r.path.startswith("/app/")
    ]


async def evaluation_count(stage: DemoStage) -> int:
    async with stage.bot.db.reader() as conn:
        return int(await conn.scalar(select(func.count()).select_from(evaluations)))


def review_requests(state: SimulatedGitHub, number: int, repo: str = REPO) -> int:
    path = f"/repos/{repo}/pulls/{number}/requested_reviewers"
    return len(state.requests_matching("POST", path))


def bot_comments(state: SimulatedGitHub, number: int, repo: str = REPO) -> list[str]:
    """Their text, without the marker paasbot hides in each."""
    bodies = [c.body for c in comments_on(state, repo, number) if c.user.endswith("[bot]")]
    return [body.split("\n\n<!-- paasbot:", 1)[0] for body in bodies]


def days_older(delivery: Delivery, days: int) -> Delivery:
    """The delivery as an archive would hold it: every timestamp of its payload `days` back."""

    def back(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: back(item) for key, item in value.items()}
        if isinstance(value, list):
            return [back(item) for item in value]
        if isinstance(value, str) and TIMESTAMP.fullmatch(value):
            moved = datetime.fromisoformat(value.replace("Z", "+00:00")) - timedelta(days=days)
            return moved.strftime("%Y-%m-%dT%H:%M:%SZ")
        return value

    payload = back(delivery.payload)
    return dataclasses.replace(delivery, payload=payload, body=json.dumps(payload).encode())


async def redeliver(stage: DemoStage, delivery: Delivery) -> Delivery:
    again = stage.dispatcher.redeliver(delivery.id)
    await stage.settle()
    assert again.ok, f"{again.event}.{again.action}: {again.status or again.error}"
    return again


async def replay(stage: DemoStage, delivery: Delivery) -> Delivery:
    """The same event under a new delivery id, as when GitHub announces one change twice."""
    again = stage.dispatcher.send_again(delivery, delivery_id=str(uuid.uuid4()))
    await stage.settle()
    assert again.ok, f"{again.event}.{again.action}: {again.status or again.error}"
    return again


# --- the same delivery twice -----------------------------------------------------------------


async def test_a_delivery_received_twice_acts_once(world: DemoStage) -> None:
    state = world.state
    pull = open_pull(state)
    await world.settle()
    assert bot_comments(state, pull.number) == ["Thanks @alice!"]
    assert (
        review_requests(state, pull.number),
        state.pull(REPO, pull.number).requested_reviewers,
    ) == (
        1,
        ["carol"],
    )
    start, evaluated = len(state.requests), await evaluation_count(world)
    opened = of_kind(world.dispatcher.deliveries, "pull_request", "opened")
    again = await redeliver(world, opened)
    assert again.status == 202
    assert await evaluation_count(world) == evaluated, "a redelivery is not evaluated again"
    assert writes_since(state, start) == []
    assert bot_comments(state, pull.number) == ["Thanks @alice!"]
    assert review_requests(state, pull.number) == 1
    assert len(check_runs_named(state, REPO, pull.head_sha, "paasbot")) == 1


# --- out of order ----------------------------------------------------------------------------


async def test_a_push_announced_after_a_newer_one_leaves_the_newer_head_in_charge(
    world: DemoStage,
) -> None:
    state = world.state
    pull = open_pull(state)
    await world.settle()
    async with held_back(world) as held:
        state.commit(REPO, "feature", {"src/app.py": "print('v2')\n"}, author="alice")
    older_head = pull.head_sha
    state.commit(REPO, "feature", {"src/app.py": "print('v3')\n"}, author="alice")
    await world.settle()
    newer_head = pull.head_sha
    summary_on_newer = check_runs_named(state, REPO, newer_head, "paasbot")[0].output
    start = len(state.requests)
    await redeliver(world, of_kind(held, "pull_request", "synchronize"))
    await redeliver(world, of_kind(held, "push"))
    assert check_runs_named(state, REPO, older_head, "paasbot") == [], "no check on a stale head"
    assert check_runs_named(state, REPO, newer_head, "paasbot")[0].output == summary_on_newer
    assert writes_since(state, start) == []


async def test_a_review_that_arrives_before_its_pr_counts_once_the_pr_does(
    world: DemoStage,
) -> None:
    state = world.state
    async with held_back(world) as held:
        pull = open_pull(state)
    review(state, REPO, pull.number, "bob", "APPROVE")
    await world.settle()
    await redeliver(world, of_kind(held, "push"))
    await redeliver(world, of_kind(held, "pull_request", "opened"))
    assert "approved" in state.pull(REPO, pull.number).labels
    assert bot_comments(state, pull.number) == ["Thanks @alice!"]
    assert review_requests(state, pull.number) == 1
    assert len(check_runs_named(state, REPO, pull.head_sha, "paasbot")) == 1


async def test_a_label_announced_after_the_pr_closed_changes_nothing(world: DemoStage) -> None:
    state = world.state
    pull = open_pull(state)
    await world.settle()
    async with held_back(world) as held:
        add_labels(state, REPO, pull.number, ["urgent"], sender="alice")
    edit_pull(state, REPO, pull.number, PullEdit(state="closed"), sender="alice")
    await world.settle()
    start = len(state.requests)
    await redeliver(world, of_kind(held, "pull_request", "labeled"))
    assert writes_since(state, start) == []
    assert state.pull(REPO, pull.number).state == "closed"


# --- old events redelivered ------------------------------------------------------------------


async def test_a_days_old_opening_redelivered_after_the_merge_reopens_no_work(
    world: DemoStage,
) -> None:
    state = world.state
    pull = open_pull(state)
    await world.settle()
    opened = of_kind(world.dispatcher.deliveries, "pull_request", "opened")
    review(state, REPO, pull.number, "carol", "APPROVE")
    merge_pull(state, REPO, pull.number, by="bob")
    await world.settle()
    start = len(state.requests)
    await redeliver(world, opened)
    await replay(world, days_older(opened, 3))
    merged = state.pull(REPO, pull.number)
    assert (merged.state, merged.merged) == ("closed", True)
    assert bot_comments(state, pull.number) == ["Thanks @alice!"]
    assert review_requests(state, pull.number) == 1
    assert writes_since(state, start) == []


# --- repositories the installation no longer covers ------------------------------------------


async def test_an_event_for_a_repository_removed_from_the_installation_is_left_alone(
    world: DemoStage,
) -> None:
    state = world.state
    async with held_back(world) as held:
        pull = open_pull(state, OTHER)
    installation = state.installation_for(state.repository(OTHER))
    assert installation is not None
    installation.repositories.remove(OTHER)
    state.publish(
        "installation_repositories",
        "removed",
        None,
        "alice",
        installation,
        added=[],
        removed=[state.repository(OTHER)],
    )
    await world.settle()
    start = len(state.requests)
    await redeliver(world, of_kind(held, "pull_request", "opened"))
    await redeliver(world, of_kind(held, "push"))
    touched = [r for r in state.requests[start:] if r.path.startswith(f"/repos/{OTHER}")]
    assert touched == [], [f"{r.method} {r.path} {r.status}" for r in touched]
    assert writes_since(state, start) == []
    assert bot_comments(state, pull.number, OTHER) == []
