"""The check runs paasbot has written, with a digest of their content, so an unchanged summary
is never sent again."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.dialect import insert_for
from app.store.tables import check_runs


@dataclass(frozen=True)
class KnownCheckRun:
    check_run_id: int
    digest: str


async def known_check_run(
    conn: AsyncConnection, repository: str, head_sha: str, name: str
) -> KnownCheckRun | None:
    c = check_runs.c
    row = (
        await conn.execute(
            select(c.check_run_id, c.digest).where(
                c.repository == repository, c.head_sha == head_sha, c.name == name
            )
        )
    ).first()
    return KnownCheckRun(row.check_run_id, row.digest) if row else None


async def remember_check_run(
    conn: AsyncConnection,
    repository: str,
    head_sha: str,
    name: str,
    known: KnownCheckRun,
    now: float,
) -> None:
    stmt = insert_for(conn, check_runs).values(
        repository=repository,
        head_sha=head_sha,
        name=name,
        check_run_id=known.check_run_id,
        digest=known.digest,
        updated_at=now,
    )
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[check_runs.c.repository, check_runs.c.head_sha, check_runs.c.name],
            set_={"check_run_id": known.check_run_id, "digest": known.digest, "updated_at": now},
        )
    )
