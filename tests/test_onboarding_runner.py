"""Onboarding an installation's pending repositories (app/onboarding/runner.py) against the
simulator over real HTTP: at most N PRs a minute, each outcome recorded as it is known, an
archived repository skipped, a person's branch left alone, GitHub's refusal recorded."""

from __future__ import annotations

import pytest

from app.github.client import InstallationAPI
from app.onboarding.runner import OnboardingRun
from app.onboarding.starter import BRANCH
from app.sandbox.actors_repos import archive
from app.sandbox.state import Installation, SimulatedGitHub
from app.store.db import Database
from app.store.onboarding import add_pending, load, pending
from tests.bumps_world import (  # noqa: F401
    NOW,
    add_repo,
    api_fixture,
    clock_fixture,
    installation_fixture,
    simulator_state_fixture,
    writes,
)
from tests.helpers import FakeClock

NAMES = ("acme/api", "acme/web", "acme/docs")


@pytest.fixture(autouse=True)
def organisation(simulator_state: SimulatedGitHub, installation: Installation) -> None:
    for name in NAMES:
        add_repo(simulator_state, installation, name.split("/")[1], {"README.md": "# x\n"})


async def queued(db: Database, installation: Installation, names: tuple[str, ...]) -> None:
    async with db.transaction() as conn:
        await add_pending(conn, installation.id, list(names), NOW)


def run(
    api: InstallationAPI,
    db: Database,
    installation: Installation,
    clock: FakeClock,
    limit: int = 10,
) -> OnboardingRun:
    return OnboardingRun(api, db, installation.id, clock, max_per_minute=limit)


async def test_the_per_minute_limit_pauses_and_the_next_run_goes_on(
    api: InstallationAPI,
    db: Database,
    installation: Installation,
    clock: FakeClock,
    simulator_state: SimulatedGitHub,
) -> None:
    await queued(db, installation, NAMES)
    first = run(api, db, installation, clock, limit=2)
    await first.run()
    # Pending repositories are taken in the order they were added, then by name.
    assert {name: offer.status for name, offer in first.outcomes.items()} == {
        "acme/api": "opened",
        "acme/docs": "opened",
    }
    assert first.continues_at == NOW + 60
    async with db.reader() as conn:
        assert await pending(conn, installation.id) == ["acme/web"]
    clock.now = NOW + 60
    second = run(api, db, installation, clock, limit=2)
    await second.run()
    assert second.continues_at is None
    assert [(name, offer.status) for name, offer in second.outcomes.items()] == [
        ("acme/web", "opened")
    ]
    heads = [p.head_ref for name in NAMES for p in simulator_state.pulls_in(name)]
    assert heads == [BRANCH] * 3


async def test_archived_taken_and_refused_repositories(
    api: InstallationAPI,
    db: Database,
    installation: Installation,
    clock: FakeClock,
    simulator_state: SimulatedGitHub,
) -> None:
    archive(simulator_state, "acme/api")
    # A person's own `paasbot/configure` branch in web.
    simulator_state.commit("acme/web", BRANCH, {"x.txt": "mine\n"}, author="carol")
    await queued(db, installation, NAMES)
    before = len(simulator_state.requests)
    onboarding = run(api, db, installation, clock)
    await onboarding.run()
    outcomes = {name: (o.status, o.detail) for name, o in onboarding.outcomes.items()}
    assert outcomes["acme/api"] == ("skipped", "archived")
    assert outcomes["acme/web"] == (
        "skipped",
        "the branch paasbot/configure exists with commits paasbot did not write",
    )
    assert outcomes["acme/docs"][0] == "opened"
    assert simulator_state.repository("acme/web").branches[BRANCH] != ""
    assert [w for w in writes(simulator_state, before) if "/acme/web/" in w] == [
        "POST /repos/acme/web/git/trees",
        "POST /repos/acme/web/git/commits",
        "POST /repos/acme/web/git/refs",
    ]
    async with db.reader() as conn:
        row = await load(conn, "acme/docs")
    assert row is not None and (row.status, row.opened_at) == ("opened", NOW)
