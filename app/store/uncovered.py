"""Which repositories an installation no longer covers, as its installation events said."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.routing.plan import CoverageChange
from app.store.dialect import insert_for
from app.store.tables import uncovered_repositories


async def apply_coverage(
    conn: AsyncConnection, installation_id: int, changes: Sequence[CoverageChange], now: float
) -> None:
    u = uncovered_repositories.c
    covered = [c.repository.lower() for c in changes if c.covered]
    if covered:
        await conn.execute(
            delete(uncovered_repositories).where(
                u.installation_id == installation_id, u.repository.in_(covered)
            )
        )
    for change in changes:
        if not change.covered:
            row = {
                "installation_id": installation_id,
                "repository": change.repository.lower(),
                "removed_at": now,
            }
            stmt = insert_for(conn, uncovered_repositories).values(**row)
            await conn.execute(stmt.on_conflict_do_nothing())


async def is_uncovered(conn: AsyncConnection, installation_id: int, repository: str) -> bool:
    u = uncovered_repositories.c
    query = select(u.repository).where(
        u.installation_id == installation_id, u.repository == repository.lower()
    )
    return (await conn.execute(query.limit(1))).first() is not None
