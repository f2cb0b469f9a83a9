"""`update_branch`: its options (pure), and its plans carried out on pull requests of the
simulator over real HTTP: up to date, behind (merge and rebase), a head that moved meanwhile,
`when: queued`, conflicts and forks reported without a call, GitHub's refusals remembered until
a branch moves, the failure comment, instances without rebase updates, and GitHub unavailable.

The people of `tests/facts_world.py`; alice opens the pull requests on acme/widgets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from gidgethub import BadRequest, GitHubBroken
from pydantic import ValidationError

from app.actions import update_branch
from app.actions.base import Plan, Status
from app.actions.update_branch import (
    MARKER,
    QUEUED,
    REBASE_UNAVAILABLE,
    GraphQLRefusal,
    RebaseSupport,
    RefusalLog,
    UpdateBranchAction,
    UpdateBranchOptions,
)
from app.engine.conditions import StaticFacts
from app.engine.evaluate import evaluate_rules
from app.engine.execute import ActionExecutor
from app.engine.memory import PullMemory
from app.github.client import InstallationAPI, graphql_endpoint
from app.sandbox.faults import Fault
from app.sandbox.models import PullRequest
from app.sandbox.ops.forks import fork_repository, open_fork_pull
from app.sandbox.ops.issues import comments_on
from app.store.db import Database
from tests.action_world import (
    NOW,
    api_calls,
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
from tests.rule_helpers import rules_from

ACTION = UpdateBranchAction()
UPDATE = f"PUT /repos/{REPO}/pulls/1/update-branch"
GRAPHQL = "POST /api/graphql"
FORK = "mallory/widgets"


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """What the action learns about hosts and refusals lasts as long as the process: one per
    test (a port, and so a host, may come again in a later test)."""
    monkeypatch.setattr(update_branch, "REBASE_SUPPORT", RebaseSupport())
    monkeypatch.setattr(update_branch, "REFUSALS", RefusalLog())
    yield


def options(**raw: Any) -> UpdateBranchOptions:
    return UpdateBranchOptions.model_validate(raw)


def move_main(world: World, changes: dict[str, str | None] | None = None) -> str:
    return world.commit("main", changes or {"docs/main.md": "Main moved.\n"}).sha


def behind(world: World, branch: str = "feature") -> PullRequest:
    """PR #1 (docs/feature.md), and main moved on since."""
    pull = open_pull(world, branch)
    move_main(world)
    return pull


async def plan(
    world: World, api: InstallationAPI, db: Database, wanted: UpdateBranchOptions, number: int = 1
) -> Plan:
    """One evaluation's plan, on the PR as it is now."""
    target = target_for(api, db, world.state.pull(REPO, number))
    return await ACTION.plan(given(target, wanted))


def head_of(world: World, number: int = 1) -> str:
    return world.state.pull(REPO, number).head_sha


# Options


def test_defaults() -> None:
    defaults = UpdateBranchOptions()
    assert (defaults.method, defaults.when, defaults.comment) == ("merge", "always", False)
    assert ACTION.attributes(defaults) == set()
    assert not ACTION.plans_when_unmatched, "it updates only while its rule's conditions hold"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param({"method": "squash"}, "'merge' or 'rebase'", id="method"),
        pytest.param({"when": "never"}, "'always' or 'queued'", id="when"),
        pytest.param({"comment": "yes"}, "valid boolean", id="comment"),
        pytest.param({"methd": "merge"}, "Extra inputs", id="unknown"),
    ],
)
def test_invalid_options(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        options(**raw)


def test_the_graphql_endpoint_beside_the_rest_root() -> None:
    assert graphql_endpoint("https://ghe.acme.test/api/v3/") == "https://ghe.acme.test/api/graphql"
    assert graphql_endpoint("https://api.github.com") == "https://api.github.com/graphql"


# Up to date, behind, merge


async def test_an_up_to_date_pr_is_done_without_a_write(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    open_pull(world)
    since = len(world.state.requests)
    done = await plan(world, api, sqlite_db, options())
    assert (done.status, done.detail, done.changes) == (Status.DONE, "up to date with `main`", ())
    assert writes(world.state, since) == []


async def test_a_pr_behind_its_base_gets_the_base_merged_in(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    behind(world)
    main_tip = move_main(world, {"docs/more.md": "More.\n"})
    before = head_of(world)
    planned = await plan(world, api, sqlite_db, options())
    assert [change.description for change in planned.changes] == ["merge `main` into `feature`"]
    assert (planned.status, planned.detail) == (
        Status.DONE,
        "`feature` was 2 commits behind `main`",
    )
    since = len(world.state.requests)
    await carry_out(planned)
    assert writes(world.state, since) == [UPDATE]
    assert world.state.git.commits[head_of(world)].parents == (before, main_tip)
    after = await plan(world, api, sqlite_db, options())
    assert (after.detail, after.changes) == ("up to date with `main`", ())


async def test_a_head_that_moved_since_the_evaluation_is_not_overwritten(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    """The update names the evaluated head; GitHub refuses it once the head moved, and the next
    evaluation (woken by that push) tries with the new head."""
    behind(world)
    planned = await plan(world, api, sqlite_db, options())
    pushed = world.commit("feature", {"docs/feature.md": "Pushed meanwhile.\n"}).sha
    with pytest.raises(BadRequest, match="expected head sha"):
        await carry_out(planned)
    assert head_of(world) == pushed
    again = await plan(world, api, sqlite_db, options())
    assert [change.description for change in again.changes] == ["merge `main` into `feature`"]


async def test_queued_waits_for_the_merge_queue(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    behind(world)
    since = len(world.state.requests)
    waiting = await plan(world, api, sqlite_db, options(when="queued"))
    assert (waiting.status, waiting.detail, waiting.changes) == (Status.WAITING, QUEUED, ())
    assert writes(world.state, since) == []
    open_pull(world, "other")
    current = await plan(world, api, sqlite_db, options(when="queued"), number=2)
    assert current.detail == "up to date with `main`"


async def test_a_closed_pr_is_left_alone(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    behind(world)
    world.state.close_pull(REPO, 1)
    skipped = await plan(world, api, sqlite_db, options())
    assert (skipped.status, skipped.detail) == (Status.SKIPPED, "the pull request is closed")


async def test_unrelated_histories_cannot_be_updated(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    orphan = world.state.git.commit(
        (), {"other.md": "x\n"}, message="Orphan", author=world.state.signature("alice")
    )
    world.repo.branches["orphan"] = orphan.sha
    world.state.open_pull(REPO, "Unrelated", head_ref="orphan")
    failed = await plan(world, api, sqlite_db, options())
    assert (failed.status, failed.changes) == (Status.FAILED, ())
    assert failed.detail == "`orphan` and `main` share no history: GitHub cannot update it"


async def test_the_executor_runs_it_only_while_the_rule_matches(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    behind(world)
    rules = rules_from(
        "rules:\n  - name: Approved\n    if: ['#approved-reviews-by>=1']\n"
        "    do:\n      update_branch: {}\n"
    )
    moment = datetime.fromtimestamp(NOW, UTC)
    facts = StaticFacts({"approved-reviews-by": []})
    results = evaluate_rules(list(rules), facts, frozenset(), moment)
    target = target_for(api, sqlite_db, world.state.pull(REPO, 1))
    since = len(world.state.requests)
    (report,) = await ActionExecutor(target, facts, {}, PullMemory(), False, NOW).run(results)
    assert (report.status, report.detail) == ("skipped", "waits for the conditions")
    assert api_calls(world.state, since) == []


# What GitHub cannot do: reported without a call


async def test_a_conflict_fails_without_a_call(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    world.open_pull("feature", {"README.md": "# ours\n"})
    move_main(world, {"README.md": "# theirs\n"})
    since = len(world.state.requests)
    failed = await plan(world, api, sqlite_db, options())
    assert (failed.status, failed.changes) == (Status.FAILED, ())
    assert failed.detail == "`feature` conflicts with `main`: resolve the conflicts in the branch"
    assert writes(world.state, since) == []


async def test_a_rebase_that_conflicts_fails_without_a_call(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    """A merge would succeed (the second commit restores the file), a rebase would not."""
    world.open_pull("feature", {"README.md": "# ours\n"})
    world.commit("feature", {"README.md": "# widgets\n"}, message="Back")
    move_main(world, {"README.md": "# theirs\n"})
    since = len(world.state.requests)
    failed = await plan(world, api, sqlite_db, options(method="rebase"))
    assert failed.detail == (
        "`feature` cannot be rebased onto `main` without conflicts (method: merge can)"
    )
    assert api_calls(world.state, since) == [f"GET /repos/{REPO}/pulls/1", compare_call(world)]


def compare_call(world: World) -> str:
    return f"GET /repos/{REPO}/compare/main...{head_of(world)}"


def fork_pull(world: World, *, maintainer_can_modify: bool) -> PullRequest:
    fork_repository(world.state, REPO, "mallory")
    world.clock.advance(1)
    world.state.commit(FORK, "patch", {"docs/patch.md": "Patched.\n"}, author="mallory")
    pull = open_fork_pull(
        world.state,
        REPO,
        FORK,
        "patch",
        "Patch",
        "mallory",
        maintainer_can_modify=maintainer_can_modify,
    )
    move_main(world)
    return pull


async def test_a_fork_paasbot_cannot_push_to_fails_without_a_call(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    fork_pull(world, maintainer_can_modify=False)
    since = len(world.state.requests)
    failed = await plan(world, api, sqlite_db, options())
    assert (failed.status, failed.changes) == (Status.FAILED, ())
    assert failed.detail == (
        f"the branch is in the fork {FORK}, which paasbot cannot push to; the author can update "
        "it or allow edits by maintainers"
    )
    assert api_calls(world.state, since) == [f"GET /repos/{REPO}/pulls/1", compare_call(world)]


async def test_a_fork_that_allows_edits_by_maintainers_is_updated(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = fork_pull(world, maintainer_can_modify=True)
    before = pull.head_sha
    await carry_out(await plan(world, api, sqlite_db, options()))
    assert world.state.repository(FORK).branches["patch"] == pull.head_sha != before
    assert "patch" not in world.repo.branches


# GitHub's refusals


async def test_a_refusal_is_not_tried_again_until_a_branch_moves(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    world.installation.permissions["contents"] = "read"  # GitHub refuses the app the push
    behind(world)
    with pytest.raises(BadRequest, match="Resource not accessible by integration"):
        await carry_out(await plan(world, api, sqlite_db, options()))
    since = len(world.state.requests)
    remembered = await plan(world, api, sqlite_db, options())
    assert (remembered.status, remembered.changes) == (Status.FAILED, ())
    assert remembered.detail == (
        "GitHub answered 403: Resource not accessible by integration; not tried again until "
        "`feature` or `main` moves"
    )
    assert writes(world.state, since) == []

    move_main(world, {"docs/again.md": "Again.\n"})
    with pytest.raises(BadRequest):
        await carry_out(await plan(world, api, sqlite_db, options()))
    world.commit("feature", {"docs/feature.md": "Pushed.\n"})
    with pytest.raises(BadRequest):
        await carry_out(await plan(world, api, sqlite_db, options()))
    assert writes(world.state, since).count(UPDATE) == 2, "one new attempt per push"


async def test_a_refusal_fails_the_action_in_the_summary(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    world.installation.permissions["contents"] = "read"
    behind(world)
    rules = rules_from("rules:\n  - name: Fresh\n    do:\n      update_branch: {}\n")
    results = evaluate_rules(list(rules), StaticFacts({}), frozenset(), datetime.now(UTC))
    target = target_for(api, sqlite_db, world.state.pull(REPO, 1))
    (report,) = await ActionExecutor(target, StaticFacts({}), {}, PullMemory(), False, NOW).run(
        results
    )
    assert (report.status, report.detail) == (
        "failed",
        "merge `main` into `feature`: GitHub answered 403: Resource not accessible by integration",
    )


async def test_github_unavailable_propagates_and_is_not_remembered(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    behind(world)
    world.state.faults.queue(Fault.error(502, method="PUT"))
    with pytest.raises(GitHubBroken):
        await carry_out(await plan(world, api, sqlite_db, options()))
    retried = await plan(world, api, sqlite_db, options())
    assert [change.description for change in retried.changes] == ["merge `main` into `feature`"]


# The failure comment


def our_comments(world: World) -> list[str]:
    return [c.body for c in comments_on(world.state, REPO, 1) if MARKER in c.body]


async def test_a_failure_is_one_comment_edited_in_place(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    world.open_pull("feature", {"README.md": "# ours\n"})
    move_main(world, {"README.md": "# theirs\n"})
    wanted = options(comment=True)
    failed = await plan(world, api, sqlite_db, wanted)
    assert [change.description for change in failed.changes] == ["post the update failure comment"]
    await carry_out(failed)
    again = await plan(world, api, sqlite_db, wanted)
    assert (again.status, again.changes) == (Status.FAILED, ())
    assert our_comments(world) == [
        "paasbot could not bring this pull request up to date with `main`: `feature` conflicts "
        f"with `main`: resolve the conflicts in the branch.\n\n{MARKER}"
    ]

    world.commit("feature", {"README.md": "# theirs\n"}, message="Take theirs")
    move_main(world)
    await carry_out(await plan(world, api, sqlite_db, wanted))
    resolved = await plan(world, api, sqlite_db, wanted)
    assert [change.description for change in resolved.changes] == ["edit the update comment"]
    await carry_out(resolved)
    assert our_comments(world) == [f"This pull request is up to date with `main` now.\n\n{MARKER}"]
    assert (await plan(world, api, sqlite_db, wanted)).changes == ()


async def test_a_refusal_is_commented_when_it_happens(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    world.installation.permissions["contents"] = "read"
    behind(world)
    with pytest.raises(BadRequest):
        await carry_out(await plan(world, api, sqlite_db, options(comment=True)))
    (body,) = our_comments(world)
    assert body.startswith(
        "paasbot could not bring this pull request up to date with `main`: GitHub answered 403"
    )
    remembered = await plan(world, api, sqlite_db, options(comment=True))
    assert (remembered.status, remembered.changes) == (Status.FAILED, ()), "the comment is current"


# Rebase


async def test_a_rebase_replays_the_head_onto_the_base(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    behind(world)
    main_tip = world.repo.branches["main"]
    planned = await plan(world, api, sqlite_db, options(method="rebase"))
    assert [change.description for change in planned.changes] == ["rebase `feature` onto `main`"]
    since = len(world.state.requests)
    await carry_out(planned)
    assert api_calls(world.state, since) == [GRAPHQL]
    rebased = world.state.git.commits[head_of(world)]
    assert (rebased.parents, rebased.message) == ((main_tip,), "Change feature")
    open_pull(world, "second")
    move_main(world, {"docs/later.md": "Later.\n"})
    since = len(world.state.requests)
    await carry_out(await plan(world, api, sqlite_db, options(method="rebase"), number=2))
    assert api_calls(world.state, since).count(GRAPHQL) == 1, "the host's support is known"


async def test_a_rebase_refused_by_graphql_fails_the_action(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    behind(world)
    planned = await plan(world, api, sqlite_db, options(method="rebase"))
    world.commit("feature", {"docs/feature.md": "Pushed meanwhile.\n"})
    with pytest.raises(GraphQLRefusal) as refused:
        await carry_out(planned)
    assert refused.value.status_code == 422
    assert str(refused.value) == (
        "expected head sha didn't match current head ref. (GraphQL UNPROCESSABLE)"
    )


@pytest.mark.parametrize(
    "instance",
    [
        pytest.param({"graphql_update_methods": {"MERGE"}}, id="no REBASE"),
        pytest.param({"graphql_update_methods": set()}, id="no updateMethod"),
        pytest.param({"graphql_enabled": False}, id="no GraphQL"),
    ],
)
async def test_an_instance_without_rebase_updates(
    world: World, api: InstallationAPI, sqlite_db: Database, instance: dict[str, Any]
) -> None:
    for name, value in instance.items():
        setattr(world.state, name, value)
    behind(world)
    since = len(world.state.requests)
    failed = await plan(world, api, sqlite_db, options(method="rebase"))
    assert (failed.status, failed.detail, failed.changes) == (
        Status.FAILED,
        REBASE_UNAVAILABLE,
        (),
    )
    assert api_calls(world.state, since).count(GRAPHQL) == 1
    since = len(world.state.requests)
    assert (await plan(world, api, sqlite_db, options(method="rebase"))).detail == (
        REBASE_UNAVAILABLE
    )
    assert GRAPHQL not in api_calls(world.state, since), "asked once per host"
    merged = await plan(world, api, sqlite_db, options(method="merge"))
    assert [change.description for change in merged.changes] == ["merge `main` into `feature`"]
