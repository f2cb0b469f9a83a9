"""SQLite connections: WAL mode, set once in the file, and connections that open while another
holds the write lock."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.store.db import Database


async def test_a_file_is_put_in_wal_mode_and_a_connection_opens_beside_a_writer(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'paasbot.db'}"
    writer, reader = Database(url), Database(url)
    try:
        async with writer.transaction() as conn:
            await conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        async with writer.transaction() as conn:
            await conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            async with reader.reader() as other:
                mode = (await other.exec_driver_sql("PRAGMA journal_mode")).scalar()
                tables = (await other.exec_driver_sql("SELECT count(*) FROM t")).scalar()
        assert (mode, tables) == ("wal", 0), "the reader sees the file before the transaction"
        async with reader.reader() as other:
            assert (await other.exec_driver_sql("SELECT count(*) FROM t")).scalar() == 1
    finally:
        await writer.close()
        await reader.close()


async def test_a_new_file_is_in_wal_mode_before_its_first_connection_even_beside_a_reader(
    tmp_path: Path,
) -> None:
    # Switching to WAL takes an exclusive lock: done when a connection opened while another
    # held a read transaction, it failed with "database is locked" after the busy timeout.
    path = tmp_path / "paasbot.db"
    Database(f"sqlite+aiosqlite:///{path}")  # no connection opened
    plain = sqlite3.connect(path, isolation_level=None)
    try:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        plain.execute("CREATE TABLE t (x INTEGER)")
        plain.execute("BEGIN")
        plain.execute("SELECT count(*) FROM t").fetchall()  # a read transaction stays open
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            async with db.transaction() as conn:
                await conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        finally:
            await db.close()
    finally:
        plain.close()


def test_a_folder_that_does_not_exist_fails_at_the_first_connection_not_before(
    tmp_path: Path,
) -> None:
    Database(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'paasbot.db'}")
