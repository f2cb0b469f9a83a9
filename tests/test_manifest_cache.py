"""Cached manifest scans on SQLite and PostgreSQL: a scan replaces the last one as a whole, a push
to the default branch makes it stale (through routing), and a repository leaving the installation
takes its scan along."""

from __future__ import annotations

from sqlalchemy import func, select

from app.store.db import Database
from app.store.manifest_cache import forget_scans, load_scan, mark_stale, save_scan
from app.store.tables import manifest_files
from app.worker.installation import _forget_repositories

NOW = 1_800_000_000.0
REPO = "Acme/Web"

FIRST = {
    "requirements.txt": ("b1", "acme-auth==1.3.0\n"),
    "services/api/pyproject.toml": ("b2", '[project]\ndependencies = ["acme-auth>=1.3"]\n'),
}


async def save(
    db: Database,
    files: dict[str, tuple[str, str]],
    *,
    repository: str = REPO,
    commit: str = "c1",
    truncated: bool = False,
    now: float = NOW,
) -> None:
    async with db.transaction() as conn:
        await save_scan(conn, 7, repository, commit, f"t-{commit}", truncated, files, now)


async def test_no_scan_yet(db: Database) -> None:
    async with db.reader() as conn:
        assert await load_scan(conn, REPO) is None


async def test_a_scan_is_read_back(db: Database) -> None:
    await save(db, FIRST)
    async with db.reader() as conn:
        scan = await load_scan(conn, "acme/web")
    assert scan is not None
    assert (scan.repository, scan.installation_id, scan.commit_sha, scan.tree_sha) == (
        "acme/web",
        7,
        "c1",
        "t-c1",
    )
    assert (scan.truncated, scan.stale, scan.scanned_at) == (False, False, NOW)
    assert scan.files == {path: text for path, (_sha, text) in FIRST.items()}
    assert scan.blob_shas == {"requirements.txt": "b1", "services/api/pyproject.toml": "b2"}


async def test_a_new_scan_replaces_the_files_and_is_fresh(db: Database) -> None:
    await save(db, FIRST)
    await save(db, FIRST, repository="acme/api")
    async with db.transaction() as conn:
        await mark_stale(conn, ["ACME/WEB"])
    await save(
        db,
        {"requirements.txt": ("b3", "acme-auth==1.4.0\n")},
        commit="c2",
        truncated=True,
        now=NOW + 60,
    )
    async with db.reader() as conn:
        scan = await load_scan(conn, REPO)
        other = await load_scan(conn, "acme/api")
    assert scan is not None and other is not None
    assert (scan.commit_sha, scan.tree_sha, scan.truncated, scan.stale, scan.scanned_at) == (
        "c2",
        "t-c2",
        True,
        False,
        NOW + 60,
    )
    assert scan.files == {"requirements.txt": "acme-auth==1.4.0\n"}
    assert scan.blob_shas == {"requirements.txt": "b3"}
    assert set(other.files) == set(FIRST)  # another repository's files are left alone
    await save(db, {}, commit="c3")
    async with db.reader() as conn:
        empty = await load_scan(conn, REPO)
    assert empty is not None and empty.files == {} and empty.commit_sha == "c3"


async def test_marking_stale(db: Database) -> None:
    await save(db, FIRST)
    await save(db, FIRST, repository="acme/api")
    async with db.transaction() as conn:
        await mark_stale(conn, ["acme/web", "acme/unscanned"])
        await mark_stale(conn, [])
    async with db.reader() as conn:
        web, api = await load_scan(conn, REPO), await load_scan(conn, "acme/api")
        assert await load_scan(conn, "acme/unscanned") is None
    assert web is not None and web.stale and web.files  # stale scans keep their files
    assert api is not None and not api.stale


async def test_forgetting_scans(db: Database) -> None:
    await save(db, FIRST)
    await save(db, FIRST, repository="acme/api")
    async with db.transaction() as conn:
        await forget_scans(conn, ["ACME/web", "acme/never"])
    async with db.reader() as conn:
        assert await load_scan(conn, REPO) is None
        assert await load_scan(conn, "acme/api") is not None
        left = await conn.scalar(select(func.count()).select_from(manifest_files))
    assert left == len(FIRST)


async def test_a_repository_removed_from_the_installation_loses_its_scan(db: Database) -> None:
    await save(db, FIRST)
    await save(db, FIRST, repository="acme/api")
    async with db.transaction() as conn:
        removed = await _forget_repositories(conn, [{"full_name": REPO}, {"id": 3}])
    assert removed == 1
    async with db.reader() as conn:
        assert await load_scan(conn, REPO) is None
        assert await load_scan(conn, "acme/api") is not None
