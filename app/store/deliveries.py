"""Webhook deliveries, stored durably before they are acknowledged."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.dialect import insert_for
from app.store.tables import deliveries


@dataclass(frozen=True)
class StoredDelivery:
    id: str
    event: str
    action: str | None
    installation_id: int | None
    repository: str | None
    received_at: float
    payload: str


# A delivery whose routing raised this often is left stored, unrouted, for a human to look at.
MAX_ROUTE_ATTEMPTS = 5


async def insert_deliveries(conn: AsyncConnection, batch: list[StoredDelivery]) -> set[str]:
    """Stores deliveries in one statement; returns the ids that were new: not a redelivery (the
    same id) and not a replay (the same body under another id, see `body_digest`)."""
    rows: dict[str, dict[str, object]] = {}
    for delivery in batch:
        rows.setdefault(
            delivery.id,
            {
                "id": delivery.id,
                "event": delivery.event,
                "action": delivery.action,
                "installation_id": delivery.installation_id,
                "repository": delivery.repository,
                "received_at": delivery.received_at,
                "payload": delivery.payload,
                "route_attempts": 0,
                "body_sha256": body_digest(delivery.payload),
            },
        )
    # One statement for every batch size, its parameters sent as a list (SQLAlchemy's
    # "insertmanyvalues"): a VALUES list of the batch's length was compiled anew for each size.
    # No conflict target: a row conflicting on its id or on its body's digest is skipped.
    stmt = insert_for(conn, deliveries).on_conflict_do_nothing().returning(deliveries.c.id)
    return set((await conn.execute(stmt, list(rows.values()))).scalars())


def body_digest(payload: str) -> str:
    """The digest that recognises one event's body under any delivery id. GitHub's bodies name
    the moment they describe (`updated_at`, ids, SHAs), so two distinct events do not share one;
    a signed body replayed under a new id, by anyone who captured it, does."""
    return hashlib.sha256(payload.encode()).hexdigest()


async def count_route_failures(conn: AsyncConnection, delivery_ids: list[str]) -> None:
    if not delivery_ids:
        return
    d = deliveries.c
    await conn.execute(
        update(deliveries).where(d.id.in_(delivery_ids)).values(route_attempts=d.route_attempts + 1)
    )


async def mark_routed(conn: AsyncConnection, delivery_ids: list[str], now: float) -> None:
    if delivery_ids:
        await conn.execute(
            update(deliveries).where(deliveries.c.id.in_(delivery_ids)).values(routed_at=now)
        )


async def unrouted_deliveries(
    conn: AsyncConnection, limit: int, *, skip_locked: bool = False
) -> list[StoredDelivery]:
    d = deliveries.c
    query = (
        select(d.id, d.event, d.action, d.installation_id, d.repository, d.received_at, d.payload)
        .where(d.routed_at.is_(None), d.route_attempts < MAX_ROUTE_ATTEMPTS)
        .order_by(d.received_at)
        .limit(limit)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    return [StoredDelivery(*row) for row in await conn.execute(query)]


async def any_unrouted(conn: AsyncConnection) -> bool:
    d = deliveries.c
    query = select(d.id).where(d.routed_at.is_(None), d.route_attempts < MAX_ROUTE_ATTEMPTS)
    return (await conn.execute(query.limit(1))).first() is not None


async def load_deliveries(conn: AsyncConnection, ids: list[str]) -> list[StoredDelivery]:
    d = deliveries.c
    rows = await conn.execute(
        select(d.id, d.event, d.action, d.installation_id, d.repository, d.received_at, d.payload)
        .where(d.id.in_(ids))
        .order_by(d.received_at)
    )
    return [StoredDelivery(*row) for row in rows]


async def stored_delivery_ids(conn: AsyncConnection, ids: list[str]) -> set[str]:
    """Which of these delivery ids are stored (GitHub's guids: the redelivery sweeper's check)."""
    if not ids:
        return set()
    rows = await conn.execute(select(deliveries.c.id).where(deliveries.c.id.in_(ids)))
    return set(rows.scalars())
