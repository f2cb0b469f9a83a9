"""bench/final_state.py: what paasbot left on the simulated GitHub, compared between runs."""

from __future__ import annotations

import json

from app.sandbox import SimulatedGitHub
from app.sandbox.actors_pulls import (
    add_labels,
    comment,
    merge_pull,
    react,
    request_reviewers,
    update_branch,
)
from app.sandbox.actors_repos import add_collaborator
from app.sandbox.models import CheckRunPatch
from bench.final_state import FinalState, capture, differences, duplicates

REPO = "acme/shop"


def world(commit_time: float = 1_000.0) -> tuple[SimulatedGitHub, str]:
    """One repository, one PR by alice; `commit_time` moves the clock, hence every commit SHA."""
    clock = iter(commit_time + step for step in range(10_000))
    state = SimulatedGitHub(app_id=7, app_slug="paasbot", clock=lambda: next(clock))
    installation = state.add_installation("acme")
    state.add_repository(installation, "shop", files={"README.md": "# shop\n"})
    for login in ("alice", "bob"):
        add_collaborator(state, REPO, login, "write")
    state.commit(REPO, "change", {"app.py": "x = 1\n"}, author="alice")
    state.open_pull(REPO, "Change", head_ref="change", author="alice")
    return state, state.bot_login


def paasbot_works(state: SimulatedGitHub, bot: str) -> None:
    request_reviewers(state, REPO, 1, ["bob"], sender=bot)
    add_labels(state, REPO, 1, ["api"], sender=bot)
    asked = comment(state, REPO, 1, "bob", "/paasbot refresh")
    react(state, REPO, asked.id, bot, "+1")
    comment(state, REPO, 1, bot, "Coverage fell.")
    run = state.create_check_run(REPO, "paasbot", state.pull(REPO, 1).head_sha)
    state.update_check_run(
        run.id,
        CheckRunPatch(
            status="completed",
            conclusion="neutral",
            output={"title": "1 of 2 rules match", "summary": "evaluated at 12:00:01"},
            annotations=({"path": "app.py", "start_line": 1, "message": "uncovered"},),
        ),
    )
    state.commit(REPO, "main", {"CHANGELOG.md": "moved\n"}, author="dave")
    update_branch(state, REPO, 1, sender=bot)
    merge_pull(state, REPO, 1, by=bot)


def test_what_paasbot_did_is_captured() -> None:
    state, bot = world()
    paasbot_works(state, bot)
    comment(state, REPO, 1, "alice", "thanks")  # not paasbot's: not part of its outcome

    snapshot = capture(state)

    (pull,) = snapshot.pulls
    assert pull.key == f"{REPO}#1"
    assert (pull.state, pull.merged_by_paasbot, pull.labels) == ("merged", True, ("api",))
    assert (pull.reviewers_requested, pull.teams_requested) == (1, ())
    assert pull.comments == (("Coverage fell.", 1),)
    assert pull.reactions == (("+1", 1),)
    assert pull.branch_updates == 1
    (check,) = snapshot.checks
    assert check.key.startswith(f"{REPO} tree:") and check.key.endswith(" paasbot")
    assert (check.conclusion, check.title) == ("neutral", "1 of 2 rules match")
    assert check.annotations == (("app.py", 1, "uncovered"),)


def test_the_same_work_at_another_time_is_the_same_final_state() -> None:
    """Commit SHAs hash their timestamps; the snapshot names commits by their content."""
    first, bot = world(commit_time=1_000.0)
    second, _ = world(commit_time=99_000.0)
    paasbot_works(first, bot)
    paasbot_works(second, bot)
    assert first.pull(REPO, 1).head_sha != second.pull(REPO, 1).head_sha

    assert differences(capture(first), capture(second)) == []
    assert capture(first) == capture(second)


def test_differences_name_the_pr_and_the_field() -> None:
    expected_state, bot = world()
    actual_state, _ = world()
    paasbot_works(expected_state, bot)
    request_reviewers(actual_state, REPO, 1, ["bob"], sender=bot)
    comment(actual_state, REPO, 1, bot, "Coverage fell.")
    comment(actual_state, REPO, 1, bot, "Coverage fell.")

    lines = differences(capture(expected_state), capture(actual_state))

    assert f"PR {REPO}#1: state expected 'merged', got 'open'" in lines
    assert (
        f"PR {REPO}#1: comments expected (('Coverage fell.', 1),), got (('Coverage fell.', 2),)"
        in lines
    )
    assert any(line.startswith("check run ") and line.endswith(", missing") for line in lines)
    assert not any("requested" in line for line in lines)


def test_which_code_owner_was_asked_is_not_compared_how_many_is() -> None:
    first, bot = world()
    second, _ = world()
    request_reviewers(first, REPO, 1, ["bob"], sender=bot)
    add_collaborator(second, REPO, "carol", "write")
    request_reviewers(second, REPO, 1, ["carol"], sender=bot)
    assert differences(capture(first), capture(second)) == []

    request_reviewers(second, REPO, 1, ["bob"], sender=bot)
    assert differences(capture(first), capture(second)) == [
        f"PR {REPO}#1: reviewers_requested expected 1, got 2"
    ]


def test_a_bump_pr_is_keyed_by_its_branch_and_moves_before_it_opened_are_no_updates() -> None:
    state, bot = world()
    branch = "paasbot/bump-lib-2.0"
    state.commit(REPO, branch, {"requirements.txt": "lib==2.0\n"}, author=bot)
    state.commit(REPO, branch, {"requirements.txt": "lib==2.0 \n"}, author=bot)  # a retry
    state.open_pull(REPO, "Bump lib", head_ref=branch, author=bot)

    snapshot = capture(state)

    assert snapshot.bump_pulls == (f"{REPO}:{branch}",)
    assert [p.branch_updates for p in snapshot.pulls if p.key.endswith(branch)] == [0]
    state.commit(REPO, branch, {"requirements.txt": "lib==2.1\n"}, author=bot)
    assert [p.branch_updates for p in capture(state).pulls if p.key.endswith(branch)] == [1]


def test_json_round_trip_keeps_the_snapshot_equal() -> None:
    state, bot = world()
    paasbot_works(state, bot)
    snapshot = capture(state)

    again = FinalState.from_json(json.loads(json.dumps(snapshot.to_json())))

    assert again == snapshot
    assert hash(again) == hash(snapshot)


def test_duplicates_are_read_from_the_state() -> None:
    state, bot = world()
    comment(state, REPO, 1, bot, "Coverage fell.")
    assert duplicates(state) == []
    comment(state, REPO, 1, bot, "Coverage fell.")
    for _ in range(2):
        state.open_pull(REPO, "Bump", head_ref="change", author=bot)

    found = duplicates(state)

    assert found == [
        f"comment posted 2 times on {REPO}#1: 'Coverage fell.'",
        f"2 PRs opened for {REPO} change -> main",
    ]
