"""`update_branch` end to end, through real HTTP both ways: a push to main brings the approved PRs
on it up to date (and only those), a conflict is reported once and not retried until a push
resolves it, a refusal is not retried until a branch moves, a fork paasbot cannot push to is
reported without a call, and rebase updates on instances with and without them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.actions import update_branch
from app.actions.update_branch import MARKER, REBASE_UNAVAILABLE, RebaseSupport, RefusalLog
from app.sandbox import SimulatedGitHub
from app.sandbox.actors_repos import add_collaborator
from app.sandbox.models import RecordedRequest
from app.sandbox.ops.forks import fork_repository, open_fork_pull
from app.sandbox.ops.issues import comment, comments_on
from app.sandbox.ops.reviews import review
from tests.e2e_world import check_runs_named

REPO = "acme/shop"
FORK = "mallory/shop"


def config(options: str = "{}") -> str:
    return f"""
rules:
  - name: Keep approved PRs up to date
    if: ["#approved-reviews-by>=1"]
    do:
      update_branch: {options}
"""


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """What paasbot learnt about hosts and refusals lives as long as its process: one per test
    (a port, and so a host, may come again in a later test)."""
    monkeypatch.setattr(update_branch, "REBASE_SUPPORT", RebaseSupport())
    monkeypatch.setattr(update_branch, "REFUSALS", RefusalLog())
    yield


def world(options: str = "{}", permissions: dict[str, str] | None = None) -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme", permissions=permissions)
    files = {".paasbot.yml": config(options), "README.md": "# shop\n"}
    state.add_repository(installation, "shop", files=files)
    add_collaborator(state, REPO, "bob", "write")
    return state


def open_pull(state: SimulatedGitHub, branch: str, changes: dict[str, str | None]) -> int:
    state.commit(REPO, branch, changes, message=f"Change {branch}", author="alice")
    return state.open_pull(REPO, f"Change {branch}", head_ref=branch).number


def approve(state: SimulatedGitHub, number: int) -> None:
    review(state, REPO, number, "bob", "APPROVE")


def move_main(state: SimulatedGitHub, changes: dict[str, str | None]) -> str:
    return state.commit(REPO, "main", changes, message="Meanwhile on main", author="carol").sha


def updates(state: SimulatedGitHub) -> list[RecordedRequest]:
    """paasbot's branch updates: REST update-branch calls and GraphQL mutations."""
    return [
        record
        for record in state.requests
        if record.path.endswith("/update-branch") or record.path == "/api/graphql"
    ]


def summary(state: SimulatedGitHub, number: int) -> str:
    head = state.pull(REPO, number).head_sha
    (run,) = check_runs_named(state, REPO, head, "paasbot")
    return str(run.output["summary"])


def our_comments(state: SimulatedGitHub, number: int) -> list[str]:
    return [c.body for c in comments_on(state, REPO, number) if MARKER in c.body]


async def test_a_push_to_main_updates_the_approved_prs_only(stage_for: Callable[..., Any]) -> None:
    state = world()
    async with stage_for(state) as stage:
        approved = open_pull(state, "approved", {"a.txt": "a\n"})
        waiting = open_pull(state, "waiting", {"w.txt": "w\n"})
        approve(state, approved)
        await stage.settle()
        assert updates(state) == [], "both are up to date"
        before = {n: state.pull(REPO, n).head_sha for n in (approved, waiting)}

        main_tip = move_main(state, {"b.txt": "b\n"})
        await stage.settle()
        head = state.pull(REPO, approved).head_sha
        assert state.git.commits[head].parents == (before[approved], main_tip)
        assert state.pull(REPO, waiting).head_sha == before[waiting]
        assert [(r.method, r.path, r.status) for r in updates(state)] == [
            ("PUT", f"/repos/{REPO}/pulls/{approved}/update-branch", 202)
        ]
        assert "- `update_branch`: **done** — up to date with `main`" in summary(state, approved)
        assert "- `update_branch`: **not run** — waits for the conditions" in summary(
            state, waiting
        )


async def test_a_conflict_is_reported_once_and_not_retried_until_a_push(
    stage_for: Callable[..., Any],
) -> None:
    state = world("{comment: true}")
    async with stage_for(state) as stage:
        number = open_pull(state, "feature", {"README.md": "# ours\n"})
        approve(state, number)
        move_main(state, {"README.md": "# theirs\n"})
        await stage.settle()
        reason = "`feature` conflicts with `main`: resolve the conflicts in the branch"
        assert f"- `update_branch`: **failed** — {reason}" in summary(state, number)
        assert len(our_comments(state, number)) == 1
        comment(state, REPO, number, "bob", "Any news?")
        await stage.settle()
        assert len(our_comments(state, number)) == 1, "reported once"
        assert updates(state) == [], "GitHub said it conflicts: not asked"

        state.commit(REPO, "feature", {"README.md": "# theirs\n"}, author="alice")
        move_main(state, {"c.txt": "c\n"})
        await stage.settle()
        assert len(updates(state)) == 1
        assert "**done** — up to date with `main`" in summary(state, number)
        assert our_comments(state, number) == [
            f"This pull request is up to date with `main` now.\n\n{MARKER}"
        ]


async def test_a_refusal_is_not_retried_until_a_branch_moves(
    stage_for: Callable[..., Any],
) -> None:
    # Without contents: write, GitHub refuses the app the push to the head branch.
    permissions = {
        "checks": "write",
        "contents": "read",
        "issues": "write",
        "metadata": "read",
        "pull_requests": "write",
    }
    state = world(permissions=permissions)
    async with stage_for(state) as stage:
        number = open_pull(state, "feature", {"a.txt": "a\n"})
        approve(state, number)
        await stage.settle()
        move_main(state, {"b.txt": "b\n"})
        await stage.settle()
        refused = "GitHub answered 403: Resource not accessible by integration"
        assert f"**failed** — merge `main` into `feature`: {refused}" in summary(state, number)
        assert len(updates(state)) == 1
        comment(state, REPO, number, "bob", "Any news?")
        await stage.settle()
        assert f"**failed** — {refused}; not tried again until" in summary(state, number)
        assert len(updates(state)) == 1
        move_main(state, {"c.txt": "c\n"})
        await stage.settle()
        assert len(updates(state)) == 2, "a push allows one new attempt"


async def test_a_fork_paasbot_cannot_push_to_is_reported_without_a_call(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    fork_repository(state, REPO, "mallory")
    state.commit(FORK, "patch", {"a.txt": "a\n"}, author="mallory")
    async with stage_for(state) as stage:
        number = open_fork_pull(state, REPO, FORK, "patch", "Patch", "mallory").number
        approve(state, number)
        move_main(state, {"b.txt": "b\n"})
        await stage.settle()
        assert (
            f"**failed** — the branch is in the fork {FORK}, which paasbot cannot push to; the "
            "author can update it or allow edits by maintainers"
        ) in summary(state, number)
        assert updates(state) == []


async def test_rebase_on_an_instance_that_offers_it(stage_for: Callable[..., Any]) -> None:
    state = world("{method: rebase}")
    async with stage_for(state) as stage:
        number = open_pull(state, "feature", {"a.txt": "a\n"})
        approve(state, number)
        main_tip = move_main(state, {"b.txt": "b\n"})
        await stage.settle()
        rebased = state.git.commits[state.pull(REPO, number).head_sha]
        assert (rebased.parents, rebased.message) == ((main_tip,), "Change feature")
        pushes = [e for e in state.published if e.label == "push" and e.details["forced"]]
        assert [e.details["ref"] for e in pushes] == ["refs/heads/feature"]
        assert [(r.method, r.path, r.status) for r in updates(state)] == [
            ("POST", "/api/graphql", 200),  # does the instance offer rebase updates?
            ("POST", "/api/graphql", 200),  # the update
        ]
        assert "**done** — up to date with `main`" in summary(state, number)


async def test_rebase_on_an_instance_without_it(stage_for: Callable[..., Any]) -> None:
    state = world("{method: rebase}")
    state.graphql_update_methods = {"MERGE"}
    async with stage_for(state) as stage:
        number = open_pull(state, "feature", {"a.txt": "a\n"})
        approve(state, number)
        before = state.pull(REPO, number).head_sha
        move_main(state, {"b.txt": "b\n"})
        await stage.settle()
        move_main(state, {"c.txt": "c\n"})
        await stage.settle()
        assert f"**failed** — {REBASE_UNAVAILABLE}" in summary(state, number)
        assert state.pull(REPO, number).head_sha == before
        assert len(updates(state)) == 1, "asked once whether rebase updates exist, then never"
