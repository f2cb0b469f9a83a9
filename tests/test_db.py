"""SQLite connections: WAL mode, set once in the file, and connections that open while another
holds the write lock."""

from __future__ import annotations

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
