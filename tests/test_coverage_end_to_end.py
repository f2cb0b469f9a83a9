"""The `coverage` action end to end: CI uploads an LCOV report through paasbot's report intake,
the PR gets the `paasbot/coverage` check run with annotations on its uncovered added lines and one
sticky comment, which a second push updates in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.sandbox import SimulatedGitHub
from app.sandbox.demo import DemoStage
from app.sandbox.ops.issues import comments_on
from tests.e2e_world import check_runs_named, upload_report

REPO = "acme/calc"
CONFIG = """
rules:
  - name: Coverage
    do:
      coverage: {patch_target: 75%}
"""
BASE = "def add(a, b):\n    return a + b\n"
HEAD = BASE + "\n\ndef sub(a, b):\n    if a > b:\n        return a - b\n    return b - a\n"


def lcov(path: str, hits: dict[int, int]) -> bytes:
    lines = [f"SF:{path}", *(f"DA:{line},{count}" for line, count in hits.items())]
    return ("\n".join([*lines, "end_of_record"]) + "\n").encode()


def world() -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    files = {".paasbot.yml": CONFIG, "calc/ops.py": BASE}
    state.add_repository(installation, "calc", files=files)
    return state


async def upload(stage: DemoStage, sha: str, body: bytes) -> dict[str, Any]:
    return await upload_report(stage, REPO, sha, body, kind="coverage", name="unit")


async def test_an_uploaded_report_reaches_the_pr_as_a_check_annotations_and_one_comment(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    async with stage_for(state) as stage:
        state.commit(REPO, "sub", {"calc/ops.py": HEAD}, author="alice")
        pull = state.open_pull(REPO, "Add sub", head_ref="sub")
        await stage.settle()
        assert check_runs_named(state, REPO, pull.head_sha, "paasbot/coverage") == []
        # /home/runner/... is how GitHub Actions names the file: mapped onto calc/ops.py.
        path = "/home/runner/work/calc/calc/calc/ops.py"
        answer = await upload(
            stage, pull.head_sha, lcov(path, {1: 1, 2: 1, 5: 1, 6: 1, 7: 0, 8: 0})
        )
        assert answer["pull_requests"] == [pull.number]
        await stage.settle()
        (check,) = check_runs_named(state, REPO, pull.head_sha, "paasbot/coverage")
        # Added executable lines 5, 6, 7 and 8; 5 and 6 covered: 50% < 75%.
        assert check.conclusion == "failure"
        assert check.output["title"].startswith("Patch 50.00% · project 66.66%")
        assert [(a["start_line"], a["end_line"]) for a in check.annotations] == [(7, 8)]
        assert check.annotations[0]["path"] == "calc/ops.py"
        first = [c for c in comments_on(state, REPO, pull.number) if "paasbot:coverage" in c.body]
        assert len(first) == 1 and "**Patch coverage: 50.00%**" in first[0].body

        better = HEAD.replace("return b - a", "return abs(b - a)")
        state.commit(REPO, "sub", {"calc/ops.py": better}, author="alice")
        await stage.settle()
        await upload(stage, pull.head_sha, lcov(path, {1: 1, 2: 1, 5: 1, 6: 1, 7: 1, 8: 1}))
        await stage.settle()
        (check,) = check_runs_named(state, REPO, pull.head_sha, "paasbot/coverage")
        assert check.conclusion == "success"
        assert check.annotations == []
        sticky = [c for c in comments_on(state, REPO, pull.number) if "paasbot:coverage" in c.body]
        assert len(sticky) == 1, "one sticky comment, edited in place"
        assert sticky[0].id == first[0].id
        assert "**Patch coverage: 100.00%**" in sticky[0].body


async def test_coverage_figures_are_attributes_other_rules_can_test(
    stage_for: Callable[..., Any],
) -> None:
    config = CONFIG + (
        "  - name: Well tested\n"
        '    if: ["coverage-patch>=75", "coverage-project>=60"]\n'
        "    do:\n"
        "      label: {toggle: [well-tested]}\n"
    )
    state = world()
    state.commit(REPO, "main", {".paasbot.yml": config}, author="alice")
    async with stage_for(state) as stage:
        state.commit(REPO, "sub", {"calc/ops.py": HEAD}, author="alice")
        pull = state.open_pull(REPO, "Add sub", head_ref="sub")
        await stage.settle()
        summary = check_runs_named(state, REPO, pull.head_sha, "paasbot")[0].output["summary"]
        assert "✗ `coverage-patch>=75` — coverage-patch: *none*" in summary
        path = "calc/ops.py"
        await upload(stage, pull.head_sha, lcov(path, {1: 1, 2: 1, 5: 1, 6: 1, 7: 1, 8: 0}))
        await stage.settle()
        summary = check_runs_named(state, REPO, pull.head_sha, "paasbot")[0].output["summary"]
        assert "✓ `coverage-patch>=75` — coverage-patch: `75.00`" in summary
        assert "well-tested" in state.pull(REPO, pull.number).labels


async def test_an_upload_wakes_rules_on_the_report_event(stage_for: Callable[..., Any]) -> None:
    config = CONFIG + (
        "  - name: Thanks\n"
        "    on: [report.coverage]\n"
        "    do:\n"
        "      comment: {body: 'coverage received'}\n"
    )
    state = world()
    state.commit(REPO, "main", {".paasbot.yml": config}, author="alice")
    async with stage_for(state) as stage:
        state.commit(REPO, "sub", {"calc/ops.py": HEAD}, author="alice")
        pull = state.open_pull(REPO, "Add sub", head_ref="sub")
        await stage.settle()
        assert not [c for c in comments_on(state, REPO, pull.number) if "received" in c.body]
        await upload(stage, pull.head_sha, lcov("calc/ops.py", {5: 1, 6: 1}))
        await stage.settle()
        thanks = [c for c in comments_on(state, REPO, pull.number) if "received" in c.body]
        assert len(thanks) == 1
