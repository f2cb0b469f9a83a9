"""`comment`: its options (pure), when it posts (a table of memories and matches, pure where no
comment is read), and its comments on a pull request of the simulator over real HTTP: posted once
per transition (or once per pull request), never twice even after a crash."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.actions.base import Plan, Status
from app.actions.comment import CommentAction, CommentOptions
from app.github.client import InstallationAPI
from app.sandbox.actors_pulls import comment
from app.sandbox.ops.issues import comments_on
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

ACTION = CommentAction()
WELCOME = CommentOptions(body="Thanks @{{ author }} for {{ title }}!")
VALUES = {"author": "alice", "title": "Change feature"}


def bodies(world: World, number: int = 1) -> list[str]:
    return [entry.body for entry in comments_on(world.state, REPO, number)]


def first_lines(world: World, number: int = 1) -> list[str]:
    return [body.split("\n")[0] for body in bodies(world, number)]


# Options


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param({}, "Field required", id="no body"),
        pytest.param({"body": ""}, "at least 1 character", id="empty body"),
        pytest.param({"body": "hi", "per": "push"}, "'transition' or 'pull_request'", id="per"),
        pytest.param({"body": "{{ athor }}"}, "athor", id="unknown variable"),
        pytest.param({"body": "a\n{% for x in %}"}, r"template line 2", id="syntax, with line"),
        pytest.param({"body": "hi", "once": True}, "Extra inputs", id="unknown option"),
    ],
)
def test_invalid_options(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CommentOptions.model_validate(raw)


def test_options_and_the_attributes_the_body_reads() -> None:
    options = CommentOptions.model_validate({"body": "{{ author }}: {{ files | length }} files"})
    assert options.per == "transition"
    assert ACTION.attributes(options) == {"author", "files"}
    assert ACTION.attributes(CommentOptions(body="Hello {{ rule }}")) == set()


# When it posts


async def plan_once(
    world: World,
    api: InstallationAPI,
    db: Database,
    options: CommentOptions = WELCOME,
    **kwargs: Any,
) -> Plan:
    pull = world.state.pull(REPO, 1)
    return await ACTION.plan(given(target_for(api, db, pull), options, values=VALUES, **kwargs))


@pytest.mark.parametrize(
    ("memory", "matched", "per", "posts", "remembered"),
    [
        pytest.param(
            {},
            True,
            "transition",
            True,
            {"posted": True, "armed": False, "transitions": 1},
            id="first match posts",
        ),
        pytest.param(
            {},
            False,
            "transition",
            False,
            {"armed": True},
            id="not matching arms",
        ),
        pytest.param(
            {"posted": True, "armed": False, "transitions": 1},
            True,
            "transition",
            False,
            {"posted": True, "armed": False, "transitions": 1},
            id="still matching: posted already",
        ),
        pytest.param(
            {"posted": True, "armed": True, "transitions": 1},
            True,
            "transition",
            True,
            {"posted": True, "armed": False, "transitions": 2},
            id="matching again after a pause posts again",
        ),
        pytest.param(
            {"posted": True, "armed": True, "transitions": 1},
            True,
            "pull_request",
            False,
            {"posted": True, "armed": True, "transitions": 1},
            id="per pull request: never again",
        ),
        pytest.param(
            {"posted": True, "armed": False, "transitions": 3},
            False,
            "transition",
            False,
            {"posted": True, "armed": True, "transitions": 3},
            id="stopping matching keeps the count",
        ),
    ],
)
async def test_when_a_comment_is_posted(
    world: World,
    api: InstallationAPI,
    sqlite_db: Database,
    memory: dict[str, Any],
    matched: bool,
    per: str,
    posts: bool,
    remembered: dict[str, Any],
) -> None:
    open_pull(world)
    options = CommentOptions(body=WELCOME.body, per=per)  # type: ignore[arg-type]
    plan = await plan_once(world, api, sqlite_db, options, matched=matched, memory=memory)
    assert [change.description for change in plan.changes] == (["post a comment"] if posts else [])
    assert plan.status is (Status.DONE if matched else Status.SKIPPED)
    assert plan.memory == remembered
    before = len(world.state.requests)
    await carry_out(plan)
    assert len(bodies(world)) == (1 if posts else 0)
    assert len(writes(world.state, before)) == (1 if posts else 0)


async def test_not_matching_reads_nothing_from_github(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    open_pull(world)
    before = len(world.state.requests)
    plan = await plan_once(world, api, sqlite_db, matched=False)
    assert plan.detail == "waits for the rule to match"
    assert world.state.requests[before:] == []


# On the simulator, across evaluations


async def test_the_comment_is_rendered_and_carries_a_hidden_marker(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    open_pull(world)
    await carry_out(await plan_once(world, api, sqlite_db, rule="Welcome"))
    (body,) = bodies(world)
    text, marker = body.split("\n\n")
    assert text == "Thanks @alice for Change feature!"
    assert marker.startswith("<!-- paasbot:comment rule=")
    assert marker.endswith(" transition=1 -->")
    assert world.state.comments[max(world.state.comments)].user == world.state.bot_login


async def run_evaluations(
    world: World, api: InstallationAPI, db: Database, matches: list[bool], per: str
) -> dict[str, Any]:
    """One plan per evaluation, carried out and remembered as the executor does."""
    memory: dict[str, Any] = {}
    options = CommentOptions(body="Waiting for a review.", per=per)  # type: ignore[arg-type]
    for matched in matches:
        plan = await plan_once(world, api, db, options, matched=matched, memory=memory)
        await carry_out(plan)
        memory = dict(plan.memory or memory)
    return memory


@pytest.mark.parametrize(
    ("matches", "per", "posted"),
    [
        pytest.param([True, True, True, True], "transition", 1, id="matching all along"),
        pytest.param([False, False, True, True], "transition", 1, id="starts matching later"),
        pytest.param([True, False, True, True, False, True], "transition", 3, id="3 transitions"),
        pytest.param([True, False, True, False, True], "pull_request", 1, id="once per PR"),
        pytest.param([False, False, False], "transition", 0, id="never matching"),
    ],
)
async def test_comments_posted_across_several_evaluations(
    world: World,
    api: InstallationAPI,
    sqlite_db: Database,
    matches: list[bool],
    per: str,
    posted: int,
) -> None:
    open_pull(world)
    before = len(world.state.requests)
    await run_evaluations(world, api, sqlite_db, matches, per)
    assert first_lines(world) == ["Waiting for a review."] * posted
    assert len(writes(world.state, before)) == posted
    markers = [body.split("\n\n")[1] for body in bodies(world)]
    assert len(set(markers)) == posted, "each transition has its own marker"


async def test_a_crash_between_posting_and_remembering_does_not_post_twice(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    open_pull(world)
    plan = await plan_once(world, api, sqlite_db)
    await carry_out(plan)  # ... and the memory is never saved
    before = len(world.state.requests)
    again = await plan_once(world, api, sqlite_db)
    assert again.changes == ()
    assert again.detail == "posted already"
    assert again.memory == plan.memory, "the comment found is remembered"
    assert writes(world.state, before) == []
    assert len(bodies(world)) == 1


async def test_a_crash_after_a_second_transition_does_not_post_twice(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    open_pull(world)
    memory = await run_evaluations(world, api, sqlite_db, [True, False], "transition")
    plan = await plan_once(world, api, sqlite_db, memory=memory)
    await carry_out(plan)
    again = await plan_once(world, api, sqlite_db, memory=memory)
    assert again.changes == ()
    assert again.memory == {"posted": True, "armed": False, "transitions": 2}
    assert len(bodies(world)) == 2


async def test_each_rule_has_its_own_marker(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    open_pull(world)
    await carry_out(await plan_once(world, api, sqlite_db, rule="Welcome"))
    plan = await plan_once(world, api, sqlite_db, rule="Needs review")
    assert [change.description for change in plan.changes] == ["post a comment"]
    await carry_out(plan)
    assert len(bodies(world)) == 2


async def test_other_peoples_comments_do_not_count(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = open_pull(world)
    comment(world.state, REPO, pull.number, "carol", "Thanks @alice for Change feature!")
    plan = await plan_once(world, api, sqlite_db)
    assert [change.description for change in plan.changes] == ["post a comment"]


@pytest.mark.parametrize(
    ("body", "values", "problem"),
    [
        pytest.param("{{ author.name }}", {}, "has no attribute 'name'", id="attribute of none"),
        pytest.param(
            "{{ body | length }} characters", {"body": None}, "the template failed", id="no body"
        ),
        pytest.param("{{ 1 // 0 }}", {}, "the template failed", id="division by zero"),
    ],
)
async def test_a_template_that_fails_fails_the_action_without_posting(
    world: World,
    api: InstallationAPI,
    sqlite_db: Database,
    body: str,
    values: dict[str, Any],
    problem: str,
) -> None:
    pull = open_pull(world)
    target = target_for(api, sqlite_db, pull)
    plan = await ACTION.plan(given(target, CommentOptions(body=body), values=values))
    assert plan.status is Status.FAILED
    assert problem in plan.detail
    assert plan.changes == ()
    assert plan.memory is None
    assert bodies(world) == []
