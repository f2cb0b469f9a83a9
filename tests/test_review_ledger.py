"""`app/store/review_ledger.py` on SQLite and PostgreSQL, with reviewer selection on top of it,
and the migration that creates its table on a database already at the previous revision."""

from __future__ import annotations

from collections import Counter

import pytest
from alembic import command
from sqlalchemy import select

from app.reviewers.selection import Strategy, choose
from app.store.db import Database
from app.store.migrate import alembic_config, head_revision, upgrade
from app.store.review_ledger import (
    THIRTY_DAYS,
    ReviewHistory,
    complete_requests,
    record_requests,
    review_history,
)
from app.store.tables import review_requests
from tests.test_config_generations import empty_database, run_sql, tables_of

__all__ = ["empty_database"]  # a fixture, shared with the config generations' migration tests

NOW = 1_800_000_000.0
HOUR = 3600.0
DAY = 86400.0


async def record(
    db: Database, number: int, *logins: str, now: float = NOW, repository: str = "acme/api"
) -> None:
    async with db.transaction() as conn:
        await record_requests(conn, "acme", repository, number, logins, now)


async def complete(
    db: Database, number: int, *still: str, now: float = NOW, repository: str = "acme/api"
) -> int:
    async with db.transaction() as conn:
        return await complete_requests(conn, repository, number, still, now)


async def history(
    db: Database, *logins: str, now: float = NOW, scope: str = "acme", **window: float
) -> ReviewHistory:
    async with db.reader() as conn:
        return await review_history(conn, scope, logins, now, **window)


async def rows(db: Database) -> list[dict[str, object]]:
    async with db.reader() as conn:
        result = await conn.execute(select(review_requests).order_by(review_requests.c.id))
        return [dict(row) for row in result.mappings()]


async def test_nobody_requested_has_no_history(db: Database) -> None:
    assert await history(db) == ReviewHistory()
    empty = await history(db, "ada", "bob")
    assert empty == ReviewHistory()
    assert (empty.last("ada"), empty.load("ada"), empty.sequence("ada")) == (None, 0, None)


async def test_each_request_is_a_row_with_names_lower_cased(db: Database) -> None:
    await record(db, 7, "Ada", "bob", "ADA", repository="Acme/API")
    async with db.transaction() as conn:
        await record_requests(conn, "ACME", "acme/web", 3, [], NOW)  # nothing to record
    assert [
        (row["scope"], row["repository"], row["number"], row["login"], row["completed_at"])
        for row in await rows(db)
    ] == [("acme", "acme/api", 7, "ada", None), ("acme", "acme/api", 7, "bob", None)]


async def test_history_counts_last_recent_and_outstanding(db: Database) -> None:
    await record(db, 1, "ada", "bob", now=NOW - 40 * DAY)  # before the window
    await record(db, 2, "ada", now=NOW - 10 * DAY)
    await record(db, 3, "ada", "carol", now=NOW - HOUR)
    await complete(db, 1, "bob", now=NOW - 39 * DAY)  # ada reviewed PR 1
    await complete(db, 2, now=NOW - 9 * DAY)  # PR 2 closed
    found = await history(db, "ADA", "Bob", "carol", "dave")
    assert found.last_requested == {"ada": NOW - HOUR, "bob": NOW - 40 * DAY, "carol": NOW - HOUR}
    assert found.recent == {"ada": 2, "carol": 1}
    assert found.outstanding == {"ada": 1, "bob": 1, "carol": 1}
    assert [found.load(login) for login in ("Ada", "bob", "CAROL", "dave")] == [3, 1, 2, 0]
    assert found.last("Dave") is None
    assert found.last("ADA") == NOW - HOUR


async def test_the_window_includes_its_first_instant(db: Database) -> None:
    await record(db, 1, "ada", now=NOW - THIRTY_DAYS)
    await record(db, 2, "bob", now=NOW - THIRTY_DAYS - 1)
    await complete(db, 1)
    await complete(db, 2)
    found = await history(db, "ada", "bob")
    assert found.recent == {"ada": 1}
    assert set(found.last_requested) == {"ada", "bob"}
    assert (await history(db, "ada", "bob", window_seconds=2 * THIRTY_DAYS)).recent == {
        "ada": 1,
        "bob": 1,
    }


async def test_scopes_do_not_share_the_load(db: Database) -> None:
    await record(db, 1, "ada")
    async with db.transaction() as conn:
        await record_requests(conn, "Globex", "globex/site", 1, ["ada", "bob"], NOW)
    assert (await history(db, "ada", "bob", scope="ACME")).recent == {"ada": 1}
    assert (await history(db, "ada", "bob", scope="globex")).recent == {"ada": 1, "bob": 1}


async def test_a_request_still_outstanding_is_not_recorded_twice(db: Database) -> None:
    await record(db, 1, "ada", now=NOW)
    await record(db, 1, "Ada", "bob", now=NOW + HOUR)  # a retried evaluation
    assert [(row["login"], row["requested_at"]) for row in await rows(db)] == [
        ("ada", NOW),
        ("bob", NOW + HOUR),
    ]
    await complete(db, 1, "bob", now=NOW + 2 * HOUR)  # ada reviewed
    await record(db, 1, "ada", now=NOW + 3 * HOUR)  # and is asked again
    found = await history(db, "ada", now=NOW + 3 * HOUR)
    assert (found.recent, found.outstanding) == ({"ada": 2}, {"ada": 1})
    assert found.last("ada") == NOW + 3 * HOUR


async def test_completing_leaves_the_reviewers_still_requested(db: Database) -> None:
    await record(db, 1, "ada", "bob", "carol")
    await record(db, 2, "ada")
    assert await complete(db, 1, "BOB", now=NOW + HOUR, repository="ACME/api") == 2
    assert await complete(db, 1, "bob", now=NOW + 2 * HOUR) == 0  # already completed
    assert [(row["number"], row["login"], row["completed_at"]) for row in await rows(db)] == [
        (1, "ada", NOW + HOUR),
        (1, "bob", None),
        (1, "carol", NOW + HOUR),
        (2, "ada", None),
    ]
    assert await complete(db, 1, now=NOW + 3 * HOUR) == 1  # the PR closed
    assert await complete(db, 9) == 0
    assert (await history(db, "ada", "bob", "carol")).outstanding == {"ada": 1}


async def test_a_rolled_back_request_is_not_recorded(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await record_requests(conn, "acme", "acme/api", 1, ["ada"], NOW)
            raise RuntimeError("the request to GitHub failed")
    assert await rows(db) == []


async def test_requests_made_together_keep_the_order_given(db: Database) -> None:
    await record(db, 1, "erin", "bob", "dave")
    found = await history(db, "bob", "dave", "erin")
    assert sorted(found.last_sequence, key=found.last_sequence.__getitem__) == [
        "erin",
        "bob",
        "dave",
    ]
    assert choose(["bob", "dave", "erin"], 3, "round_robin", found, "acme/api#2") == [
        "erin",
        "bob",
        "dave",
    ]


@pytest.mark.parametrize("strategy", ["round_robin", "load_balance"])
@pytest.mark.parametrize("per_pr", [1, 2])
async def test_100_pull_requests_over_a_team_of_five_spread_within_one(
    db: Database, strategy: Strategy, per_pr: int
) -> None:
    team = ["ada", "Bob", "carol", "dave", "erin"]
    for number in range(1, 101):
        now = NOW + number * HOUR
        async with db.transaction() as conn:
            if number > 3:  # reviews come in three PRs later
                await complete_requests(conn, "acme/api", number - 3, [], now)
            found = await review_history(conn, "acme", team, now)
            picked = choose(team, per_pr, strategy, found, f"acme/api#{number}")
            await record_requests(conn, "acme", "acme/api", number, picked, now)
    final = await history(db, *team, now=NOW + 101 * HOUR)
    counts = [final.recent.get(login.lower(), 0) for login in team]
    assert sum(counts) == 100 * per_pr
    assert max(counts) - min(counts) <= 1, counts
    assert Counter(row["login"] for row in await rows(db)) == dict(
        zip([login.lower() for login in team], counts, strict=True)
    )


def indexes_of(url: str) -> set[str]:
    sql = (
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'review_requests'"
        if url.startswith("sqlite")
        else "SELECT indexname FROM pg_indexes WHERE tablename = 'review_requests'"
    )
    return {str(row[0]) for row in run_sql(url, sql)}


LEDGER_INDEXES = {"ix_review_requests_scope_login", "ix_review_requests_pull"}


def test_the_review_ledger_migration_keeps_data_and_downgrades(empty_database: str) -> None:
    upgrade(empty_database, "0002")
    assert "review_requests" not in tables_of(empty_database)
    run_sql(
        empty_database,
        "INSERT INTO config_generations (repository, generation, changed_at)"
        " VALUES ('acme/api', 3, 1.0)",
    )
    upgrade(empty_database)
    version = run_sql(empty_database, "SELECT version_num FROM alembic_version")
    assert version == [(head_revision(),)]
    assert "review_requests" in tables_of(empty_database)
    assert indexes_of(empty_database) >= LEDGER_INDEXES
    assert run_sql(empty_database, "SELECT generation FROM config_generations") == [(3,)]
    run_sql(
        empty_database,
        "INSERT INTO review_requests (scope, repository, number, login, requested_at)"
        " VALUES ('acme', 'acme/api', 1, 'ada', 1.0)",
    )
    assert run_sql(empty_database, "SELECT id, completed_at FROM review_requests") == [(1, None)]
    command.downgrade(alembic_config(empty_database), "0002")
    assert "review_requests" not in tables_of(empty_database)
    assert run_sql(empty_database, "SELECT generation FROM config_generations") == [(3,)]
    upgrade(empty_database)
    assert "review_requests" in tables_of(empty_database)
    assert indexes_of(empty_database) >= LEDGER_INDEXES
