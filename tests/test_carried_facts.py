"""What an evaluation may reuse from the previous one: which events make which reads stale,
how old a kept read may be, and what is kept."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.engine.carried_facts import (
    CHECK_RUNS,
    COMMITS_BEHIND,
    FAMILIES,
    MAX_FAMILY_BYTES,
    PULL,
    REVIEWS,
    STATUSES,
    Carried,
    absorb,
    changed_families,
    document_of,
    reusable,
    slim,
    update_from,
)


@pytest.mark.parametrize(
    ("events", "changed"),
    [
        ({"pull_request", "pull_request.labeled"}, {PULL}),
        ({"issue_comment", "issue_comment.created"}, {PULL}),
        ({"pull_request_review.submitted"}, {PULL, REVIEWS}),
        ({"status"}, {STATUSES}),
        ({"check_run.completed", "check_suite.completed"}, {CHECK_RUNS}),
        ({"check_suite.completed"}, set()),
        ({"push"}, {PULL, COMMITS_BEHIND}),
        ({"report.coverage"}, set()),
        ({"status", "pull_request_review.dismissed"}, {STATUSES, PULL, REVIEWS}),
        # An event this module does not know may have changed anything.
        ({"status", "merge_group.checks_requested"}, FAMILIES),
        (set(), set()),
    ],
)
def test_the_families_each_event_changes(events: set[str], changed: set[str]) -> None:
    assert changed_families(events) == changed


def test_a_refresh_changes_every_family() -> None:
    assert changed_families({"pull_request"}, refresh=True) == FAMILIES


def entry(key: str = "sha1", read_at: float = 100.0, value: Any = None) -> dict[str, Any]:
    return {"key": key, "read_at": read_at, "value": [] if value is None else value}


def test_reusable_families_are_fresh_and_unchanged() -> None:
    document = {REVIEWS: entry("7"), STATUSES: entry(), CHECK_RUNS: entry(read_at=10.0)}
    kept = reusable(document, frozenset({STATUSES}), now=400.0, max_age=300.0)
    assert kept == {REVIEWS: Carried("7", 100.0, [])}, "statuses changed, check runs too old"


@pytest.mark.parametrize(
    "document",
    [
        None,
        {REVIEWS: "not an object"},
        {REVIEWS: {"key": 7, "read_at": 100.0, "value": []}},
        {REVIEWS: {"key": "7", "read_at": "yesterday", "value": []}},
        {REVIEWS: {"key": "7", "read_at": 100.0}},
        {REVIEWS: entry(read_at=500.0)},  # read after now: a clock that went back
        {"files": entry()},
    ],
)
def test_malformed_or_unknown_entries_are_never_trusted(document: Any) -> None:
    assert reusable(document, frozenset(), now=200.0, max_age=300.0) == {}


def test_a_max_age_of_zero_reuses_nothing_older_than_now() -> None:
    assert reusable({REVIEWS: entry(read_at=199.0)}, frozenset(), now=200.0, max_age=0.0) == {}


def test_the_document_round_trips_and_leaves_out_families_too_large() -> None:
    small = Carried("sha", 1.0, [{"context": "ci", "state": "success"}])
    large = Carried("sha", 1.0, [{"body": "x" * MAX_FAMILY_BYTES}])
    document = json.loads(json.dumps(document_of({STATUSES: small, REVIEWS: large})))
    assert set(document) == {STATUSES}
    assert reusable(document, frozenset(), now=2.0, max_age=10.0) == {STATUSES: small}


def test_slim_keeps_only_what_the_engine_reads() -> None:
    run = {
        "id": 1,
        "name": "tests",
        "status": "completed",
        "conclusion": "success",
        "started_at": "2026-11-28T10:00:00Z",
        "completed_at": "2026-11-28T10:01:00Z",
        "output": {"summary": "x" * 10_000},
        "app": {"id": 15368, "slug": "actions", "owner": {"login": "github"}},
    }
    assert slim(CHECK_RUNS, [run]) == [
        {
            "id": 1,
            "name": "tests",
            "status": "completed",
            "conclusion": "success",
            "started_at": "2026-11-28T10:00:00Z",
            "completed_at": "2026-11-28T10:01:00Z",
            "app": {"id": 15368, "slug": "actions"},
        }
    ]
    review = {"id": 2, "state": "APPROVED", "user": None, "html_url": "https://x"}
    assert slim(REVIEWS, [review]) == [{"id": 2, "state": "APPROVED", "user": None}]
    assert slim(COMMITS_BEHIND, 3) == 3


# Statuses and check runs folded in from their webhooks


def status_payload(
    context: str, state: str, updated_at: str, sha: str = "sha1", id_: int = 1
) -> dict[str, Any]:
    return {
        "id": id_,
        "sha": sha,
        "context": context,
        "state": state,
        "updated_at": updated_at,
        "description": "x" * 100,
    }


def run_payload(
    run_id: int, status: str, conclusion: str | None = None, sha: str = "sha1"
) -> dict[str, Any]:
    return {
        "check_run": {
            "id": run_id,
            "name": "tests",
            "head_sha": sha,
            "status": status,
            "conclusion": conclusion,
            "app": {"id": 15368, "slug": "github-actions"},
        }
    }


def test_update_from_reads_statuses_and_check_runs_only() -> None:
    status = update_from("status", status_payload("ci", "success", "2026-11-28T10:00:00Z"))
    assert status is not None and (status.family, status.sha) == (STATUSES, "sha1")
    run = update_from("check_run", run_payload(5, "in_progress"))
    assert run is not None and (run.family, run.item["id"]) == (CHECK_RUNS, 5)
    assert update_from("check_suite", {"check_suite": {"id": 1}}) is None
    assert update_from("status", {"sha": "sha1", "context": "ci"}) is None  # no id
    assert update_from("check_run", {"check_run": "broken"}) is None


def test_a_status_replaces_the_older_one_of_its_context() -> None:
    old = slim(STATUSES, [status_payload("ci", "pending", "2026-11-28T10:00:00Z")])
    carried = {STATUSES: Carried("sha1", 50.0, old)}
    newer = update_from("status", status_payload("ci", "success", "2026-11-28T10:05:00Z", id_=2))
    other_head = update_from(
        "status", status_payload("ci", "failure", "2026-11-28T11:00:00Z", "sha0", 3)
    )
    assert newer is not None and other_head is not None
    folded = absorb(carried, [newer, other_head])
    assert folded[STATUSES].read_at == 50.0, "the last real read still dates it"
    assert [(s["context"], s["state"]) for s in folded[STATUSES].value] == [("ci", "success")]
    late = update_from("status", status_payload("ci", "pending", "2026-11-28T10:01:00Z", id_=4))
    assert late is not None
    assert absorb(folded, [late])[STATUSES].value == folded[STATUSES].value, "out of order"


def test_a_check_run_is_kept_once_and_never_reopened_by_a_late_event() -> None:
    carried = {CHECK_RUNS: Carried("sha1", 50.0, [])}
    started = update_from("check_run", run_payload(5, "in_progress"))
    done = update_from("check_run", run_payload(5, "completed", "success"))
    assert started is not None and done is not None
    folded = absorb(absorb(carried, [started, done]), [started])
    assert [(r["id"], r["status"], r["conclusion"]) for r in folded[CHECK_RUNS].value] == [
        (5, "completed", "success")
    ]


def test_nothing_is_folded_into_a_family_not_kept() -> None:
    update = update_from("check_run", run_payload(5, "completed", "success"))
    assert update is not None
    assert absorb({}, [update]) == {}


def test_the_pull_is_kept_without_links_and_with_slim_accounts_and_repositories() -> None:
    owner = {"login": "acme", "id": 1, "type": "Organization", "avatar_url": "https://x"}
    repo = {"id": 9, "full_name": "acme/shop", "owner": owner, "hooks_url": "https://x"}
    pull = {
        "number": 3,
        "title": "Add",
        "mergeable": None,
        "_links": {"self": {"href": "https://x"}},
        "user": {"login": "alice", "id": 2, "type": "User", "gists_url": "https://x"},
        "requested_reviewers": [{"login": "bob", "id": 3, "type": "User", "url": "https://x"}],
        "labels": [{"name": "ship", "color": "fff"}],
        "head": {"ref": "feature", "sha": "abc", "repo": repo, "user": owner},
        "base": {"ref": "main", "sha": "def", "repo": None},
    }
    assert slim(PULL, pull) == {
        "number": 3,
        "title": "Add",
        "mergeable": None,
        "user": {"login": "alice", "id": 2, "type": "User"},
        "requested_reviewers": [{"login": "bob", "id": 3, "type": "User"}],
        "assignees": [],
        "labels": [{"name": "ship", "color": "fff"}],
        "head": {
            "ref": "feature",
            "sha": "abc",
            "repo": {
                "id": 9,
                "full_name": "acme/shop",
                "owner": {"login": "acme", "id": 1, "type": "Organization"},
            },
            "user": {"login": "acme", "id": 1, "type": "Organization"},
        },
        "base": {"ref": "main", "sha": "def", "repo": None},
    }
