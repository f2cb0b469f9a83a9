"""The merge queue's rows on SQLite and PostgreSQL: order, keeping a place, retargeting, leaving,
and the migration that creates them."""

from __future__ import annotations

from alembic import command

from app.store.db import Database
from app.store.merge_queue import (
    join_queue,
    leave_queue,
    leave_queue_at_head,
    queue_for,
    queued_entry,
)
from app.store.migrate import alembic_config, upgrade
from tests.test_config_generations import empty_database, run_sql, tables_of

__all__ = ["empty_database"]

REPO = "Acme/API"


async def join(
    db: Database,
    number: int,
    now: float,
    *,
    priority: int,
    base: str = "main",
    requested_by: str | None = None,
) -> None:
    async with db.transaction() as conn:
        await join_queue(
            conn, REPO, number, base, priority=priority, now=now, requested_by=requested_by
        )


async def order(db: Database, base: str = "main") -> list[int]:
    async with db.reader() as conn:
        return [entry.number for entry in await queue_for(conn, "acme/api", base)]


async def test_the_queue_is_priority_first_then_first_come(db: Database) -> None:
    await join(db, 7, 10.0, priority=0)
    await join(db, 3, 20.0, priority=0)
    await join(db, 9, 30.0, priority=1)
    await join(db, 5, 10.0, priority=0)
    assert await order(db) == [9, 5, 7, 3]


async def test_a_queued_pr_keeps_its_place_when_it_joins_again(db: Database) -> None:
    await join(db, 1, 10.0, priority=0)
    await join(db, 2, 20.0, priority=0)
    await join(db, 1, 30.0, priority=0, requested_by="bob")
    await join(db, 1, 40.0, priority=0)
    assert await order(db) == [1, 2]
    async with db.reader() as conn:
        entry = await queued_entry(conn, REPO, 1)
    assert entry is not None
    assert (entry.enqueued_at, entry.touched_at, entry.requested_by) == (10.0, 40.0, "bob")


async def test_a_pr_retargeted_to_another_base_joins_that_queue_at_the_end(db: Database) -> None:
    await join(db, 1, 10.0, priority=0)
    await join(db, 2, 20.0, priority=0, base="release")
    await join(db, 1, 30.0, priority=0, base="release")
    assert await order(db) == []
    assert await order(db, "release") == [2, 1]


async def test_leaving_the_queue(db: Database) -> None:
    await join(db, 1, 10.0, priority=0)
    async with db.transaction() as conn:
        assert await leave_queue(conn, "ACME/api", 1) is True
        assert await leave_queue(conn, REPO, 1) is False
        assert await queued_entry(conn, REPO, 1) is None
    assert await order(db) == []


async def test_leaving_from_the_head_names_the_pr_whose_turn_it_is(db: Database) -> None:
    for number, now in ((1, 10.0), (2, 20.0), (3, 30.0)):
        await join(db, number, now, priority=0)
    await join(db, 8, 5.0, priority=0, base="release")
    async with db.transaction() as conn:
        assert await leave_queue_at_head(conn, REPO, 2) is None  # not at the head: no turn
        assert await leave_queue_at_head(conn, REPO, 1) == 3
        assert await leave_queue_at_head(conn, REPO, 9) is None  # not queued
        assert await leave_queue_at_head(conn, REPO, 3) is None  # the last one
        assert await leave_queue_at_head(conn, REPO, 8) is None  # alone in its branch's queue
    assert await order(db) == []
    assert await order(db, "release") == []


def test_the_migration_creates_and_drops_the_queue(empty_database: str) -> None:
    upgrade(empty_database, "0004")
    assert "merge_queue" not in tables_of(empty_database)
    upgrade(empty_database)
    assert "merge_queue" in tables_of(empty_database)
    run_sql(
        empty_database,
        "INSERT INTO merge_queue (repository, number, base_ref, priority, enqueued_at, touched_at)"
        " VALUES ('acme/api', 1, 'main', 0, 1.0, 1.0)",
    )
    command.downgrade(alembic_config(empty_database), "0004")
    assert "merge_queue" not in tables_of(empty_database)
