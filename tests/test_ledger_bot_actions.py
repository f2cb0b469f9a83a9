"""Propagation and onboarding write the insights ledger: `propagate` for each bump PR opened,
`supersede` for each older one closed, `onboard` for each onboarding PR opened; a dry run and an
offer that opens nothing write nothing."""

from __future__ import annotations

from app.github.client import InstallationAPI
from app.insights.model import Window
from app.onboarding.runner import OnboardingRun
from app.sandbox.actors_repos import archive
from app.sandbox.state import Installation, SimulatedGitHub
from app.store.db import Database
from app.store.ledger import load_actions
from app.store.onboarding import add_pending
from tests.bumps_world import (  # noqa: F401
    NOW,
    api_fixture,
    clock_fixture,
    installation_fixture,
    simulator_state_fixture,
)
from tests.helpers import FakeClock
from tests.test_propagation import (  # noqa: F401
    DEPENDENTS,
    company,
    options,
    paasbot_bump_pull,
    propagation,
)

ALL = Window(0, NOW + 3600)


async def actions(db: Database) -> list[tuple[str, str, str]]:
    async with db.reader() as conn:
        return [(a.repository, a.action, a.outcome) for a in await load_actions(conn, None, ALL)]


async def test_each_pr_opened_and_superseded_is_an_action(
    api: InstallationAPI, db: Database, installation: Installation, clock: FakeClock
) -> None:
    await paasbot_bump_pull(api, "acme/orders", "1.3.6")
    await propagation(api, db, installation, clock).run()
    found = await actions(db)
    opened = sorted(entry for entry in found if entry[1] == "propagate")
    assert opened == [(name, "propagate", "done") for name in DEPENDENTS]
    assert [entry for entry in found if entry[1] == "supersede"] == [
        ("acme/orders", "supersede", "done")
    ]
    await propagation(api, db, installation, clock).run()  # again: nothing new
    assert len(await actions(db)) == len(found)


async def test_a_dry_run_records_no_action(
    api: InstallationAPI, db: Database, installation: Installation, clock: FakeClock
) -> None:
    await propagation(api, db, installation, clock, dry_run=True).run()
    assert await actions(db) == []


async def test_each_onboarding_pr_opened_is_an_action(
    api: InstallationAPI,
    db: Database,
    installation: Installation,
    clock: FakeClock,
    simulator_state: SimulatedGitHub,
) -> None:
    archive(simulator_state, "acme/web")
    async with db.transaction() as conn:
        await add_pending(conn, installation.id, ["acme/orders", "acme/web"], NOW)
    run = OnboardingRun(api, db, installation.id, clock)
    await run.run()
    assert {name: offer.status for name, offer in run.outcomes.items()} == {
        "acme/orders": "opened",
        "acme/web": "skipped",
    }
    assert await actions(db) == [("acme/orders", "onboard", "done")]
