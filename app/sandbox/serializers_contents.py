"""JSON of the contents API: files, directory listings and the commit a file write made."""

from __future__ import annotations

from urllib.parse import quote

from app.sandbox.context import Urls
from app.sandbox.git import Commit
from app.sandbox.git_trees import TreeEntry
from app.sandbox.models import Repository
from app.sandbox.serializers import Json
from app.sandbox.serializers_git import base64_lines, git_commit_json
from app.sandbox.state import SimulatedGitHub

# Files above 1 MB come without their content (GitHub serves them through the raw media type).
INLINE_LIMIT_BYTES = 1024 * 1024


def _entry_json(
    state: SimulatedGitHub,
    urls: Urls,
    repository: Repository,
    path: str,
    entry: TreeEntry,
    ref: str,
) -> Json:
    is_file = entry.type == "blob"
    kind = "file" if is_file else "dir"
    api = urls.api(f"/repos/{repository.full_name}/contents/{quote(path)}?ref={quote(ref)}")
    git_url = urls.api(
        f"/repos/{repository.full_name}/git/{'blobs' if is_file else 'trees'}/{entry.sha}"
    )
    html_url = urls.html(f"/{repository.full_name}/{'blob' if is_file else 'tree'}/{ref}/{path}")
    return {
        "type": kind,
        "size": len(state.git.blobs[entry.sha]) if is_file else 0,
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": entry.sha,
        "url": api,
        "git_url": git_url,
        "html_url": html_url,
        "download_url": urls.html(f"/{repository.full_name}/raw/{ref}/{path}") if is_file else None,
        "_links": {"self": api, "git": git_url, "html": html_url},
    }


def file_json(
    state: SimulatedGitHub,
    urls: Urls,
    repository: Repository,
    path: str,
    entry: TreeEntry,
    ref: str,
) -> Json:
    data = state.git.blobs[entry.sha]
    body = _entry_json(state, urls, repository, path, entry, ref)
    if len(data) > INLINE_LIMIT_BYTES:
        return body | {"content": "", "encoding": "none"}
    return body | {"content": base64_lines(data), "encoding": "base64"}


def directory_json(
    state: SimulatedGitHub,
    urls: Urls,
    repository: Repository,
    path: str,
    entries: tuple[TreeEntry, ...],
    ref: str,
) -> list[Json]:
    prefix = f"{path}/" if path else ""
    return [
        _entry_json(state, urls, repository, prefix + entry.name, entry, ref) for entry in entries
    ]


def file_commit_json(
    state: SimulatedGitHub,
    urls: Urls,
    repository: Repository,
    path: str,
    entry: TreeEntry,
    branch: str,
    commit: Commit,
) -> Json:
    return {
        "content": _entry_json(state, urls, repository, path, entry, branch),
        "commit": git_commit_json(urls, repository, commit),
    }
