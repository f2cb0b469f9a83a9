"""The scale benchmark: its duplicate-write rules on made-up writes, and its tiny size end to end
(1 and 2 paasbot processes on a fresh PostgreSQL database: skipped locally without PostgreSQL,
failed in CI)."""

from __future__ import annotations

import asyncio
import math

import pytest

from bench.scale import SIZES, Reset, Write, duplicate_count, duplicated_writes, measure
from tests.db_fixtures import IN_CI, PG_ADMIN_URL, _postgres_available

REPO = "/repos/acme/shop"


def _write(at: float, method: str, path: str, body: object = None, status: int = 201) -> Write:
    return Write(at, method, REPO + path, body, status, process=int(at) % 2)


def test_repeated_writes_are_counted_once_each_beyond_the_first() -> None:
    writes = [
        _write(1, "PUT", "/pulls/1/merge", status=200),
        _write(2, "PUT", "/pulls/1/merge", status=200),
        _write(3, "PUT", "/pulls/1/merge", status=405),  # refused: not a write
        _write(1, "POST", "/issues/2/comments", {"body": "Done"}),
        _write(2, "POST", "/issues/2/comments", {"body": "Done"}),
        _write(3, "POST", "/issues/3/comments", {"body": "Done"}),  # another PR
        _write(1, "POST", "/check-runs", {"name": "paasbot", "head_sha": "a" * 40}),
        _write(5, "POST", "/check-runs", {"name": "paasbot", "head_sha": "a" * 40}),
        _write(1, "PUT", "/pulls/4/update-branch", {"expected_head_sha": "b" * 40}, 202),
        _write(2, "PUT", "/pulls/4/update-branch", {"expected_head_sha": "c" * 40}, 202),
    ]
    found = duplicated_writes(writes, [])
    assert sorted(d.kind for d in found) == ["check run", "comment", "merge"]
    assert duplicate_count(found) == 3


def test_annotated_check_runs_are_recreated_on_purpose_unless_raced() -> None:
    annotated = {
        "name": "lint",
        "head_sha": "a" * 40,
        "output": {"title": "t", "summary": "s", "annotations": [{"path": "x"}]},
    }
    apart = [
        _write(1, "POST", "/check-runs", annotated),
        _write(4, "POST", "/check-runs", annotated),
    ]
    assert duplicated_writes(apart, []) == []
    raced = [  # another process, 0.2 s later
        Write(1.0, "POST", REPO + "/check-runs", annotated, 201, process=0),
        Write(1.2, "POST", REPO + "/check-runs", annotated, 201, process=1),
    ]
    assert duplicate_count(duplicated_writes(raced, [])) == 1


def test_a_review_request_repeated_counts_only_while_the_first_stands() -> None:
    request = {"reviewers": ["bob"], "team_reviewers": ["backend"]}
    writes = [
        _write(1, "POST", "/pulls/5/requested_reviewers", request),
        _write(3, "POST", "/pulls/5/requested_reviewers", request),
    ]
    found = duplicated_writes(writes, [])
    assert duplicate_count(found) == 2  # bob and the team, both still requested
    answered = [Reset(2, "acme/shop", 5, "bob", review=True)]
    assert duplicate_count(duplicated_writes(writes, answered)) == 0  # a review answers both


def test_the_tiny_size_runs_with_no_duplicated_writes() -> None:
    if not _postgres_available():
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}"
        if IN_CI:
            pytest.fail(f"{message}; CI must run the PostgreSQL tests")
        pytest.skip(message)
    report: list[str] = []
    figures = asyncio.run(measure(**SIZES["tiny"], postgres=PG_ADMIN_URL, report=report))
    by_name = {figure.name: figure for figure in figures}
    for n in SIZES["tiny"]["processes"]:
        assert by_name[f"scale {n} proc: wall time"].value > 0
        assert by_name[f"scale {n} proc: deliveries handled"].value > 0
        assert by_name[f"scale {n} proc: evaluations"].value > 0
        duplicated = by_name[f"scale {n} proc: duplicated writes"]
        assert duplicated.value == 0, "\n".join(report)
        assert duplicated.meets is True
        assert by_name[f"scale {n} proc: concurrent evaluations"].value == 0, "\n".join(report)
    scaling = by_name["scale 2 proc: deliveries/s vs 1 proc"].value
    assert not math.isnan(scaling) and scaling > 0
    assert any(line.startswith("2 paasbot process(es)") for line in report)
