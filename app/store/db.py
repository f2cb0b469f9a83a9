"""The database handle: async engines for SQLite (default) or PostgreSQL, write transactions."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool


class Database:
    """One engine per process. On SQLite, writers are serialised in-process (one asyncio lock) and
    every transaction starts with BEGIN IMMEDIATE, so concurrent writers queue instead of failing
    with "database is locked" on a read-to-write upgrade."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_postgres = make_url(url).get_backend_name() == "postgresql"
        database = make_url(url).database
        if not self.is_postgres and database not in (None, "", ":memory:"):
            _use_wal(str(database))  # once, for both engines
        self.engine: AsyncEngine = _create_engine(url, self.is_postgres, echo, immediate=True)
        self.read_engine: AsyncEngine = (
            self.engine if self.is_postgres else _create_engine(url, False, echo, immediate=False)
        )
        self._write_lock = asyncio.Lock() if not self.is_postgres else None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._write_lock, self.engine.begin() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncConnection]:
        async with self.read_engine.connect() as conn:
            yield conn

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


def _create_engine(url: str, is_postgres: bool, echo: bool, *, immediate: bool) -> AsyncEngine:
    if is_postgres:
        return create_async_engine(
            url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True
        )
    memory = make_url(url).database in (None, "", ":memory:")
    engine = create_async_engine(
        url,
        echo=echo,
        connect_args={"timeout": 30},
        **({"poolclass": NullPool} if memory else {}),
    )
    event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
    event.listen(
        engine.sync_engine, "begin", _sqlite_begin_immediate if immediate else _sqlite_begin
    )
    return engine


def _use_wal(path: str) -> None:
    """Puts the file in WAL mode (kept in the file), before the engine opens any connection:
    switching takes an exclusive lock, and connections opening together on a file not in WAL
    mode yet, or one while another holds a read transaction, failed with "database is locked"
    (seen in CI, where a test's engine and paasbot's open the same new file)."""
    try:
        connection = sqlite3.connect(path, timeout=30)
    except sqlite3.OperationalError:
        return  # e.g. no such folder: the engine's first connection says so
    try:
        if str(connection.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    for pragma in ("PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"):
        cursor.execute(pragma)
    cursor.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")
