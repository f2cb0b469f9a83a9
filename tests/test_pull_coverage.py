"""`pull_coverage`: a pull request's coverage from the reports stored for its head and base SHA,
read against the simulator over real HTTP (the PR's files, the trees of its head and base) and a
real database: waiting for reports, filtering them by name, merging them, mapping their paths,
the base's project coverage, and one computation per evaluation.

The PR adds lines 11-14 to `src/app.py` (lines 1-10 are on `main`)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from app.actions.base import PullTarget
from app.github.client import InstallationAPI
from app.reports.coverage_model import ReportError
from app.reports.pull_coverage import Computed, Waiting, pull_coverage
from app.sandbox.models import PullRequest
from app.store.db import Database
from app.store.reports import compress_body, store_report
from tests.action_world import (
    NOW,
    api_calls,
    sqlite_db_fixture,  # noqa: F401
    target_for,
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

ADDED = "".join(f"line {number}\n" for number in range(11, 15))
# unit: of the added lines 11 and 14 ran; of the whole file 1, 2, 11 and 14 (4 of 7).
UNIT = {"src/app.py": {1: 1, 2: 1, 3: 0, 11: 1, 12: 0, 13: 0, 14: 2}}
# e2e: lines 3 and 12 ran, which the unit tests missed.
E2E = {"src/app.py": {3: 4, 12: 1, 13: 0}}
UNMATCHED = "1 report path(s) match no file of the repository"
ESCAPED = "1 report path(s) point outside the repository (ignored)"


def lcov(files: Mapping[str, Mapping[int, int]]) -> bytes:
    records = [
        "\n".join([f"SF:{path}", *(f"DA:{line},{count}" for line, count in hits.items())])
        for path, hits in files.items()
    ]
    return "".join(f"{record}\nend_of_record\n" for record in records).encode()


async def store(
    db: Database, sha: str, body: bytes, name: str = "unit", kind: str = "coverage"
) -> None:
    """What the report intake stores for an upload (without checking it)."""
    async with db.transaction() as conn:
        await store_report(
            conn,
            repository=REPO,
            sha=sha,
            kind=kind,
            name=name,
            format="lcov",
            compressed=compress_body(body),
            size=len(body),
            received_at=NOW,
        )


def adding_pull(world: World) -> PullRequest:
    return world.open_pull("feature", {"src/app.py": APP_PY + ADDED})


async def computed(
    target: PullTarget,
    name: str | None = None,
    fixes: tuple[str, ...] = (),
    wait_for: int = 1,
) -> Computed:
    found = await pull_coverage(target, name, fixes, wait_for)
    assert isinstance(found, Computed), found
    return found


def lines(found: Computed) -> list[tuple[str, tuple[int, ...], tuple[int, ...]]]:
    """Per file of the patch: its covered and its missed added lines."""
    return [(file.path, file.covered, file.missed) for file in found.figures.patch.files]


# Waiting for reports


@pytest.mark.parametrize(
    ("stored", "name", "wait_for", "received"),
    [
        pytest.param([], None, 1, 0, id="no report"),
        pytest.param(["unit"], None, 2, 1, id="one of two"),
        pytest.param(["unit", "e2e"], None, 3, 2, id="two of three"),
        pytest.param(["unit"], "e2e", 1, 0, id="not the named one"),
    ],
)
async def test_too_few_reports_wait_without_asking_github(
    world: World,
    api: InstallationAPI,
    sqlite_db: Database,
    stored: list[str],
    name: str | None,
    wait_for: int,
    received: int,
) -> None:
    pull = adding_pull(world)
    for report in stored:
        await store(sqlite_db, pull.head_sha, lcov(UNIT), name=report)
    await store(sqlite_db, pull.base_sha, lcov(UNIT), name="base only")
    before = len(world.state.requests)
    found = await pull_coverage(target_for(api, sqlite_db, pull), name, (), wait_for)
    assert found == Waiting(received=received, expected=wait_for)
    assert api_calls(world.state, before) == []


async def test_reports_of_other_kinds_and_commits_do_not_count(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = adding_pull(world)
    await store(sqlite_db, pull.base_sha, lcov(UNIT))
    await store(sqlite_db, pull.head_sha, lcov(UNIT), kind="lint")
    found = await pull_coverage(target_for(api, sqlite_db, pull), None, (), 1)
    assert found == Waiting(received=0, expected=1)


# What is computed


async def test_one_report_gives_patch_and_project_coverage(
    world: World, api: InstallationAPI, db: Database
) -> None:
    pull = adding_pull(world)
    await store(db, pull.head_sha.upper(), lcov(UNIT))
    found = await computed(target_for(api, db, pull))
    patch = found.figures.patch
    assert lines(found) == [("src/app.py", (11, 14), (12, 13))]
    assert (patch.covered, patch.executable, patch.percent) == (2, 4, 50.0)
    assert found.figures.project == pytest.approx(400 / 7)
    assert found.figures.base_project is None, "no report for the base commit"
    assert found.figures.reports == ("unit",)
    assert found.notes == ()


async def test_reports_of_one_sha_are_merged_a_line_covered_by_either_counts(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = adding_pull(world)
    await store(sqlite_db, pull.head_sha, lcov(UNIT), name="unit")
    await store(sqlite_db, pull.head_sha, lcov(E2E), name="e2e")
    found = await computed(target_for(api, sqlite_db, pull), wait_for=2)
    assert lines(found) == [("src/app.py", (11, 12, 14), (13,))]
    assert found.figures.patch.percent == 75.0
    assert found.figures.project == pytest.approx(600 / 7)
    assert found.figures.reports == ("e2e", "unit")


@pytest.mark.parametrize(
    ("name", "covered", "missed", "reports"),
    [
        pytest.param("unit", (11, 14), (12, 13), ("unit",), id="unit"),
        pytest.param("e2e", (12,), (13,), ("e2e",), id="e2e"),
        pytest.param(None, (11, 12, 14), (13,), ("e2e", "unit"), id="no name: all merged"),
    ],
)
async def test_reports_are_filtered_by_name(
    world: World,
    api: InstallationAPI,
    sqlite_db: Database,
    name: str | None,
    covered: tuple[int, ...],
    missed: tuple[int, ...],
    reports: tuple[str, ...],
) -> None:
    pull = adding_pull(world)
    await store(sqlite_db, pull.head_sha, lcov(UNIT), name="unit")
    await store(sqlite_db, pull.head_sha, lcov(E2E), name="e2e")
    found = await computed(target_for(api, sqlite_db, pull), name)
    assert lines(found) == [("src/app.py", covered, missed)]
    assert found.figures.reports == reports


async def test_an_added_file_no_report_names_has_no_patch_figure(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = world.open_pull("docs", {"docs/guide.md": "Read me.\n"})
    await store(sqlite_db, pull.head_sha, lcov(UNIT))
    found = await computed(target_for(api, sqlite_db, pull))
    assert found.figures.patch.files == ()
    assert found.figures.patch.percent is None
    assert found.figures.project == pytest.approx(400 / 7)


# The base commit


async def test_the_base_project_coverage_comes_from_the_base_report_with_the_same_name(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = adding_pull(world)
    await store(sqlite_db, pull.head_sha, lcov(UNIT))
    await store(sqlite_db, pull.base_sha, lcov({"src/app.py": {1: 1, 2: 0, 3: 0, 4: 0}}))
    await store(sqlite_db, pull.base_sha, lcov({"src/app.py": {2: 1}}), name="e2e")
    unit = await computed(target_for(api, sqlite_db, pull), "unit")
    every = await computed(target_for(api, sqlite_db, pull))
    assert unit.figures.base_project == 25.0
    assert every.figures.base_project == 50.0, "the base reports merged as the head's are"


async def test_the_base_tree_is_read_only_when_a_base_report_exists(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = adding_pull(world)
    await store(sqlite_db, pull.head_sha, lcov(UNIT))
    pulls, repo = f"GET /repos/{REPO}/pulls/1", f"GET /repos/{REPO}/git/trees"
    head_reads = [pulls, f"{repo}/{pull.head_sha}", f"{pulls}/files"]
    before = len(world.state.requests)
    await computed(target_for(api, sqlite_db, pull))
    assert api_calls(world.state, before) == head_reads
    await store(sqlite_db, pull.base_sha, lcov(UNIT))
    before = len(world.state.requests)
    await computed(target_for(api, sqlite_db, pull))
    assert api_calls(world.state, before) == [*head_reads, f"{repo}/{pull.base_sha}"]


async def test_an_unreadable_base_report_leaves_the_base_figure_out(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = adding_pull(world)
    await store(sqlite_db, pull.head_sha, lcov(UNIT))
    await store(sqlite_db, pull.base_sha, b"<html>not a report</html>")
    found = await computed(target_for(api, sqlite_db, pull))
    assert found.figures.base_project is None
    assert found.figures.patch.percent == 50.0


async def test_a_base_commit_github_no_longer_has_leaves_the_base_figure_out(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = adding_pull(world)
    gone = "f" * 40  # e.g. force-pushed away and collected: its tree answers 404
    pull.base_sha = gone
    await store(sqlite_db, pull.head_sha, lcov(UNIT))
    await store(sqlite_db, gone, lcov(UNIT))
    before = len(world.state.requests)
    found = await computed(target_for(api, sqlite_db, pull))
    assert found.figures.base_project is None
    assert found.figures.patch.percent == 50.0
    assert f"GET /repos/{REPO}/git/trees/{gone}" in api_calls(world.state, before)


# Paths


async def test_report_paths_outside_the_repository_are_noted(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = adding_pull(world)
    report = {**UNIT, "vendor/left_pad.py": {1: 1}, "../outside/app.py": {1: 0}}
    await store(sqlite_db, pull.head_sha, lcov(report))
    found = await computed(target_for(api, sqlite_db, pull))
    assert found.notes == (UNMATCHED, ESCAPED)
    assert found.figures.project == pytest.approx(400 / 7), "only the mapped file counts"


async def test_absolute_ci_paths_are_mapped_onto_the_repository(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = adding_pull(world)
    report = {f"/home/runner/work/widgets/widgets/{path}": hits for path, hits in UNIT.items()}
    await store(sqlite_db, pull.head_sha, lcov(report))
    found = await computed(target_for(api, sqlite_db, pull))
    assert lines(found) == [("src/app.py", (11, 14), (12, 13))]
    assert found.notes == ()


async def test_path_fixes_are_applied(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = adding_pull(world)
    await store(sqlite_db, pull.head_sha, lcov({"dist/widgets.py": UNIT["src/app.py"]}))
    await store(sqlite_db, pull.base_sha, lcov({"dist/widgets.py": {1: 1, 2: 0}}))
    unfixed = await computed(target_for(api, sqlite_db, pull))
    fixed = await computed(target_for(api, sqlite_db, pull), fixes=("dist/widgets.py::src/app.py",))
    assert (unfixed.notes, unfixed.figures.patch.percent, unfixed.figures.project) == (
        (UNMATCHED,),
        None,
        None,
    )
    assert fixed.notes == ()
    assert lines(fixed) == [("src/app.py", (11, 14), (12, 13))]
    assert fixed.figures.base_project == 50.0, "the base report's paths are fixed too"


# Once per evaluation


async def test_a_second_call_in_the_same_evaluation_asks_github_nothing(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = adding_pull(world)
    await store(sqlite_db, pull.head_sha, lcov(UNIT), name="unit")
    await store(sqlite_db, pull.head_sha, lcov(E2E), name="e2e")
    await store(sqlite_db, pull.base_sha, lcov(UNIT))
    target = target_for(api, sqlite_db, pull)
    first = await computed(target)
    before = len(world.state.requests)
    assert await computed(target) is first
    assert api_calls(world.state, before) == []
    unit = await computed(target, "unit")
    assert lines(unit) == [("src/app.py", (11, 14), (12, 13))], "other options: their own result"
    assert lines(await computed(target)) == [("src/app.py", (11, 12, 14), (13,))]
    before = len(world.state.requests)
    assert await computed(target_for(api, sqlite_db, pull)) == first
    assert api_calls(world.state, before) != [], "a new evaluation reads again"


async def test_an_evaluation_keeps_waiting_for_a_report_that_arrives_during_it(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = adding_pull(world)
    target = target_for(api, sqlite_db, pull)
    assert await pull_coverage(target, None, (), 1) == Waiting(0, 1)
    await store(sqlite_db, pull.head_sha, lcov(UNIT))
    assert await pull_coverage(target, None, (), 1) == Waiting(0, 1)
    assert isinstance(await pull_coverage(target_for(api, sqlite_db, pull), None, (), 1), Computed)


# Reports that no longer parse


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(b"<html>not a report</html>", "unknown coverage format", id="unknown"),
        pytest.param(b"  \n", "empty", id="empty"),
    ],
)
async def test_a_stored_report_that_no_longer_parses_is_a_report_error(
    world: World, api: InstallationAPI, sqlite_db: Database, body: bytes, message: str
) -> None:
    pull = adding_pull(world)
    await store(sqlite_db, pull.head_sha, lcov(UNIT), name="unit")
    await store(sqlite_db, pull.head_sha, body, name="broken")
    with pytest.raises(ReportError, match=message):
        await pull_coverage(target_for(api, sqlite_db, pull), None, (), 1)
    found = await computed(target_for(api, sqlite_db, pull), "unit")
    assert found.figures.reports == ("unit",), "a name that avoids it is computed"
