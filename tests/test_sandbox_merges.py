"""Merging pull requests and updating their branches on the simulator, over real HTTP: the
commits each merge method creates, GitHub's refusals, branch protection and the events."""

from __future__ import annotations

import pytest

from app.sandbox.actors_repos import post_status, set_protection
from app.sandbox.errors import ApiError
from app.sandbox.models import CheckRunPatch
from app.sandbox.ops.merging import merge_pull, update_branch
from app.sandbox.ops.reviews import review
from tests.pull_world import (  # noqa: F401
    BOT,
    REPO,
    World,
    clock_fixture,
    simulator_state_fixture,
    world_fixture,
)

PULL = f"/repos/{REPO}/pulls/1"
NOT_MERGEABLE = "Pull Request is not mergeable"


def diverge(world: World) -> str:
    """Opens PR #1 (a.txt on `feature`), then moves main on (b.txt); returns main's new tip."""
    world.open_pull("feature", {"a.txt": "a\n"})
    return world.commit("main", {"b.txt": "b\n"}, message="Meanwhile on main").sha


async def merge(world: World, **body: str) -> tuple[int, dict[str, object]]:
    reply = await world.call("PUT", f"{PULL}/merge", body)
    return reply.status, reply.body


# --- the three merge methods ---------------------------------------------------------------


async def test_merge_commit(world: World) -> None:
    main_tip = diverge(world)
    head = world.state.pull(REPO, 1).head_sha
    assert (await world.call("GET", f"{PULL}/merge")).status == 404
    world.forget_events()
    status, body = await merge(world, merge_method="merge")
    assert (status, body["merged"], body["message"]) == (
        200,
        True,
        "Pull Request successfully merged",
    )
    merged = world.state.git.commits[str(body["sha"])]
    assert world.repo.branches["main"] == merged.sha
    assert merged.parents == (main_tip, head)
    assert merged.message == "Merge pull request #1 from acme/feature\n\nChange feature"
    assert world.state.git.files_at(merged.sha).keys() == {
        "README.md",
        "src/app.py",
        "a.txt",
        "b.txt",
    }
    push, closed = world.events()
    assert (push.label, push.details["ref"], push.details["after"]) == (
        "push",
        "refs/heads/main",
        merged.sha,
    )
    assert (closed.label, closed.sender, closed.subject.merged) == (
        "pull_request.closed",
        BOT,
        True,
    )
    assert (await world.call("GET", f"{PULL}/merge")).status == 204
    pulled = (await world.call("GET", PULL)).body
    assert (pulled["state"], pulled["merged"], pulled["merge_commit_sha"]) == (
        "closed",
        True,
        merged.sha,
    )
    assert pulled["merged_by"]["login"] == BOT
    assert (pulled["commits"], pulled["changed_files"]) == (1, 1)


async def test_squash_merge(world: World) -> None:
    main_tip = diverge(world)
    world.commit("feature", {"a2.txt": "a2\n"}, message="Second change")
    status, body = await merge(world, merge_method="squash", commit_title="Squashed")
    assert status == 200, body
    squashed = world.state.git.commits[str(body["sha"])]
    assert squashed.parents == (main_tip,)
    assert squashed.message == "Squashed\n\n* Change feature\n\n* Second change"
    assert {"a.txt", "a2.txt", "b.txt"} <= world.state.git.files_at(squashed.sha).keys()


async def test_rebase_merge_replays_the_commits(world: World) -> None:
    main_tip = diverge(world)
    world.clock.advance(60)
    world.commit("feature", {"a2.txt": "a2\n"}, message="Second change", author="bob")
    originals = world.state.git.commits_between(main_tip, world.state.pull(REPO, 1).head_sha)
    status, body = await merge(world, merge_method="rebase")
    assert status == 200, body
    git = world.state.git
    second = git.commits[str(body["sha"])]
    first = git.commits[second.parents[0]]
    assert first.parents == (main_tip,)
    assert [first.message, second.message] == ["Change feature", "Second change"]
    assert [first.author, second.author] == [commit.author for commit in originals]
    assert {first.sha, second.sha}.isdisjoint(commit.sha for commit in originals)
    assert second.committer.name == BOT
    assert {"a.txt", "a2.txt", "b.txt"} <= git.files_at(second.sha).keys()
    assert world.state.pull(REPO, 1).merge_commit_sha == second.sha


async def test_rebase_refused_when_a_replayed_commit_conflicts(world: World) -> None:
    world.open_pull("feature", {"README.md": "# changed\n"})
    world.commit("feature", {"README.md": "# widgets\n"}, message="Changed back")
    world.commit("main", {"README.md": "# main\n"})
    pulled = (await world.call("GET", PULL)).body
    assert (pulled["mergeable"], pulled["rebaseable"]) == (True, False)
    status, body = await merge(world, merge_method="rebase")
    assert (status, body["message"]) == (405, "This branch can't be rebased")
    assert (await merge(world, merge_method="merge"))[0] == 200


# --- refusals ------------------------------------------------------------------------------------


async def test_merge_method_must_be_allowed(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    world.repo.allowed_merge_methods = ("squash",)
    assert await merge(world, merge_method="merge") == (
        405,
        {
            "message": "Merge commits are not allowed on this repository.",
            "documentation_url": "https://docs.github.com/enterprise-server@3.19/rest",
            "status": "405",
        },
    )
    status, body = await merge(world, merge_method="rebase")
    assert (status, body["message"]) == (405, "Rebase merges are not allowed on this repository.")
    assert (await merge(world, merge_method="squash"))[0] == 200


async def test_conflicting_pull_is_not_mergeable(world: World) -> None:
    world.open_pull("feature", {"README.md": "# ours\n"})
    world.commit("main", {"README.md": "# theirs\n"})
    pulled = (await world.call("GET", PULL)).body
    assert (pulled["mergeable"], pulled["mergeable_state"], pulled["rebaseable"]) == (
        False,
        "dirty",
        False,
    )
    status, body = await merge(world)
    assert (status, body["message"]) == (405, NOT_MERGEABLE)
    assert not world.state.pull(REPO, 1).merged


async def test_head_moved_since_the_sha(world: World) -> None:
    pull = world.open_pull("feature", {"a.txt": "a\n"})
    seen = pull.head_sha
    world.commit("feature", {"a.txt": "a, amended\n"})
    status, body = await merge(world, sha=seen)
    assert (status, body["message"]) == (
        409,
        "Head branch was modified. Review and try the merge again.",
    )
    assert (await merge(world, sha=pull.head_sha))[0] == 200


async def test_drafts_and_closed_pulls_are_not_merged(world: World) -> None:
    pull = world.open_pull("feature", {"a.txt": "a\n"})
    pull.draft = True
    status, body = await merge(world)
    assert (status, body["message"]) == (405, "Pull Request is still a draft")
    pull.draft = False
    await world.call("PATCH", PULL, {"state": "closed"})
    status, body = await merge(world)
    assert (status, body["message"]) == (405, NOT_MERGEABLE)


async def test_merging_needs_contents_write(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    token = await world.token_with({"pull_requests": "write", "contents": "read"})
    reply = await world.call("PUT", f"{PULL}/merge", {}, token=token)
    assert (reply.status, reply.body["message"]) == (403, "Resource not accessible by integration")


def test_python_merge_raises_githubs_refusal(world: World) -> None:
    world.open_pull("feature", {"README.md": "# ours\n"})
    world.commit("main", {"README.md": "# theirs\n"})
    with pytest.raises(ApiError) as refused:
        merge_pull(world.state, REPO, 1, "merge", by="bob")
    assert (refused.value.status, refused.value.message) == (405, NOT_MERGEABLE)


def test_python_merge_by_a_user(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    outcome = merge_pull(world.state, REPO, 1, "squash", by="bob")
    assert (outcome.merged, outcome.sha) == (True, world.repo.branches["main"])
    assert world.state.pull(REPO, 1).merged_by == "bob"
    assert world.state.git.commits[outcome.sha].author.name == "bob"


# --- branch protection -------------------------------------------------------------------------


async def test_required_checks(world: World) -> None:
    pull = world.open_pull("feature", {"a.txt": "a\n"})
    set_protection(world.state, REPO, "main", required_checks=("ci", "lint"))
    status, body = await merge(world)
    assert (status, body["message"]) == (405, "2 of 2 required status checks are expected.")
    assert (await world.call("GET", PULL)).body["mergeable_state"] == "blocked"
    post_status(world.state, REPO, pull.head_sha, "ci", "pending")
    world.state.create_check_run(REPO, "lint", pull.head_sha, CheckRunPatch(conclusion="success"))
    assert (await merge(world))[1]["message"] == 'Required status check "ci" is expected.'
    post_status(world.state, REPO, pull.head_sha, "ci", "failure")
    assert (await merge(world))[1]["message"] == 'Required status check "ci" is failing.'
    post_status(world.state, REPO, pull.head_sha, "ci", "success")
    assert (await world.call("GET", PULL)).body["mergeable_state"] == "clean"
    assert (await merge(world))[0] == 200


async def test_failing_check_that_is_not_required_makes_the_pull_unstable(world: World) -> None:
    pull = world.open_pull("feature", {"a.txt": "a\n"})
    world.state.create_check_run(REPO, "docs", pull.head_sha, CheckRunPatch(conclusion="failure"))
    assert (await world.call("GET", PULL)).body["mergeable_state"] == "unstable"
    assert (await merge(world))[0] == 200


async def test_required_approvals_from_writers(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    set_protection(world.state, REPO, "main", required_approvals=1)
    message = "At least 1 approving review is required by reviewers with write access."
    assert (await merge(world))[1]["message"] == message
    review(world.state, REPO, 1, "carol", "APPROVE")
    assert (await merge(world))[1]["message"] == message
    review(world.state, REPO, 1, "bob", "APPROVE")
    assert (await merge(world))[0] == 200


async def test_two_approvals_message(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    set_protection(world.state, REPO, "main", required_approvals=2)
    review(world.state, REPO, 1, "bob", "APPROVE")
    status, body = await merge(world)
    assert (status, body["message"]) == (
        405,
        "At least 2 approving reviews are required by reviewers with write access.",
    )


async def test_up_to_date_required(world: World) -> None:
    diverge(world)
    set_protection(world.state, REPO, "main", require_up_to_date=True)
    assert (await world.call("GET", PULL)).body["mergeable_state"] == "behind"
    status, body = await merge(world)
    assert (status, body["message"]) == (
        405,
        "Head branch is out of date. Review and try the merge again.",
    )
    assert (await world.call("PUT", f"{PULL}/update-branch")).status == 202
    assert (await merge(world))[0] == 200


# --- updating the branch -----------------------------------------------------------------------


async def test_update_branch(world: World) -> None:
    main_tip = diverge(world)
    pull = world.state.pull(REPO, 1)
    old_head = pull.head_sha
    world.forget_events()
    reply = await world.call("PUT", f"{PULL}/update-branch", {"expected_head_sha": old_head})
    assert (reply.status, reply.body) == (
        202,
        {"message": "Updating pull request branch.", "url": world.sim.url(PULL)},
    )
    update = world.state.git.commits[pull.head_sha]
    assert world.repo.branches["feature"] == update.sha
    assert update.parents == (old_head, main_tip)
    assert update.message == "Merge branch 'main' into feature"
    assert {"a.txt", "b.txt"} <= world.state.git.files_at(update.sha).keys()
    push, synchronize = world.events()
    assert (push.label, push.details["ref"], push.sender) == ("push", "refs/heads/feature", BOT)
    assert (synchronize.label, synchronize.details["before"], synchronize.details["after"]) == (
        "pull_request.synchronize",
        old_head,
        update.sha,
    )


async def test_update_branch_refusals(world: World) -> None:
    pull = world.open_pull("feature", {"README.md": "# ours\n"})
    url = f"{PULL}/update-branch"

    async def refusal(body: dict[str, str] | None = None) -> tuple[int, str]:
        reply = await world.call("PUT", url, body)
        return reply.status, reply.body["message"]

    assert await refusal() == (422, "There are no new commits on the base branch.")
    assert await refusal({"expected_head_sha": "f" * 40}) == (
        422,
        "expected head sha didn't match current head ref.",
    )
    world.commit("main", {"README.md": "# theirs\n"})
    assert await refusal({"expected_head_sha": pull.head_sha}) == (422, "merge conflict")


def test_python_update_branch_defaults_to_the_author(world: World) -> None:
    diverge(world)
    commit = update_branch(world.state, REPO, 1)
    assert commit.author.name == "alice"
    assert world.state.pull(REPO, 1).head_sha == commit.sha
