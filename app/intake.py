"""Intake: verified deliveries are stored durably (group commit) before they are acknowledged, then
routed to their subjects by a background router.

Storing is one INSERT per delivery, and deliveries that arrive together share one transaction (one
fsync), which keeps the webhook's answer fast under load. Routing reads the index and marks
subjects; it runs after the answer, in batches, and a delivery stored but not routed (a crash in
between, a routing bug) is routed at the next start or pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from enum import StrEnum

from sqlalchemy.exc import SQLAlchemyError

from app.logs import fields, log_context
from app.routing.apply import Router
from app.store.db import Database
from app.store.deliveries import (
    StoredDelivery,
    any_unrouted,
    count_route_failures,
    insert_deliveries,
    mark_routed,
    unrouted_deliveries,
)
from app.store.queue import EventLink

log = logging.getLogger(__name__)
RECOVERY_INTERVAL_SECONDS = 60.0


class IntakeOutcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"


class Intake:
    def __init__(self, db: Database, router: Router, *, max_batch: int = 500) -> None:
        self.db = db
        self.router = router
        self.max_batch = max_batch
        # SQLite has one writer: short routing transactions let the intake's inserts in between.
        self.route_batch = 200 if db.is_postgres else 10
        self.work_available = asyncio.Event()
        self._incoming: asyncio.Queue[tuple[StoredDelivery, asyncio.Future[IntakeOutcome]]] = (
            asyncio.Queue()
        )
        self._routing_needed = asyncio.Event()
        # One routing pass at a time in this process (SKIP LOCKED keeps replicas apart).
        self._routing_lock = asyncio.Lock()
        # Set while no delivery is queued or being written.
        self._intake_idle = asyncio.Event()
        self._intake_idle.set()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    def start(self) -> None:
        self._stopping = False
        self._tasks = [
            asyncio.create_task(self._write_loop(), name="paasbot-intake-writer"),
            asyncio.create_task(self._route_loop(), name="paasbot-intake-router"),
        ]
        self._routing_needed.set()

    async def stop(self) -> None:
        """Stores what was accepted, lets a routing batch in progress finish, then stops (what
        is not routed yet is routed at the next start)."""
        await self._incoming.join()
        self._stopping = True
        async with self._routing_lock:
            for task in self._tasks:
                task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def accept(self, delivery: StoredDelivery) -> IntakeOutcome:
        """Returns once the delivery is committed; raises if it could not be stored."""
        future: asyncio.Future[IntakeOutcome] = asyncio.get_running_loop().create_future()
        self._intake_idle.clear()
        await self._incoming.put((delivery, future))
        return await future

    async def settle(self) -> None:
        """Waits until everything accepted so far is stored and routed (for tests and demos)."""
        await self._incoming.join()
        await self.route_pending()

    async def _write_loop(self) -> None:
        while True:
            batch = [await self._incoming.get()]
            while len(batch) < self.max_batch and not self._incoming.empty():
                batch.append(self._incoming.get_nowait())
            try:
                await self._write(batch)
            finally:
                for _ in batch:
                    self._incoming.task_done()
                if self._incoming.empty():
                    self._intake_idle.set()

    async def _write(
        self, batch: list[tuple[StoredDelivery, asyncio.Future[IntakeOutcome]]]
    ) -> None:
        try:
            async with self.db.transaction() as conn:
                stored = await insert_deliveries(conn, [delivery for delivery, _ in batch])
        except Exception as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        seen: set[str] = set()
        for delivery, future in batch:
            first = delivery.id in stored and delivery.id not in seen
            seen.add(delivery.id)
            if not future.done():
                future.set_result(IntakeOutcome.STORED if first else IntakeOutcome.DUPLICATE)
        if stored:
            self._routing_needed.set()

    async def _route_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(RECOVERY_INTERVAL_SECONDS):
                    await self._routing_needed.wait()
            self._routing_needed.clear()
            try:
                await self.route_pending()
            except Exception:
                log.exception("routing stored deliveries failed; retrying")
                await asyncio.sleep(1.0)
                self._routing_needed.set()

    async def route_pending(self) -> int:
        """Routes every stored delivery not yet routed, oldest first; returns how many."""
        async with self._routing_lock:
            return await self._route_all()

    async def _route_all(self) -> int:
        routed = 0
        while True:
            await self._give_way_to_intake()
            batch_routed, batch_failed = await self._route_batch()
            routed += batch_routed
            if batch_routed:
                self.work_available.set()
            # Failed ones are tried again on the next pass, not in a tight loop.
            if batch_failed or not batch_routed or self._stopping:
                return routed

    async def _route_batch(self) -> tuple[int, int]:
        """Routes up to `route_batch` deliveries in one transaction: (routed, failed).
        The deliveries are selected inside it (SKIP LOCKED on PostgreSQL), so two replicas never
        route the same delivery. A payload the router cannot read is counted and skipped; the
        others go on."""
        now = self.router.queue.clock()
        unreadable: list[str] = []
        pending: list[StoredDelivery] = []
        # Looked for first without the write lock: a pass with nothing to route (the last one
        # of every pass) must not hold up the workers' claims.
        async with self.db.reader() as conn:
            if not await any_unrouted(conn):
                return 0, 0
        try:
            async with self.db.transaction() as conn:
                pending = await unrouted_deliveries(
                    conn, self.route_batch, skip_locked=self.db.is_postgres
                )
                links: list[EventLink] = []
                routed: list[str] = []
                for delivery in pending:
                    if routed and self._intake_waiting():
                        break
                    with log_context(
                        delivery=delivery.id,
                        installation=delivery.installation_id,
                        repository=delivery.repository,
                    ):
                        try:
                            plan = self.router.plan(delivery)
                        except Exception:
                            log.exception("a delivery cannot be routed")
                            unreadable.append(delivery.id)
                            continue
                        await self.router.route(conn, delivery, plan, links)
                    routed.append(delivery.id)
                await self.router.queue.add_events(conn, links)
                await mark_routed(conn, routed, now)
                await count_route_failures(conn, unreadable)
        except SQLAlchemyError:
            raise
        except Exception:
            # A bug past planning: the batch is rolled back; count it against its deliveries so
            # a poisoned one is eventually set aside instead of blocking routing for ever.
            log.exception("routing a batch failed", extra=fields(size=len(pending)))
            async with self.db.transaction() as conn:
                await count_route_failures(conn, [d.id for d in pending])
            return 0, len(pending)
        return len(routed), len(unreadable)

    async def _give_way_to_intake(self, longest: float = 0.05) -> None:
        """Acknowledgements go first; routing waits for a gap, but never longer than `longest`,
        so a steady stream cannot starve it."""
        if self._intake_waiting():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(longest):
                    await self._intake_idle.wait()

    def _intake_waiting(self) -> bool:
        """Acknowledgements wait on stored deliveries: on SQLite's single writer, a routing
        transaction ends early to let them in."""
        return not self.db.is_postgres and not self._intake_idle.is_set()
