"""`merge`: its options (pure), and its plans carried out on pull requests of the simulator over
real HTTP, with the queue in a real database: joining and leaving the queue, only the head acting,
updating a PR behind a strict branch, waiting for required checks and approvals, merging with the
sha guard, conflicts, and errors during the merge."""

from __future__ import annotations

from typing import Any

import pytest
from gidgethub import BadRequest, GitHubBroken
from pydantic import ValidationError

from app.actions.base import Plan, Status
from app.actions.merge import MergeAction, MergeOptions
from app.github.client import InstallationAPI
from app.sandbox.actors_pulls import review
from app.sandbox.actors_repos import post_status, set_protection
from app.sandbox.faults import Fault
from app.sandbox.models import PullRequest
from app.store.db import Database
from app.store.merge_queue import queue_for
from tests.action_world import (
    NOW,
    carry_out,
    given,
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

ACTION = MergeAction()


def options(**raw: Any) -> MergeOptions:
    return MergeOptions.model_validate(raw)


def pull_of(world: World, branch: str, author: str = "alice") -> PullRequest:
    return world.open_pull(branch, {f"docs/{branch}.md": f"{branch}\n"}, author=author)


async def plan(
    api: InstallationAPI,
    db: Database,
    world: World,
    pull: PullRequest,
    *,
    matched: bool = True,
    memory: dict[str, Any] | None = None,
    raw: dict[str, Any] | None = None,
    now: float = NOW,
) -> Plan:
    fresh = world.state.pull(REPO, pull.number)
    target = target_for(api, db, fresh)
    return await ACTION.plan(
        given(target, options(**(raw or {})), matched=matched, memory=memory, now=now)
    )


async def queue(db: Database, base: str = "main") -> list[int]:
    async with db.reader() as conn:
        return [entry.number for entry in await queue_for(conn, REPO, base)]


# Options


def test_options_validate_templates_and_methods() -> None:
    assert options().method is None and options().priority_labels == ["priority"]
    with pytest.raises(ValidationError, match="method"):
        options(method="fast-forward")
    with pytest.raises(ValidationError, match="commit_title"):
        options(commit_title="{{ nonsense")


def test_the_templates_say_which_attributes_they_read() -> None:
    raw = {"commit_title": "{{ title }} (#{{ number }})", "commit_message": "{{ body }}"}
    checks = {"check-pending", "check-success", "check-failure"}  # a queued PR's CI, after updates
    assert ACTION.attributes(options(**raw)) == {"title", "number", "body", *checks}
    assert ACTION.attributes(options()) == checks


# The queue


async def test_matching_prs_queue_in_order_and_only_the_head_merges(
    api: InstallationAPI, world: World, sqlite_db: Database
) -> None:
    first, second = pull_of(world, "one"), pull_of(world, "two")
    head = await plan(api, sqlite_db, world, first, now=NOW)
    waiting = await plan(api, sqlite_db, world, second, now=NOW + 1)
    assert await queue(sqlite_db) == [first.number, second.number]
    assert (waiting.status, waiting.changes) == (Status.WAITING, ())
    assert waiting.detail == (
        f"position 2 of 2 in the `main` merge queue (#{first.number} → **#{second.number}**); "
        f"waits for #{first.number} to merge"
    )
    assert [change.description for change in head.changes] == [
        f"merge #{first.number} (merge) at {first.head_sha[:12]}"
    ]
    await carry_out(head)
    assert world.state.pull(REPO, first.number).merged
    assert await queue(sqlite_db) == [second.number]
    now_head = await plan(api, sqlite_db, world, second)
    assert now_head.detail.startswith("position 1 of 1 in the `main` merge queue (**#")


async def test_a_priority_label_goes_first(
    api: InstallationAPI, world: World, sqlite_db: Database
) -> None:
    first, urgent = pull_of(world, "one"), pull_of(world, "hotfix")
    await plan(api, sqlite_db, world, first)
    world.state.pull(REPO, urgent.number).labels.append("priority")
    await plan(api, sqlite_db, world, urgent)
    assert await queue(sqlite_db) == [urgent.number, first.number]


async def test_a_pr_that_stops_matching_leaves_the_queue(
    api: InstallationAPI, world: World, sqlite_db: Database
) -> None:
    pull = pull_of(world, "one")
    await plan(api, sqlite_db, world, pull)
    unmatched = await plan(api, sqlite_db, world, pull, matched=False)
    assert [c.description for c in unmatched.changes] == [
        "leave the merge queue (its conditions no longer hold)"
    ]
    await carry_out(unmatched)
    assert await queue(sqlite_db) == []
    idle = await plan(api, sqlite_db, world, pull, matched=False)
    assert (idle.status, idle.changes, idle.detail) == (
        Status.WAITING,
        (),
        "waits for the conditions",
    )


# The head of the queue


async def test_the_head_waits_for_required_checks_and_approvals(
    api: InstallationAPI, world: World, sqlite_db: Database
) -> None:
    world.installation.permissions["administration"] = "read"
    set_protection(world.state, REPO, "main", ["ci/build"], required_approvals=1)
    pull = pull_of(world, "one")
    waiting = await plan(api, sqlite_db, world, pull)
    assert waiting.status is Status.WAITING and waiting.changes == ()
    assert (
        "waits for: required check(s) not finished: `ci/build`; 1 approving review(s), has 0"
        in (waiting.detail)
    )
    assert waiting.detail.endswith("requires required check `ci/build`, 1 approving review(s)")
    post_status(world.state, REPO, pull.head_sha, "ci/build", "success")
    review(world.state, REPO, pull.number, "bob", "APPROVE", "ok")
    ready = await plan(api, sqlite_db, world, pull)
    assert [c.description.split(" at ")[0] for c in ready.changes] == [
        f"merge #{pull.number} (merge)"
    ]


async def test_a_head_behind_a_strict_branch_is_updated_then_merged(
    api: InstallationAPI, world: World, sqlite_db: Database
) -> None:
    world.installation.permissions["administration"] = "read"
    set_protection(world.state, REPO, "main", require_up_to_date=True)
    pull = pull_of(world, "one")
    world.commit("main", {"docs/other.md": "other\n"})
    updating = await plan(api, sqlite_db, world, pull)
    assert [c.description for c in updating.changes] == [
        f"bring #{pull.number} up to date with `main`"
    ]
    assert "its branch is behind its base branch: updating it" in updating.detail
    old_head = pull.head_sha
    await carry_out(updating)
    updated = world.state.pull(REPO, pull.number)
    assert updated.head_sha != old_head
    merging = await plan(api, sqlite_db, world, updated)
    await carry_out(merging)
    assert world.state.pull(REPO, pull.number).merged


async def test_a_conflicting_head_leaves_the_queue_and_waits_for_a_push(
    api: InstallationAPI, world: World, sqlite_db: Database
) -> None:
    pull = world.open_pull("one", {"README.md": "theirs\n"})
    world.commit("main", {"README.md": "ours\n"})
    left = await plan(api, sqlite_db, world, pull, raw={"label_on_conflict": "conflict"})
    assert [c.description for c in left.changes] == [
        "leave the merge queue (it conflicts with its base branch)",
        "label `conflict`",
    ]
    assert left.detail == (
        "left the merge queue: it conflicts with its base branch; it joins again after a push"
    )
    await carry_out(left)
    assert await queue(sqlite_db) == [] and "conflict" in world.state.pull(REPO, pull.number).labels
    assert left.memory is not None
    again = await plan(api, sqlite_db, world, pull, memory=dict(left.memory))
    assert again.detail == "not queued: it conflicts with its base branch"
    assert await queue(sqlite_db) == [], "no churn until a push"


async def test_a_moved_head_is_never_merged(
    api: InstallationAPI, world: World, sqlite_db: Database
) -> None:
    pull = pull_of(world, "one")
    ready = await plan(api, sqlite_db, world, pull)
    world.commit("one", {"docs/one.md": "changed\n"})
    with pytest.raises(BadRequest) as refused:
        await carry_out(ready)
    assert refused.value.status_code == 409
    assert not world.state.pull(REPO, pull.number).merged


async def test_a_server_error_after_the_merge_happened_is_not_merged_again(
    api: InstallationAPI, world: World, sqlite_db: Database
) -> None:
    pull = pull_of(world, "one")
    ready = await plan(api, sqlite_db, world, pull)
    world.state.faults.queue(
        Fault.error(502, path_prefix=f"/repos/{REPO}/pulls/{pull.number}/merge", after=True)
    )
    start = len(world.state.requests)
    await carry_out(ready)
    assert world.state.pull(REPO, pull.number).merged
    assert writes(world.state, start).count(f"PUT /repos/{REPO}/pulls/{pull.number}/merge") == 1
    assert await queue(sqlite_db) == []


async def test_a_server_error_before_the_merge_is_raised_for_a_later_retry(
    api: InstallationAPI, world: World, sqlite_db: Database
) -> None:
    pull = pull_of(world, "one")
    ready = await plan(api, sqlite_db, world, pull)
    world.state.faults.queue(
        Fault.error(502, path_prefix=f"/repos/{REPO}/pulls/{pull.number}/merge")
    )
    with pytest.raises(GitHubBroken):
        await carry_out(ready)
    assert not world.state.pull(REPO, pull.number).merged
    assert await queue(sqlite_db) == [pull.number]


# Merge commits


async def test_squash_messages_name_the_pr_strip_comments_and_credit_co_authors(
    api: InstallationAPI, world: World, sqlite_db: Database
) -> None:
    pull = pull_of(world, "one")
    world.state.pull(REPO, pull.number).body = "Why.<!-- template hint -->"
    world.commit("one", {"docs/one.md": "bob's\n"}, author="bob")
    pull = world.state.pull(REPO, pull.number)
    await carry_out(await plan(api, sqlite_db, world, pull, raw={"method": "squash"}))
    merged = world.state.pull(REPO, pull.number)
    message = world.state.git.commits[merged.merge_commit_sha].message
    assert message.startswith(f"Change one (#{pull.number})\n\nWhy.\n\nCo-authored-by: bob <")


async def test_closed_and_merged_prs_leave_the_queue(
    api: InstallationAPI, world: World, sqlite_db: Database
) -> None:
    pull = pull_of(world, "one")
    await plan(api, sqlite_db, world, pull)
    world.state.pull(REPO, pull.number).state = "closed"
    closed = await plan(api, sqlite_db, world, pull)
    assert closed.detail == "closed"
    await carry_out(closed)
    assert await queue(sqlite_db) == []
