"""`pull_lint`: a pull request's lint findings from the reports stored for its head SHA, read
against the simulator over real HTTP (the PR's files, the head's tree) and a real database:
nothing without a report, one result per report name, paths mapped onto the repository, text
read with the repository's patterns, the filter applied, and one computation per evaluation.

The PR adds lines 11-14 to `src/app.py` (lines 1-10 are on `main`): its hunk shows head lines 8
to 14, three of them context."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.actions.base import PullTarget
from app.github.client import InstallationAPI
from app.reports.lint_formats.detect import parse_lint
from app.reports.lint_model import Level, ReportError
from app.reports.pull_coverage import Computed, pull_coverage
from app.reports.pull_lint import PullLint, pull_lint
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

FIXTURES = Path(__file__).parent / "fixtures" / "lint"
SAMPLE = FIXTURES / "sample"
ADDED = "".join(f"line {number}\n" for number in range(11, 15))
CI_ROOT = "/home/runner/work/widgets/widgets/"  # the checkout on GitHub Actions


def ruff_finding(
    path: str, row: int, message: str, code: str = "F841", severity: str | None = None
) -> dict[str, Any]:
    """One entry of `ruff check --output-format json`."""
    entry: dict[str, Any] = {
        "cell": None,
        "code": code,
        "end_location": {"column": 6, "row": row},
        "filename": path,
        "fix": None,
        "location": {"column": 1, "row": row},
        "message": message,
        "noqa_row": row,
        "url": None,
    }
    if severity is not None:
        entry["severity"] = severity
    return entry


def ruff(*findings: dict[str, Any]) -> bytes:
    return json.dumps(list(findings)).encode()


def sarif_result(message: str, *, line: int | None = 12, **extra: Any) -> dict[str, Any]:
    location = {
        "physicalLocation": {
            "artifactLocation": {"uri": "src/app.py"},
            "region": {"startLine": line},
        }
    }
    return {
        "ruleId": "S101",
        "level": "warning",
        "message": {"text": message},
        "locations": [location] if line is not None else [],
        **extra,
    }


def sarif(*results: dict[str, Any], tool: str = "semgrep") -> bytes:
    run = {"tool": {"driver": {"name": tool}}, "results": list(results)}
    return json.dumps({"version": "2.1.0", "runs": [run]}).encode()


async def store(
    db: Database, sha: str, body: bytes, name: str = "ruff", kind: str = "lint"
) -> None:
    """What the report intake stores for an upload (without checking it)."""
    async with db.transaction() as conn:
        await store_report(
            conn,
            repository=REPO,
            sha=sha,
            kind=kind,
            name=name,
            format="ruff",
            compressed=compress_body(body),
            size=len(body),
            received_at=NOW,
        )


def adding_pull(world: World) -> PullRequest:
    return world.open_pull("feature", {"src/app.py": APP_PY + ADDED})


async def linted(
    target: PullTarget,
    name: str | None = None,
    fixes: tuple[str, ...] = (),
    patterns: tuple[str, ...] = (),
    mode: str = "added",
) -> PullLint:
    found = await pull_lint(target, name, fixes, patterns, mode)
    assert found is not None, "no lint report"
    return found


def messages(findings: tuple[Any, ...]) -> list[str]:
    return [finding.message for finding in findings]


# No report


@pytest.mark.parametrize(
    ("stored", "name"),
    [
        pytest.param([], None, id="no report"),
        pytest.param(["ruff", "eslint"], "pylint", id="only other names"),
    ],
)
async def test_without_a_lint_report_for_the_head_there_is_nothing_and_github_is_not_asked(
    world: World,
    api: InstallationAPI,
    sqlite_db: Database,
    stored: list[str],
    name: str | None,
) -> None:
    pull = adding_pull(world)
    for report in stored:
        await store(sqlite_db, pull.head_sha, ruff(), name=report)
    await store(sqlite_db, pull.base_sha, ruff(), name="pylint")
    await store(sqlite_db, pull.head_sha, b"SF:src/app.py\nend_of_record\n", "pylint", "coverage")
    before = len(world.state.requests)
    assert await pull_lint(target_for(api, sqlite_db, pull), name, (), (), "added") is None
    assert api_calls(world.state, before) == []


# One result per report name


async def test_one_result_per_report_name_sorted_by_name(
    world: World, api: InstallationAPI, db: Database
) -> None:
    pull = adding_pull(world)
    await store(db, pull.head_sha, ruff(ruff_finding("src/app.py", 12, "by ruff")), "ruff")
    await store(db, pull.head_sha.upper(), b"src/app.py:13:1: E302 by flake8\n", "default")
    await store(db, pull.head_sha, sarif(sarif_result("by semgrep")), "Semgrep")
    found = await linted(target_for(api, db, pull))
    assert [(f.name, f.tool, messages(f.kept)) for f in found.figures] == [
        ("Semgrep", "semgrep", ["by semgrep"]),
        ("default", "default", ["by flake8"]),  # text names no tool: the report's name does
        ("ruff", "ruff", ["by ruff"]),
    ]
    assert list(found.changed) == ["src/app.py"]
    assert found.changed["src/app.py"].added == frozenset(range(11, 15))


@pytest.mark.parametrize("name", ["ruff", "default"])
async def test_the_name_option_reads_only_that_report(
    world: World, api: InstallationAPI, sqlite_db: Database, name: str
) -> None:
    pull = adding_pull(world)
    await store(sqlite_db, pull.head_sha, ruff(ruff_finding("src/app.py", 12, "ruff")), "ruff")
    await store(sqlite_db, pull.head_sha, b"src/app.py:12:1: E302 default\n", "default")
    found = await linted(target_for(api, sqlite_db, pull), name)
    assert [(f.name, messages(f.kept)) for f in found.figures] == [(name, [name])]


# The filter


FILTERED = ruff(
    ruff_finding("src/app.py", 12, "on an added line"),
    ruff_finding("src/app.py", 9, "on a context line"),
    ruff_finding("src/app.py", 3, "on an untouched line"),
    {**ruff_finding("src/app.py", 1, "about the whole file"), "cell": 1},
    ruff_finding("README.md", 1, "in a file the PR does not change"),
)


@pytest.mark.parametrize(
    ("mode", "kept"),
    [
        pytest.param("added", ["on an added line"], id="added"),
        pytest.param("diff_context", ["on an added line", "on a context line"], id="diff_context"),
        pytest.param(
            "file",
            [
                "on an added line",
                "on a context line",
                "on an untouched line",
                "cell 1, line 1: about the whole file",
            ],
            id="file",
        ),
        pytest.param(
            "nofilter",
            [
                "on an added line",
                "on a context line",
                "on an untouched line",
                "cell 1, line 1: about the whole file",
                "in a file the PR does not change",
            ],
            id="nofilter",
        ),
    ],
)
async def test_the_filter_mode_splits_the_findings_against_the_diff(
    world: World, api: InstallationAPI, sqlite_db: Database, mode: str, kept: list[str]
) -> None:
    pull = adding_pull(world)
    await store(sqlite_db, pull.head_sha, FILTERED)
    (figures,) = (await linted(target_for(api, sqlite_db, pull), mode=mode)).figures
    everything = messages(parse_lint(FILTERED).findings)
    assert messages(figures.kept) == kept
    assert messages(figures.dropped) == [m for m in everything if m not in kept]
    assert (figures.mode, figures.not_in_repository, figures.unknown_diff) == (mode, 0, 0)


# Paths


async def test_absolute_ci_paths_become_repository_paths(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = adding_pull(world)
    report = ruff(
        ruff_finding(f"{CI_ROOT}src/app.py", 12, "added"),
        ruff_finding(f"{CI_ROOT}README.md", 1, "elsewhere"),
    )
    await store(sqlite_db, pull.head_sha, report)
    (figures,) = (await linted(target_for(api, sqlite_db, pull))).figures
    assert [(f.path, f.message) for f in figures.kept] == [("src/app.py", "added")]
    assert [(f.path, f.message) for f in figures.dropped] == [("README.md", "elsewhere")]
    assert figures.not_in_repository == 0


async def test_findings_in_files_the_repository_does_not_have_are_counted_not_kept(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = adding_pull(world)
    report = ruff(
        ruff_finding("src/app.py", 12, "kept"),
        ruff_finding("vendor/left_pad.js", 12, "no such file"),
        ruff_finding("../outside/app.py", 12, "outside the checkout"),
        ruff_finding("vendor/left_pad.js", 13, "no such file either"),
    )
    await store(sqlite_db, pull.head_sha, report)
    (figures,) = (await linted(target_for(api, sqlite_db, pull), mode="nofilter")).figures
    assert messages(figures.kept) == ["kept"]
    assert figures.dropped == ()
    assert figures.not_in_repository == 3


async def test_path_fixes_rewrite_report_paths_before_they_are_matched(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = adding_pull(world)
    await store(sqlite_db, pull.head_sha, ruff(ruff_finding("build/widgets.py", 12, "fixed")))
    target = target_for(api, sqlite_db, pull)
    (unfixed,) = (await linted(target)).figures
    (fixed,) = (await linted(target, fixes=("build/widgets.py::src/app.py",))).figures
    assert (unfixed.kept, unfixed.not_in_repository) == ((), 1)
    assert [(f.path, f.message) for f in fixed.kept] == [("src/app.py", "fixed")]
    assert fixed.not_in_repository == 0


# Text reports and patterns


MSBUILD = b"src/app.py(12,5): warning CS0168: unused variable\n"
FLAKE8 = b"src/app.py:13:1: E302 expected 2 blank lines\n"
MSBUILD_PATTERN = "%f(%l,%c): %t%*s %n: %m"


@pytest.mark.parametrize(
    ("patterns", "kept", "unreadable"),
    [
        pytest.param((), [("E302", Level.ERROR, 13, 1)], 1, id="built-in formats"),
        pytest.param(
            (MSBUILD_PATTERN,), [("CS0168", Level.WARNING, 12, 5)], 1, id="the patterns instead"
        ),
        pytest.param(
            (MSBUILD_PATTERN, "%f:%l:%c: %n %m"),
            [("CS0168", Level.WARNING, 12, 5), ("E302", Level.WARNING, 13, 1)],
            0,
            id="tried in order",
        ),
    ],
)
async def test_text_reports_are_read_with_the_patterns_when_there_are_some(
    world: World,
    api: InstallationAPI,
    sqlite_db: Database,
    patterns: tuple[str, ...],
    kept: list[tuple[str, Level, int, int]],
    unreadable: int,
) -> None:
    pull = adding_pull(world)
    await store(sqlite_db, pull.head_sha, MSBUILD + FLAKE8, name="build")
    (figures,) = (await linted(target_for(api, sqlite_db, pull), patterns=patterns)).figures
    assert [(f.rule, f.level, f.line, f.column) for f in figures.kept] == kept
    assert figures.unreadable == unreadable


async def test_suppressed_and_unreadable_counts_come_from_the_report(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = adding_pull(world)
    report = sarif(
        sarif_result("kept"),
        sarif_result("silenced", suppressions=[{"kind": "inSource"}]),
        sarif_result("accepted too", suppressions=[{"kind": "external", "status": "accepted"}]),
        sarif_result("nowhere", line=None),
    )
    await store(sqlite_db, pull.head_sha, report, name="semgrep")
    (figures,) = (await linted(target_for(api, sqlite_db, pull))).figures
    assert messages(figures.kept) == ["kept"]
    assert (figures.suppressed, figures.unreadable) == (2, 1)


# The real tools' reports over the sample files


@pytest.mark.parametrize(
    "fixture",
    [
        "ruff.json",
        "ruff.sarif",
        "ruff.txt",
        "pylint.json",
        "pylint-json2.json",
        "pylint.txt",
        "flake8.txt",
        "eslint.json",
        "eslint-checkstyle.xml",
        "gcc.txt",
    ],
)
async def test_a_real_tools_report_over_files_the_pr_adds_keeps_every_finding_with_a_line(
    world: World, api: InstallationAPI, sqlite_db: Database, fixture: str
) -> None:
    sample = {
        path.relative_to(SAMPLE).as_posix(): path.read_text()
        for path in sorted(SAMPLE.rglob("*"))
        if path.is_file()
    }
    pull = world.open_pull("sample", sample)
    data = (FIXTURES / fixture).read_bytes()
    await store(sqlite_db, pull.head_sha, data, name="lint")
    (figures,) = (await linted(target_for(api, sqlite_db, pull))).figures
    parsed = parse_lint(data)
    # The tools ran over /home/ci/sample (absolute paths) or in it (relative ones).
    expected = [
        (re.sub(r"^.*/sample/", "", f.path), f.line, f.rule, f.message) for f in parsed.findings
    ]
    assert all(path in sample for path, *_ in expected), "every path is a sample file"
    assert [(f.path, f.line, f.rule, f.message) for f in figures.kept] == [
        finding for finding in expected if finding[1] is not None
    ]
    assert [(f.path, f.line, f.rule, f.message) for f in figures.dropped] == [
        finding for finding in expected if finding[1] is None
    ]
    assert figures.kept, "the fixture has findings on lines"
    assert (figures.tool, figures.not_in_repository) == (parsed.tool or "lint", 0)
    assert (figures.suppressed, figures.unreadable) == (parsed.suppressed, parsed.unreadable)


# Once per evaluation


async def test_a_second_call_in_the_same_evaluation_asks_github_nothing(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = adding_pull(world)
    await store(sqlite_db, pull.head_sha, ruff(ruff_finding("src/app.py", 12, "ruff")), "ruff")
    await store(sqlite_db, pull.head_sha, FLAKE8, "flake8")
    target = target_for(api, sqlite_db, pull)
    before = len(world.state.requests)
    first = await linted(target)
    trees, files = f"GET /repos/{REPO}/git/trees", f"GET /repos/{REPO}/pulls/{pull.number}/files"
    assert api_calls(world.state, before) == [f"{trees}/{pull.head_sha}", files]
    before = len(world.state.requests)
    assert await linted(target) is first
    flake8 = await linted(target, "flake8", mode="nofilter")
    assert [f.name for f in flake8.figures] == ["flake8"], "other options: their own result"
    assert api_calls(world.state, before) == [], "the tree and the files are read once"
    assert await linted(target) is first
    before = len(world.state.requests)
    assert await linted(target_for(api, sqlite_db, pull)) == first
    assert api_calls(world.state, before) != [], "a new evaluation reads again"


async def test_no_report_is_remembered_for_the_evaluation_too(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = adding_pull(world)
    target = target_for(api, sqlite_db, pull)
    assert await pull_lint(target, None, (), (), "added") is None
    await store(sqlite_db, pull.head_sha, ruff(ruff_finding("src/app.py", 12, "late")))
    assert await pull_lint(target, None, (), (), "added") is None
    assert await pull_lint(target_for(api, sqlite_db, pull), None, (), (), "added") is not None


@pytest.mark.parametrize("lint_first", [True, False], ids=["lint first", "coverage first"])
async def test_lint_and_coverage_in_one_evaluation_read_the_tree_once(
    world: World, api: InstallationAPI, sqlite_db: Database, lint_first: bool
) -> None:
    pull = adding_pull(world)
    await store(sqlite_db, pull.head_sha, ruff(ruff_finding("src/app.py", 12, "ruff")))
    lcov = b"SF:src/app.py\nDA:11,1\nDA:12,0\nend_of_record\n"
    await store(sqlite_db, pull.head_sha, lcov, name="unit", kind="coverage")
    target = target_for(api, sqlite_db, pull)
    before = len(world.state.requests)
    if lint_first:
        lint = await linted(target)
        coverage = await pull_coverage(target, None, (), 1)
    else:
        coverage = await pull_coverage(target, None, (), 1)
        lint = await linted(target)
    assert isinstance(coverage, Computed) and coverage.figures.patch.percent == 50.0
    assert messages(lint.figures[0].kept) == ["ruff"]
    calls = api_calls(world.state, before)
    assert calls.count(f"GET /repos/{REPO}/git/trees/{pull.head_sha}") == 1
    assert calls.count(f"GET /repos/{REPO}/pulls/{pull.number}/files") == 1


# Reports that no longer parse


@pytest.mark.parametrize(
    ("body", "patterns", "message"),
    [
        pytest.param(b"<html>502 Bad Gateway</html>", (), "root element <html>", id="html"),
        pytest.param(b'{"errors": []}', (), "JSON of an unknown shape", id="unknown JSON"),
        pytest.param(b'[{"code": "F401"', (), "JSON line 1 column 17", id="truncated"),
        pytest.param(b"src/app.py:12\x00", (), "NUL byte", id="binary"),
        pytest.param(FLAKE8, ("%f:%l",), "has no %m", id="a pattern the parser refuses"),
    ],
)
async def test_a_stored_report_that_no_longer_parses_is_a_report_error(
    world: World,
    api: InstallationAPI,
    sqlite_db: Database,
    body: bytes,
    patterns: tuple[str, ...],
    message: str,
) -> None:
    pull = adding_pull(world)
    await store(sqlite_db, pull.head_sha, ruff(ruff_finding("src/app.py", 12, "ruff")), "ruff")
    await store(sqlite_db, pull.head_sha, body, name="broken")
    with pytest.raises(ReportError, match=re.escape(message)):
        await pull_lint(target_for(api, sqlite_db, pull), None, (), patterns, "added")
    found = await linted(target_for(api, sqlite_db, pull), "ruff", patterns=patterns)
    assert [f.name for f in found.figures] == ["ruff"], "a name that avoids it is computed"
