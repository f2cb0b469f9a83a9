"""Reports CI uploaded, per repository, commit, kind and name (an upload replaces its namesake)."""

from __future__ import annotations

import gzip
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.dialect import insert_for
from app.store.tables import installations, open_pulls, reports


@dataclass(frozen=True)
class StoredReport:
    name: str
    format: str
    body: bytes  # uncompressed
    received_at: float


@dataclass(frozen=True)
class IndexedHead:
    """The repository as the open-PR index spells it, and the installation it belongs to."""

    repository: str
    installation_id: int | None


def compress_body(body: bytes) -> bytes:
    """What `store_report` stores: CPU-bound, so callers run it outside the transaction."""
    return gzip.compress(body, compresslevel=6, mtime=0)


async def store_report(
    conn: AsyncConnection,
    *,
    repository: str,
    sha: str,
    kind: str,
    name: str,
    format: str,
    compressed: bytes,
    size: int,
    received_at: float,
) -> int:
    """Stores a report (`compressed` from `compress_body`), replacing the one with the same
    repository, sha, kind and name. Returns the row's id."""
    values = {
        "format": format,
        "body": compressed,
        "size": size,
        "received_at": received_at,
    }
    stmt = insert_for(conn, reports).values(
        repository=repository.lower(), sha=sha.lower(), kind=kind, name=name, **values
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[reports.c.repository, reports.c.sha, reports.c.kind, reports.c.name],
        set_=values,
    ).returning(reports.c.id)
    return int((await conn.execute(stmt)).scalar_one())


async def load_reports(
    conn: AsyncConnection, repository: str, sha: str, kind: str
) -> list[StoredReport]:
    r = reports.c
    rows = await conn.execute(
        select(r.name, r.format, r.body, r.received_at)
        .where(r.repository == repository.lower(), r.sha == sha.lower(), r.kind == kind)
        .order_by(r.name)
    )
    return [
        StoredReport(row.name, row.format, gzip.decompress(row.body), row.received_at)
        for row in rows
    ]


async def indexed_heads(conn: AsyncConnection, repository: str, sha: str) -> list[IndexedHead]:
    """Where the open-PR index knows a PR of `repository` (any case) whose head is `sha`. An index
    row without an installation takes the active installation of the repository's owner."""
    p = open_pulls.c
    rows = await conn.execute(
        select(p.repository, p.installation_id)
        .where(func.lower(p.repository) == repository.lower(), p.head_sha == sha.lower())
        .distinct()
        .order_by(p.repository)
    )
    found = [IndexedHead(row.repository, row.installation_id) for row in rows]
    if any(head.installation_id is None for head in found):
        owner = repository.split("/", 1)[0].lower()
        i = installations.c
        installation_id = await conn.scalar(
            select(i.id)
            .where(func.lower(i.account) == owner, i.state == "active")
            .order_by(i.updated_at.desc())
            .limit(1)
        )
        found = [
            IndexedHead(head.repository, head.installation_id or installation_id) for head in found
        ]
    return list(dict.fromkeys(found))
