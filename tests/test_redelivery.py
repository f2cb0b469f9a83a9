"""Which failed webhook deliveries the sweeper asks GitHub to redeliver (app/worker/redelivery)."""

from __future__ import annotations

from app.store.db import Database
from app.store.deliveries import StoredDelivery, insert_deliveries, stored_delivery_ids
from app.worker.redelivery import (
    AskedRedelivery,
    HookAttempt,
    SweepPolicy,
    failed_events,
    forget_settled,
    to_redeliver,
    window_start,
)

POLICY = SweepPolicy(interval_seconds=60.0, max_redeliveries=3)
T0 = 1_800_000_000.0


def attempt(id: int, guid: str, at: float, status: int, *, redelivery: bool = False) -> HookAttempt:
    return HookAttempt(id, guid, T0 + at, redelivery, status, "pull_request", "opened")


def guids(attempts: list[HookAttempt]) -> list[str]:
    return [a.guid for a in attempts]


def test_an_attempt_reads_githubs_item() -> None:
    item = {
        "id": 42,
        "guid": "58474f00-b361-11eb-836d-0e4f3503ccbe",
        "delivered_at": "2021-05-12T20:33:44Z",
        "redelivery": False,
        "duration": 0.03,
        "status": "failed to connect",
        "status_code": 0,
        "event": "issues",
        "action": None,
        "installation_id": 123,
        "repository_id": None,
    }
    parsed = HookAttempt.from_json(item)
    assert parsed == HookAttempt(
        42, "58474f00-b361-11eb-836d-0e4f3503ccbe", 1620851624.0, False, 0, "issues", None
    )
    assert not parsed.succeeded


def test_failed_events_are_retried_from_their_latest_attempt() -> None:
    attempts = [
        attempt(1, "refused", 0, 503),
        attempt(2, "fine", 1, 202),
        attempt(3, "unreachable", 2, 0),
        attempt(4, "refused", 30, 503, redelivery=True),
        attempt(5, "not-found", 31, 404),
    ]
    retryable, exhausted = failed_events(attempts, T0, POLICY)
    assert [(a.guid, a.id) for a in retryable] == [
        ("unreachable", 3),
        ("refused", 4),
        ("not-found", 5),
    ]
    assert exhausted == []


def test_an_event_with_any_success_is_done() -> None:
    attempts = [attempt(1, "a", 0, 500), attempt(2, "a", 10, 200, redelivery=True)]
    assert failed_events(attempts, T0, POLICY) == ([], [])
    # A later failed redelivery (asked by another replica) does not undo the success.
    attempts.append(attempt(3, "a", 20, 503, redelivery=True))
    assert failed_events(attempts, T0, POLICY) == ([], [])


def test_redeliveries_stop_at_the_cap() -> None:
    attempts = [attempt(1, "a", 0, 503)]
    attempts += [attempt(1 + n, "a", 10 * n, 503, redelivery=True) for n in (1, 2)]
    retryable, exhausted = failed_events(attempts, T0, POLICY)
    assert (guids(retryable), exhausted) == (["a"], [])
    attempts.append(attempt(4, "a", 30, 503, redelivery=True))
    retryable, exhausted = failed_events(attempts, T0, POLICY)
    assert (retryable, [(a.guid, a.id) for a in exhausted]) == ([], [("a", 4)])


def test_redeliveries_nobody_answered_do_not_spend_the_cap() -> None:
    """A crash loop: each redelivery reached a dead process (status code 0)."""
    attempts = [attempt(1, "a", 0, 0)]
    attempts += [attempt(1 + n, "a", 10 * n, 0, redelivery=True) for n in range(1, 6)]
    retryable, exhausted = failed_events(attempts, T0, POLICY)
    assert (guids(retryable), exhausted) == (["a"], [])
    attempts += [attempt(6 + n, "a", 60 + n, 503, redelivery=True) for n in range(1, 4)]
    retryable, exhausted = failed_events(attempts, T0, POLICY)
    assert (retryable, guids(exhausted)) == ([], ["a"])


def test_only_events_first_tried_inside_the_window_count() -> None:
    # Its first attempt is older than the window: the redeliveries listed are not all of them.
    attempts = [attempt(7, "old", 100, 503, redelivery=True), attempt(8, "new", 100, 503)]
    retryable, _ = failed_events(attempts, T0 + 50, POLICY)
    assert guids(retryable) == ["new"]


def test_what_paasbot_stored_or_awaits_is_not_asked_again() -> None:
    retryable = [
        attempt(1, "stored", 0, 0),
        attempt(2, "asked", 1, 503),
        attempt(3, "lost", 2, 503),
    ]
    asked = {"asked": AskedRedelivery(latest_attempt_id=2, asked_at=T0 + 5)}
    chosen = to_redeliver(retryable, {"stored"}, asked, T0 + 10, POLICY)
    assert guids(chosen) == ["lost"]


def test_an_asked_redelivery_that_failed_or_never_came_is_asked_again() -> None:
    asked = {"a": AskedRedelivery(latest_attempt_id=2, asked_at=T0)}
    failed_again = [attempt(9, "a", 20, 503, redelivery=True)]
    assert guids(to_redeliver(failed_again, set(), asked, T0 + 5, POLICY)) == ["a"]
    never_came = [attempt(2, "a", 0, 503)]
    assert to_redeliver(never_came, set(), asked, T0 + 5, POLICY) == []
    later = T0 + POLICY.awaiting_seconds + 1
    assert guids(to_redeliver(never_came, set(), asked, later, POLICY)) == ["a"]


def test_the_window_starts_an_hour_back_then_a_margin_before_the_newest_seen() -> None:
    assert window_start(None, T0, POLICY) == T0 - 3600
    assert window_start(T0, T0 + 999, POLICY) == T0 - 300
    fast = SweepPolicy(interval_seconds=1.0)
    slow = SweepPolicy(interval_seconds=600.0, max_redeliveries=3)
    assert fast.margin_seconds == 300.0
    assert slow.margin_seconds == 3000.0, "every allowed redelivery fits in the window"


def test_asked_redeliveries_are_forgotten_once_out_of_every_window() -> None:
    asked = {"recent": AskedRedelivery(1, T0), "ancient": AskedRedelivery(2, T0 - 10_000)}
    assert list(forget_settled(asked, T0 + 1, POLICY)) == ["recent"]


async def test_the_store_says_which_guids_it_holds(db: Database) -> None:
    stored = StoredDelivery("held", "push", None, 1, "acme/api", T0, "{}")
    async with db.transaction() as conn:
        await insert_deliveries(conn, [stored])
    async with db.reader() as conn:
        assert await stored_delivery_ids(conn, ["held", "missing"]) == {"held"}
        assert await stored_delivery_ids(conn, []) == set()
