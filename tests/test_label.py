"""`label`: its options (pure), and its plans carried out on a pull request of the simulator over
real HTTP: only missing labels are added, only present ones removed, and a second plan with
nothing to do writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from gidgethub import BadRequest
from pydantic import ValidationError

from app.actions.base import Status
from app.actions.label import LabelAction, LabelOptions
from app.github.client import InstallationAPI
from app.sandbox.actors_pulls import add_labels, remove_label
from app.store.db import Database
from tests.action_world import (
    carry_out,
    given,
    open_pull,
    sqlite_db_fixture,  # noqa: F401
    target_for,
    writes,
)
from tests.facts_world import (  # noqa: F401
    REPO,
    World,
    api_fixture,
    clock_fixture,
    github_fixture,
    simulator_state_fixture,
    world_fixture,
)

ACTION = LabelAction()
LABELS = f"/repos/{REPO}/issues/1/labels"


def labels_of(world: World, number: int = 1) -> list[str]:
    return list(world.state.pull(REPO, number).labels)


# Options


@pytest.mark.parametrize(
    "raw",
    [
        {"add": ["bug"]},
        {"remove": ["triage"]},
        {"toggle": ["wip"]},
        {"add": ["a", "b"], "remove": ["c"], "toggle": ["d"]},
        {"add": ["area/api", "needs review", "🚀"]},
    ],
)
def test_valid_options(raw: dict[str, Any]) -> None:
    options = LabelOptions.model_validate(raw)
    assert options.add + options.remove + options.toggle


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param({}, "name at least one label", id="nothing"),
        pytest.param({"add": [], "toggle": []}, "name at least one label", id="empty lists"),
        pytest.param({"add": ["x"], "remove": ["x"]}, "both added and removed: x", id="add+remove"),
        pytest.param(
            {"toggle": ["WIP"], "remove": ["wip"]},
            "both added and removed: wip",
            id="toggle+remove, any case",
        ),
        pytest.param({"add": "bug"}, "valid list", id="a name, not a list"),
        pytest.param({"add": [1]}, "valid string", id="a number"),
        pytest.param({"add": ["x"], "colour": "red"}, "Extra inputs", id="unknown option"),
        pytest.param({"add": [""]}, "at least 1 character", id="empty name"),
        pytest.param({"toggle": ["  "]}, "cannot be blank", id="blank name"),
        pytest.param({"add": ["x" * 51]}, "at most 50 characters", id="longer than GitHub allows"),
    ],
)
def test_invalid_options(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        LabelOptions.model_validate(raw)


def test_label_reads_no_attribute() -> None:
    assert ACTION.attributes(LabelOptions(add=["x"])) == set()
    assert ACTION.plans_when_unmatched


# Plans, on the simulator


CASES = [
    pytest.param(
        [],
        {"add": ["bug"]},
        True,
        ["add `bug`"],
        ["bug"],
        "labelled `bug`",
        id="add a missing label",
    ),
    pytest.param(
        ["WIP"],
        {"add": ["wip"]},
        True,
        [],
        ["WIP"],
        "labelled `wip`",
        id="present in another case",
    ),
    pytest.param(
        [],
        {"add": ["a", "A", "b"], "toggle": ["b", "c"]},
        True,
        ["add `a`, `b`, `c`"],
        ["a", "b", "c"],
        "labelled `a`, `b`, `c`",
        id="several added in one request, each once",
    ),
    pytest.param(
        ["Triage", "keep"],
        {"remove": ["triage", "absent"]},
        True,
        ["remove `triage`"],
        ["keep"],
        "not labelled `triage`, `absent`",
        id="only present labels removed",
    ),
    pytest.param(
        ["wip", "keep"],
        {"toggle": ["wip"]},
        False,
        ["remove `wip`"],
        ["keep"],
        "not labelled `wip`",
        id="toggle removed once the rule stops matching",
    ),
    pytest.param(
        ["added", "removed-elsewhere"],
        {"add": ["added"], "remove": ["gone"]},
        False,
        [],
        ["added", "removed-elsewhere"],
        "waits for the conditions",
        id="add and remove left alone when unmatched",
    ),
    pytest.param(
        ["area/api", "needs review"],
        {"remove": ["area/api", "needs review"]},
        True,
        ["remove `area/api`", "remove `needs review`"],
        [],
        "not labelled `area/api`, `needs review`",
        id="names with slashes and spaces",
    ),
]


@pytest.mark.parametrize(
    ("present", "raw", "matched", "changes", "after", "detail"),
    CASES,
)
async def test_a_plan_closes_the_gap_and_a_second_finds_none(
    world: World,
    api: InstallationAPI,
    sqlite_db: Database,
    present: list[str],
    raw: dict[str, Any],
    matched: bool,
    changes: list[str],
    after: list[str],
    detail: str,
) -> None:
    pull = open_pull(world)
    if present:
        add_labels(world.state, REPO, pull.number, present, sender="carol")
    options = LabelOptions.model_validate(raw)

    plan = await ACTION.plan(given(target_for(api, sqlite_db, pull), options, matched=matched))
    assert [change.description for change in plan.changes] == changes
    waits = not matched and not options.toggle
    assert (plan.status, plan.detail) == (Status.SKIPPED if waits else Status.DONE, detail)
    assert plan.memory is None
    before = len(world.state.requests)
    await carry_out(plan)
    assert sorted(labels_of(world, pull.number)) == sorted(after)
    assert len(writes(world.state, before)) == len(changes)

    before = len(world.state.requests)
    again = await ACTION.plan(given(target_for(api, sqlite_db, pull), options, matched=matched))
    assert again.changes == ()
    assert again.detail == detail
    assert writes(world.state, before) == [], "nothing to do: no write"


async def test_missing_labels_are_added_in_one_request(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = open_pull(world)
    add_labels(world.state, REPO, pull.number, ["b"], sender="carol")
    options = LabelOptions(add=["a", "b"], toggle=["c"])
    before = len(world.state.requests)
    await carry_out(await ACTION.plan(given(target_for(api, sqlite_db, pull), options)))
    assert writes(world.state, before) == [f"POST {LABELS}"]
    assert labels_of(world) == ["b", "a", "c"]


async def test_a_label_removed_meanwhile_counts_as_removed(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = open_pull(world)
    add_labels(world.state, REPO, pull.number, ["wip"], sender="carol")
    options = LabelOptions(toggle=["wip"])
    plan = await ACTION.plan(given(target_for(api, sqlite_db, pull), options, matched=False))
    remove_label(world.state, REPO, pull.number, "wip", sender="carol")
    await carry_out(plan)  # GitHub answers 404: the goal is reached
    assert labels_of(world) == []


async def test_a_label_someone_added_meanwhile_is_not_duplicated(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = open_pull(world)
    options = LabelOptions(add=["flaky"])
    plan = await ACTION.plan(given(target_for(api, sqlite_db, pull), options))
    add_labels(world.state, REPO, pull.number, ["Flaky"], sender="carol")
    await carry_out(plan)
    assert labels_of(world) == ["Flaky"]


async def test_the_plan_follows_the_rule_back_and_forth(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = open_pull(world)
    options = LabelOptions(toggle=["ready"], remove=["blocked"])
    add_labels(world.state, REPO, pull.number, ["blocked"], sender="carol")
    for matched, expected in [(True, ["ready"]), (False, []), (True, ["ready"]), (True, ["ready"])]:
        plan = await ACTION.plan(given(target_for(api, sqlite_db, pull), options, matched=matched))
        await carry_out(plan)
        assert labels_of(world) == expected


async def test_a_refused_removal_is_not_hidden(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    """Only a 404 means "already removed"; any other refusal reaches the executor."""
    pull = open_pull(world)
    add_labels(world.state, REPO, pull.number, ["wip"], sender="carol")
    world.installation.permissions = {**world.installation.permissions, "issues": "read"}
    world.installation.permissions["pull_requests"] = "read"
    plan = await ACTION.plan(given(target_for(api, sqlite_db, pull), LabelOptions(remove=["wip"])))
    with pytest.raises(BadRequest) as refused:
        await carry_out(plan)
    assert refused.value.status_code == 403
    assert labels_of(world) == ["wip"]
