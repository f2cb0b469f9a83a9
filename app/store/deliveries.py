"""Webhook deliveries, stored durably before they are acknowledged."""

from __future__ import annotations

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


async def insert_delivery(conn: AsyncConnection, delivery: StoredDelivery) -> bool:
    """Stores a delivery; False when that delivery id is already stored (a redelivery)."""
    stmt = (
        insert_for(conn, deliveries)
        .values(
            id=delivery.id,
            event=delivery.event,
            action=delivery.action,
            installation_id=delivery.installation_id,
            repository=delivery.repository,
            received_at=delivery.received_at,
            payload=delivery.payload,
        )
        .on_conflict_do_nothing(index_elements=[deliveries.c.id])
        .returning(deliveries.c.id)
    )
    return (await conn.execute(stmt)).first() is not None


async def mark_routed(conn: AsyncConnection, delivery_id: str, now: float) -> None:
    await conn.execute(
        update(deliveries).where(deliveries.c.id == delivery_id).values(routed_at=now)
    )


async def unrouted_deliveries(conn: AsyncConnection, limit: int) -> list[StoredDelivery]:
    d = deliveries.c
    rows = await conn.execute(
        select(d.id, d.event, d.action, d.installation_id, d.repository, d.received_at, d.payload)
        .where(d.routed_at.is_(None))
        .order_by(d.received_at)
        .limit(limit)
    )
    return [StoredDelivery(*row) for row in rows]


async def load_deliveries(conn: AsyncConnection, ids: list[str]) -> list[StoredDelivery]:
    d = deliveries.c
    rows = await conn.execute(
        select(d.id, d.event, d.action, d.installation_id, d.repository, d.received_at, d.payload)
        .where(d.id.in_(ids))
        .order_by(d.received_at)
    )
    return [StoredDelivery(*row) for row in rows]
