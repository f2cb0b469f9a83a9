"""Deliveries GitHub could not make are not lost: the redelivery sweeper finds them in the app
webhook's delivery log and asks for them again, over real HTTP both ways."""

from __future__ import annotations

import pytest

from app.sandbox import SimulatedGitHub
from app.sandbox.conformance import ConformanceChecker
from app.sandbox.demo import GitHubStage
from app.service import Paasbot
from tests.db_fixtures import _truncate
from tests.e2e_world import eventually
from tests.reliability.delivery_world import (
    attempts_of,
    checked_github,
    running_bot,
    summary_title,
    unreachable_url,
)

REPO = "acme/api"
CONFIG = """
rules:
  - name: Labelled
    if: ["#label>=1"]
"""


def seeded() -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    files = {"src/app.py": "print('v0')\n", ".paasbot.yml": CONFIG}
    state.add_repository(installation, "api", files=files)
    return state


def open_pull(github: GitHubStage, branch: str = "feature") -> tuple[str, str]:
    """Opens a PR; returns its head and the guid of its `pull_request.opened` delivery."""
    github.state.commit(REPO, branch, {"src/app.py": f"print('{branch}')\n"}, author="alice")
    pull = github.state.open_pull(REPO, "A change", head_ref=branch)
    guid = next(
        d.id
        for d in github.dispatcher.deliveries
        if (d.event, d.action) == ("pull_request", "opened") and d.payload["number"] == pull.number
    )
    return pull.head_sha, guid


async def test_a_delivery_sent_while_paasbot_was_down_arrives_when_it_starts(
    database_url: str,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
) -> None:
    state = seeded()
    async with checked_github(state, conformance_checker, request) as github:
        head, guid = open_pull(github)
        await github.dispatcher.drain()
        (refused,) = attempts_of(github, guid)
        assert refused.status is None and not refused.ok, "nobody listens yet"
        async with running_bot(github, database_url) as stage:
            await eventually(lambda: summary_title(state, REPO, head) == "0 of 1 rules match")
            await stage.settle()
            again = attempts_of(github, guid)
        assert [(a.redelivery, a.ok) for a in again] == [(False, False), (True, True)]


async def test_a_delivery_lost_while_paasbot_runs_is_redelivered(
    database_url: str,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
) -> None:
    state = seeded()
    async with (
        checked_github(state, conformance_checker, request) as github,
        running_bot(github, database_url) as stage,
    ):
        webhook_url = github.dispatcher.url
        github.dispatcher.url = unreachable_url()  # the network between them is cut
        head, guid = open_pull(github)
        await github.dispatcher.drain()
        github.dispatcher.url = webhook_url
        await eventually(lambda: summary_title(state, REPO, head) == "0 of 1 rules match")
        await stage.settle()
        assert [(a.redelivery, a.ok) for a in attempts_of(github, guid)] == [
            (False, False),
            (True, True),
        ]


async def test_a_delivery_refused_for_good_is_redelivered_three_times_then_left(
    database_url: str,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
) -> None:
    state = seeded()
    async with (
        checked_github(state, conformance_checker, request) as github,
        running_bot(github, database_url) as stage,
    ):
        # Refused for good: signed with a secret paasbot does not hold (401). A redelivery that
        # got no answer at all would not count toward the cap.
        secret = github.dispatcher.secret
        github.dispatcher.secret = "not paasbot's secret"
        _head, guid = open_pull(github)
        await eventually(lambda: len(attempts_of(github, guid)) == 4)
        await github.dispatcher.drain()
        assert stage.bot.sweeper is not None
        result = await stage.bot.sweeper.sweep()
        assert (result.asked, result.exhausted) == (0, 2), "the branch's push and the PR's opening"
        assert len(attempts_of(github, guid)) == 4
        registry = stage.bot.metrics.registry
        counted = {
            outcome: registry.get_sample_value(
                "paasbot_webhook_redeliveries_total", {"outcome": outcome}
            )
            for outcome in ("asked", "exhausted")
        }
        assert counted == {"asked": 6.0, "exhausted": 2.0}
        assert {a.status for a in attempts_of(github, guid)} == {401}
        github.dispatcher.secret = secret


async def test_two_replicas_sweeping_at_once_redeliver_a_delivery_within_the_cap(
    postgres_url: str,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
) -> None:
    await _truncate(postgres_url)
    state = seeded()
    async with (
        checked_github(state, conformance_checker, request) as github,
        running_bot(github, postgres_url) as stage,
    ):
        replica = Paasbot(stage.bot.settings, queue_policy=stage.bot.queue.policy)
        await replica.start()
        try:
            webhook_url = github.dispatcher.url
            github.dispatcher.url = unreachable_url()
            head, guid = open_pull(github)
            await github.dispatcher.drain()
            github.dispatcher.url = webhook_url
            await eventually(lambda: summary_title(state, REPO, head) == "0 of 1 rules match")
            await stage.settle()
        finally:
            await replica.stop()
        redeliveries = [a for a in attempts_of(github, guid) if a.redelivery]
        assert 1 <= len(redeliveries) <= 2, "one per replica at most, never a storm"
        assert sum(1 for a in redeliveries if a.ok) == len(redeliveries)
