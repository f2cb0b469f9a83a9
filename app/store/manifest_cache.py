"""The last scan of each repository's manifest files, so a propagation does not list and read
every target's tree again: which commit and tree it read, the files with their blob SHAs, and
whether a push to the default branch has made it stale since.

Repositories are stored lower-case (GitHub compares them without case)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.dialect import insert_for
from app.store.tables import manifest_files, manifest_scans


@dataclass(frozen=True)
class ManifestScan:
    repository: str
    installation_id: int | None
    commit_sha: str
    tree_sha: str
    truncated: bool
    stale: bool
    scanned_at: float
    files: dict[str, str]  # path -> text
    blob_shas: dict[str, str]  # path -> blob SHA


async def load_scan(conn: AsyncConnection, repository: str) -> ManifestScan | None:
    name = repository.lower()
    scan = (
        (await conn.execute(select(manifest_scans).where(manifest_scans.c.repository == name)))
        .mappings()
        .first()
    )
    if scan is None:
        return None
    f = manifest_files.c
    rows = await conn.execute(
        select(f.path, f.blob_sha, f.text).where(f.repository == name).order_by(f.path)
    )
    files: dict[str, str] = {}
    blob_shas: dict[str, str] = {}
    for path, blob_sha, text in rows:
        files[path] = text
        blob_shas[path] = blob_sha
    return ManifestScan(
        repository=name,
        installation_id=scan["installation_id"],
        commit_sha=scan["commit_sha"],
        tree_sha=scan["tree_sha"],
        truncated=bool(scan["truncated"]),
        stale=bool(scan["stale"]),
        scanned_at=scan["scanned_at"],
        files=files,
        blob_shas=blob_shas,
    )


async def save_scan(
    conn: AsyncConnection,
    installation_id: int | None,
    repository: str,
    commit_sha: str,
    tree_sha: str,
    truncated: bool,
    files: Mapping[str, tuple[str, str]],
    now: float,
) -> None:
    """Stores a scan (`files`: path -> (blob SHA, text)), replacing the repository's previous
    one and all its files; the scan is not stale."""
    name = repository.lower()
    values = {
        "installation_id": installation_id,
        "commit_sha": commit_sha,
        "tree_sha": tree_sha,
        "truncated": int(bool(truncated)),
        "stale": 0,
        "scanned_at": now,
    }
    stmt = insert_for(conn, manifest_scans).values(repository=name, **values)
    await conn.execute(
        stmt.on_conflict_do_update(index_elements=[manifest_scans.c.repository], set_=values)
    )
    await conn.execute(delete(manifest_files).where(manifest_files.c.repository == name))
    if files:
        await conn.execute(
            manifest_files.insert(),
            [
                {"repository": name, "path": path, "blob_sha": blob_sha, "text": text}
                for path, (blob_sha, text) in sorted(files.items())
            ],
        )


async def mark_stale(conn: AsyncConnection, repositories: Iterable[str]) -> None:
    """The repositories' scans (those that have one) no longer show their default branch."""
    names = sorted({name.lower() for name in repositories})
    if names:
        await conn.execute(
            update(manifest_scans).where(manifest_scans.c.repository.in_(names)).values(stale=1)
        )


async def forget_scans(conn: AsyncConnection, repositories: Iterable[str]) -> None:
    """Deletes the repositories' scans and files (a repository left the installation)."""
    names = sorted({name.lower() for name in repositories})
    if names:
        await conn.execute(delete(manifest_files).where(manifest_files.c.repository.in_(names)))
        await conn.execute(delete(manifest_scans).where(manifest_scans.c.repository.in_(names)))
