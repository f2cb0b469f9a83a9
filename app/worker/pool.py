"""Workers: claim a subject, run its handler under a renewed lease, record the outcome."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Mapping

from app.github.calls import CALL_TALLY, CURRENT_SUBJECT, CallTally
from app.github.errors import RescheduleRequired
from app.logs import fields, log_context
from app.metrics import ACTIVE_METRICS, Metrics
from app.routing.subjects import SubjectKind
from app.store.api_calls import save_call_counts
from app.store.queue import Claim
from app.worker.context import Handler, Outcome, WorkContext

log = logging.getLogger(__name__)
IDLE_POLL_SECONDS = 5.0


class LeaseLost(Exception):
    pass


class WorkerPool:
    def __init__(
        self,
        context: WorkContext,
        handlers: Mapping[SubjectKind, Handler],
        *,
        concurrency: int,
        wake: asyncio.Event | None = None,
        name: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.context = context
        self.metrics = metrics
        self.handlers = dict(handlers)
        self.concurrency = concurrency
        self.wake = wake or asyncio.Event()
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._loop(f"{self.name}/{i}"), name=f"paasbot-worker-{i}")
            for i in range(self.concurrency)
        ]

    async def stop(self) -> None:
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self._flush_counts()

    async def _loop(self, worker: str) -> None:
        while not self._stopping:
            # Cleared before looking, so work marked after the look still wakes this worker.
            self.wake.clear()
            try:
                claim = await self.context.queue.claim(worker)
            except Exception:
                log.exception("claiming work failed")
                await asyncio.sleep(1.0)
                continue
            if claim is None:
                await self._wait_for_work()
                continue
            # A claim can hide others: let the next idle worker look too (not when nothing else
            # was waiting: their looks would only slow this evaluation down).
            if claim.more_waiting:
                self.wake.set()
            await self.process(claim)

    async def _wait_for_work(self) -> None:
        timeout = IDLE_POLL_SECONDS
        with contextlib.suppress(Exception):
            due = await self.context.queue.next_due()
            if due is not None:
                timeout = min(timeout, max(0.0, due - self.context.now()) + 0.001)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self.wake.wait()

    async def process(self, claim: Claim) -> None:
        """Runs one claimed subject to an outcome; never raises."""
        tally = CallTally()
        CALL_TALLY.set(tally)
        CURRENT_SUBJECT.set(claim.key)
        ACTIVE_METRICS.set(self.metrics)
        started = time.monotonic()
        result = "failed"
        with log_context(
            subject=claim.key,
            delivery=_latest_delivery(claim),
            installation=claim.ref.installation_id,
            repository=claim.ref.repository,
            pull=claim.ref.number,
        ):
            try:
                result = await self._process_and_record(claim, tally)
            except Exception:
                # The database went away before the outcome was recorded: the subject keeps its
                # claim until the lease runs out, then it is taken again (no work is lost).
                log.exception("recording the outcome failed; retried when the lease runs out")
            if self.metrics is not None:
                elapsed = time.monotonic() - started
                self.metrics.evaluation(claim.ref.kind.value, result, elapsed)
            await self._flush_counts()

    async def _process_and_record(self, claim: Claim, tally: CallTally) -> str:
        """Runs the subject and records its outcome (in the database); returns the outcome."""
        result = "failed"
        try:
            outcome = await self._run_leased(claim)
        except RescheduleRequired as exc:
            result = "rescheduled"
            await self.context.queue.reschedule(claim, exc.at, exc.reason, api_calls=tally.calls)
            log.warning("subject rescheduled", extra=fields(reason=exc.reason, until=exc.at))
        except LeaseLost:
            result = "lease_lost"
            log.error("lease lost during evaluation; another worker has the subject")
        except Exception as exc:
            retry_at = await self.context.queue.fail(
                claim, f"{type(exc).__name__}: {exc}", api_calls=tally.calls
            )
            log.exception(
                "evaluation failed", extra=fields(retry_at=retry_at, attempt=claim.attempts + 1)
            )
        else:
            result = outcome.status
            done = await self.context.queue.complete(
                claim, outcome=outcome.status, api_calls=tally.calls, detail=outcome.detail
            )
            log.info(
                "evaluation finished",
                extra=fields(
                    outcome=outcome.status,
                    events=len(claim.events),
                    api_calls=tally.calls,
                    recorded=done,
                ),
            )
        return result

    async def _run_leased(self, claim: Claim) -> Outcome:
        handler = self.handlers.get(claim.ref.kind)
        if handler is None:
            return Outcome("no_handler", f"nothing handles {claim.ref.kind.value} subjects yet")
        work = asyncio.create_task(handler(claim, self.context))
        heartbeat = asyncio.create_task(self._renew_until_done(claim, work))
        try:
            return await work
        except asyncio.CancelledError:
            if heartbeat.done() and not heartbeat.cancelled() and heartbeat.result() is False:
                raise LeaseLost() from None
            raise
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _renew_until_done(self, claim: Claim, work: asyncio.Task[Outcome]) -> bool:
        interval = self.context.queue.policy.lease_seconds / 3
        while not work.done():
            await asyncio.sleep(interval)
            try:
                renewed = await self.context.queue.renew(claim)
            except Exception as exc:
                # The database is unreachable: the work goes on; a lease that ran out meanwhile
                # is seen at the next renewal, once the database is back.
                log.warning("lease renewal failed", extra=fields(reason=type(exc).__name__))
                continue
            if not renewed:
                work.cancel()
                return False
        return True

    async def _flush_counts(self) -> None:
        counts = self.context.github.counter.drain()
        try:
            await save_call_counts(self.context.db, counts, self.context.now())
        except Exception:
            log.exception("saving API call counts failed", extra=fields(rows=len(counts)))


def _latest_delivery(claim: Claim) -> str | None:
    """The delivery that woke the subject last (an evaluation takes the events of a burst
    together; the earlier ones are in the delivery's routing lines)."""
    latest = max(claim.events, key=lambda event: event.id, default=None)
    return latest.delivery_id if latest is not None else None
