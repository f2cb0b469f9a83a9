"""`request_reviews` end to end: CODEOWNERS on the base branch, teams, strategies, exclusions and
GitHub's refusals, through real HTTP both ways."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from app.sandbox import SimulatedGitHub
from app.sandbox.actors_pulls import PullEdit, add_labels, edit_pull, mark_ready_for_review
from app.sandbox.actors_repos import add_collaborator, add_team, grant_team_access
from app.store.review_ledger import review_history
from tests.e2e_world import check_runs_named

REPO = "acme/shop"
CODEOWNERS = """\
# Owners of the shop
/services/api/   @acme/backend
/services/web/   @acme/frontend
*.md             @carol
/services/api/generated/
"""
BACKEND = ["alice", "bob", "dave"]
FRONTEND = ["erin", "frank"]


def world(config: str, backend: list[str] = BACKEND) -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    files = {
        ".paasbot.yml": config,
        ".github/CODEOWNERS": CODEOWNERS,
        "services/api/app.py": "v0\n",
        "services/web/app.js": "v0\n",
        "README.md": "# shop\n",
    }
    state.add_repository(installation, "shop", files=files)
    add_team(state, "acme", "backend", members=backend)
    add_team(state, "acme", "frontend", members=FRONTEND)
    for team in ("backend", "frontend"):
        grant_team_access(state, "acme", team, REPO, "write")
    for login in ("carol", "gina", "hank", "ivan"):
        add_collaborator(state, REPO, login, "write")
    return state


def open_pull(
    state: SimulatedGitHub, branch: str, files: dict[str, str], author: str = "alice", **kw: Any
) -> Any:
    state.commit(REPO, branch, files, author=author)
    return state.open_pull(REPO, f"Change {branch}", head_ref=branch, author=author, **kw)


def requested(state: SimulatedGitHub, number: int) -> set[str]:
    return set(state.pull(REPO, number).requested_reviewers)


def request_calls(state: SimulatedGitHub, number: int) -> int:
    path = f"/repos/{REPO}/pulls/{number}/requested_reviewers"
    return len(state.requests_matching("POST", path))


def summary_text(state: SimulatedGitHub, sha: str) -> str:
    (run,) = check_runs_named(state, REPO, sha, "paasbot")
    return run.output["summary"]


OWNERS = "rules:\n  - name: Owners\n    do:\n      request_reviews: {codeowners: true}\n"


async def test_code_owners_of_each_path_are_asked_once_across_a_burst_and_a_restart(
    stage_for: Callable[..., Any],
) -> None:
    state = world(OWNERS)
    changes = {
        "services/api/app.py": "v1\n",
        "services/api/generated/client.py": "v1\n",
        "services/web/app.js": "v1\n",
        "README.md": "# shop v1\n",
    }
    async with stage_for(state) as stage:
        pull = open_pull(state, "wide", changes, author="alice")
        await stage.settle()
        expected = {"bob", "dave", "erin", "frank", "carol"}  # alice is the author
        assert requested(state, pull.number) == expected
        for i in range(10):
            add_labels(state, REPO, pull.number, [f"burst-{i}"], sender="gina")
        await stage.settle()
        summary = summary_text(state, pull.head_sha)
        assert "owner of `services/api/app.py` via @acme/backend" in summary
        assert "owner of `README.md`" in summary
    async with stage_for(state) as restarted:
        add_labels(state, REPO, pull.number, ["after-restart"], sender="gina")
        await restarted.settle()
    assert request_calls(state, pull.number) == 1, "asked exactly once"
    assert requested(state, pull.number) == expected


async def test_a_removed_owner_line_and_unowned_files_ask_nobody(
    stage_for: Callable[..., Any],
) -> None:
    state = world(OWNERS)
    async with stage_for(state) as stage:
        pull = open_pull(state, "gen", {"services/api/generated/client.py": "v2\n"})
        await stage.settle()
        assert requested(state, pull.number) == set()
        assert request_calls(state, pull.number) == 0
        assert "no candidate" in summary_text(state, pull.head_sha)


TEAM_COUNT = """
rules:
  - name: Two from backend
    do:
      request_reviews:
        teams: [backend]
        count: 2
        strategy: {strategy}
        unavailable: [dave]
"""


@pytest.mark.parametrize("strategy", ["round_robin", "load_balance", "random"])
async def test_count_strategy_unavailable_and_author_hold(
    stage_for: Callable[..., Any], strategy: str
) -> None:
    backend = [*BACKEND, "gina", "hank", "ivan"]
    state = world(TEAM_COUNT.replace("{strategy}", strategy), backend)
    async with stage_for(state) as stage:
        pulls = []
        for i in range(6):
            pulls.append(open_pull(state, f"b{i}", {f"services/api/m{i}.py": "x\n"}, "alice"))
            await stage.settle()
    chosen = Counter(login for pull in pulls for login in requested(state, pull.number))
    assert all(len(requested(state, pull.number)) == 2 for pull in pulls)
    assert "alice" not in chosen and "dave" not in chosen
    if strategy != "random":
        # 12 requests over bob, gina, hank and ivan: 3 each, within one of even.
        assert max(chosen.values()) - min(chosen.values()) <= 1, chosen
        assert set(chosen) == {"bob", "gina", "hank", "ivan"}


async def test_a_draft_gets_nobody_until_it_is_ready(stage_for: Callable[..., Any]) -> None:
    state = world(OWNERS)
    async with stage_for(state) as stage:
        pull = open_pull(state, "draft", {"README.md": "# draft\n"}, draft=True)
        await stage.settle()
        assert requested(state, pull.number) == set()
        assert "a draft: waits for ready for review" in summary_text(state, pull.head_sha)
        mark_ready_for_review(state, REPO, pull.number, sender="alice")
        await stage.settle()
        assert requested(state, pull.number) == {"carol"}


async def test_someone_without_access_is_dropped_and_the_rest_asked(
    stage_for: Callable[..., Any],
) -> None:
    config = "rules:\n  - name: Ask\n    do:\n      request_reviews: {users: [outsider, carol]}\n"
    state = world(config)
    state.account("outsider")
    async with stage_for(state) as stage:
        pull = open_pull(state, "ask", {"README.md": "# ask\n"})
        await stage.settle()
        assert requested(state, pull.number) == {"carol"}
        assert request_calls(state, pull.number) == 2, "one refused request, one retry"
        add_labels(state, REPO, pull.number, ["again"], sender="gina")
        await stage.settle()
        assert "GitHub refused @outsider" in summary_text(state, pull.head_sha)
        assert request_calls(state, pull.number) == 2


async def test_closing_a_pr_completes_its_outstanding_requests(
    stage_for: Callable[..., Any],
) -> None:
    state = world(OWNERS)
    async with stage_for(state) as stage:
        pull = open_pull(state, "docs", {"README.md": "# closing\n"})
        await stage.settle()
        assert requested(state, pull.number) == {"carol"}
        async with stage.bot.db.reader() as conn:
            before = await review_history(conn, "acme", ["carol"], time.time())
        edit_pull(state, REPO, pull.number, PullEdit(state="closed"), sender="alice")
        await stage.settle()
        async with stage.bot.db.reader() as conn:
            after = await review_history(conn, "acme", ["carol"], time.time())
    assert (before.outstanding.get("carol"), after.outstanding.get("carol", 0)) == (1, 0)
    assert after.recent.get("carol") == 1, "the request still counts as recent"
