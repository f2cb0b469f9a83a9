"""A dependent's manifests as its default branch holds them, read through the API: the branch's
commit and tree (one request each), then each manifest's blob. Blobs whose text is already known
(by their sha, from the discovery cache) are not fetched again."""

from __future__ import annotations

import base64
import binascii
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gidgethub.abc import GitHubAPI

from app.bumps.lockfiles import is_pip_compiled
from app.bumps.manifests import ecosystems_of

MAX_MANIFEST_BYTES = 512 * 1024
MAX_MANIFESTS = 100


@dataclass(frozen=True)
class RepoManifests:
    repository: str
    default_branch: str
    commit_sha: str
    tree_sha: str
    paths: tuple[str, ...]  # every file of the tree
    files: dict[str, str]  # manifest path -> text
    blob_shas: dict[str, str]  # manifest path -> blob sha
    truncated: bool = False  # GitHub cut the tree listing (over 100,000 entries)
    # Manifests not read: too large, not UTF-8, or beyond MAX_MANIFESTS; with the reason.
    unread: dict[str, str] = field(default_factory=dict)

    @property
    def compiled(self) -> frozenset[str]:
        """The requirements files pip-compile wrote: lock files, not manifests."""
        return frozenset(
            path
            for path, text in self.files.items()
            if posixpath.basename(path).endswith(".txt") and is_pip_compiled(text)
        )


async def repository_facts(api: GitHubAPI, repository: str) -> dict[str, Any]:
    return await api.getitem("/repos/{+repository}", url_vars={"repository": repository})


async def read_manifests(
    api: GitHubAPI,
    repository: str,
    default_branch: str,
    known: Mapping[str, str] | None = None,
) -> RepoManifests:
    """The manifests (of every ecosystem) on `default_branch`; `known`: blob sha -> text."""
    commit = await api.getitem(
        "/repos/{+repository}/commits/{+ref}",
        url_vars={"repository": repository, "ref": default_branch},
    )
    tree_sha = commit["commit"]["tree"]["sha"]
    tree = await api.getitem(
        "/repos/{+repository}/git/trees/{sha}?recursive=1",
        url_vars={"repository": repository, "sha": tree_sha},
    )
    blobs = [item for item in tree.get("tree", []) if item.get("type") == "blob"]
    files: dict[str, str] = {}
    shas: dict[str, str] = {}
    unread: dict[str, str] = {}
    for item in (item for item in blobs if ecosystems_of(item["path"])):
        path, sha = item["path"], item["sha"]
        reason = _why_not_read(item, len(files))
        if reason is None:
            text = (known or {}).get(sha)
            if text is None:
                text = await _blob_text(api, repository, sha)
            if text is None:
                reason = "not UTF-8 text"
            else:
                files[path], shas[path] = text, sha
        if reason is not None:
            unread[path] = reason
    return RepoManifests(
        repository,
        default_branch,
        commit["sha"],
        tree_sha,
        tuple(item["path"] for item in blobs),
        files,
        shas,
        bool(tree.get("truncated")),
        unread,
    )


def _why_not_read(item: Mapping[str, Any], read: int) -> str | None:
    if int(item.get("size") or 0) > MAX_MANIFEST_BYTES:
        return f"larger than {MAX_MANIFEST_BYTES // 1024} KB"
    if read >= MAX_MANIFESTS:
        return f"more than {MAX_MANIFESTS} manifests in the repository"
    return None


async def _blob_text(api: GitHubAPI, repository: str, sha: str) -> str | None:
    blob = await api.getitem(
        "/repos/{+repository}/git/blobs/{sha}", url_vars={"repository": repository, "sha": sha}
    )
    try:
        raw = base64.b64decode("".join((blob.get("content") or "").split()), validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
