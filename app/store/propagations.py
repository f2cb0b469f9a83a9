"""Dependency-bump propagation runs: one per (source repository, release tag, package), and the
repositories each one bumps, in order, with what happened to each.

Repositories are stored lower-case (GitHub compares them without case). `opened_at` is set only
when paasbot itself created the target's pull request: `pulls_opened_since` counts those for the
per-installation limit on PRs opened per minute."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.dialect import insert_for
from app.store.tables import propagation_targets, propagations

RUNNING = "running"
DONE = "done"
TARGET_STATUSES = frozenset({"pending", "opened", "existing", "skipped", "failed"})


@dataclass(frozen=True)
class PropagationRow:
    id: int
    installation_id: int
    source_repository: str
    tag: str
    package_key: str
    version: str
    state: str
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class TargetRow:
    propagation_id: int
    repository: str
    position: int
    status: str
    detail: str | None
    pull_number: int | None
    pull_url: str | None
    opened_at: float | None
    updated_at: float


@dataclass(frozen=True)
class PropagationSummary:
    id: int
    tag: str
    package_key: str
    version: str
    state: str
    created_at: float
    updated_at: float
    # Targets per status; statuses with no target are absent.
    counts: dict[str, int] = field(default_factory=dict)


async def start_propagation(
    conn: AsyncConnection,
    installation_id: int,
    source_repository: str,
    tag: str,
    package_key: str,
    version: str,
    now: float,
) -> int:
    """The id of the propagation of `package_key` at `tag`, created (running) if there is none.
    An existing one is returned as it is, a done one stays done: the caller decides."""
    table = propagations
    source = source_repository.lower()
    stmt = insert_for(conn, table).values(
        installation_id=installation_id,
        source_repository=source,
        tag=tag,
        package_key=package_key,
        version=version,
        state=RUNNING,
        created_at=now,
        updated_at=now,
    )
    await conn.execute(
        stmt.on_conflict_do_nothing(
            index_elements=[table.c.source_repository, table.c.tag, table.c.package_key]
        )
    )
    found = await conn.scalar(
        select(table.c.id).where(
            and_(
                table.c.source_repository == source,
                table.c.tag == tag,
                table.c.package_key == package_key,
            )
        )
    )
    assert found is not None, "inserted or already there"
    return int(found)


async def add_targets(
    conn: AsyncConnection, propagation_id: int, repositories: Sequence[str], now: float
) -> None:
    """Adds the repositories not yet targeted, as pending, after the current last one and in the
    given order; targets already there keep their row."""
    t = propagation_targets.c
    existing = set(
        (await conn.execute(select(t.repository).where(t.propagation_id == propagation_id)))
        .scalars()
        .all()
    )
    missing = [
        name
        for name in dict.fromkeys(repository.lower() for repository in repositories)
        if name not in existing
    ]
    if not missing:
        return
    last = await conn.scalar(select(func.max(t.position)).where(t.propagation_id == propagation_id))
    start = -1 if last is None else int(last)
    stmt = insert_for(conn, propagation_targets).values(
        [
            {
                "propagation_id": propagation_id,
                "repository": name,
                "position": start + 1 + offset,
                "status": "pending",
                "updated_at": now,
            }
            for offset, name in enumerate(missing)
        ]
    )
    await conn.execute(stmt.on_conflict_do_nothing(index_elements=[t.propagation_id, t.repository]))


async def load_propagation(conn: AsyncConnection, propagation_id: int) -> PropagationRow:
    """The propagation; LookupError if there is none with that id."""
    row = (
        (await conn.execute(select(propagations).where(propagations.c.id == propagation_id)))
        .mappings()
        .first()
    )
    if row is None:
        raise LookupError(f"no propagation {propagation_id}")
    return PropagationRow(**_fields(row, PropagationRow))


async def load_targets(conn: AsyncConnection, propagation_id: int) -> list[TargetRow]:
    """The propagation's targets, first to work on first."""
    t = propagation_targets.c
    rows = await conn.execute(
        select(propagation_targets)
        .where(t.propagation_id == propagation_id)
        .order_by(t.position, t.repository)
    )
    return [TargetRow(**_fields(row, TargetRow)) for row in rows.mappings()]


async def record_target(
    conn: AsyncConnection,
    propagation_id: int,
    repository: str,
    status: str,
    detail: str | None,
    *,
    pull_number: int | None = None,
    pull_url: str | None = None,
    opened: bool = False,
    now: float,
) -> None:
    """Records what happened to one target. `opened=True` (paasbot created the PR) sets
    `opened_at` to now; otherwise an earlier `opened_at` is kept. A pull number or URL left None
    keeps the stored one. A repository not yet targeted is added at the end first."""
    if status not in TARGET_STATUSES:
        raise ValueError(f"unknown target status {status!r}")
    t = propagation_targets.c
    name = repository.lower()
    values: dict[str, Any] = {"status": status, "detail": detail, "updated_at": now}
    if pull_number is not None:
        values["pull_number"] = pull_number
    if pull_url is not None:
        values["pull_url"] = pull_url
    if opened:
        values["opened_at"] = now
    where = and_(t.propagation_id == propagation_id, t.repository == name)
    result = await conn.execute(update(propagation_targets).where(where).values(**values))
    if not result.rowcount:
        await add_targets(conn, propagation_id, [name], now)
        await conn.execute(update(propagation_targets).where(where).values(**values))


async def pulls_opened_since(
    conn: AsyncConnection, installation_id: int, since: float
) -> list[float]:
    """When paasbot opened each propagation PR of the installation at or after `since`,
    earliest first."""
    t, p = propagation_targets.c, propagations.c
    rows = await conn.execute(
        select(t.opened_at)
        .select_from(
            propagation_targets.join(propagations, p.id == t.propagation_id),
        )
        .where(and_(p.installation_id == installation_id, t.opened_at >= since))
        .order_by(t.opened_at)
    )
    return [float(value) for value in rows.scalars()]


async def finish_propagation(conn: AsyncConnection, propagation_id: int, now: float) -> None:
    await _set_state(conn, propagation_id, DONE, now)


async def reopen_propagation(conn: AsyncConnection, propagation_id: int, now: float) -> None:
    await _set_state(conn, propagation_id, RUNNING, now)


async def recent_propagations(
    conn: AsyncConnection, source_repository: str, limit: int = 20
) -> list[PropagationSummary]:
    """The source repository's latest propagations, newest first, with their targets counted
    by status."""
    p, t = propagations.c, propagation_targets.c
    rows = (
        (
            await conn.execute(
                select(propagations)
                .where(p.source_repository == source_repository.lower())
                .order_by(p.id.desc())
                .limit(limit)
            )
        )
        .mappings()
        .all()
    )
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    counts: dict[int, dict[str, int]] = {pid: {} for pid in ids}
    grouped = await conn.execute(
        select(t.propagation_id, t.status, func.count())
        .where(t.propagation_id.in_(ids))
        .group_by(t.propagation_id, t.status)
    )
    for propagation_id, status, count in grouped:
        counts[propagation_id][status] = int(count)
    return [
        PropagationSummary(
            id=row["id"],
            tag=row["tag"],
            package_key=row["package_key"],
            version=row["version"],
            state=row["state"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            counts=counts[row["id"]],
        )
        for row in rows
    ]


async def _set_state(conn: AsyncConnection, propagation_id: int, state: str, now: float) -> None:
    await conn.execute(
        update(propagations)
        .where(propagations.c.id == propagation_id)
        .values(state=state, updated_at=now)
    )


def _fields(row: Any, cls: type[PropagationRow] | type[TargetRow]) -> dict[str, Any]:
    return {f.name: row[f.name] for f in fields(cls)}
