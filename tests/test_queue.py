import asyncio

import pytest
from sqlalchemy import func, select

from app.routing.subjects import pull_request
from app.store.db import Database
from app.store.queue import QueuePolicy, WorkQueue
from app.store.tables import evaluations, subject_failures, subjects
from tests.helpers import PR, FakeClock, mark


def make_queue(db: Database, clock: FakeClock, **policy: float) -> WorkQueue:
    return WorkQueue(
        db, QueuePolicy(**{"coalesce_seconds": 1.0, "lease_seconds": 60.0, **policy}), clock
    )


async def test_a_burst_of_marks_is_one_pending_subject(db: Database) -> None:
    clock = FakeClock()
    queue = make_queue(db, clock)
    for i in range(50):
        await mark(db, queue, delivery=f"d{i}")
    claim = await queue.claim("w1")
    assert claim is not None
    assert claim.key == "acme/api#12"
    assert claim.events_total == 50
    assert len(claim.events) == 50
    assert await queue.claim("w2") is None
    assert await queue.complete(claim, outcome="evaluated")
    assert await queue.claim("w1") is None


async def test_events_during_an_evaluation_wait_for_the_quiet_period(db: Database) -> None:
    clock = FakeClock()
    queue = make_queue(db, clock)
    await mark(db, queue, delivery="first")
    claim = await queue.claim("w1")
    assert claim is not None
    for i in range(20):
        await mark(db, queue, delivery=f"late{i}")
    await queue.complete(claim, outcome="evaluated")
    assert await queue.claim("w1") is None, "quiet period: not due yet"
    clock.advance(1.01)
    second = await queue.claim("w1")
    assert second is not None
    assert [e.delivery_id for e in second.events] == [f"late{i}" for i in range(20)]
    await queue.complete(second, outcome="evaluated")
    async with db.reader() as conn:
        assert await conn.scalar(select(func.count()).select_from(evaluations)) == 2


async def test_an_idle_subject_marked_after_the_quiet_period_is_due_at_once(db: Database) -> None:
    clock = FakeClock()
    queue = make_queue(db, clock)
    await mark(db, queue)
    claim = await queue.claim("w1")
    assert claim is not None
    await queue.complete(claim, outcome="evaluated")
    clock.advance(5)
    await mark(db, queue, delivery="again")
    again = await queue.claim("w1")
    assert again is not None and [e.delivery_id for e in again.events] == ["again"]


async def test_a_leased_subject_is_not_claimed_twice_until_the_lease_expires(db: Database) -> None:
    clock = FakeClock()
    queue = make_queue(db, clock)
    await mark(db, queue)
    first = await queue.claim("killed-worker")
    assert first is not None
    await mark(db, queue, delivery="more")
    clock.advance(59)
    assert await queue.claim("w2") is None
    clock.advance(2)
    taken_over = await queue.claim("w2")
    assert taken_over is not None
    assert taken_over.key == first.key
    # The first worker's lease is gone: its late completion changes nothing.
    assert not await queue.complete(first, outcome="evaluated")
    assert not await queue.renew(first)
    assert await queue.complete(taken_over, outcome="evaluated")


async def test_renewing_keeps_the_lease(db: Database) -> None:
    clock = FakeClock()
    queue = make_queue(db, clock)
    await mark(db, queue)
    claim = await queue.claim("w1")
    assert claim is not None
    clock.advance(50)
    assert await queue.renew(claim)
    clock.advance(50)
    assert await queue.claim("w2") is None


async def test_failures_back_off_then_give_up_until_the_next_event(db: Database) -> None:
    clock = FakeClock()
    queue = make_queue(db, clock, max_attempts=3, backoff_base_seconds=2.0)
    await mark(db, queue)
    retry_times = []
    for _ in range(2):
        claim = await queue.claim("w1")
        assert claim is not None
        retry_at = await queue.fail(claim, "GitHubBroken: 502")
        assert retry_at is not None and retry_at > clock.now
        retry_times.append(retry_at - clock.now)
        assert await queue.claim("w1") is None
        clock.now = retry_at
    assert 2 <= retry_times[0] <= 4 and 4 <= retry_times[1] <= 8
    claim = await queue.claim("w1")
    assert claim is not None and claim.attempts == 2
    assert await queue.fail(claim, "GitHubBroken: 502") is None
    clock.advance(3600)
    assert await queue.claim("w1") is None, "gave up: waits for a new event"
    async with db.reader() as conn:
        rows = (
            await conn.execute(select(subject_failures.c.attempt, subject_failures.c.gave_up))
        ).all()
    assert [tuple(r) for r in rows] == [(1, 0), (2, 0), (3, 1)]
    await mark(db, queue, delivery="new")
    clock.advance(2)
    assert await queue.claim("w1") is not None


async def test_reschedule_does_not_count_an_attempt(db: Database) -> None:
    clock = FakeClock()
    queue = make_queue(db, clock)
    await mark(db, queue)
    claim = await queue.claim("w1")
    assert claim is not None
    assert await queue.reschedule(claim, clock.now + 600, "rate limit")
    clock.advance(599)
    assert await queue.claim("w1") is None
    clock.advance(2)
    again = await queue.claim("w1")
    assert again is not None and again.attempts == 0


async def test_next_due_reports_the_earliest_pending_time(db: Database) -> None:
    clock = FakeClock()
    queue = make_queue(db, clock)
    assert await queue.next_due() is None
    await mark(db, queue)
    assert await queue.next_due() == clock.now
    claim = await queue.claim("w1")
    assert claim is not None
    assert await queue.next_due() == clock.now + 60, "the lease's end"


async def test_concurrent_workers_never_share_a_subject(db: Database) -> None:
    queue = WorkQueue(db, QueuePolicy(coalesce_seconds=0.0))
    for number in range(30):
        await mark(db, queue, pull_request(7, "acme/api", number), delivery=f"d{number}")

    async def drain(worker: str) -> list[str]:
        taken = []
        while (claim := await queue.claim(worker)) is not None:
            taken.append(claim.key)
            await asyncio.sleep(0)
            await queue.complete(claim, outcome="evaluated")
        return taken

    results = await asyncio.gather(*(drain(f"w{i}") for i in range(4)))
    everything = [key for keys in results for key in keys]
    assert sorted(everything) == sorted({f"acme/api#{n}" for n in range(30)})
    async with db.reader() as conn:
        assert await conn.scalar(select(func.count()).select_from(evaluations)) == 30
        assert await conn.scalar(select(func.count()).where(subjects.c.due_at.is_not(None))) == 0


async def test_a_claim_says_whether_other_work_is_waiting(db: Database) -> None:
    queue = WorkQueue(db, QueuePolicy(coalesce_seconds=0.0))
    for number in (1, 2):
        await mark(db, queue, pull_request(7, "acme/api", number), delivery=f"d{number}")
    first = await queue.claim("w1")
    second = await queue.claim("w2")
    assert first is not None and first.more_waiting, "#2 was waiting too: wake another worker"
    assert second is not None and not second.more_waiting, "nothing else: let the others sleep"
    assert await queue.claim("w3") is None


async def test_two_processes_on_postgres_share_work_safely(database_url: str) -> None:
    """Two Database objects are two connection pools, as two replicas would have."""
    if "postgresql" not in database_url:
        pytest.skip("PostgreSQL only: SQLite has one process")
    first, second = Database(database_url), Database(database_url)
    try:
        queue_a = WorkQueue(first, QueuePolicy(coalesce_seconds=0.0))
        queue_b = WorkQueue(second, QueuePolicy(coalesce_seconds=0.0))
        for number in range(40):
            await mark(first, queue_a, pull_request(7, "acme/api", number), delivery=f"d{number}")

        async def drain(queue: WorkQueue, worker: str) -> list[str]:
            taken = []
            while (claim := await queue.claim(worker)) is not None:
                taken.append(claim.key)
                await queue.complete(claim, outcome="evaluated")
            return taken

        results = await asyncio.gather(
            *(
                drain(q, f"{name}{i}")
                for i in range(3)
                for q, name in ((queue_a, "a"), (queue_b, "b"))
            )
        )
        everything = [key for keys in results for key in keys]
        assert len(everything) == 40 == len(set(everything))
    finally:
        await first.close()
        await second.close()


async def test_subject_reference_is_kept(db: Database) -> None:
    clock = FakeClock()
    queue = make_queue(db, clock)
    await mark(db, queue)
    claim = await queue.claim("w1")
    assert claim is not None and claim.ref == PR


async def test_a_mark_on_postgres_wakes_listeners_in_other_processes(database_url: str) -> None:
    if "postgresql" not in database_url:
        pytest.skip("PostgreSQL only: SQLite has one process")
    from app.store.notify import WorkListener

    woken = asyncio.Event()
    listener = WorkListener(database_url, woken.set)
    listener.start()
    other_replica = Database(database_url)
    try:
        await asyncio.wait_for(woken.wait(), 10)  # set once when listening starts
        woken.clear()
        await mark(other_replica, WorkQueue(other_replica))
        await asyncio.wait_for(woken.wait(), 10)
    finally:
        await listener.stop()
        await other_replica.close()
