"""The world of the action tests: the fact-loading organisation (`tests/facts_world.py`), a pull
request of alice's, and the `PullTarget` / `ActionInput` an evaluation would hand an action.

Every evaluation gets a fresh `PullRequestSnapshot` (one is cached for the life of an evaluation),
as the worker builds one per claim."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from app.actions.base import ActionInput, Plan, PullTarget
from app.actions.options import ActionOptions
from app.engine.conditions import FactValue, Outcome, StaticFacts
from app.engine.snapshot import PullRequestSnapshot
from app.github.client import InstallationAPI
from app.sandbox.models import PullRequest
from app.sandbox.state import SimulatedGitHub
from app.store.db import Database
from tests.facts_world import REPO, World

NOW = 1_800_000_000.0
WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})


def open_pull(world: World, branch: str = "feature") -> PullRequest:
    return world.open_pull(branch, {f"docs/{branch}.md": "Read me.\n"})


def target_for(api: InstallationAPI, db: Database, pull: PullRequest) -> PullTarget:
    """The target of one evaluation, with a snapshot of its own."""
    snapshot = PullRequestSnapshot(api, REPO, pull.number)
    return PullTarget(api, db, snapshot, REPO, pull.number, pull.head_sha)


def given(
    target: PullTarget,
    options: ActionOptions,
    *,
    rule: str = "Rule",
    matched: bool = True,
    was_matched: bool | None = None,
    outcome: Outcome | None = None,
    values: Mapping[str, FactValue] | None = None,
    memory: Mapping[str, Any] | None = None,
    now: float = NOW,
) -> ActionInput:
    values = dict(values or {})
    return ActionInput(
        rule=rule,
        options=options,
        matched=matched,
        was_matched=was_matched,
        target=target,
        outcome=outcome,
        facts=StaticFacts(values),
        values=values,
        memory=dict(memory or {}),
        now=now,
    )


async def carry_out(plan: Plan) -> None:
    """What the executor does with a plan outside a dry run."""
    for change in plan.changes:
        await change.perform()


def writes(state: SimulatedGitHub, since: int = 0) -> list[str]:
    """The write requests made to the simulator since request number `since`."""
    return [
        f"{record.method} {record.path}"
        for record in state.requests[since:]
        if record.method in WRITES and not record.path.startswith("/app/")
    ]


def api_calls(state: SimulatedGitHub, since: int = 0) -> list[str]:
    """Every request but the app's token requests, since request number `since`."""
    return [
        f"{record.method} {record.path}"
        for record in state.requests[since:]
        if not record.path.startswith("/app/")
    ]


@pytest.fixture(name="sqlite_db")
async def sqlite_db_fixture(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite database, for actions that never touch the database (label, comment):
    their tests need not run on both engines."""
    path = tmp_path / "paasbot.db"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        yield database
    finally:
        await database.close()
