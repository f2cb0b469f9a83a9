"""The index of open pull requests' heads and bases, per repository."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.routing.plan import IndexRemoval, IndexUpsert
from app.store.dialect import insert_for
from app.store.tables import open_pulls, repository_syncs


async def apply_index_changes(
    conn: AsyncConnection,
    installation_id: int | None,
    changes: Iterable[IndexUpsert | IndexRemoval],
    now: float,
) -> None:
    for change in changes:
        if isinstance(change, IndexRemoval):
            await _remove(conn, change.repository, change.number)
        else:
            await _upsert(conn, installation_id, change, now)


async def _upsert(
    conn: AsyncConnection, installation_id: int | None, pull: IndexUpsert, now: float
) -> None:
    stmt = insert_for(conn, open_pulls).values(
        repository=pull.repository,
        number=pull.number,
        installation_id=installation_id,
        head_sha=pull.head_sha,
        base_ref=pull.base_ref,
        updated_at=now,
    )
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[open_pulls.c.repository, open_pulls.c.number],
            set_={
                "head_sha": stmt.excluded.head_sha,
                "base_ref": stmt.excluded.base_ref,
                "installation_id": stmt.excluded.installation_id,
                "updated_at": now,
            },
        )
    )


async def _remove(conn: AsyncConnection, repository: str, number: int) -> None:
    p = open_pulls.c
    await conn.execute(delete(open_pulls).where(p.repository == repository, p.number == number))


async def indexed_pull(conn: AsyncConnection, repository: str, number: int) -> IndexUpsert | None:
    """The PR's index row as an upsert would write it; None when it is not indexed."""
    p = open_pulls.c
    row = (
        await conn.execute(
            select(p.head_sha, p.base_ref).where(p.repository == repository, p.number == number)
        )
    ).first()
    return IndexUpsert(repository, number, row.head_sha, row.base_ref) if row else None


async def pulls_with_head(conn: AsyncConnection, repository: str, sha: str) -> list[int]:
    p = open_pulls.c
    rows = await conn.execute(
        select(p.number).where(p.repository == repository, p.head_sha == sha).order_by(p.number)
    )
    return list(rows.scalars())


async def pulls_based_on(
    conn: AsyncConnection, repository: str, branch: str, *, every_pull: bool = True
) -> list[int]:
    """The open PRs based on `branch`; without `every_pull`, only those a push to it can
    change (`wakes_on_base_push`)."""
    p = open_pulls.c
    query = select(p.number).where(p.repository == repository, p.base_ref == branch)
    if not every_pull:
        query = query.where(p.wakes_on_base_push.is_(True))
    rows = await conn.execute(query.order_by(p.number))
    return list(rows.scalars())


async def set_wakes_on_base_push(
    conn: AsyncConnection, repository: str, number: int, wakes: bool
) -> None:
    p = open_pulls.c
    await conn.execute(
        update(open_pulls)
        .where(p.repository == repository, p.number == number)
        .values(wakes_on_base_push=wakes)
    )


async def synced_at(conn: AsyncConnection, repository: str) -> float | None:
    r = repository_syncs.c
    return await conn.scalar(select(r.synced_at).where(r.repository == repository))


async def replace_repository_index(
    conn: AsyncConnection,
    repository: str,
    installation_id: int | None,
    pulls: Iterable[IndexUpsert],
    now: float,
) -> None:
    """Replaces a repository's index with a complete listing from the API (what an evaluation
    learnt of a PR that is still open, `wakes_on_base_push`, is kept)."""
    listed = list(pulls)
    p = open_pulls.c
    await conn.execute(
        delete(open_pulls).where(
            p.repository == repository, p.number.not_in([pull.number for pull in listed])
        )
    )
    await apply_index_changes(conn, installation_id, listed, now)
    stmt = insert_for(conn, repository_syncs).values(repository=repository, synced_at=now)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[repository_syncs.c.repository], set_={"synced_at": now}
        )
    )
