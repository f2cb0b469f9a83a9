"""`lint`: its options (pure), and its plans carried out on a pull request of the simulator over
real HTTP, with the reports stored in a real database: one `paasbot/lint[/name]` check run per
report name on the head SHA (conclusion by `fail_on`, the kept findings as annotations, the
summary), and with `review_comments: true` one review of inline comments per head commit;
nothing written while it waits, or when all is current.

The PR adds lines 11-16 to `src/app.py` (lines 1-10 are on `main`): its hunk shows head lines 8
to 16, 8-10 as context."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from app.actions.base import Plan, Status
from app.actions.lint import REVIEW_MARK, LintAction, LintOptions
from app.github.client import InstallationAPI
from app.sandbox.models import CheckRun, PullRequest, Review, ReviewComment
from app.sandbox.ops.reviews import review_comments_of
from app.store.db import Database
from app.store.reports import compress_body, store_report
from tests.action_world import (
    NOW,
    carry_out,
    given,
    sqlite_db_fixture,  # noqa: F401
    target_for,
    writes,
)
from tests.facts_world import (  # noqa: F401
    APP_PY,
    REPO,
    World,
    api_fixture,
    clock_fixture,
    github_fixture,
    simulator_state_fixture,
    world_fixture,
)

ACTION = LintAction()
PATH = "src/app.py"
ADDED = "".join(f"line {number}\n" for number in range(11, 17))
CHECK = "paasbot/lint"
SEVERITY = {"error": "error", "warning": "warning", "notice": "info"}  # ruff's word for each


def finding(
    row: int,
    message: str,
    code: str = "F841",
    level: str = "error",
    *,
    end_row: int | None = None,
    path: str = PATH,
) -> dict[str, Any]:
    """One entry of `ruff check --output-format json`: columns 1 to 5 (ruff's end is exclusive)."""
    return {
        "cell": None,
        "code": code,
        "end_location": {"column": 6, "row": end_row or row},
        "filename": path,
        "fix": None,
        "location": {"column": 1, "row": row},
        "message": message,
        "noqa_row": row,
        "severity": SEVERITY[level],
        "url": None,
    }


def ruff(*findings: dict[str, Any]) -> bytes:
    return json.dumps(list(findings)).encode()


def on_added_lines(count: int, level: str = "warning") -> bytes:
    """`count` findings spread over the added lines, each with its own message."""
    return ruff(*(finding(11 + n % 6, f"finding {n:03}", "E501", level) for n in range(count)))


# On the added lines: two errors, a warning over three lines, a notice. Elsewhere: an error on an
# untouched line, one on a context line, and one in a file the repository does not have.
FINDINGS = ruff(
    finding(12, "`x` is assigned to but never used"),
    finding(14, "line too long", "E501", "warning", end_row=16),
    finding(11, "missing docstring", "D100", "notice"),
    finding(13, "`y` is assigned to but never used"),
    finding(3, "`z` is assigned to but never used"),
    finding(9, "`os` imported but unused", "F401"),
    finding(1, "`sys` imported but unused", "F401", path="vendor/left_pad.py"),
)


def options(**raw: Any) -> LintOptions:
    return LintOptions.model_validate(raw)


async def store(db: Database, sha: str, body: bytes, name: str = "default") -> None:
    """What the report intake stores for an upload (without checking it)."""
    async with db.transaction() as conn:
        await store_report(
            conn,
            repository=REPO,
            sha=sha,
            kind="lint",
            name=name,
            format="ruff",
            compressed=compress_body(body),
            size=len(body),
            received_at=NOW,
        )


async def linted_pull(
    world: World, db: Database, body: bytes | None = FINDINGS, name: str = "default"
) -> PullRequest:
    """The PR, with a lint report `name` for its head (None: no report)."""
    pull = world.open_pull("feature", {PATH: APP_PY + ADDED})
    if body is not None:
        await store(db, pull.head_sha, body, name)
    return pull


async def plan_for(
    api: InstallationAPI, db: Database, pull: PullRequest, wanted: LintOptions, now: float = NOW
) -> Plan:
    """One evaluation's plan (a fresh target, so nothing is remembered from another)."""
    return await ACTION.plan(given(target_for(api, db, pull), wanted, rule="Lint", now=now))


def descriptions(plan: Plan) -> list[str]:
    return [change.description for change in plan.changes]


def lint_runs(world: World, pull: PullRequest, name: str = CHECK) -> list[CheckRun]:
    return [run for run in world.state.check_runs_for(REPO, pull.head_sha) if run.name == name]


def latest_run(world: World, pull: PullRequest, name: str = CHECK) -> CheckRun:
    """The newest run of that name on the head: the one GitHub shows."""
    found = lint_runs(world, pull, name)
    assert found, f"no {name} check run"
    return max(found, key=lambda run: run.id)


def annotated(run: CheckRun) -> list[tuple[Any, ...]]:
    keys = ("start_line", "end_line", "start_column", "end_column", "annotation_level", "title")
    return [(*(found[key] for key in keys), found["message"]) for found in run.annotations]


def annotated_messages(run: CheckRun) -> list[str]:
    return [found["message"] for found in run.annotations]


def paasbot_reviews(pull: PullRequest) -> list[Review]:
    return [review for review in pull.reviews if REVIEW_MARK in review.body]


def inline_comments(world: World, pull: PullRequest) -> list[ReviewComment]:
    return review_comments_of(world.state, pull)


def commented_messages(world: World, pull: PullRequest) -> list[str]:
    """The finding each inline comment is about (its body: heading, message, fingerprint)."""
    return [comment.body.split("\n\n")[1] for comment in inline_comments(world, pull)]


# Options


def test_defaults() -> None:
    found = LintOptions()
    assert found.model_dump() == {
        "name": None,
        "filter": "added",
        "fail_on": "error",
        "max_annotations": 200,
        "review_comments": False,
        "path_fixes": [],
        "patterns": [],
    }
    assert ACTION.attributes(found) == set()
    assert not ACTION.plans_when_unmatched


@pytest.mark.parametrize("count", [0, 1000])
def test_max_annotations_bounds_are_allowed(count: int) -> None:
    assert options(max_annotations=count).max_annotations == count


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param({"max_annotations": -1}, "greater than or equal to 0", id="negative"),
        pytest.param({"max_annotations": 1001}, "less than or equal to 1000", id="over 1000"),
        pytest.param({"max_annotations": "50"}, "valid integer", id="strict integer"),
        pytest.param({"fail_on": "critical"}, "fail_on", id="unknown level"),
        pytest.param({"filter": "changed"}, "filter", id="unknown filter"),
        pytest.param({"review_comments": "yes"}, "valid boolean", id="strict boolean"),
        pytest.param({"patterns": [""]}, "at least 1 character", id="empty pattern"),
        pytest.param({"annotations": 10}, "Extra inputs", id="unknown option"),
    ],
)
def test_invalid_options(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        LintOptions.model_validate(raw)


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        pytest.param("%f:%l", "has no %m", id="no message"),
        pytest.param("%f:%l:%q %m", "unknown code %q", id="unknown code"),
        pytest.param("%f:%l:%l: %m", "%l appears more than once", id="repeated code"),
    ],
)
def test_a_bad_pattern_is_an_invalid_option_naming_it(pattern: str, problem: str) -> None:
    with pytest.raises(ValidationError) as raised:
        LintOptions.model_validate({"patterns": ["%f:%l:%c: %m", pattern]})
    (error,) = raised.value.errors()
    assert error["loc"] == ("patterns",)
    assert f"pattern 2 ({pattern!r})" in error["msg"] and problem in error["msg"]


def test_a_path_fix_without_its_separator_is_an_invalid_option() -> None:
    with pytest.raises(ValidationError) as raised:
        LintOptions.model_validate({"path_fixes": ["build/::src/", "src/"]})
    (error,) = raised.value.errors()
    assert error["loc"] == ("path_fixes", 1)
    assert "before::after" in error["msg"]


# Waiting and failing


@pytest.mark.parametrize(
    ("stored", "name", "detail"),
    [
        pytest.param([], None, "waits for a lint report for the head", id="no report"),
        pytest.param(
            ["default", "eslint"],
            "ruff",
            "waits for a lint report named `ruff` for the head",
            id="not the named one",
        ),
    ],
)
async def test_without_a_report_it_waits_and_writes_nothing(
    world: World,
    api: InstallationAPI,
    sqlite_db: Database,
    stored: list[str],
    name: str | None,
    detail: str,
) -> None:
    pull = await linted_pull(world, sqlite_db, body=None)
    for report in stored:
        await store(sqlite_db, pull.head_sha, FINDINGS, report)
    await store(sqlite_db, pull.base_sha, FINDINGS, name or "default")
    before = len(world.state.requests)
    plan = await plan_for(api, sqlite_db, pull, options(name=name, review_comments=True))
    assert (plan.status, plan.detail, plan.changes) == (Status.WAITING, detail, ())
    await carry_out(plan)
    assert writes(world.state, before) == []
    assert world.state.check_runs_for(REPO, pull.head_sha) == []


async def test_a_report_that_cannot_be_read_fails_the_action_and_writes_nothing(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await linted_pull(world, sqlite_db)
    await store(sqlite_db, pull.head_sha, b"<html>502 Bad Gateway</html>", "eslint")
    before = len(world.state.requests)
    plan = await plan_for(api, sqlite_db, pull, options(review_comments=True))
    assert (plan.status, plan.changes) == (Status.FAILED, ())
    assert plan.detail == (
        "a stored report cannot be read: an XML report with root element <html>: checkstyle is "
        "the only XML lint format read"
    )
    assert writes(world.state, before) == []
    assert world.state.check_runs_for(REPO, pull.head_sha) == []


# The check run


@pytest.mark.parametrize(
    ("name", "check"),
    [
        pytest.param("default", CHECK, id="unnamed"),
        pytest.param("ruff", f"{CHECK}/ruff", id="named"),
    ],
)
async def test_the_check_run_is_named_after_the_report(
    world: World, api: InstallationAPI, sqlite_db: Database, name: str, check: str
) -> None:
    pull = await linted_pull(world, sqlite_db, name=name)
    plan = await plan_for(api, sqlite_db, pull, options())
    title = "4 findings on the PR's lines: 2 errors, 1 warning, 1 notice"
    assert descriptions(plan) == [f"set `{check}` failure"]
    assert (plan.status, plan.detail) == (Status.DONE, f"`{check}` failure: {title}")
    before = len(world.state.requests)
    await carry_out(plan)
    assert writes(world.state, before) == [f"POST /repos/{REPO}/check-runs"]
    (run,) = world.state.check_runs_for(REPO, pull.head_sha)
    assert (run.name, run.status, run.conclusion, run.output["title"]) == (
        check,
        "completed",
        "failure",
        title,
    )


@pytest.mark.parametrize(
    ("levels", "fail_on", "conclusion"),
    [
        pytest.param(["error"], "error", "failure", id="error fails on error"),
        pytest.param(["warning", "notice"], "error", "success", id="warning passes on error"),
        pytest.param(["warning", "notice"], "warning", "failure", id="warning fails on warning"),
        pytest.param(["error"], "warning", "failure", id="error fails on warning"),
        pytest.param(["notice"], "warning", "success", id="notice passes on warning"),
        pytest.param(["notice"], "notice", "failure", id="notice fails on notice"),
        pytest.param(["error", "warning"], "never", "success", id="never"),
        pytest.param([], "notice", "success", id="nothing on the PR's lines"),
    ],
)
async def test_the_conclusion_by_fail_on(
    world: World,
    api: InstallationAPI,
    sqlite_db: Database,
    levels: list[str],
    fail_on: str,
    conclusion: str,
) -> None:
    # Errors off the PR's lines never count.
    report = [finding(12, level, "X1", level) for level in levels] + [finding(3, "untouched")]
    pull = await linted_pull(world, sqlite_db, ruff(*report))
    await carry_out(await plan_for(api, sqlite_db, pull, options(fail_on=fail_on)))
    (run,) = lint_runs(world, pull)
    assert (run.status, run.conclusion) == ("completed", conclusion)
    assert annotated_messages(run) == levels


async def test_the_annotations_are_the_kept_findings_most_severe_first(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await linted_pull(world, sqlite_db)
    await carry_out(await plan_for(api, sqlite_db, pull, options()))
    (run,) = lint_runs(world, pull)
    assert {found["path"] for found in run.annotations} == {PATH}
    assert annotated(run) == [
        (12, 12, 1, 5, "failure", "[ruff] F841", "`x` is assigned to but never used"),
        (13, 13, 1, 5, "failure", "[ruff] F841", "`y` is assigned to but never used"),
        (14, 16, None, None, "warning", "[ruff] E501", "line too long"),
        (11, 11, 1, 5, "notice", "[ruff] D100", "missing docstring"),
    ]


async def test_a_text_report_is_titled_with_the_report_name_and_whole_file_findings_on_line_1(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    # Line 0: about the whole file.
    report = b"src/app.py:12:5: E302 expected 2 blank lines\nsrc/app.py:0: W391 blank line\n"
    pull = await linted_pull(world, sqlite_db, report, name="flake8")
    await carry_out(await plan_for(api, sqlite_db, pull, options(filter="nofilter")))
    (run,) = lint_runs(world, pull, f"{CHECK}/flake8")
    assert annotated(run) == [
        (12, 12, 5, 5, "failure", "[flake8] E302", "expected 2 blank lines"),
        (1, 1, None, None, "warning", "[flake8] W391", "blank line"),
    ]


async def test_the_summary_counts_kept_and_filtered_findings_per_level_and_rule(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await linted_pull(world, sqlite_db)
    await carry_out(await plan_for(api, sqlite_db, pull, options(fail_on="warning")))
    assert latest_run(world, pull).output["summary"] == (
        "**4 findings on the PR's lines: 2 errors, 1 warning, 1 notice** "
        "(filter `added`, fails on warning or worse)\n"
        "\n"
        "| level | rule | on the PR's lines | filtered out |\n"
        "|---|---|---:|---:|\n"
        "| error | `F841` | 2 | 1 |\n"
        "| error | `F401` | 0 | 1 |\n"
        "| warning | `E501` | 1 | 0 |\n"
        "| notice | `D100` | 1 | 0 |\n"
        "\n"
        "- 1 finding in files the repository does not have (dropped; see `path_fixes`)"
    )


async def test_findings_only_off_the_pr_s_lines_pass_and_say_so(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    report = ruff(finding(3, "untouched"), finding(9, "context", "F401"))
    pull = await linted_pull(world, sqlite_db, report)
    plan = await plan_for(api, sqlite_db, pull, options(fail_on="notice"))
    title = "No findings on the PR's lines (2 findings elsewhere)"
    assert plan.detail == f"`{CHECK}` success: {title}"
    await carry_out(plan)
    (run,) = lint_runs(world, pull)
    assert (run.conclusion, run.output["title"], run.annotations) == ("success", title, [])


@pytest.mark.parametrize("limit", [0, 2])
async def test_max_annotations_caps_them_most_severe_first_and_the_summary_says_the_rest(
    world: World, api: InstallationAPI, sqlite_db: Database, limit: int
) -> None:
    pull = await linted_pull(world, sqlite_db)
    await carry_out(await plan_for(api, sqlite_db, pull, options(max_annotations=limit)))
    (run,) = lint_runs(world, pull)
    most_severe = ["`x` is assigned to but never used", "`y` is assigned to but never used"]
    assert annotated_messages(run) == most_severe[:limit]
    assert run.output["title"] == "4 findings on the PR's lines: 2 errors, 1 warning, 1 notice"
    assert (
        f"- and {4 - limit} more findings on the PR's lines, not annotated (`max_annotations`)"
        in (run.output["summary"] or "")
    )


async def test_more_than_50_annotations_are_written_50_a_request(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await linted_pull(world, sqlite_db, on_added_lines(120))
    before = len(world.state.requests)
    await carry_out(await plan_for(api, sqlite_db, pull, options()))
    (run,) = lint_runs(world, pull)
    check_run = f"/repos/{REPO}/check-runs"
    assert writes(world.state, before) == [
        f"POST {check_run}",
        f"PATCH {check_run}/{run.id}",
        f"PATCH {check_run}/{run.id}",
    ]
    assert sorted(annotated_messages(run)) == [f"finding {n:03}" for n in range(120)]
    assert run.output["title"] == "120 findings on the PR's lines: 120 warnings"


async def test_two_report_names_give_two_check_runs(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await linted_pull(world, sqlite_db, name="ruff")
    await store(sqlite_db, pull.head_sha, b"src/app.py:15:1: W291 trailing whitespace\n")
    plan = await plan_for(api, sqlite_db, pull, options())
    assert descriptions(plan) == [f"set `{CHECK}` success", f"set `{CHECK}/ruff` failure"]
    assert plan.detail == (
        f"`{CHECK}` success: 1 finding on the PR's lines: 1 warning; "
        f"`{CHECK}/ruff` failure: 4 findings on the PR's lines: 2 errors, 1 warning, 1 notice"
    )
    await carry_out(plan)
    assert annotated_messages(latest_run(world, pull)) == ["trailing whitespace"]
    assert len(latest_run(world, pull, f"{CHECK}/ruff").annotations) == 4


async def test_the_name_option_shows_only_that_report(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await linted_pull(world, sqlite_db, name="ruff")
    await store(sqlite_db, pull.head_sha, b"src/app.py:15:1: W291 trailing whitespace\n")
    plan = await plan_for(api, sqlite_db, pull, options(name="default"))
    assert descriptions(plan) == [f"set `{CHECK}` success"]
    await carry_out(plan)
    assert [run.name for run in world.state.check_runs_for(REPO, pull.head_sha)] == [CHECK]


async def test_a_new_upload_for_the_head_shows_a_new_run(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await linted_pull(world, sqlite_db)
    await carry_out(await plan_for(api, sqlite_db, pull, options()))
    await store(sqlite_db, pull.head_sha, ruff(finding(15, "fixed all but one", "W291", "notice")))
    plan = await plan_for(api, sqlite_db, pull, options(), now=NOW + 60)
    assert descriptions(plan) == [f"set `{CHECK}` success"]
    await carry_out(plan)
    assert annotated_messages(latest_run(world, pull)) == ["fixed all but one"]


# Review comments


async def test_review_comments_one_review_on_diff_lines_the_rest_stay_annotations(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    report = ruff(
        finding(12, "on an added line"),
        finding(9, "from context to added", "B006", "warning", end_row=11),
        finding(3, "on an untouched line", "D100", "notice"),
    )
    pull = await linted_pull(world, sqlite_db, report)
    plan = await plan_for(api, sqlite_db, pull, options(filter="file", review_comments=True))
    assert descriptions(plan) == [
        "review with 2 inline comment(s)",
        f"set `{CHECK}` failure",
    ]
    before = len(world.state.requests)
    await carry_out(plan)
    assert writes(world.state, before) == [
        f"POST /repos/{REPO}/pulls/{pull.number}/reviews",
        f"POST /repos/{REPO}/check-runs",
    ]
    (review,) = pull.reviews
    assert (review.user, review.state, review.commit_id) == (
        world.state.bot_login,
        "COMMENTED",
        pull.head_sha,
    )
    assert (
        review.body == f"paasbot found 2 findings on the lines this push changed.\n\n{REVIEW_MARK}"
    )
    comments = inline_comments(world, pull)
    assert [(c.path, c.line, c.side, c.commit_id) for c in comments] == [
        (PATH, 12, "RIGHT", pull.head_sha),
        (PATH, 11, "RIGHT", pull.head_sha),
    ]
    assert comments[0].body.startswith("**Error** [ruff] F841\n\non an added line\n\n<!-- ")
    assert comments[1].body.startswith("**Warning** [ruff] B006 (lines 9 to 11)\n\nfrom context")
    run = latest_run(world, pull)
    assert annotated_messages(run) == ["on an untouched line"]
    assert run.conclusion == "failure", "commented findings count towards the conclusion"
    assert (run.output["summary"] or "").endswith("\n\n2 of them are review comments.")


async def test_a_review_has_at_most_30_comments_the_rest_are_annotated(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await linted_pull(world, sqlite_db, on_added_lines(35))
    plan = await plan_for(api, sqlite_db, pull, options(review_comments=True))
    assert descriptions(plan) == ["review with 30 inline comment(s)", f"set `{CHECK}` success"]
    await carry_out(plan)
    (review,) = paasbot_reviews(pull)
    assert review.body.startswith("paasbot found 30 findings on the lines this push changed.")
    commented = commented_messages(world, pull)
    annotations = annotated_messages(latest_run(world, pull))
    assert (len(commented), len(annotations)) == (30, 5)
    assert sorted(commented + annotations) == [f"finding {n:03}" for n in range(35)]
    assert (latest_run(world, pull).output["summary"] or "").endswith(
        "\n\n30 of them are review comments."
    )


async def test_a_second_evaluation_of_the_head_posts_no_second_review(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await linted_pull(world, sqlite_db, ruff(finding(12, "first")))
    await carry_out(await plan_for(api, sqlite_db, pull, options(review_comments=True)))
    # CI uploads the report again for the same commit, with one more finding.
    await store(sqlite_db, pull.head_sha, ruff(finding(12, "first"), finding(13, "second")))
    plan = await plan_for(api, sqlite_db, pull, options(review_comments=True), now=NOW + 60)
    assert not any(change.startswith("review") for change in descriptions(plan))
    await carry_out(plan)
    assert len(paasbot_reviews(pull)) == 1
    assert commented_messages(world, pull) == ["first"]


@pytest.mark.parametrize("late_name", ["default", "eslint"], ids=["re-upload", "another report"])
async def test_a_finding_that_cannot_be_commented_on_a_reviewed_head_is_annotated(
    world: World, api: InstallationAPI, sqlite_db: Database, late_name: str
) -> None:
    pull = await linted_pull(world, sqlite_db, ruff(finding(12, "first")))
    await carry_out(await plan_for(api, sqlite_db, pull, options(review_comments=True)))
    late = [finding(12, "first")] if late_name == "default" else []
    await store(sqlite_db, pull.head_sha, ruff(*late, finding(13, "second")), late_name)
    await carry_out(
        await plan_for(api, sqlite_db, pull, options(review_comments=True), now=NOW + 60)
    )
    assert commented_messages(world, pull) == ["first"], "one review per head commit"
    name = CHECK if late_name == "default" else f"{CHECK}/{late_name}"
    run = latest_run(world, pull, name)
    assert annotated_messages(run) == ["second"], "no comment: an annotation"
    overcounted = f"{len(late) + 1} of them are review comments."
    assert overcounted not in (run.output["summary"] or "")


async def test_a_finding_commented_on_an_earlier_push_is_not_commented_again(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await linted_pull(world, sqlite_db, ruff(finding(12, "old")))
    await carry_out(await plan_for(api, sqlite_db, pull, options(review_comments=True)))
    # A push adds a line above (the finding moves to line 13) and a line 17 with a new finding.
    first_head = pull.head_sha
    world.commit("feature", {PATH: "line 0\n" + APP_PY + ADDED + "line 17\n"})
    pull = world.state.pull(REPO, pull.number)
    assert pull.head_sha != first_head
    await store(sqlite_db, pull.head_sha, ruff(finding(13, "old"), finding(18, "new")))
    plan = await plan_for(api, sqlite_db, pull, options(review_comments=True), now=NOW + 60)
    assert descriptions(plan) == ["review with 1 inline comment(s)", f"set `{CHECK}` failure"]
    await carry_out(plan)
    reviews = paasbot_reviews(pull)
    assert [review.commit_id for review in reviews] == [first_head, pull.head_sha]
    assert commented_messages(world, pull) == ["old", "new"]
    assert [c.line for c in inline_comments(world, pull)][1:] == [18]
    run = latest_run(world, pull)
    assert run.annotations == [], "both findings have a comment"
    assert (run.output["summary"] or "").endswith("\n\n2 of them are review comments.")


# Idempotence


@pytest.mark.parametrize(
    ("raw", "many"),
    [
        pytest.param({}, 60, id="defaults"),
        pytest.param({"fail_on": "never", "max_annotations": 1}, 60, id="capped"),
        # 5 + 20 findings on diff lines: all of them comments
        pytest.param({"review_comments": True, "filter": "file"}, 20, id="review comments"),
        pytest.param({"name": "default", "path_fixes": ["vendor/::src/"]}, 60, id="named, fixed"),
    ],
)
async def test_a_second_plan_after_performing_plans_nothing(
    world: World, api: InstallationAPI, db: Database, raw: dict[str, Any], many: int
) -> None:
    """`many`: a second report of that many notices on the added lines."""
    pull = await linted_pull(world, db)
    await store(db, pull.head_sha, on_added_lines(many, "notice"), "many")
    first = await plan_for(api, db, pull, options(**raw))
    await carry_out(first)
    runs, reviews = len(world.state.check_runs), len(pull.reviews)
    before = len(world.state.requests)
    again = await plan_for(api, db, pull, options(**raw), now=NOW + 60)
    assert (again.changes, again.status, again.detail) == ((), Status.DONE, first.detail)
    await carry_out(again)
    assert writes(world.state, before) == []
    assert (len(world.state.check_runs), len(pull.reviews)) == (runs, reviews)


async def test_a_second_plan_with_more_than_30_commentable_findings_plans_nothing(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await linted_pull(world, sqlite_db, on_added_lines(35))
    await carry_out(await plan_for(api, sqlite_db, pull, options(review_comments=True)))
    again = await plan_for(api, sqlite_db, pull, options(review_comments=True), now=NOW + 60)
    assert descriptions(again) == []
    await carry_out(again)
    assert len(annotated_messages(latest_run(world, pull))) == 5
