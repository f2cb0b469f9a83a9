"""Whether the PR at the head of a merge queue merges, updates, waits or leaves. Pure."""

from __future__ import annotations

import pytest

from app.merging.readiness import (
    CheckState,
    PullState,
    Requirements,
    Verdict,
    readiness,
)

PASSING, PENDING, FAILING = CheckState.PASSING, CheckState.PENDING, CheckState.FAILING
STRICT = Requirements(("ci/build",), strict=True, approvals=1, source="protection")


def pull(**changes: object) -> PullState:
    values: dict[str, object] = {
        "draft": False,
        "mergeable": True,
        "mergeable_state": "clean",
        "checks": {"ci/build": PASSING},
        "approvals": 1,
        "commits_behind": 0,
    }
    values.update(changes)
    return PullState(**values)  # type: ignore[arg-type]


def test_a_clean_approved_green_pr_merges() -> None:
    assert readiness(pull(), STRICT).verdict is Verdict.MERGE
    assert readiness(pull(checks={}, approvals=0), Requirements()).verdict is Verdict.MERGE


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (pull(mergeable=False, mergeable_state="dirty"), "it conflicts with its base branch"),
        (pull(mergeable_state="dirty"), "it conflicts with its base branch"),
        (pull(checks={"ci/build": FAILING}), "required check(s) failed: `ci/build`"),
    ],
)
def test_conflicts_and_failed_required_checks_leave_the_queue(
    state: PullState, reason: str
) -> None:
    assert readiness(state, STRICT).reasons == (reason,)
    assert readiness(state, STRICT).verdict is Verdict.LEAVE


def test_a_pr_behind_a_strict_branch_is_updated_first() -> None:
    assert readiness(pull(commits_behind=2), STRICT).verdict is Verdict.UPDATE
    # Not strict: being behind does not matter ...
    loose = Requirements(("ci/build",), strict=False)
    assert readiness(pull(commits_behind=2), loose).verdict is Verdict.MERGE
    # ... unless GitHub says so (protection not readable: strict unknown).
    unknown = Requirements(("ci/build",), source="branch")
    assert readiness(pull(mergeable_state="behind"), unknown).verdict is Verdict.UPDATE


def test_a_failed_coverage_or_lint_check_of_paasbots_leaves_the_queue() -> None:
    found = readiness(pull(own_failures=("paasbot/lint/ruff",)), STRICT)
    assert (found.verdict, found.reasons) == (
        Verdict.LEAVE,
        ("paasbot's check(s) failed: `paasbot/lint/ruff`",),
    )


def test_a_pr_behind_whose_branch_paasbot_cannot_update_leaves_the_queue() -> None:
    state = pull(commits_behind=1, cannot_update="it is in the fork bob/shop")
    found = readiness(state, STRICT)
    assert found.verdict is Verdict.LEAVE
    assert found.reasons == ("its branch is behind its base branch and it is in the fork bob/shop",)
    assert readiness(pull(cannot_update="x"), STRICT).verdict is Verdict.MERGE


@pytest.mark.parametrize(
    ("state", "reasons"),
    [
        (pull(draft=True), ("it is a draft",)),
        (pull(checks={"ci/build": PENDING}), ("required check(s) not finished: `ci/build`",)),
        (pull(checks={}), ("required check(s) not finished: `ci/build`",)),
        (pull(approvals=0), ("1 approving review(s), has 0",)),
        (pull(mergeable=None), ("GitHub is still computing whether it can merge",)),
        (
            pull(mergeable_state="blocked"),
            ("branch protection blocks the merge (mergeable_state: blocked)",),
        ),
        (
            pull(checks={}, approvals=0, mergeable_state="blocked"),
            ("required check(s) not finished: `ci/build`", "1 approving review(s), has 0"),
        ),
    ],
)
def test_what_a_pr_waits_for(state: PullState, reasons: tuple[str, ...]) -> None:
    found = readiness(state, STRICT)
    assert (found.verdict, found.reasons) == (Verdict.WAIT, reasons)


def test_required_check_names_match_without_case() -> None:
    required = Requirements(("CI/Build",))
    assert readiness(pull(checks={"ci/build": PASSING}), required).verdict is Verdict.MERGE


def test_requirements_are_listed_for_the_summary() -> None:
    assert STRICT.lines() == [
        "required check `ci/build`",
        "up to date with the base branch",
        "1 approving review(s)",
    ]
    assert Requirements().lines() == []
