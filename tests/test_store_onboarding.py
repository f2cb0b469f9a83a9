"""The onboarding table on SQLite and PostgreSQL (app/store/onboarding.py): a repository is
offered once, a person's request looks at it again, and the PRs opened lately are counted per
installation."""

from __future__ import annotations

import pytest

from app.store.db import Database
from app.store.onboarding import add_pending, load, opened_since, pending, record, request

NOW = 1_800_000_000.0


async def test_repositories_are_added_once_and_listed_in_order(db: Database) -> None:
    async with db.transaction() as conn:
        await add_pending(conn, 7, ["acme/B", "acme/a", "acme/b"], NOW)
        await add_pending(conn, 7, ["acme/c"], NOW + 1)
        await add_pending(conn, 8, ["other/x"], NOW)
        await record(conn, "acme/a", "declined", "closed", now=NOW + 2, pull_number=3)
        # Added again (a second installation event): left as it was.
        await add_pending(conn, 7, ["acme/A"], NOW + 3)
    async with db.reader() as conn:
        assert await pending(conn, 7) == ["acme/b", "acme/c"]
        row = await load(conn, "ACME/a")
    assert row is not None
    assert (row.status, row.detail, row.pull_number, row.requested_by) == (
        "declined",
        "closed",
        3,
        None,
    )


async def test_a_request_looks_at_the_repository_again_whatever_its_status(db: Database) -> None:
    async with db.transaction() as conn:
        await add_pending(conn, 7, ["acme/a"], NOW)
        await record(conn, "acme/a", "opened", "PR #4", now=NOW, pull_number=4, opened=True)
        await request(conn, 7, "acme/a", "alice", NOW + 5)
        await request(conn, 7, "acme/new", "bob", NOW + 6)
    async with db.reader() as conn:
        assert await pending(conn, 7) == ["acme/a", "acme/new"]
        row = await load(conn, "acme/a")
    assert row is not None
    assert (row.status, row.requested_by, row.pull_number, row.opened_at) == (
        "pending",
        "alice",
        4,
        NOW,
    )


async def test_prs_opened_lately_are_counted_per_installation(db: Database) -> None:
    async with db.transaction() as conn:
        await add_pending(conn, 7, ["acme/a", "acme/b", "acme/c"], NOW)
        await add_pending(conn, 8, ["other/x"], NOW)
        for offset, name in enumerate(("acme/a", "acme/b", "other/x")):
            await record(conn, name, "opened", None, now=NOW + offset, opened=True)
        await record(conn, "acme/c", "skipped", "archived", now=NOW + 9)
        # A later status keeps when the PR was opened.
        await record(conn, "acme/a", "configured", "merged", now=NOW + 30)
    async with db.reader() as conn:
        assert await opened_since(conn, 7, NOW) == [NOW, NOW + 1]
        assert await opened_since(conn, 7, NOW + 0.5) == [NOW + 1]
        assert await opened_since(conn, 8, NOW) == [NOW + 2]


async def test_an_unknown_status_is_refused(db: Database) -> None:
    async with db.transaction() as conn:
        await add_pending(conn, 7, ["acme/a"], NOW)
        with pytest.raises(ValueError, match="unknown onboarding status 'offered'"):
            await record(conn, "acme/a", "offered", None, now=NOW)
