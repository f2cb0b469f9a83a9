"""`check`: its options (pure), and the check run it keeps on the head SHA of a pull request of
the simulator (over real HTTP, the database on both engines): `success` while the rule matches,
`failure` or `neutral` while it does not, written only when its content changed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from app.actions.base import Plan, Status
from app.actions.check import CheckAction, CheckOptions, check_name
from app.engine.conditions import Outcome, StaticFacts, evaluate, parse_tree
from app.github.client import InstallationAPI
from app.sandbox.models import CheckRun, PullRequest
from app.store.db import Database
from tests.action_world import NOW, api_calls, carry_out, given, open_pull, target_for
from tests.facts_world import (  # noqa: F401
    REPO,
    World,
    api_fixture,
    clock_fixture,
    github_fixture,
    simulator_state_fixture,
    world_fixture,
)

ACTION = CheckAction()
MOMENT = datetime(2030, 1, 1, tzinfo=UTC)


def outcome(conditions: list[str], values: dict[str, Any]) -> Outcome:
    return evaluate(parse_tree(conditions), StaticFacts(values), MOMENT)


def runs(world: World, pull: PullRequest, name: str) -> list[CheckRun]:
    return [run for run in world.state.check_runs_for(REPO, pull.head_sha) if run.name == name]


def the_run(world: World, pull: PullRequest, name: str = "paasbot/Ready") -> CheckRun:
    (run,) = runs(world, pull, name)
    return run


# Options


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param({"name": "paasbot"}, "paasbot's own check", id="the summary's name"),
        pytest.param({"name": " paasbot "}, "paasbot's own check", id="with spaces"),
        pytest.param({"name": ""}, "at least 1 character", id="empty name"),
        pytest.param({"name": "x" * 101}, "at most 100 characters", id="long name"),
        pytest.param({"unmatched": "success"}, "'failure' or 'neutral'", id="unmatched"),
        pytest.param({"title": "{{ autor }}"}, "autor", id="unknown variable in title"),
        pytest.param({"summary": "{% if %}"}, "template syntax", id="syntax error in summary"),
        pytest.param({"conclusion": "success"}, "Extra inputs", id="unknown option"),
    ],
)
def test_invalid_options(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CheckOptions.model_validate(raw)


@pytest.mark.parametrize(
    ("rule", "raw", "name"),
    [
        pytest.param("Ready", {}, "paasbot/Ready", id="named after the rule"),
        pytest.param("Ready", {"name": "policy"}, "policy", id="named"),
        pytest.param("r" * 120, {}, "paasbot/" + "r" * 92, id="cut at 100"),
    ],
)
def test_check_name(rule: str, raw: dict[str, Any], name: str) -> None:
    assert check_name(rule, CheckOptions.model_validate(raw)) == name
    assert len(name) <= 100


def test_the_attributes_its_templates_read() -> None:
    options = CheckOptions(title="{{ author }}", summary="{{ approved_reviews_by | length }}")
    assert ACTION.attributes(options) == {"author", "approved-reviews-by"}
    assert ACTION.attributes(CheckOptions()) == set()
    assert ACTION.plans_when_unmatched


# The check run on the simulator


async def plan_for(
    world: World,
    api: InstallationAPI,
    db: Database,
    pull: PullRequest,
    options: CheckOptions | None = None,
    **kwargs: Any,
) -> Plan:
    kwargs.setdefault("rule", "Ready")
    target = target_for(api, db, pull)
    return await ACTION.plan(given(target, options or CheckOptions(), **kwargs))


@pytest.mark.parametrize(
    ("raw", "matched", "conclusion", "title"),
    [
        pytest.param({}, True, "success", "Ready: matches", id="matching"),
        pytest.param({}, False, "failure", "Ready: does not match", id="not matching"),
        pytest.param({"unmatched": "neutral"}, False, "neutral", "Ready: does not match", id="n"),
        pytest.param({"unmatched": "neutral"}, True, "success", "Ready: matches", id="neutral ok"),
    ],
)
async def test_the_check_run_follows_the_rule(
    world: World,
    api: InstallationAPI,
    db: Database,
    raw: dict[str, Any],
    matched: bool,
    conclusion: str,
    title: str,
) -> None:
    pull = open_pull(world)
    plan = await plan_for(world, api, db, pull, CheckOptions.model_validate(raw), matched=matched)
    shown = f"`paasbot/Ready` {conclusion}"
    assert [change.description for change in plan.changes] == [f"set {shown}"]
    assert (plan.status, plan.detail, plan.memory) == (Status.DONE, shown, None)
    await carry_out(plan)
    run = the_run(world, pull)
    assert (run.status, run.conclusion, run.output["title"]) == ("completed", conclusion, title)
    assert run.output["summary"] == "The rule 'Ready' has no conditions."


async def test_an_unchanged_check_costs_no_request(
    world: World, api: InstallationAPI, db: Database
) -> None:
    pull = open_pull(world)
    await carry_out(await plan_for(world, api, db, pull))
    before = len(world.state.requests)
    again = await plan_for(world, api, db, pull, now=NOW + 60)
    assert again.changes == ()
    assert again.detail == "`paasbot/Ready` success"
    assert api_calls(world.state, before) == []


async def test_the_same_run_turns_from_success_to_failure_and_back(
    world: World, api: InstallationAPI, db: Database
) -> None:
    pull = open_pull(world)
    seen = []
    for matched in (True, False, False, True):
        plan = await plan_for(world, api, db, pull, matched=matched)
        await carry_out(plan)
        seen.append((len(plan.changes), the_run(world, pull).conclusion))
    assert seen == [(1, "success"), (1, "failure"), (0, "failure"), (1, "success")]
    path = f"/repos/{REPO}/check-runs"
    assert len(world.state.requests_matching("POST", path)) == 1
    assert len(world.state.requests_matching("PATCH", path_prefix=path)) == 2


async def test_the_summary_shows_the_conditions_after_the_rendered_text(
    world: World, api: InstallationAPI, db: Database
) -> None:
    pull = open_pull(world)
    values = {"approved-reviews-by": ["bob"], "author": "alice", "check-success": []}
    options = CheckOptions(
        name="policy",
        title="{{ approved_reviews_by | length }} approval(s) for @{{ author }}",
        summary="Backend changes need a backend approval ({{ rule }}).",
    )
    seen = outcome(["#approved-reviews-by>=1", "check-success=ci"], values)
    plan = await plan_for(world, api, db, pull, options, matched=False, outcome=seen, values=values)
    await carry_out(plan)
    run = the_run(world, pull, "policy")
    assert run.conclusion == "failure"
    assert run.output["title"] == "1 approval(s) for @alice"
    assert run.output["summary"] == (
        "Backend changes need a backend approval (Ready).\n\n"
        "- ✓ `#approved-reviews-by>=1` — #approved-reviews-by: `1`\n"
        "- ✗ `check-success=ci` — check-success: *none*"
    )


async def test_a_new_value_in_the_title_rewrites_the_run(
    world: World, api: InstallationAPI, db: Database
) -> None:
    pull = open_pull(world)
    options = CheckOptions(title="{{ approved_reviews_by | length }} approval(s)")
    for approvals, changes in [(["bob"], 1), (["bob"], 0), (["bob", "erin"], 1)]:
        values = {"approved-reviews-by": approvals}
        plan = await plan_for(world, api, db, pull, options, values=values)
        assert len(plan.changes) == changes
        await carry_out(plan)
    assert the_run(world, pull).output["title"] == "2 approval(s)"


async def test_each_head_sha_gets_its_own_run(
    world: World, api: InstallationAPI, db: Database
) -> None:
    pull = open_pull(world)
    await carry_out(await plan_for(world, api, db, pull, matched=False))
    first = pull.head_sha
    world.commit("feature", {"docs/more.md": "More.\n"})
    assert pull.head_sha != first
    plan = await plan_for(world, api, db, pull)
    assert len(plan.changes) == 1, "a new head has no check yet"
    await carry_out(plan)
    conclusions = {
        sha: [run.conclusion for run in world.state.check_runs_for(REPO, sha)]
        for sha in (first, pull.head_sha)
    }
    assert conclusions == {first: ["failure"], pull.head_sha: ["success"]}


@pytest.mark.parametrize(
    ("raw", "values", "problem"),
    [
        pytest.param({"title": "{{ milestone.title }}"}, {}, "has no attribute", id="title"),
        pytest.param(
            {"summary": "{{ body | length }} characters"},
            {"body": None},
            "the template failed",
            id="summary of a PR without description",
        ),
    ],
)
async def test_a_template_that_fails_fails_the_action_yet_the_check_follows_the_rule(
    world: World,
    api: InstallationAPI,
    db: Database,
    raw: dict[str, Any],
    values: dict[str, Any],
    problem: str,
) -> None:
    pull = open_pull(world)
    options = CheckOptions.model_validate(raw)
    plan = await plan_for(world, api, db, pull, options, values=values, matched=False)
    assert plan.status is Status.FAILED
    assert plan.detail.startswith("`paasbot/Ready` failure; ")
    assert problem in plan.detail
    assert [change.description for change in plan.changes] == ["set `paasbot/Ready` failure"]
    await carry_out(plan)
    run = the_run(world, pull)
    assert (run.conclusion, run.output["title"]) == ("failure", "Ready: does not match")
    assert problem in run.output["summary"]

    before = len(world.state.requests)
    again = await plan_for(world, api, db, pull, options, values=values, matched=False)
    assert (again.status, again.changes) == (Status.FAILED, ())
    assert api_calls(world.state, before) == []


async def test_a_gate_whose_template_fails_once_the_rule_stops_matching_still_fails(
    world: World, api: InstallationAPI, db: Database
) -> None:
    """Branch protection may require this check: a template error must not leave it green."""
    pull = open_pull(world)
    options = CheckOptions(name="policy", title="{{ approved_reviews_by | first }} approved")
    for approvals, matched in [(["bob"], True), ([], False)]:
        values = {"approved-reviews-by": approvals}
        plan = await plan_for(world, api, db, pull, options, values=values, matched=matched)
        await carry_out(plan)
    run = the_run(world, pull, "policy")
    assert run.conclusion == "failure"
    assert run.output["title"] == "Ready: does not match"
    assert "No first item, sequence was empty" in run.output["summary"]


@pytest.mark.parametrize(
    "name",
    ["paasbot/config", "PAASBOT/Config", "Paasbot", "paasbot/coverage", "paasbot/lint/ruff"],
)
def test_paasbots_own_check_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="paasbot's own check"):
        CheckOptions(name=name)


def test_a_rule_called_config_does_not_take_the_config_checks_name() -> None:
    assert check_name("config", CheckOptions()) == "paasbot/rule: config"
    assert check_name("Ready", CheckOptions()) == "paasbot/Ready"
