"""Propagation runs and their targets on SQLite and PostgreSQL: get-or-create, targets added once
and in order, what each target's record keeps, the PRs an installation opened lately, and the
migration that creates the tables."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command

from app.store.db import Database
from app.store.migrate import alembic_config, upgrade
from app.store.propagations import (
    add_targets,
    finish_propagation,
    load_propagation,
    load_targets,
    pulls_opened_since,
    recent_propagations,
    record_target,
    reopen_propagation,
    start_propagation,
)
from tests.test_config_generations import empty_database, run_sql, tables_of

__all__ = ["empty_database"]

NOW = 1_800_000_000.0
SOURCE = "Acme/Auth"


async def start(
    db: Database,
    tag: str = "v1.4.0",
    package: str = "pip:acme-auth",
    *,
    installation: int = 7,
    source: str = SOURCE,
    now: float = NOW,
) -> int:
    async with db.transaction() as conn:
        return await start_propagation(conn, installation, source, tag, package, "1.4.0", now)


async def targets(db: Database, propagation_id: int) -> list[tuple[str, int, str]]:
    async with db.reader() as conn:
        rows = await load_targets(conn, propagation_id)
    return [(row.repository, row.position, row.status) for row in rows]


async def test_starting_twice_returns_the_same_propagation(db: Database) -> None:
    first = await start(db)
    again = await start(db, source="acme/auth", now=NOW + 60)
    other_tag = await start(db, "v1.5.0")
    other_package = await start(db, package="npm:@acme/auth")
    assert first == again
    assert len({first, other_tag, other_package}) == 3
    async with db.reader() as conn:
        row = await load_propagation(conn, first)
    assert (row.id, row.installation_id, row.source_repository) == (first, 7, "acme/auth")
    assert (row.tag, row.package_key, row.version, row.state) == (
        "v1.4.0",
        "pip:acme-auth",
        "1.4.0",
        "running",
    )
    assert (row.created_at, row.updated_at) == (NOW, NOW)


async def test_concurrent_starts_make_one_propagation(db: Database) -> None:
    ids = await asyncio.gather(*(start(db) for _ in range(6)))
    assert len(set(ids)) == 1


async def test_a_done_propagation_stays_done_until_reopened(db: Database) -> None:
    propagation = await start(db)
    async with db.transaction() as conn:
        await finish_propagation(conn, propagation, NOW + 10)
    assert await start(db, now=NOW + 20) == propagation
    async with db.reader() as conn:
        row = await load_propagation(conn, propagation)
    assert (row.state, row.updated_at) == ("done", NOW + 10)
    async with db.transaction() as conn:
        await reopen_propagation(conn, propagation, NOW + 30)
        row = await load_propagation(conn, propagation)
    assert (row.state, row.updated_at) == ("running", NOW + 30)


async def test_loading_an_unknown_propagation_is_a_lookup_error(db: Database) -> None:
    async with db.reader() as conn:
        with pytest.raises(LookupError):
            await load_propagation(conn, 12345)
        assert await load_targets(conn, 12345) == []


async def test_targets_are_added_once_in_order(db: Database) -> None:
    propagation = await start(db)
    async with db.transaction() as conn:
        await add_targets(conn, propagation, ["acme/web", "Acme/API", "acme/web"], NOW)
        await record_target(conn, propagation, "acme/web", "skipped", "up to date", now=NOW + 1)
    async with db.transaction() as conn:
        await add_targets(conn, propagation, ["acme/cli", "ACME/WEB", "acme/api"], NOW + 5)
        await add_targets(conn, propagation, [], NOW + 6)
        await add_targets(conn, propagation, ["acme/docs"], NOW + 7)
    assert await targets(db, propagation) == [
        ("acme/web", 0, "skipped"),
        ("acme/api", 1, "pending"),
        ("acme/cli", 2, "pending"),
        ("acme/docs", 3, "pending"),
    ]
    other = await start(db, "v2.0.0")
    async with db.transaction() as conn:
        await add_targets(conn, other, ["acme/cli"], NOW)
    assert await targets(db, other) == [("acme/cli", 0, "pending")]


async def test_recording_a_target_keeps_when_paasbot_opened_its_pr(db: Database) -> None:
    propagation = await start(db)
    async with db.transaction() as conn:
        await add_targets(conn, propagation, ["acme/web", "acme/api"], NOW)
        await record_target(
            conn,
            propagation,
            "Acme/Web",
            "opened",
            None,
            pull_number=12,
            pull_url="https://github.com/acme/web/pull/12",
            opened=True,
            now=NOW + 1,
        )
        await record_target(
            conn, propagation, "acme/api", "existing", "already open", pull_number=3, now=NOW + 2
        )
    async with db.transaction() as conn:
        # Seen again later (not opened by this run): the first opening time stays.
        await record_target(conn, propagation, "acme/web", "existing", "still open", now=NOW + 9)
    async with db.reader() as conn:
        web, api = await load_targets(conn, propagation)
    assert web.propagation_id == propagation
    assert (web.status, web.detail, web.pull_number, web.pull_url) == (
        "existing",
        "still open",
        12,
        "https://github.com/acme/web/pull/12",
    )
    assert (web.opened_at, web.updated_at) == (NOW + 1, NOW + 9)
    assert (api.status, api.detail, api.pull_number, api.pull_url) == (
        "existing",
        "already open",
        3,
        None,
    )
    assert api.opened_at is None
    async with db.transaction() as conn:
        await record_target(
            conn, propagation, "acme/web", "opened", None, opened=True, now=NOW + 20
        )
        await record_target(conn, propagation, "acme/new", "failed", "boom", now=NOW + 21)
        with pytest.raises(ValueError, match="status"):
            await record_target(conn, propagation, "acme/web", "merged", None, now=NOW + 22)
    async with db.reader() as conn:
        rows = await load_targets(conn, propagation)
    assert [(r.repository, r.position, r.status, r.opened_at) for r in rows] == [
        ("acme/web", 0, "opened", NOW + 20),
        ("acme/api", 1, "existing", None),
        ("acme/new", 2, "failed", None),
    ]


async def test_pulls_opened_since_counts_the_installations_propagations(db: Database) -> None:
    first = await start(db, "v1.4.0")
    second = await start(db, "v1.4.0", package="npm:@acme/auth")
    foreign = await start(db, "v1.4.0", installation=8, source="other/auth")
    async with db.transaction() as conn:
        for propagation in (first, second, foreign):
            await add_targets(conn, propagation, ["acme/web", "acme/api", "acme/cli"], NOW)
        await record_target(conn, first, "acme/web", "opened", None, opened=True, now=NOW + 30)
        await record_target(conn, first, "acme/api", "opened", None, opened=True, now=NOW + 5)
        await record_target(conn, first, "acme/cli", "existing", None, now=NOW + 40)
        await record_target(conn, second, "acme/web", "opened", None, opened=True, now=NOW + 20)
        await record_target(conn, second, "acme/api", "opened", None, opened=True, now=NOW - 60)
        await record_target(conn, foreign, "acme/web", "opened", None, opened=True, now=NOW + 25)
    async with db.reader() as conn:
        assert await pulls_opened_since(conn, 7, NOW) == [NOW + 5, NOW + 20, NOW + 30]
        assert await pulls_opened_since(conn, 7, NOW + 20) == [NOW + 20, NOW + 30]
        assert await pulls_opened_since(conn, 7, NOW - 3600) == [
            NOW - 60,
            NOW + 5,
            NOW + 20,
            NOW + 30,
        ]
        assert await pulls_opened_since(conn, 8, NOW) == [NOW + 25]
        assert await pulls_opened_since(conn, 9, NOW) == []


async def test_recent_propagations_count_targets_by_status(db: Database) -> None:
    old = await start(db, "v1.3.0")
    new = await start(db, "v1.4.0")
    await start(db, "v9.0.0", source="other/auth")
    async with db.transaction() as conn:
        await add_targets(conn, new, ["acme/web", "acme/api", "acme/cli"], NOW)
        await record_target(conn, new, "acme/web", "opened", None, opened=True, now=NOW)
        await record_target(conn, new, "acme/api", "opened", None, opened=True, now=NOW)
        await finish_propagation(conn, old, NOW + 1)
    async with db.reader() as conn:
        summaries = await recent_propagations(conn, "ACME/auth")
        assert [s.id for s in await recent_propagations(conn, SOURCE, limit=1)] == [new]
        assert await recent_propagations(conn, "nobody/here") == []
    assert [(s.id, s.tag, s.state, s.counts) for s in summaries] == [
        (new, "v1.4.0", "running", {"opened": 2, "pending": 1}),
        (old, "v1.3.0", "done", {}),
    ]
    assert (summaries[0].package_key, summaries[0].version) == ("pip:acme-auth", "1.4.0")


def test_the_migration_creates_and_drops_the_propagation_tables(empty_database: str) -> None:
    names = {"propagations", "propagation_targets", "manifest_scans", "manifest_files"}
    upgrade(empty_database, "0005")
    assert not names & tables_of(empty_database)
    upgrade(empty_database)
    assert names <= tables_of(empty_database)
    run_sql(
        empty_database,
        "INSERT INTO propagations (installation_id, source_repository, tag, package_key,"
        " version, state, created_at, updated_at)"
        " VALUES (7, 'acme/auth', 'v1', 'pip:acme-auth', '1', 'running', 1.0, 1.0)",
    )
    command.downgrade(alembic_config(empty_database), "0005")
    assert not names & tables_of(empty_database)
    assert "merge_queue" in tables_of(empty_database)
