"""The merge queue's rows: which pull requests wait to merge into which base branch, in order.

Order within a repository's base branch: higher `priority` first, then earlier `enqueued_at`, then
the lower PR number. Repositories are stored lower-case; base branch names as GitHub spells them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.dialect import insert_for
from app.store.tables import merge_queue


@dataclass(frozen=True)
class QueueEntry:
    number: int
    base_ref: str
    priority: int
    enqueued_at: float
    touched_at: float
    requested_by: str | None = None


async def join_queue(
    conn: AsyncConnection,
    repository: str,
    number: int,
    base_ref: str,
    *,
    priority: int,
    now: float,
    requested_by: str | None = None,
) -> None:
    """Queues the PR, or refreshes its row. It keeps its place unless its base branch changed
    (a PR retargeted to another branch joins that branch's queue at the end)."""
    table = merge_queue
    stmt = insert_for(conn, table).values(
        repository=repository.lower(),
        number=number,
        base_ref=base_ref,
        priority=priority,
        enqueued_at=now,
        touched_at=now,
        requested_by=requested_by,
    )
    same_base = table.c.base_ref == stmt.excluded.base_ref
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.repository, table.c.number],
        set_={
            "base_ref": stmt.excluded.base_ref,
            "priority": stmt.excluded.priority,
            "touched_at": stmt.excluded.touched_at,
            "enqueued_at": case((same_base, table.c.enqueued_at), else_=stmt.excluded.enqueued_at),
            "requested_by": case(
                (stmt.excluded.requested_by.is_(None), table.c.requested_by),
                else_=stmt.excluded.requested_by,
            ),
        },
    )
    await conn.execute(stmt)


def queue_as_if_joined(
    queue: list[QueueEntry],
    entry: QueueEntry | None,
    number: int,
    base_ref: str,
    priority: int,
    now: float,
) -> list[QueueEntry]:
    """The queue of `base_ref` as `join_queue` would leave it, computed without writing (a
    simulation): `queue` as read, `entry` the PR's row (None: not queued)."""
    kept = entry is not None and entry.base_ref == base_ref
    joined = QueueEntry(
        number,
        base_ref,
        priority,
        entry.enqueued_at if entry is not None and kept else now,
        now,
        entry.requested_by if entry is not None else None,
    )
    others = [queued for queued in queue if queued.number != number]
    return sorted([*others, joined], key=lambda e: (-e.priority, e.enqueued_at, e.number))


async def leave_queue(conn: AsyncConnection, repository: str, number: int) -> bool:
    """Removes the PR from its queue; whether it was queued."""
    result = await conn.execute(
        delete(merge_queue).where(
            and_(merge_queue.c.repository == repository.lower(), merge_queue.c.number == number)
        )
    )
    return bool(result.rowcount)


async def leave_queue_at_head(conn: AsyncConnection, repository: str, number: int) -> int | None:
    """Removes the PR from its queue; when it was at the head, returns the PR that is now (None
    otherwise): nothing else tells that PR its turn came when the one ahead closed without
    paasbot's merge (merged by hand, closed, or merged by a process killed before it could
    leave the queue)."""
    entry = await queued_entry(conn, repository, number)
    if entry is None:
        return None
    queue = await queue_for(conn, repository, entry.base_ref)
    await leave_queue(conn, repository, number)
    if len(queue) < 2 or queue[0].number != number:
        return None
    return queue[1].number


async def queue_for(conn: AsyncConnection, repository: str, base_ref: str) -> list[QueueEntry]:
    """The queue of one base branch, first to merge first."""
    rows = await conn.execute(
        select(merge_queue)
        .where(
            and_(merge_queue.c.repository == repository.lower(), merge_queue.c.base_ref == base_ref)
        )
        .order_by(merge_queue.c.priority.desc(), merge_queue.c.enqueued_at, merge_queue.c.number)
    )
    return [_entry(row) for row in rows.mappings()]


async def queued_entry(conn: AsyncConnection, repository: str, number: int) -> QueueEntry | None:
    row = (
        (
            await conn.execute(
                select(merge_queue).where(
                    and_(
                        merge_queue.c.repository == repository.lower(),
                        merge_queue.c.number == number,
                    )
                )
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else _entry(row)


def _entry(row: object) -> QueueEntry:
    values = dict(row)  # type: ignore[call-overload]
    return QueueEntry(
        number=values["number"],
        base_ref=values["base_ref"],
        priority=values["priority"],
        enqueued_at=values["enqueued_at"],
        touched_at=values["touched_at"],
        requested_by=values["requested_by"],
    )
