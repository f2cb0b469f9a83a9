"""The ledger's facts in a delivery (app/insights/ledger_facts.py): pure, table-driven, and never a
login or a name in what is kept."""

from __future__ import annotations

import copy
from dataclasses import asdict
from typing import Any

import pytest

from app.insights.ledger_facts import (
    CORRECTION,
    DeploymentFact,
    PullFact,
    ReviewFact,
    ledger_facts,
    parse_time,
    pull_fact,
)

T0 = parse_time("2026-11-01T10:00:00Z")
assert T0 is not None
REPO = {"full_name": "Acme/API"}
AUTHOR = {"login": "alice", "id": 11, "type": "User"}


def pull(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "number": 7,
        "state": "open",
        "draft": False,
        "created_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-01T11:00:00Z",
        "closed_at": None,
        "merged_at": None,
        "merge_commit_sha": "m" * 40,
        "user": AUTHOR,
        "base": {"ref": "main"},
        "additions": 30,
        "deletions": 12,
        "changed_files": 3,
    }
    base.update(changes)
    return base


def delivery(action: str, **changes: Any) -> dict[str, Any]:
    return {"action": action, "repository": REPO, "pull_request": pull(**changes)}


HOUR = 3600.0
CORE = {"repository": "acme/api", "number": 7, "base": "main", "opened_at": T0, "by_bot": False}
PULL_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "opened ready: ready when opened, sizes",
        delivery("opened", updated_at="2026-11-01T10:00:00Z"),
        {"seen_at": T0, "ready_at": T0, "additions": 30, "deletions": 12, "changed_files": 3},
    ),
    ("opened as a draft: not ready", delivery("opened", draft=True), {"ready_at": None}),
    ("marked ready later: that time", delivery("ready_for_review"), {"ready_at": T0 + HOUR}),
    ("synchronize: new sizes", delivery("synchronize", additions=99), {"additions": 99}),
    (
        "closed merged: merge time and commit, not closed",
        delivery(
            "closed",
            state="closed",
            merged=True,
            merged_at="2026-11-01T12:00:00Z",
            closed_at="2026-11-01T12:00:00Z",
        ),
        {"merged_at": T0 + 2 * HOUR, "merge_sha": "m" * 40, "closed_at": None},
    ),
    (
        "closed unmerged: closed time, no merge commit",
        delivery("closed", state="closed", closed_at="2026-11-01T12:00:00Z"),
        {"closed_at": T0 + 2 * HOUR, "merged_at": None, "merge_sha": None},
    ),
    ("reopened: the reopening time", delivery("reopened"), {"reopened_at": T0 + HOUR}),
    (
        "opened by a bot",
        delivery("opened", user={"login": "x[bot]", "type": "Bot"}),
        {"by_bot": True},
    ),
    (
        "edited without sizes in the payload: sizes unknown",
        {
            "action": "edited",
            "repository": REPO,
            "pull_request": {
                k: v for k, v in pull(base={"ref": "release"}).items() if k != "additions"
            },
        },
        {"base": "release", "additions": None, "deletions": None, "changed_files": None},
    ),
]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [case[1:] for case in PULL_CASES],
    ids=[case[0] for case in PULL_CASES],
)
def test_pull_request_payloads_give_their_lifecycle_facts(
    payload: dict[str, Any], expected: dict[str, Any]
) -> None:
    (fact,) = ledger_facts("pull_request", payload)
    assert isinstance(fact, PullFact)
    got = asdict(fact)
    for name, value in {**CORE, **expected}.items():
        assert got[name] == value, name


def review_delivery(state: str, reviewer: dict[str, Any], **changes: Any) -> dict[str, Any]:
    review = {"id": 501, "state": state, "submitted_at": "2026-11-01T13:00:00Z", "user": reviewer}
    review.update(changes)
    pr = pull()
    for size in ("additions", "deletions", "changed_files"):
        del pr[size]  # a review's pull request carries no sizes
    return {"action": "submitted", "repository": REPO, "pull_request": pr, "review": review}


BOB = {"login": "bob", "id": 12, "type": "User"}
AT = T0 + 3 * HOUR
REVIEW_CASES = [
    ("approved", BOB, ReviewFact("acme/api", 7, 501, "approved", AT, False)),
    ("CHANGES_REQUESTED", BOB, ReviewFact("acme/api", 7, 501, "changes_requested", AT, False)),
    ("commented", AUTHOR, ReviewFact("acme/api", 7, 501, "commented", AT, True)),
    ("pending", BOB, None),
    ("dismissed", BOB, None),
    # A bot's review (paasbot's lint comments) is nobody's review of the change.
    ("commented", {"login": "paasbot[bot]", "id": 99, "type": "Bot"}, None),
]


@pytest.mark.parametrize(("state", "reviewer", "expected"), REVIEW_CASES)
def test_a_submitted_review_gives_the_pull_and_the_review(
    state: str, reviewer: dict[str, Any], expected: ReviewFact | None
) -> None:
    facts = ledger_facts("pull_request_review", review_delivery(state, reviewer))
    assert isinstance(facts[0], PullFact) and facts[0].additions is None
    assert facts[1:] == ([expected] if expected else [])


def deployment_delivery(**status: Any) -> dict[str, Any]:
    return {
        "action": "created",
        "repository": REPO,
        "deployment": {"id": 9, "sha": "a" * 40, "environment": "production", "creator": BOB},
        "deployment_status": {
            "id": 90,
            "state": "success",
            "environment": "production",
            "created_at": "2026-11-02T10:00:00Z",
            "creator": BOB,
            **status,
        },
    }


def test_a_deployment_status_gives_the_deployment_fact() -> None:
    facts = ledger_facts("deployment_status", deployment_delivery(state="failure"))
    assert facts == [
        DeploymentFact("acme/api", 9, 90, "production", "a" * 40, "failure", T0 + 24 * HOUR)
    ]


IGNORED = [
    ("pull_request", delivery("labeled")),
    ("pull_request_review", {**review_delivery("approved", BOB), "action": "dismissed"}),
    ("issue_comment", {"action": "created", "repository": REPO}),
    ("push", {"repository": REPO}),
    ("pull_request", {"action": "opened", "repository": REPO}),  # no pull request: unreadable
    ("pull_request", delivery("opened", created_at="yesterday")),
    ("deployment_status", deployment_delivery(created_at=None)),
    # Values the ledger's columns cannot hold: not recorded, rather than failing the intake.
    ("pull_request", delivery("opened", number=2**40)),
    ("pull_request", delivery("opened", number=True)),
    ("pull_request", delivery("opened", base={"ref": "b" * 300})),
    ("deployment_status", deployment_delivery(id=2**64)),
    ("deployment_status", deployment_delivery(environment="e" * 300)),
    ("deployment_status", deployment_delivery(state=["success"])),
]


@pytest.mark.parametrize(("event", "payload"), IGNORED)
def test_other_events_and_unreadable_payloads_give_nothing(
    event: str, payload: dict[str, Any]
) -> None:
    assert ledger_facts(event, payload) == []


def test_no_fact_keeps_a_login() -> None:
    payloads = [
        ("pull_request", delivery("opened")),
        ("pull_request_review", review_delivery("approved", BOB)),
        ("deployment_status", deployment_delivery()),
    ]
    for event, payload in payloads:
        original = copy.deepcopy(payload)
        for fact in ledger_facts(event, payload):
            text = repr(fact)
            assert "alice" not in text and "bob" not in text
        assert payload == original  # read, never changed


def test_the_routing_plan_carries_the_facts_for_the_intake_transaction() -> None:
    from app.routing.plan import plan_routing

    payload = delivery("opened")
    assert plan_routing("pull_request", payload, own_app_id=1).ledger == ledger_facts(
        "pull_request", payload
    )
    deployed = plan_routing("deployment_status", deployment_delivery(), own_app_id=1)
    assert len(deployed.ledger) == 1 and deployed.subjects == []
    assert plan_routing("push", {"repository": REPO}, own_app_id=1).ledger == []


def test_oversized_sizes_and_shas_are_left_out_of_a_recorded_pull() -> None:
    payload = delivery(
        "closed", additions=2**40, merged_at="2026-11-01T12:00:00Z", merge_commit_sha=["x"]
    )
    (fact,) = ledger_facts("pull_request", payload)
    assert isinstance(fact, PullFact)
    assert (fact.additions, fact.deletions, fact.merge_sha) == (None, None, None)


def test_a_review_of_a_pull_whose_number_cannot_be_stored_gives_no_review() -> None:
    payload = review_delivery("approved", BOB)
    payload["pull_request"]["number"] = 2**40
    assert ledger_facts("pull_request_review", payload) == []


def test_a_correction_read_from_the_api_does_not_say_when_the_pull_became_ready() -> None:
    # A draft marked ready on day 2 and merged 2 h later: the API's view of the closed PR must
    # not claim it was ready when opened (the earliest ready time wins in the ledger).
    closed = pull(draft=False, state="closed", merged_at="2026-11-03T12:00:00Z")
    assert pull_fact("acme/api", closed, CORRECTION).ready_at is None  # type: ignore[union-attr]
    assert pull_fact("acme/api", closed, None).ready_at == T0  # type: ignore[union-attr]
