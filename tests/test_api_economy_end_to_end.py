"""How few API calls an evaluation makes, end to end (issue 12): a push to the base branch wakes
only the PRs whose rules follow the branch's head; an evaluation reads again only what the
events that woke it say changed (reviews, statuses, check runs, how far behind), the files of a
head once, and CODEOWNERS once until a push changes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.sandbox import SimulatedGitHub
from app.sandbox.actors_pulls import comment, review
from app.sandbox.actors_repos import add_collaborator, post_status
from app.sandbox.models import CheckRunPatch
from app.sandbox.state import ACTING_APP
from tests.e2e_world import check_runs_named

REPO = "acme/shop"
OTHER_APP = 15368
CONFIG = """
rules:
  - name: Ask the owners
    do:
      request_reviews: {codeowners: true}
  - name: Flag approved PRs that are behind
    if: ["#approved-reviews-by>=1", "#commits-behind>0"]
    do:
      label: {add: [behind]}
  - name: Flag green PRs
    if: ["#check-success>=1", "#check-failure=0"]
    do:
      label: {add: [green]}
"""


def world() -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    files = {".paasbot.yml": CONFIG, ".github/CODEOWNERS": "* @carol\n", "README.md": "# shop\n"}
    state.add_repository(installation, "shop", files=files)
    for login in ("alice", "bob", "carol"):
        add_collaborator(state, REPO, login, "write")
    return state


def open_pull(state: SimulatedGitHub, branch: str) -> Any:
    state.commit(REPO, branch, {f"src/{branch}.py": f"{branch} = 1\n"}, author="alice")
    return state.open_pull(REPO, f"Add {branch}", head_ref=branch)


def reads_since(state: SimulatedGitHub, start: int, number: int | None = None) -> list[str]:
    """The GET paths paasbot asked for since request `start` (of one PR's endpoints, if given)."""
    paths = [r.path for r in state.requests[start:] if r.method == "GET"]
    if number is None:
        return paths
    return [p for p in paths if p.startswith(f"/repos/{REPO}/pulls/{number}")]


def summary_of(state: SimulatedGitHub, number: int) -> str:
    pull = state.pull(REPO, number)
    return check_runs_named(state, REPO, pull.head_sha, "paasbot")[-1].output["summary"]


async def test_a_push_to_main_wakes_only_the_prs_whose_rules_follow_it(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    async with stage_for(state) as stage:
        waiting, approved = open_pull(state, "waiting"), open_pull(state, "approved")
        review(state, REPO, approved.number, "bob", "APPROVE", "ok")
        await stage.settle()
        # The unapproved PR's rule is decided without reading how far behind it is.
        assert "`#commits-behind>0` — not read" in summary_of(state, waiting.number)
        assert "#commits-behind: `0`" in summary_of(state, approved.number)
        start = len(state.requests)
        state.commit(REPO, "main", {"NEWS.md": "news\n"}, author="bob")
        await stage.settle()
        reads = reads_since(state, start)
        assert reads_since(state, start, waiting.number) == []
        assert not [p for p in reads if "/compare/" in p and waiting.head_sha in p]
        # The approved PR is read again: its pull and how far behind it is, nothing else (its
        # pull twice: the label paasbot adds wakes it once more).
        assert set(reads_since(state, start, approved.number)) == {f"/repos/{REPO}/pulls/2"}
        assert [p for p in reads if "/compare/" in p] == [
            f"/repos/{REPO}/compare/main...{approved.head_sha}"
        ]
        assert "behind" in state.pull(REPO, approved.number).labels


async def test_an_evaluation_reads_again_only_what_its_events_changed(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    async with stage_for(state) as stage:
        pull = open_pull(state, "feature")
        await stage.settle()
        assert any(p.endswith("/contents/.github/CODEOWNERS") for p in reads_since(state, 0))
        start = len(state.requests)
        post_status(state, REPO, pull.head_sha, "ci/build", "success")
        await stage.settle()
        # A status: the webhook carries it and changes nothing else, so nothing is read; the
        # label paasbot adds then wakes the PR once more, which reads the pull (labelled) alone.
        assert reads_since(state, start) == [f"/repos/{REPO}/pulls/1"]
        assert "green" in state.pull(REPO, pull.number).labels
        assert "- ✓ `#check-success>=1` — #check-success: `1`" in summary_of(state, pull.number)
        # Another app's check run, started then completed: its events carry it (and the suite's
        # completion changes nothing more), so nothing is read at all.
        start = len(state.requests)
        token = ACTING_APP.set(OTHER_APP)
        try:
            run = state.create_check_run(
                REPO, "tests", pull.head_sha, CheckRunPatch(status="in_progress")
            )
            await stage.settle()
            state.update_check_run(run.id, CheckRunPatch(status="completed", conclusion="failure"))
        finally:
            ACTING_APP.reset(token)
        await stage.settle()
        assert reads_since(state, start) == []
        # The failed run, as its webhook told it, fails the rule.
        assert "- ✗ `#check-failure=0` — #check-failure: `1`" in summary_of(state, pull.number)
        start = len(state.requests)
        review(state, REPO, pull.number, "carol", "APPROVE", "fine")
        await stage.settle()
        reads = reads_since(state, start)
        assert f"/repos/{REPO}/pulls/1/reviews" in reads
        assert not [p for p in reads if p.endswith("/status") or p.endswith("/files")]
        # `/paasbot refresh` reads everything again.
        start = len(state.requests)
        comment(state, REPO, pull.number, "alice", "/paasbot refresh")
        await stage.settle()
        reads = reads_since(state, start)
        assert f"/repos/{REPO}/commits/{pull.head_sha}/status" in reads
        assert f"/repos/{REPO}/pulls/1/reviews" in reads


async def test_a_push_changing_codeowners_is_read_again(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    async with stage_for(state) as stage:
        open_pull(state, "first")
        await stage.settle()
        state.commit(REPO, "main", {".github/CODEOWNERS": "* @bob\n"}, author="carol")
        second = open_pull(state, "second")
        await stage.settle()
        assert "bob" in state.pull(REPO, second.number).requested_reviewers
