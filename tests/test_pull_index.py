"""The index of open PRs on SQLite and PostgreSQL: which PRs a push to their base branch wakes."""

from __future__ import annotations

from app.routing.plan import IndexRemoval, IndexUpsert
from app.store.db import Database
from app.store.pull_index import (
    apply_index_changes,
    pulls_based_on,
    pulls_with_head,
    replace_repository_index,
    set_wakes_on_base_push,
)

REPO = "acme/shop"
NOW = 1_800_000_000.0


async def index(db: Database, *changes: IndexUpsert | IndexRemoval) -> None:
    async with db.transaction() as conn:
        await apply_index_changes(conn, 7, changes, NOW)


async def based_on_main(db: Database, *, every_pull: bool) -> list[int]:
    async with db.reader() as conn:
        return await pulls_based_on(conn, REPO, "main", every_pull=every_pull)


async def test_a_push_to_the_base_wakes_only_the_prs_that_follow_it(db: Database) -> None:
    await index(db, *(IndexUpsert(REPO, n, f"sha{n}", "main") for n in (1, 2, 3)))
    await index(db, IndexUpsert(REPO, 4, "sha4", "release"))
    assert await based_on_main(db, every_pull=False) == [1, 2, 3], "all follow it at first"
    async with db.transaction() as conn:
        await set_wakes_on_base_push(conn, REPO, 2, False)
    assert await based_on_main(db, every_pull=False) == [1, 3]
    assert await based_on_main(db, every_pull=True) == [1, 2, 3]
    # A new head keeps what the evaluation learnt (the evaluation it causes decides again).
    await index(db, IndexUpsert(REPO, 2, "sha2b", "main"))
    assert await based_on_main(db, every_pull=False) == [1, 3]
    async with db.reader() as conn:
        assert await pulls_with_head(conn, REPO, "sha2b") == [2]


async def test_a_fresh_listing_keeps_what_evaluations_learnt(db: Database) -> None:
    await index(db, *(IndexUpsert(REPO, n, f"sha{n}", "main") for n in (1, 2, 3)))
    async with db.transaction() as conn:
        await set_wakes_on_base_push(conn, REPO, 1, False)
        listed = [IndexUpsert(REPO, 1, "sha1", "main"), IndexUpsert(REPO, 3, "sha3c", "main")]
        await replace_repository_index(conn, REPO, 7, listed, NOW + 1)
    assert await based_on_main(db, every_pull=True) == [1, 3], "#2 is no longer open"
    assert await based_on_main(db, every_pull=False) == [3]
    async with db.transaction() as conn:
        await replace_repository_index(conn, REPO, 7, [], NOW + 2)
    assert await based_on_main(db, every_pull=True) == []
