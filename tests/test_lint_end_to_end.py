"""The `lint` action end to end: CI uploads a ruff JSON report through paasbot's report intake; the
PR's `paasbot/lint/ruff` check run gets annotations on exactly the findings its filter keeps, and
with `review_comments: true` one review of inline comments that a later push does not repeat."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from app.sandbox import SimulatedGitHub
from app.sandbox.ops.reviews import review_comments_of
from tests.e2e_world import check_runs_named, upload_report

REPO = "acme/calc"
PATH = "calc/ops.py"
CI_PATH = "/home/runner/work/calc/calc/calc/ops.py"  # as ruff names it on GitHub Actions
BASE = "".join(f"x{n} = {n}\n" for n in range(1, 31))
# Two lines added after line 10: the hunk shows head lines 8 to 15 (three lines of context).
HEAD = BASE.replace("x10 = 10\n", "x10 = 10\nnew_a = 1\nnew_b = 2\n")


def ruff_finding(code: str, row: int, end_row: int, message: str, path: str = CI_PATH) -> Any:
    return {
        "cell": None,
        "code": code,
        "end_location": {"column": 10, "row": end_row},
        "filename": path,
        "fix": None,
        "location": {"column": 1, "row": row},
        "message": message,
        "noqa_row": row,
        "url": f"https://docs.astral.sh/ruff/rules/{code}",
    }


FINDINGS = [
    ruff_finding("F841", 11, 11, "on an added line"),
    ruff_finding("E501", 9, 9, "on a context line"),
    ruff_finding("E711", 25, 25, "on an untouched line"),
    ruff_finding("B006", 9, 11, "from a context line to an added line"),
    ruff_finding("F401", 3, 3, "in a vendored file", path="/home/runner/work/vendor/lib.py"),
]


def report(findings: list[Any]) -> bytes:
    return json.dumps(findings).encode()


def config(options: str) -> str:
    return f"rules:\n  - name: Lint\n    do:\n      lint: {{{options}}}\n"


def world(options: str) -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    files = {".paasbot.yml": config(options), PATH: BASE}
    state.add_repository(installation, "calc", files=files)
    return state


def annotated(run: Any) -> list[tuple[str, int, int, str]]:
    return sorted(
        (a["path"], a["start_line"], a["end_line"], a["message"]) for a in run.annotations
    )


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        pytest.param(
            "added",
            [(9, 11, "from a context line to an added line"), (11, 11, "on an added line")],
            id="added",
        ),
        pytest.param(
            "diff_context",
            [
                (9, 9, "on a context line"),
                (9, 11, "from a context line to an added line"),
                (11, 11, "on an added line"),
            ],
            id="diff_context",
        ),
        pytest.param(
            "file",
            [
                (9, 9, "on a context line"),
                (9, 11, "from a context line to an added line"),
                (11, 11, "on an added line"),
                (25, 25, "on an untouched line"),
            ],
            id="file",
        ),
    ],
)
async def test_the_check_run_annotates_exactly_what_the_filter_keeps(
    stage_for: Callable[..., Any], mode: str, expected: list[tuple[int, int, str]]
) -> None:
    state = world(f"filter: {mode}")
    async with stage_for(state) as stage:
        state.commit(REPO, "feature", {PATH: HEAD}, author="alice")
        pull = state.open_pull(REPO, "Add names", head_ref="feature")
        await stage.settle()
        answer = await upload_report(
            stage, REPO, pull.head_sha, report(FINDINGS), kind="lint", name="ruff"
        )
        assert answer["format"] == "ruff" and answer["pull_requests"] == [pull.number]
        await stage.settle()
        (run,) = check_runs_named(state, REPO, pull.head_sha, "paasbot/lint/ruff")
        assert annotated(run) == [(PATH, *line) for line in expected]
        assert run.conclusion == "failure"
        assert run.output["title"].startswith(f"{len(expected)} findings on the PR's lines")
        summary = run.output["summary"]
        assert f"(filter `{mode}`, fails on error)" in summary
        assert "1 finding in files the repository does not have" in summary
        single = next(a for a in run.annotations if a["message"] == "on an added line")
        assert single["title"] == "[ruff] F841" and single["annotation_level"] == "failure"
        assert (single["start_column"], single["end_column"]) == (1, 9)
        paasbot = check_runs_named(state, REPO, pull.head_sha, "paasbot")[0]
        assert "`paasbot/lint/ruff` failure" in paasbot.output["summary"]


async def test_review_comments_are_posted_once_and_not_repeated_when_a_push_moves_them(
    stage_for: Callable[..., Any],
) -> None:
    state = world("review_comments: true, fail_on: never")
    async with stage_for(state) as stage:
        state.commit(REPO, "feature", {PATH: HEAD}, author="alice")
        pull = state.open_pull(REPO, "Add names", head_ref="feature")
        await stage.settle()
        await upload_report(stage, REPO, pull.head_sha, report(FINDINGS), kind="lint", name="ruff")
        await stage.settle()
        comments = review_comments_of(state, state.pull(REPO, pull.number))
        assert sorted((c.path, c.line) for c in comments) == [(PATH, 11), (PATH, 11)]
        assert all("<!-- paasbot:lint:" in c.body for c in comments)
        (run,) = check_runs_named(state, REPO, pull.head_sha, "paasbot/lint/ruff")
        assert run.conclusion == "success"
        assert run.annotations == [], "the findings are review comments instead"
        assert "2 of them are review comments." in run.output["summary"]

        # A line added above moves both findings down one line, and adds one new finding.
        moved = "x0 = 0\n" + HEAD + "new_c = 3\n"
        state.commit(REPO, "feature", {PATH: moved}, author="alice")
        await stage.settle()
        pull = state.pull(REPO, pull.number)
        findings = [
            ruff_finding("F841", 12, 12, "on an added line"),
            ruff_finding("B006", 10, 12, "from a context line to an added line"),
            ruff_finding("F841", 34, 34, "a new one"),
        ]
        await upload_report(stage, REPO, pull.head_sha, report(findings), kind="lint", name="ruff")
        await stage.settle()
        comments = review_comments_of(state, state.pull(REPO, pull.number))
        assert len(comments) == 3, "the moved findings are not commented again"
        assert comments[-1].line == 34 and "a new one" in comments[-1].body
        reviews = [r for r in state.pull(REPO, pull.number).reviews if "paasbot" in r.body]
        assert len(reviews) == 2
