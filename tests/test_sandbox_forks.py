"""Pull requests from forks on the simulator, over real HTTP: how GitHub shows them (`head.repo` is
the fork, `head.label` names its owner), their diff, pushes to the fork's branch, and updating
their branch, which an app may do only where it may write the head repository."""

from __future__ import annotations

import pytest

from app.sandbox.models import PullRequest
from app.sandbox.ops.forks import fork_repository, open_fork_pull
from app.sandbox.ops.merging import merge_pull
from tests.pull_world import (  # noqa: F401
    BOT,
    REPO,
    World,
    clock_fixture,
    simulator_state_fixture,
    world_fixture,
)

FORK = "mallory/widgets"
PULL = f"/repos/{REPO}/pulls/1"
NOT_ACCESSIBLE = "Resource not accessible by integration"


def fork_pull(world: World, *, maintainer_can_modify: bool = False) -> PullRequest:
    """PR #1 on acme/widgets from mallory's fork: `patch` adds docs/patch.md."""
    fork_repository(world.state, REPO, "mallory")
    world.clock.advance(1)
    world.state.commit(FORK, "patch", {"docs/patch.md": "Patched.\n"}, author="mallory")
    return open_fork_pull(
        world.state,
        REPO,
        FORK,
        "patch",
        "Patch the docs",
        "mallory",
        maintainer_can_modify=maintainer_can_modify,
    )


async def test_a_fork_pull_request_is_shown_as_github_shows_it(world: World) -> None:
    pull = fork_pull(world)
    body = (await world.get(PULL)).body
    head, base = body["head"], body["base"]
    assert (head["label"], head["ref"], head["sha"]) == ("mallory:patch", "patch", pull.head_sha)
    assert (head["user"]["login"], head["repo"]["full_name"], head["repo"]["fork"]) == (
        "mallory",
        FORK,
        True,
    )
    assert (base["label"], base["repo"]["full_name"], base["repo"]["fork"]) == (
        "acme:main",
        REPO,
        False,
    )
    assert body["maintainer_can_modify"] is False
    assert "patch" not in world.repo.branches, "the branch lives in the fork only"
    files = (await world.get(f"{PULL}/files")).body
    assert [(f["filename"], f["status"]) for f in files] == [("docs/patch.md", "added")]
    commits = (await world.get(f"{PULL}/commits")).body
    assert [c["sha"] for c in commits] == [pull.head_sha]
    listed = (await world.get(f"/repos/{REPO}/pulls")).body
    assert [item["head"]["label"] for item in listed] == ["mallory:patch"]


async def test_maintainer_can_modify_is_shown(world: World) -> None:
    fork_pull(world, maintainer_can_modify=True)
    assert (await world.get(PULL)).body["maintainer_can_modify"] is True


async def test_a_push_to_the_fork_synchronizes_the_pull_request(world: World) -> None:
    pull = fork_pull(world)
    before = pull.head_sha
    world.forget_events()
    world.clock.advance(1)
    pushed = world.state.commit(FORK, "patch", {"docs/patch.md": "Patched again.\n"})
    assert pull.head_sha == pushed.sha
    push, synchronize = world.events()
    assert (push.label, push.repository) == ("push", FORK)
    assert (synchronize.label, synchronize.repository, synchronize.subject) == (
        "pull_request.synchronize",
        REPO,
        pull,
    )
    assert synchronize.details["before"] == before
    assert (await world.get(PULL)).body["head"]["sha"] == pushed.sha


async def test_the_fork_is_not_the_apps(world: World) -> None:
    fork_pull(world)
    assert (await world.get(f"/repos/{FORK}")).status == 404


async def test_updating_a_fork_branch_the_app_cannot_write_is_refused(world: World) -> None:
    pull = fork_pull(world)
    world.commit("main", {"b.txt": "b\n"})
    before = pull.head_sha
    reply = await world.call("PUT", f"{PULL}/update-branch", {"expected_head_sha": before})
    assert (reply.status, reply.body["message"]) == (403, NOT_ACCESSIBLE)
    assert pull.head_sha == before


async def test_a_fork_that_allows_edits_by_maintainers_is_updated(world: World) -> None:
    pull = fork_pull(world, maintainer_can_modify=True)
    main_tip = world.commit("main", {"b.txt": "b\n"}).sha
    before = pull.head_sha
    world.forget_events()
    reply = await world.call("PUT", f"{PULL}/update-branch", {"expected_head_sha": before})
    assert reply.status == 202
    fork = world.state.repository(FORK)
    assert fork.branches["patch"] == pull.head_sha
    assert world.state.git.commits[pull.head_sha].parents == (before, main_tip)
    assert "patch" not in world.repo.branches
    push, synchronize = world.events()
    assert (push.label, push.repository, push.sender) == ("push", FORK, BOT)
    assert (synchronize.label, synchronize.repository) == ("pull_request.synchronize", REPO)


async def test_updating_a_branch_needs_contents_write(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    world.commit("main", {"b.txt": "b\n"})
    token = await world.token_with({"pull_requests": "write", "contents": "read"})
    reply = await world.call("PUT", f"{PULL}/update-branch", token=token)
    assert (reply.status, reply.body["message"]) == (403, NOT_ACCESSIBLE)


def test_a_merge_commit_names_the_fork_owner(world: World) -> None:
    fork_pull(world)
    outcome = merge_pull(world.state, REPO, 1, "merge", by="alice")
    message = world.state.git.commits[outcome.sha].message
    assert message.startswith("Merge pull request #1 from mallory/patch")


def test_a_fork_pull_request_needs_a_fork_and_its_branch(world: World) -> None:
    fork_pull(world)
    with pytest.raises(ValueError, match="no branch 'nope'"):
        open_fork_pull(world.state, REPO, FORK, "nope", "Nope", "mallory")
    with pytest.raises(ValueError, match="not a fork"):
        open_fork_pull(world.state, FORK, REPO, "main", "Backwards", "alice")
