"""`coverage`: its options (pure), and its plans carried out on a pull request of the simulator
over real HTTP, with the reports stored in a real database: the `paasbot/coverage` check run on
the head SHA (its conclusion against the targets, its annotations) and the one sticky comment,
posted once and edited in place; nothing written while it waits, or when all is current.

The PR adds lines 11-16 to `src/app.py` (lines 1-10 are on `main`); the `unit` report misses the
added lines 12, 13 and 15: patch 3 of 6 (50%), project 5 of 8 (62.5%)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import ValidationError

from app.actions.base import Plan, Status
from app.actions.coverage import CHECK_NAME, MARKER, CoverageAction, CoverageOptions
from app.github.client import InstallationAPI
from app.sandbox.actors_pulls import comment
from app.sandbox.models import CheckRun, IssueComment, PullRequest
from app.sandbox.ops.issues import comments_on
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

ACTION = CoverageAction()
ADDED = "".join(f"line {number}\n" for number in range(11, 17))
UNIT = {1: 1, 2: 1, 11: 1, 12: 0, 13: 0, 14: 3, 15: 0, 16: 1}
COMPLETE = dict.fromkeys(UNIT, 1)
TITLE = "Patch 50.00% · project 62.50%"


def options(**raw: Any) -> CoverageOptions:
    return CoverageOptions.model_validate(raw)


def lcov(files: Mapping[str, Mapping[int, int]]) -> bytes:
    records = [
        "\n".join([f"SF:{path}", *(f"DA:{line},{count}" for line, count in hits.items())])
        for path, hits in files.items()
    ]
    return "".join(f"{record}\nend_of_record\n" for record in records).encode()


async def store(db: Database, sha: str, body: bytes, name: str = "unit") -> None:
    """What the report intake stores for an upload (without checking it)."""
    async with db.transaction() as conn:
        await store_report(
            conn,
            repository=REPO,
            sha=sha,
            kind="coverage",
            name=name,
            format="lcov",
            compressed=compress_body(body),
            size=len(body),
            received_at=NOW,
        )


async def covered_pull(
    world: World, db: Database, hits: Mapping[int, int] | None = UNIT
) -> PullRequest:
    """The PR, with a `unit` report of `src/app.py` for its head (none: no report)."""
    pull = world.open_pull("feature", {"src/app.py": APP_PY + ADDED})
    if hits is not None:
        await store(db, pull.head_sha, lcov({"src/app.py": hits}))
    return pull


async def plan_for(
    api: InstallationAPI,
    db: Database,
    pull: PullRequest,
    wanted: CoverageOptions,
    now: float = NOW,
) -> Plan:
    """One evaluation's plan (a fresh target, so nothing is remembered from another)."""
    return await ACTION.plan(given(target_for(api, db, pull), wanted, rule="Coverage", now=now))


def descriptions(plan: Plan) -> list[str]:
    return [change.description for change in plan.changes]


def coverage_runs(world: World, pull: PullRequest) -> list[CheckRun]:
    return [
        run for run in world.state.check_runs_for(REPO, pull.head_sha) if run.name == CHECK_NAME
    ]


def latest_run(world: World, pull: PullRequest) -> CheckRun:
    """The newest `paasbot/coverage` run of the head: the one GitHub shows."""
    found = coverage_runs(world, pull)
    assert found, "no coverage check run"
    return max(found, key=lambda run: run.id)


def annotations(run: CheckRun) -> list[tuple[Any, ...]]:
    keys = ("path", "start_line", "end_line", "annotation_level", "title", "message")
    return [tuple(found[key] for key in keys) for found in run.annotations]


def stickies(world: World, pull: PullRequest) -> list[IssueComment]:
    return [entry for entry in comments_on(world.state, REPO, pull.number) if MARKER in entry.body]


def sticky_body(run: CheckRun) -> str:
    """The comment that goes with the run: the same title and summary, and the marker."""
    return f"### Coverage: {run.output['title']}\n\n{run.output['summary']}\n\n{MARKER}"


# Options


def test_defaults() -> None:
    found = CoverageOptions()
    assert found.model_dump() == {
        "name": None,
        "patch_target": None,
        "project_target": None,
        "project_threshold": None,
        "path_fixes": [],
        "annotate": True,
        "comment": True,
        "wait_for": 1,
    }
    assert ACTION.attributes(found) == set()
    assert not ACTION.plans_when_unmatched


@pytest.mark.parametrize(
    ("raw", "patch", "project"),
    [
        pytest.param({"patch_target": "80%", "project_target": 60}, 80.0, 60.0, id="80% and 60"),
        pytest.param({"patch_target": " 12.5 % "}, 12.5, None, id="spaces"),
        pytest.param({"patch_target": 0, "project_target": 100.0}, 0.0, 100.0, id="bounds"),
    ],
)
def test_targets_are_percentages(raw: dict[str, Any], patch: float, project: float | None) -> None:
    found = options(**raw)
    assert (found.patch_target, found.project_target) == (patch, project)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param({"patch_target": "101%"}, "less than or equal to 100", id="over 100"),
        pytest.param({"project_threshold": -1}, "greater than or equal to 0", id="negative"),
        pytest.param({"patch_target": "eighty"}, "valid number", id="not a number"),
        pytest.param({"wait_for": 0}, "greater than or equal to 1", id="wait for none"),
        pytest.param({"wait_for": 51}, "less than or equal to 50", id="wait for 51"),
        pytest.param({"annotate": "yes"}, "valid boolean", id="strict boolean"),
        pytest.param({"target": "80%"}, "Extra inputs", id="unknown option"),
    ],
)
def test_invalid_options(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CoverageOptions.model_validate(raw)


def test_a_path_fix_without_its_separator_is_an_invalid_option() -> None:
    with pytest.raises(ValidationError, match="path_fixes"):
        CoverageOptions.model_validate({"path_fixes": ["src/"]})


# Waiting and failing


@pytest.mark.parametrize(
    ("stored", "wait_for", "detail"),
    [
        pytest.param([], 1, "waits for 1 coverage report(s), 0 received", id="no report"),
        pytest.param(["unit"], 2, "waits for 2 coverage report(s), 1 received", id="one of two"),
    ],
)
async def test_too_few_reports_wait_and_write_nothing(
    world: World,
    api: InstallationAPI,
    sqlite_db: Database,
    stored: list[str],
    wait_for: int,
    detail: str,
) -> None:
    pull = await covered_pull(world, sqlite_db, hits=None)
    for name in stored:
        await store(sqlite_db, pull.head_sha, lcov({"src/app.py": UNIT}), name=name)
    before = len(world.state.requests)
    plan = await plan_for(api, sqlite_db, pull, options(wait_for=wait_for, patch_target=80))
    assert (plan.status, plan.detail, plan.changes) == (Status.WAITING, detail, ())
    await carry_out(plan)
    assert writes(world.state, before) == []
    assert coverage_runs(world, pull) == []
    assert comments_on(world.state, REPO, pull.number) == []


async def test_a_report_that_cannot_be_read_fails_the_action_and_writes_nothing(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await covered_pull(world, sqlite_db)
    await store(sqlite_db, pull.head_sha, b"<html>502 Bad Gateway</html>", name="e2e")
    before = len(world.state.requests)
    plan = await plan_for(api, sqlite_db, pull, options(patch_target=80))
    assert plan.status is Status.FAILED
    assert plan.detail.startswith("a stored report cannot be read: unknown coverage format")
    assert plan.changes == ()
    assert writes(world.state, before) == []
    assert coverage_runs(world, pull) == []
    assert comments_on(world.state, REPO, pull.number) == []


# The check run


@pytest.mark.parametrize(
    ("raw", "base", "conclusion", "title"),
    [
        pytest.param({}, None, "neutral", TITLE, id="no target"),
        pytest.param({"patch_target": 50}, None, "success", TITLE, id="patch on target"),
        pytest.param(
            {"patch_target": "75%"},
            None,
            "failure",
            f"{TITLE} · patch coverage 50.00% is below 75.00%",
            id="patch below",
        ),
        pytest.param({"project_target": 60}, None, "success", TITLE, id="project above"),
        pytest.param(
            {"project_target": 70, "patch_target": 40},
            None,
            "failure",
            f"{TITLE} · project coverage 62.50% is below 70.00%",
            id="project below",
        ),
        pytest.param(
            {"project_threshold": 5},
            None,
            "neutral",
            TITLE,
            id="threshold without a base report",
        ),
        pytest.param(
            {"project_threshold": 5},
            {1: 1, 2: 1, 3: 1, 4: 0, 5: 0},
            "success",
            "Patch 50.00% · project 62.50% (+2.50%)",
            id="threshold, project rose",
        ),
        pytest.param(
            {"project_threshold": 5},
            {1: 1, 2: 1, 3: 1, 4: 1, 5: 0},
            "failure",
            "Patch 50.00% · project 62.50% (-17.50%) · "
            "project coverage dropped 17.50%, more than 5.00%",
            id="threshold, project dropped",
        ),
    ],
)
async def test_the_conclusion_against_the_targets(
    world: World,
    api: InstallationAPI,
    sqlite_db: Database,
    raw: dict[str, Any],
    base: dict[int, int] | None,
    conclusion: str,
    title: str,
) -> None:
    pull = await covered_pull(world, sqlite_db)
    if base is not None:
        await store(sqlite_db, pull.base_sha, lcov({"src/app.py": base}))
    plan = await plan_for(api, sqlite_db, pull, options(comment=False, **raw))
    assert descriptions(plan) == [f"set `{CHECK_NAME}` {conclusion}"]
    assert (plan.status, plan.detail) == (Status.DONE, f"`{CHECK_NAME}` {conclusion}: {title}")
    await carry_out(plan)
    (run,) = coverage_runs(world, pull)
    assert (run.status, run.conclusion, run.output["title"]) == ("completed", conclusion, title)


async def test_a_drop_of_exactly_the_threshold_is_allowed(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    head = {line: int(line <= 7) for line in range(1, 16)}  # 7 of 15 lines: 46.66...%
    pull = await covered_pull(world, sqlite_db, head)
    await store(sqlite_db, pull.base_sha, lcov({"src/app.py": {1: 1, 2: 1, 3: 0}}))  # 66.66...%
    await carry_out(await plan_for(api, sqlite_db, pull, options(project_threshold=20)))
    run = latest_run(world, pull)
    assert run.output["title"].startswith("Patch 0.00% · project 46.66% (-20.00%)")
    assert run.conclusion == "success"


async def test_the_summary_counts_the_lines_and_names_the_reports(
    world: World, api: InstallationAPI, db: Database
) -> None:
    pull = await covered_pull(world, db)
    await store(db, pull.head_sha, lcov({"src/app.py": {12: 1}}), name="e2e")
    await store(db, pull.base_sha, lcov({"src/app.py": {1: 1, 2: 0}}))
    await carry_out(await plan_for(api, db, pull, options(patch_target=60, wait_for=2)))
    run = latest_run(world, pull)
    assert run.conclusion == "success"
    assert run.output["summary"] == (
        "**Patch coverage: 66.66%** (4 of 6 added lines) (target 60.00%).\n"
        "**Project coverage: 75.00%** (+25.00%), base 50.00%.\n"
        "\n"
        "| File | Patch | Added lines not covered |\n"
        "|---|---|---|\n"
        "| `src/app.py` | 66.66% | 13, 15 |\n"
        "\n"
        "Reports: `e2e`, `unit`."
    )


async def test_uncovered_added_lines_are_annotated_in_ranges(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await covered_pull(world, sqlite_db)
    await carry_out(await plan_for(api, sqlite_db, pull, options()))
    (run,) = coverage_runs(world, pull)
    assert annotations(run) == [
        ("src/app.py", 12, 13, "warning", "Not covered", "Added lines 12-13 not covered by tests."),
        ("src/app.py", 15, 15, "warning", "Not covered", "Added line 15 not covered by tests."),
    ]


async def test_without_annotate_the_run_has_no_annotations(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await covered_pull(world, sqlite_db)
    await carry_out(await plan_for(api, sqlite_db, pull, options(annotate=False)))
    (run,) = coverage_runs(world, pull)
    assert run.annotations == []
    assert "| `src/app.py` | 50.00% | 12-13, 15 |" in (run.output["summary"] or "")


async def test_turning_annotations_off_shows_a_run_without_them(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await covered_pull(world, sqlite_db)
    await carry_out(await plan_for(api, sqlite_db, pull, options()))
    plan = await plan_for(api, sqlite_db, pull, options(annotate=False))
    assert descriptions(plan) == [f"set `{CHECK_NAME}` neutral"]
    await carry_out(plan)
    assert latest_run(world, pull).annotations == []
    assert len(stickies(world, pull)) == 1, "the comment did not change"


async def test_all_covered_has_no_annotations(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await covered_pull(world, sqlite_db, COMPLETE)
    await carry_out(await plan_for(api, sqlite_db, pull, options(patch_target=100)))
    (run,) = coverage_runs(world, pull)
    assert (run.conclusion, run.annotations) == ("success", [])


async def test_no_added_code_leaves_the_patch_target_unjudged(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = world.open_pull("docs", {"docs/guide.md": "Read me.\n"})
    await store(sqlite_db, pull.head_sha, lcov({"src/app.py": {1: 1, 2: 0}}))
    await carry_out(await plan_for(api, sqlite_db, pull, options(patch_target=80, comment=False)))
    (run,) = coverage_runs(world, pull)
    assert (run.conclusion, run.output["title"], run.annotations) == (
        "neutral",
        "No added code · project 50.00%",
        [],
    )


async def test_mapping_notes_are_in_the_detail(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await covered_pull(world, sqlite_db, hits=None)
    report = {"src/app.py": UNIT, "vendor/left_pad.py": {1: 1}}
    await store(sqlite_db, pull.head_sha, lcov(report))
    plan = await plan_for(api, sqlite_db, pull, options())
    assert plan.detail == (
        f"`{CHECK_NAME}` neutral: {TITLE}; 1 report path(s) match no file of the repository"
    )


# The sticky comment


async def test_the_comment_is_posted_once_then_edited_in_place(
    world: World, api: InstallationAPI, db: Database
) -> None:
    pull = await covered_pull(world, db)
    wanted = options(patch_target=75)
    first = await plan_for(api, db, pull, wanted)
    assert descriptions(first) == [f"set `{CHECK_NAME}` failure", "post the coverage comment"]
    before = len(world.state.requests)
    await carry_out(first)
    assert writes(world.state, before) == [
        f"POST /repos/{REPO}/check-runs",
        f"POST /repos/{REPO}/issues/{pull.number}/comments",
    ]
    (posted,) = stickies(world, pull)
    assert posted.user == world.state.bot_login
    assert posted.body == sticky_body(latest_run(world, pull))
    assert "**Patch coverage: 50.00%**" in posted.body

    await store(db, pull.head_sha, lcov({"src/app.py": COMPLETE}))  # CI uploads again
    second = await plan_for(api, db, pull, wanted, now=NOW + 60)
    assert descriptions(second) == [f"set `{CHECK_NAME}` success", "update the coverage comment"]
    before = len(world.state.requests)
    await carry_out(second)
    assert writes(world.state, before) == [
        f"POST /repos/{REPO}/check-runs",
        f"PATCH /repos/{REPO}/issues/comments/{posted.id}",
    ]
    (edited,) = stickies(world, pull)
    assert edited.id == posted.id
    assert edited.body == sticky_body(latest_run(world, pull))
    assert "**Patch coverage: 100.00%**" in edited.body


async def test_a_comment_already_current_is_left_alone(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await covered_pull(world, sqlite_db)
    await carry_out(await plan_for(api, sqlite_db, pull, options(comment=False)))
    run = latest_run(world, pull)
    # posted by an evaluation whose end was lost, say
    current = comment(world.state, REPO, pull.number, world.state.bot_login, sticky_body(run))
    before = len(world.state.requests)
    plan = await plan_for(api, sqlite_db, pull, options())
    assert plan.changes == ()
    await carry_out(plan)
    assert writes(world.state, before) == []
    assert stickies(world, pull) == [current]


async def test_a_stale_comment_found_by_its_marker_is_edited(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await covered_pull(world, sqlite_db)
    old = comment(world.state, REPO, pull.number, world.state.bot_login, f"Old.\n\n{MARKER}")
    plan = await plan_for(api, sqlite_db, pull, options())
    assert descriptions(plan) == [f"set `{CHECK_NAME}` neutral", "update the coverage comment"]
    await carry_out(plan)
    (edited,) = stickies(world, pull)
    assert (edited.id, edited.body) == (old.id, sticky_body(latest_run(world, pull)))


async def test_without_comment_nothing_is_posted(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await covered_pull(world, sqlite_db)
    plan = await plan_for(api, sqlite_db, pull, options(comment=False, patch_target=50))
    assert descriptions(plan) == [f"set `{CHECK_NAME}` success"]
    before = len(world.state.requests)
    await carry_out(plan)
    assert writes(world.state, before) == [f"POST /repos/{REPO}/check-runs"]
    assert comments_on(world.state, REPO, pull.number) == []


async def test_other_comments_are_not_touched(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = await covered_pull(world, sqlite_db)
    bot = world.state.bot_login
    others = [
        comment(world.state, REPO, pull.number, "carol", "Coverage looks low to me."),
        comment(world.state, REPO, pull.number, bot, "Welcome!\n\n<!-- paasbot:comment x -->"),
    ]
    kept = [(entry.id, entry.body, entry.updated_at) for entry in others]
    for hits in (UNIT, COMPLETE):
        await store(sqlite_db, pull.head_sha, lcov({"src/app.py": hits}))
        await carry_out(await plan_for(api, sqlite_db, pull, options()))
        world.clock.advance(60)
    entries = comments_on(world.state, REPO, pull.number)
    assert [(entry.id, entry.body, entry.updated_at) for entry in entries[:2]] == kept
    assert len(entries) == 3
    assert stickies(world, pull) == [entries[2]]
    assert "**Patch coverage: 100.00%**" in entries[2].body


# Idempotence


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param({}, id="defaults"),
        pytest.param({"patch_target": 75, "project_threshold": 1}, id="failing"),
        pytest.param({"annotate": False, "comment": False}, id="bare"),
        pytest.param({"path_fixes": ["lib/::src/"], "name": "unit"}, id="named, fixed"),
    ],
)
async def test_a_second_plan_after_performing_plans_nothing(
    world: World, api: InstallationAPI, db: Database, raw: dict[str, Any]
) -> None:
    pull = await covered_pull(world, db)
    await store(db, pull.base_sha, lcov({"src/app.py": {1: 1}}))
    first = await plan_for(api, db, pull, options(**raw))
    await carry_out(first)
    runs, comments = len(coverage_runs(world, pull)), len(stickies(world, pull))
    before = len(world.state.requests)
    again = await plan_for(api, db, pull, options(**raw), now=NOW + 60)
    assert (again.changes, again.status, again.detail) == ((), Status.DONE, first.detail)
    await carry_out(again)
    assert writes(world.state, before) == []
    assert (len(coverage_runs(world, pull)), len(stickies(world, pull))) == (runs, comments)
