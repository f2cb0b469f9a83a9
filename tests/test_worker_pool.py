"""Workers through a database outage (app/worker/pool.py): an outcome that cannot be recorded, or
a lease that cannot be renewed, never ends the worker; the claim is left to its lease."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

import pytest

from app.github.calls import CallCounter
from app.routing.subjects import pull_request
from app.store.queue import Claim, QueuePolicy
from app.worker.context import Outcome
from app.worker.pool import WorkerPool


class DatabaseDown(Exception):
    pass


class UnreachableQueue:
    """A queue whose every write fails, as with the database gone."""

    def __init__(self, lease_seconds: float = 0.03) -> None:
        self.policy = QueuePolicy(lease_seconds=lease_seconds)
        self.renewals = 0

    async def complete(self, *_args: Any, **_kwargs: Any) -> bool:
        raise DatabaseDown("complete")

    async def fail(self, *_args: Any, **_kwargs: Any) -> float:
        raise DatabaseDown("fail")

    async def reschedule(self, *_args: Any, **_kwargs: Any) -> None:
        raise DatabaseDown("reschedule")

    async def renew(self, _claim: Claim) -> bool:
        self.renewals += 1
        raise DatabaseDown("renew")


def claim() -> Claim:
    ref = pull_request(7, "acme/api", 1)
    return Claim(1, ref.key, ref, "token", 1, 0, 1, (), 0.0)


def pool_with(queue: UnreachableQueue, handler: Any) -> WorkerPool:
    context = SimpleNamespace(
        queue=queue, github=SimpleNamespace(counter=CallCounter()), db=None, now=lambda: 0.0
    )
    ref = pull_request(7, "acme/api", 1)
    return WorkerPool(context, {ref.kind: handler}, concurrency=1)  # type: ignore[arg-type]


@pytest.mark.parametrize("outcome", ["done", "raises"])
async def test_an_outcome_that_cannot_be_recorded_does_not_end_the_worker(
    outcome: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def handler(_claim: Claim, _context: Any) -> Outcome:
        if outcome == "raises":
            raise RuntimeError("GitHub said no")
        return Outcome("evaluated", "")

    with caplog.at_level(logging.ERROR):
        await pool_with(UnreachableQueue(), handler).process(claim())
    assert "recording the outcome failed" in caplog.text


async def test_a_lease_that_cannot_be_renewed_lets_the_work_finish() -> None:
    queue = UnreachableQueue(lease_seconds=0.03)
    finished = asyncio.Event()

    async def handler(_claim: Claim, _context: Any) -> Outcome:
        await asyncio.sleep(0.1)
        finished.set()
        return Outcome("evaluated", "")

    await pool_with(queue, handler).process(claim())
    assert finished.is_set() and queue.renewals >= 1
