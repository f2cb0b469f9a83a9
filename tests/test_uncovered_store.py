"""The repositories an installation no longer covers (app/store/uncovered.py)."""

from __future__ import annotations

from alembic import command

from app.routing.plan import CoverageChange
from app.store.db import Database
from app.store.migrate import alembic_config, upgrade
from app.store.uncovered import apply_coverage, is_uncovered
from tests.test_config_generations import empty_database, tables_of

__all__ = ["empty_database"]  # the fixture, imported for pytest


async def test_a_removed_repository_is_uncovered_until_added_again(db: Database) -> None:
    async with db.transaction() as conn:
        await apply_coverage(conn, 7, [CoverageChange("Acme/API", False)], 1.0)
        await apply_coverage(conn, 7, [CoverageChange("acme/api", False)], 2.0)  # told twice
    async with db.reader() as conn:
        assert await is_uncovered(conn, 7, "acme/api")
        assert await is_uncovered(conn, 7, "ACME/Api"), "names compare case-insensitively"
        assert not await is_uncovered(conn, 8, "acme/api"), "only for that installation"
        assert not await is_uncovered(conn, 7, "acme/web")
    async with db.transaction() as conn:
        await apply_coverage(conn, 7, [CoverageChange("acme/API", True)], 3.0)
    async with db.reader() as conn:
        assert not await is_uncovered(conn, 7, "acme/api")


def test_the_migration_creates_and_drops_the_table(empty_database: str) -> None:
    upgrade(empty_database, "0011")
    assert "uncovered_repositories" not in tables_of(empty_database)
    upgrade(empty_database)
    assert "uncovered_repositories" in tables_of(empty_database)
    command.downgrade(alembic_config(empty_database), "0011")
    assert "uncovered_repositories" not in tables_of(empty_database)
