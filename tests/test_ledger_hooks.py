"""The executor writes each action that changed something to the insights ledger, with its
outcome; a dry run, a simulation and an action that changed nothing write nothing."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, cast

import pytest
from gidgethub import BadRequest

from app.actions.base import Action, Plan, PullTarget, Status
from app.engine import execute
from app.engine.memory import PullMemory
from app.insights.model import ActionRecord, Window
from app.store.db import Database
from app.store.ledger import load_actions
from tests.action_world import NOW
from tests.test_execute import (
    HEAD,
    REPO,
    Recorder,
    evaluated,
    executor,
    recorded_rule,
)

ALL = Window(0, NOW + 1)


@pytest.fixture(name="recorder")
def recorder_fixture(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    plugin = Recorder()
    monkeypatch.setitem(execute.ACTIONS, Recorder.name, cast(Action, plugin))
    return plugin


class FakeAPI:
    installation_id = 42


def target(db: Database, *, simulation: bool = False) -> PullTarget:
    api, snapshot = cast(Any, FakeAPI()), cast(Any, None)
    return PullTarget(api, db, snapshot, REPO, 5, HEAD, simulation=simulation)


async def actions(db: Database) -> list[ActionRecord]:
    async with db.reader() as conn:
        return await load_actions(conn, None, ALL)


async def test_an_action_that_changed_something_is_recorded(
    db: Database, recorder: Recorder
) -> None:
    (report,) = await executor(target(db), PullMemory()).run(evaluated([recorded_rule()]))
    assert report.status == "done"
    assert await actions(db) == [ActionRecord(REPO.lower(), "recorder", "done", NOW, "Rule")]


async def test_a_failure_after_a_change_is_recorded_as_failed(
    db: Database, recorder: Recorder
) -> None:
    refused = BadRequest(HTTPStatus.UNPROCESSABLE_ENTITY, "no")

    async def plan(_given: Any) -> Plan:
        return Plan((recorder.change("first"), recorder.change("second", refused)))

    recorder.plan_with = plan
    (report,) = await executor(target(db), PullMemory()).run(evaluated([recorded_rule()]))
    assert report.status == "failed"
    assert [(a.action, a.outcome) for a in await actions(db)] == [("recorder", "failed")]


async def test_a_failed_plan_that_changed_something_is_failed(
    db: Database, recorder: Recorder
) -> None:
    async def plan(_given: Any) -> Plan:
        return Plan((recorder.change("write"),), status=Status.FAILED, detail="half")

    recorder.plan_with = plan
    await executor(target(db), PullMemory()).run(evaluated([recorded_rule()]))
    assert [(a.action, a.outcome) for a in await actions(db)] == [("recorder", "failed")]


@pytest.mark.parametrize("how", ["dry run", "simulation", "target simulation", "no change"])
async def test_nothing_is_recorded_without_a_change(
    db: Database, recorder: Recorder, how: str
) -> None:
    async def no_change(_given: Any) -> Plan:
        return Plan((), detail="nothing to do")

    if how == "no change":
        recorder.plan_with = no_change
    run = executor(target(db, simulation=how == "target simulation"), PullMemory(),
                   dry_run=how == "dry run")  # fmt: skip
    run.simulation = how == "simulation"
    await run.run(evaluated([recorded_rule()]))
    assert await actions(db) == []
