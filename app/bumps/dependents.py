"""Which repositories a release propagates to: those the action names, those of the installation
with one of its topics, and (with `discover: true`) those whose manifests mention the package.

Discovery reads every repository's manifests once and keeps them (`manifest_scans`): a push to a
repository's default branch marks its scan stale, and a scan older than a day is read again in
case a push was missed. Code search is not used: it is missing or unreliable on many GHES
instances."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gidgethub import BadRequest
from gidgethub.abc import GitHubAPI

from app.bumps.dependent_plan import Verdict, plan_dependent
from app.bumps.repo_reader import RepoManifests, read_manifests
from app.store.db import Database
from app.store.manifest_cache import ManifestScan, load_scan, save_scan

SCAN_MAX_AGE_SECONDS = 24 * 3600.0
USING = frozenset({Verdict.BUMP, Verdict.ALREADY, Verdict.REFUSED})


@dataclass(frozen=True)
class DependentsQuery:
    source: str  # the library's repository, never its own dependent
    to: Sequence[str] = ()
    topics: Sequence[str] = ()
    discover: bool = False
    packages: Mapping[str, str] = field(default_factory=dict)  # ecosystem -> name
    version: str = ""


@dataclass(frozen=True)
class Dependents:
    repositories: tuple[str, ...]
    # How each was found ("named", "topic x", "uses it"), for the summary.
    found_by: dict[str, str]
    # Repositories discovery could not read, with GitHub's answer.
    unreadable: dict[str, str] = field(default_factory=dict)


async def find_dependents(
    api: GitHubAPI, db: Database, installation_id: int, query: DependentsQuery, now: float
) -> Dependents:
    found: dict[str, str] = {}
    unreadable: dict[str, str] = {}
    for name in query.to:
        _add(found, query.source, name, "named")
    if query.topics or query.discover:
        repositories = await installation_repositories(api)
        wanted = set(query.topics)
        for repository in repositories:
            matching = sorted(wanted & set(repository.get("topics") or ()))
            if matching:
                _add(found, query.source, repository["full_name"], f"topic {matching[0]}")
        if query.discover:
            for repository in repositories:
                name = repository["full_name"]
                if name.casefold() in {key.casefold() for key in found}:
                    continue
                if name.casefold() == query.source.casefold():
                    continue
                try:
                    if await _uses_package(api, db, installation_id, repository, query, now):
                        _add(found, query.source, name, "uses it")
                except BadRequest as error:
                    unreadable[name] = f"GitHub answered {error.status_code}"
    return Dependents(tuple(found), found, unreadable)


def _add(found: dict[str, str], source: str, name: str, how: str) -> None:
    known = {key.casefold() for key in found}
    if name.casefold() != source.casefold() and name.casefold() not in known:
        found[name] = how


async def installation_repositories(api: GitHubAPI) -> list[dict[str, Any]]:
    """The installation's repositories that are not archived (archived ones take no PRs)."""
    repositories: list[dict[str, Any]] = []
    async for repository in api.getiter(
        "/installation/repositories?per_page=100", iterable_key="repositories"
    ):
        if not repository.get("archived"):
            repositories.append(repository)
    return repositories


async def _uses_package(
    api: GitHubAPI,
    db: Database,
    installation_id: int,
    repository: Mapping[str, Any],
    query: DependentsQuery,
    now: float,
) -> bool:
    scan = await cached_scan(api, db, installation_id, repository, now)
    plan = plan_dependent(scan.files, list(scan.files), query.packages, query.version)
    # A manifest that cannot be read says nothing about this package: not a dependent.
    return plan.verdict in USING


async def cached_scan(
    api: GitHubAPI, db: Database, installation_id: int, repository: Mapping[str, Any], now: float
) -> ManifestScan:
    """The repository's manifests from the cache, read again when stale or old."""
    name = repository["full_name"]
    async with db.reader() as conn:
        scan = await load_scan(conn, name)
    if scan is not None and not scan.stale and now - scan.scanned_at < SCAN_MAX_AGE_SECONDS:
        return scan
    known = {sha: scan.files[path] for path, sha in scan.blob_shas.items()} if scan else {}
    read = await read_manifests(api, name, repository["default_branch"], known)
    await _save(db, installation_id, read, now)
    return ManifestScan(
        name,
        installation_id,
        read.commit_sha,
        read.tree_sha,
        read.truncated,
        False,
        now,
        dict(read.files),
        dict(read.blob_shas),
    )


async def _save(db: Database, installation_id: int, read: RepoManifests, now: float) -> None:
    files = {path: (read.blob_shas[path], text) for path, text in read.files.items()}
    async with db.transaction() as conn:
        await save_scan(
            conn,
            installation_id,
            read.repository,
            read.commit_sha,
            read.tree_sha,
            read.truncated,
            files,
            now,
        )
