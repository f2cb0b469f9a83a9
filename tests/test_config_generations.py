"""`app/store/config_generations.py` on SQLite and PostgreSQL, and the migration that creates its
table (and the PR memories') on a database already at the first revision."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from sqlalchemy import select

from app.store.config_generations import bump_generations, generations
from app.store.db import Database
from app.store.migrate import alembic_config, head_revision, upgrade
from app.store.tables import config_generations
from tests.db_fixtures import PG_ADMIN_URL, _admin

NOW = 1_800_000_000.0


async def bump(db: Database, *repositories: str, now: float = NOW) -> None:
    async with db.transaction() as conn:
        await bump_generations(conn, repositories, now)


async def read(db: Database, *repositories: str) -> dict[str, int]:
    async with db.reader() as conn:
        return await generations(conn, repositories)


async def test_a_repository_never_bumped_is_at_zero(db: Database) -> None:
    assert await read(db, "acme/api", "acme/.github") == {"acme/.github": 0, "acme/api": 0}
    assert await read(db) == {}


async def test_each_bump_adds_one(db: Database) -> None:
    await bump(db, "acme/api")
    assert await read(db, "acme/api", "acme/web") == {"acme/api": 1, "acme/web": 0}
    await bump(db, "acme/api", "acme/web")
    await bump(db, "acme/api")
    assert await read(db, "acme/api", "acme/web") == {"acme/api": 3, "acme/web": 1}


async def test_a_repository_named_twice_in_one_bump_counts_once(db: Database) -> None:
    await bump(db, "acme/api", "acme/api", "ACME/Api")
    assert await read(db, "acme/api") == {"acme/api": 1}
    await bump(db)  # nothing to bump
    assert await read(db, "acme/api") == {"acme/api": 1}


async def test_names_compare_without_case(db: Database) -> None:
    await bump(db, "Acme/Policies")
    await bump(db, "acme/policies")
    assert await read(db, "acme/policies", "ACME/POLICIES") == {
        "ACME/POLICIES": 2,
        "acme/policies": 2,
    }


async def test_the_time_of_the_last_change_is_kept(db: Database) -> None:
    await bump(db, "acme/api", now=NOW)
    await bump(db, "acme/api", now=NOW + 60)
    async with db.reader() as conn:
        rows = (await conn.execute(select(config_generations))).mappings().all()
    assert [dict(row) for row in rows] == [
        {"repository": "acme/api", "generation": 2, "changed_at": NOW + 60}
    ]


async def test_a_rolled_back_bump_is_not_counted(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await bump_generations(conn, ["acme/api"], NOW)
            raise RuntimeError("routing failed")
    assert await read(db, "acme/api") == {"acme/api": 0}


async def test_concurrent_bumps_are_all_counted(db: Database) -> None:
    await asyncio.gather(*(bump(db, "acme/api", "acme/.github") for _ in range(8)))
    assert await read(db, "acme/api", "acme/.github") == {"acme/.github": 8, "acme/api": 8}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no table at all (PostgreSQL: a new one, dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'paasbot.db'}"
        return
    request.getfixturevalue("postgres_url")  # skips (or fails in CI) without PostgreSQL
    name = f"paasbot_migration_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url.replace("postgresql://", "postgresql+asyncpg://", 1)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run_sql(url: str, sql: str) -> list[tuple[object, ...]]:
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite+aiosqlite:///")) as connection:
            return [tuple(row) for row in connection.execute(sql)]

    async def query() -> list[tuple[object, ...]]:
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            return [tuple(row) for row in await connection.fetch(sql)]
        finally:
            await connection.close()

    return asyncio.run(query())


def tables_of(url: str) -> set[str]:
    sql = (
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        if url.startswith("sqlite")
        else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    )
    return {str(row[0]) for row in run_sql(url, sql)}


RULE_ENGINE_TABLES = {"config_generations", "pull_memories"}


def test_upgrading_an_empty_database_creates_the_rule_engine_tables(empty_database: str) -> None:
    upgrade(empty_database)
    assert {*RULE_ENGINE_TABLES, "deliveries", "subjects", "open_pulls"} <= tables_of(
        empty_database
    )
    version = run_sql(empty_database, "SELECT version_num FROM alembic_version")
    assert version == [(head_revision(),)]


def test_the_rule_engine_migration_keeps_data_and_downgrades(empty_database: str) -> None:
    upgrade(empty_database, "0001")
    assert not RULE_ENGINE_TABLES & tables_of(empty_database)
    run_sql(
        empty_database,
        "INSERT INTO open_pulls (repository, number, installation_id, head_sha, base_ref,"
        " updated_at) VALUES ('acme/api', 1, 7, 'abc', 'main', 1.0)",
    )
    upgrade(empty_database)
    assert tables_of(empty_database) >= RULE_ENGINE_TABLES
    assert run_sql(empty_database, "SELECT count(*) FROM open_pulls") == [(1,)]
    command.downgrade(alembic_config(empty_database), "0001")
    assert not RULE_ENGINE_TABLES & tables_of(empty_database)
    assert "open_pulls" in tables_of(empty_database)
    upgrade(empty_database)
    assert tables_of(empty_database) >= RULE_ENGINE_TABLES
