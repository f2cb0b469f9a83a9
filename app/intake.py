"""Intake: a verified delivery is stored and routed in one transaction before it is acknowledged."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.exc import SQLAlchemyError

from app.logs import fields
from app.routing.apply import Router
from app.routing.subjects import SubjectRef
from app.store.db import Database
from app.store.deliveries import (
    StoredDelivery,
    insert_delivery,
    mark_routed,
    unrouted_deliveries,
)

log = logging.getLogger(__name__)


class IntakeOutcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    # Stored, but routing failed: the recovery loop routes it later.
    STORED_UNROUTED = "stored_unrouted"


@dataclass(frozen=True)
class IntakeResult:
    outcome: IntakeOutcome
    subjects: tuple[SubjectRef, ...] = ()


class Intake:
    def __init__(self, db: Database, router: Router) -> None:
        self.db = db
        self.router = router
        self.work_available = asyncio.Event()

    async def accept(self, delivery: StoredDelivery) -> IntakeResult:
        try:
            result = await self._store_and_route(delivery)
        except SQLAlchemyError:
            raise
        except Exception:
            # A payload the router cannot read must not cost us the delivery.
            log.exception("routing failed; delivery stored for a later retry")
            return await self._store_only(delivery)
        if result.subjects:
            self.work_available.set()
        return result

    async def _store_and_route(self, delivery: StoredDelivery) -> IntakeResult:
        async with self.db.transaction() as conn:
            if not await insert_delivery(conn, delivery):
                return IntakeResult(IntakeOutcome.DUPLICATE)
            refs = await self.router.route(conn, delivery)
            await mark_routed(conn, delivery.id, self.router.queue.clock())
        return IntakeResult(IntakeOutcome.STORED, tuple(refs))

    async def _store_only(self, delivery: StoredDelivery) -> IntakeResult:
        async with self.db.transaction() as conn:
            if not await insert_delivery(conn, delivery):
                return IntakeResult(IntakeOutcome.DUPLICATE)
        return IntakeResult(IntakeOutcome.STORED_UNROUTED)

    async def recover_unrouted(self, batch: int = 200) -> int:
        """Routes deliveries that were stored but never routed (a crash, a routing bug)."""
        recovered = 0
        while True:
            async with self.db.reader() as conn:
                pending = await unrouted_deliveries(conn, batch)
            if not pending:
                break
            progressed = 0
            for delivery in pending:
                progressed += await self._route_stored(delivery)
            recovered += progressed
            if progressed < len(pending):
                break
        if recovered:
            self.work_available.set()
            log.info("recovered unrouted deliveries", extra=fields(count=recovered))
        return recovered

    async def _route_stored(self, delivery: StoredDelivery) -> int:
        try:
            async with self.db.transaction() as conn:
                await self.router.route(conn, delivery)
                await mark_routed(conn, delivery.id, self.router.queue.clock())
        except SQLAlchemyError:
            raise
        except Exception:
            log.exception("routing a stored delivery failed", extra=fields(delivery=delivery.id))
            return 0
        return 1
