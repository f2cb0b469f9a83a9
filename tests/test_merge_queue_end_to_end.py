"""The merge queue end to end: approved PRs on a branch that must be up to date merge one after
the other, each updated and re-checked by CI first, never with a stale head; a PR that conflicts
leaves the queue; a burst of concurrent duplicate deliveries for a ready PR merges it once."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp

from app.sandbox import Fault, SimulatedGitHub
from app.sandbox.actors_pulls import add_labels, comment, remove_label, review
from app.sandbox.actors_repos import add_collaborator, post_status, set_protection
from app.sandbox.demo import DemoStage
from app.sandbox.ops.forks import fork_repository, open_fork_pull
from app.sandbox.ops.pulls import PullEdit, edit_pull
from app.sandbox.ops.statuses import statuses_for
from tests.e2e_world import check_runs_named

REPO = "acme/shop"
CONFIG = """
rules:
  - name: Merge approved PRs
    if: ["#approved-reviews-by>=1", label=ship, -draft]
    do:
      merge: {method: squash}
"""
MERGE_CALL = "PUT /repos/{repo}/pulls/{number}/merge"


def world() -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    files = {".paasbot.yml": CONFIG, "README.md": "# shop\n"}
    state.add_repository(installation, "shop", files=files)
    for login in ("alice", "bob"):
        add_collaborator(state, REPO, login, "write")
    set_protection(state, REPO, "main", ["ci/build"], require_up_to_date=True)
    return state


def open_ready_pull(state: SimulatedGitHub, branch: str) -> Any:
    state.commit(REPO, branch, {f"src/{branch}.py": f"{branch} = 1\n"}, author="alice")
    pull = state.open_pull(REPO, f"Add {branch}", head_ref=branch)
    post_status(state, REPO, pull.head_sha, "ci/build", "success")
    review(state, REPO, pull.number, "bob", "APPROVE", "ok")
    return pull


def ci_on_new_heads(state: SimulatedGitHub) -> int:
    """CI: a green `ci/build` on every open PR head that has none yet; how many it posted."""
    posted = 0
    for pull in state.pulls_in(REPO):
        if pull.state == "open" and not statuses_for(state, state.repository(REPO), pull.head_sha):
            post_status(state, REPO, pull.head_sha, "ci/build", "success")
            posted += 1
    return posted


def merge_calls(state: SimulatedGitHub) -> list[str]:
    return [
        f"{record.method} {record.path}"
        for record in state.requests
        if record.method == "PUT" and record.path.endswith("/merge")
    ]


async def run_ci_until_quiet(stage: DemoStage, rounds: int = 20) -> None:
    for _ in range(rounds):
        await stage.settle()
        if not ci_on_new_heads(stage.state):
            return
    raise AssertionError("CI and paasbot did not settle")


async def test_three_approved_prs_merge_one_after_the_other_each_up_to_date(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    async with stage_for(state) as stage:
        pulls = [open_ready_pull(state, branch) for branch in ("one", "two", "three")]
        first_heads = [pull.head_sha for pull in pulls]
        await stage.settle()
        summary = check_runs_named(state, REPO, pulls[2].head_sha, "paasbot")[0].output["summary"]
        assert "waits for the conditions" in summary  # no `ship` label yet
        requests_before = len(state.requests)
        # Labelled one after the other (so the queue's order is known): #1 merges at once, #2
        # is brought up to date and waits for CI, #3 waits behind it.
        for pull in pulls:
            add_labels(state, REPO, pull.number, ["ship"], sender="alice")
            await stage.settle()
        third = state.pull(REPO, pulls[2].number)
        summary = check_runs_named(state, REPO, third.head_sha, "paasbot")[0].output["summary"]
        assert f"position 2 of 2 in the `main` merge queue (#{pulls[1].number} → **#" in summary
        await run_ci_until_quiet(stage)
        merged = [state.pull(REPO, pull.number) for pull in pulls]
        assert all(pull.merged for pull in merged)
        assert [pull.number for pull in sorted(merged, key=lambda p: p.merged_at)] == [
            pull.number for pull in pulls
        ]
        # Each merge was of an up-to-date head that CI had passed (GitHub refuses the others,
        # and paasbot made no refused merge call).
        assert len(merge_calls(state)) == 3
        # The second and third were brought up to date (a new head) before they merged.
        assert [p.head_sha != sha for p, sha in zip(merged, first_heads, strict=True)] == [
            False,
            True,
            True,
        ]
        made = [r for r in state.requests[requests_before:] if not r.path.startswith("/app/")]
        print(f"\nAPI calls per merged PR: {len(made) / 3:.1f}")


async def test_a_conflicting_pr_leaves_the_queue_and_the_next_one_merges(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    async with stage_for(state) as stage:
        clash = open_ready_pull(state, "clash")
        state.commit(REPO, "main", {"src/clash.py": "theirs = 2\n"}, author="carol")
        fine = open_ready_pull(state, "fine")
        for pull in (clash, fine):
            add_labels(state, REPO, pull.number, ["ship"], sender="alice")
        await run_ci_until_quiet(stage)
        assert not state.pull(REPO, clash.number).merged
        assert state.pull(REPO, fine.number).merged
        clash_now = state.pull(REPO, clash.number)
        summary = check_runs_named(state, REPO, clash_now.head_sha, "paasbot")[0].output["summary"]
        assert "it conflicts with its base branch" in summary


async def test_twenty_concurrent_duplicate_deliveries_merge_a_ready_pr_once(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    async with stage_for(state) as stage:
        pull = open_ready_pull(state, "ready")
        await stage.settle()
        await stage.dispatcher.stop()
        add_labels(state, REPO, pull.number, ["ship"], sender="alice")
        labelled = stage.dispatcher.deliveries[-1]
        assert labelled.event == "pull_request"
        copies = [dataclasses.replace(labelled, id=str(uuid.uuid4())) for _ in range(19)]
        async with aiohttp.ClientSession() as session:

            async def send(delivery: Any) -> int:
                headers = stage.dispatcher.headers(delivery)
                async with session.post(
                    stage.dispatcher.url, data=delivery.body, headers=headers
                ) as answer:
                    return answer.status

            statuses = await asyncio.gather(*(send(d) for d in [labelled, *copies]))
        assert set(statuses) <= {200, 202}
        await stage.dispatcher.start()
        await stage.settle()
        assert state.pull(REPO, pull.number).merged
        assert merge_calls(state) == [MERGE_CALL.format(repo=REPO, number=pull.number)]


async def test_paasbot_merge_queues_a_pr_its_rule_does_not_match_yet(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    async with stage_for(state) as stage:
        pull = open_ready_pull(state, "asked")  # approved and green, but not labelled `ship`
        await stage.settle()
        assert not state.pull(REPO, pull.number).merged
        comment(state, REPO, pull.number, "bob", "/paasbot merge")
        await run_ci_until_quiet(stage)
        assert state.pull(REPO, pull.number).merged
        assert merge_calls(state) == [MERGE_CALL.format(repo=REPO, number=pull.number)]


async def test_a_merge_whose_answer_is_lost_is_not_made_twice(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    async with stage_for(state) as stage:
        pull = open_ready_pull(state, "lost")
        await stage.settle()
        # GitHub merges, then the answer is lost: a 502 after the merge happened.
        merge_path = f"/repos/{REPO}/pulls/{pull.number}/merge"
        state.faults.queue(Fault.error(502, path_prefix=merge_path, after=True))
        add_labels(state, REPO, pull.number, ["ship"], sender="alice")
        await run_ci_until_quiet(stage)
        assert state.pull(REPO, pull.number).merged
        assert merge_calls(state) == [MERGE_CALL.format(repo=REPO, number=pull.number)]
        merged_runs = check_runs_named(
            state, REPO, state.pull(REPO, pull.number).head_sha, "paasbot"
        )
        assert merged_runs, "the evaluation finished and wrote its summary"


async def test_the_next_pr_takes_its_turn_when_the_one_ahead_is_closed_by_hand(
    stage_for: Callable[..., Any],
) -> None:
    """A PR closed (or merged) without paasbot's merge leaves the queue when its closing is
    evaluated; no push to main follows a close, so only that tells the next PR its turn came."""
    state = world()
    async with stage_for(state) as stage:
        first = open_ready_pull(state, "first")
        post_status(state, REPO, first.head_sha, "ci/build", "pending")  # waits at the head
        second = open_ready_pull(state, "second")
        for pull in (first, second):
            add_labels(state, REPO, pull.number, ["ship"], sender="alice")
            await stage.settle()
        assert not state.pull(REPO, second.number).merged
        edit_pull(state, REPO, first.number, PullEdit(state="closed"), sender="alice")
        await stage.settle()
        assert state.pull(REPO, second.number).merged
        assert merge_calls(state) == [MERGE_CALL.format(repo=REPO, number=second.number)]


async def test_the_next_pr_takes_its_turn_when_the_one_ahead_leaves_the_queue_open(
    stage_for: Callable[..., Any],
) -> None:
    """A PR that leaves the head of the queue because its conditions no longer hold tells the
    next one its turn came: no push to main follows, and no event is about the next PR."""
    state = world()
    async with stage_for(state) as stage:
        first = open_ready_pull(state, "first")
        post_status(state, REPO, first.head_sha, "ci/build", "pending")  # waits at the head
        second = open_ready_pull(state, "second")
        for pull in (first, second):
            add_labels(state, REPO, pull.number, ["ship"], sender="alice")
            await stage.settle()
        assert not state.pull(REPO, second.number).merged
        remove_label(state, REPO, first.number, "ship", sender="alice")
        await stage.settle()
        assert state.pull(REPO, second.number).merged
        assert merge_calls(state) == [MERGE_CALL.format(repo=REPO, number=second.number)]


async def test_a_fork_pr_behind_main_leaves_the_queue_with_a_note(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    async with stage_for(state) as stage:
        fork_repository(state, REPO, "mallory")
        state.commit("mallory/shop", "idea", {"src/idea.py": "idea = 1\n"}, author="mallory")
        pull = open_fork_pull(state, REPO, "mallory/shop", "idea", "An idea", "mallory")
        post_status(state, REPO, pull.head_sha, "ci/build", "success")
        review(state, REPO, pull.number, "bob", "APPROVE", "ok")
        state.commit(REPO, "main", {"README.md": "# shop, moved on\n"}, author="carol")
        add_labels(state, REPO, pull.number, ["ship"], sender="alice")
        await run_ci_until_quiet(stage)
        assert not state.pull(REPO, pull.number).merged
        assert merge_calls(state) == []
        assert not [r for r in state.requests if r.path.endswith("/update-branch")]
        summary = check_runs_named(state, REPO, pull.head_sha, "paasbot")[0].output["summary"]
        assert "it is in the fork mallory/shop, which paasbot cannot update" in summary
