"""Configuration generations: a counter per repository, bumped when its config file changes.

Repository names compare without case, as on GitHub: a push names `acme/policies` while a file
may extend `Acme/Policies`."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.dialect import insert_for
from app.store.tables import config_generations


async def bump_generations(conn: AsyncConnection, repositories: Iterable[str], now: float) -> None:
    table = config_generations
    for repository in sorted({name.lower() for name in repositories}):
        stmt = insert_for(conn, table).values(repository=repository, generation=1, changed_at=now)
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[table.c.repository],
                set_={"generation": table.c.generation + 1, "changed_at": now},
            )
        )


async def generations(conn: AsyncConnection, repositories: Iterable[str]) -> dict[str, int]:
    """The generation of each repository, keyed as given; 0 for one whose config never changed."""
    names = sorted(set(repositories))
    c = config_generations.c
    wanted = sorted({name.lower() for name in names})
    rows = await conn.execute(select(c.repository, c.generation).where(c.repository.in_(wanted)))
    found = {row.repository: row.generation for row in rows}
    return {name: found.get(name.lower(), 0) for name in names}
