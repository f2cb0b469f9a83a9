"""JSON of git objects (refs, blobs, trees, commits) and of commits as the REST API shows them,
with their changed files and comparisons."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from app.sandbox.context import Urls
from app.sandbox.git import Commit, Signature
from app.sandbox.git_trees import TreeEntry
from app.sandbox.models import Repository
from app.sandbox.ops.diffs import FileDiff
from app.sandbox.ops.history import Comparison
from app.sandbox.ops.refs import RefName
from app.sandbox.serializers import Json, account_json
from app.sandbox.state import SimulatedGitHub
from app.sandbox.timefmt import iso8601

NOREPLY_DOMAIN = "@users.noreply.ghe.test"
BASE64_LINE = 60
UNSIGNED = {
    "verified": False,
    "reason": "unsigned",
    "signature": None,
    "payload": None,
    "verified_at": None,
}


def object_node_id(type_name: str, repository: Repository, key: str) -> str:
    """Node IDs of git objects name the repository and the object: ``06:Commit<repo id>:<sha>``."""
    raw = f"{len(type_name):02d}:{type_name}{repository.id}:{key}"
    return base64.b64encode(raw.encode()).decode()


def base64_lines(data: bytes) -> str:
    """Base64 in lines of 60 characters, each ending with a newline, as GitHub sends it."""
    encoded = base64.b64encode(data).decode()
    return "".join(
        encoded[start : start + BASE64_LINE] + "\n" for start in range(0, len(encoded), BASE64_LINE)
    )


def _api(urls: Urls, repository: Repository, path: str) -> str:
    return urls.api(f"/repos/{repository.full_name}{path}")


def _html(urls: Urls, repository: Repository, path: str) -> str:
    return urls.html(f"/{repository.full_name}{path}")


def git_user_json(signature: Signature) -> Json:
    return {"name": signature.name, "email": signature.email, "date": iso8601(signature.timestamp)}


def git_ref_json(urls: Urls, repository: Repository, ref: RefName, sha: str) -> Json:
    """Lightweight tags point at commits, as every ref of the simulator does."""
    return {
        "ref": ref.full,
        "node_id": object_node_id("Ref", repository, ref.full),
        "url": _api(urls, repository, f"/git/{ref.full}"),
        "object": {
            "sha": sha,
            "type": "commit",
            "url": _api(urls, repository, f"/git/commits/{sha}"),
        },
    }


def short_blob_json(urls: Urls, repository: Repository, sha: str) -> Json:
    return {"url": _api(urls, repository, f"/git/blobs/{sha}"), "sha": sha}


def blob_json(urls: Urls, repository: Repository, sha: str, data: bytes) -> Json:
    return short_blob_json(urls, repository, sha) | {
        "node_id": object_node_id("Blob", repository, sha),
        "size": len(data),
        "content": base64_lines(data),
        "encoding": "base64",
    }


def tree_json(
    state: SimulatedGitHub,
    urls: Urls,
    repository: Repository,
    sha: str,
    entries: Sequence[tuple[str, TreeEntry]],
) -> Json:
    """`entries` pairs each entry with its path from the root of the listed tree."""
    return {
        "sha": sha,
        "url": _api(urls, repository, f"/git/trees/{sha}"),
        "tree": [tree_entry_json(state, urls, repository, path, entry) for path, entry in entries],
        "truncated": False,
    }


def tree_entry_json(
    state: SimulatedGitHub, urls: Urls, repository: Repository, path: str, entry: TreeEntry
) -> Json:
    kind = "blobs" if entry.type == "blob" else "trees"
    body: Json = {"path": path, "mode": entry.mode, "type": entry.type, "sha": entry.sha}
    if entry.type == "blob":
        body["size"] = len(state.git.blobs[entry.sha])
    return body | {"url": _api(urls, repository, f"/git/{kind}/{entry.sha}")}


def git_commit_json(urls: Urls, repository: Repository, commit: Commit) -> Json:
    return {
        "sha": commit.sha,
        "node_id": object_node_id("Commit", repository, commit.sha),
        "url": _api(urls, repository, f"/git/commits/{commit.sha}"),
        "html_url": _html(urls, repository, f"/commit/{commit.sha}"),
        "author": git_user_json(commit.author),
        "committer": git_user_json(commit.committer),
        "tree": {
            "sha": commit.tree_sha,
            "url": _api(urls, repository, f"/git/trees/{commit.tree_sha}"),
        },
        "message": commit.message,
        "parents": [
            {
                "sha": parent,
                "url": _api(urls, repository, f"/git/commits/{parent}"),
                "html_url": _html(urls, repository, f"/commit/{parent}"),
            }
            for parent in commit.parents
        ],
        "verification": dict(UNSIGNED),
    }


def _user_of(state: SimulatedGitHub, urls: Urls, signature: Signature) -> Json | None:
    """GitHub links a commit's author to the account whose email it is, if any."""
    if not signature.email.endswith(NOREPLY_DOMAIN):
        return None
    account = state.accounts.get(signature.email.removesuffix(NOREPLY_DOMAIN).lower())
    return None if account is None else account_json(urls, account)


def commit_json(
    state: SimulatedGitHub,
    urls: Urls,
    repository: Repository,
    commit: Commit,
    files: Sequence[FileDiff] | None = None,
) -> Json:
    """The REST commit; with `files`, also its stats and changed files (single-commit view)."""
    api = _api(urls, repository, f"/commits/{commit.sha}")
    body: Json = {
        "sha": commit.sha,
        "node_id": object_node_id("Commit", repository, commit.sha),
        "commit": {
            "author": git_user_json(commit.author),
            "committer": git_user_json(commit.committer),
            "message": commit.message,
            "tree": {
                "sha": commit.tree_sha,
                "url": _api(urls, repository, f"/git/trees/{commit.tree_sha}"),
            },
            "url": _api(urls, repository, f"/git/commits/{commit.sha}"),
            "comment_count": 0,
            "verification": dict(UNSIGNED),
        },
        "url": api,
        "html_url": _html(urls, repository, f"/commit/{commit.sha}"),
        "comments_url": f"{api}/comments",
        "author": _user_of(state, urls, commit.author),
        "committer": _user_of(state, urls, commit.committer),
        "parents": [
            {
                "sha": parent,
                "url": _api(urls, repository, f"/commits/{parent}"),
                "html_url": _html(urls, repository, f"/commit/{parent}"),
            }
            for parent in commit.parents
        ],
    }
    if files is None:
        return body
    return body | {
        "stats": _stats(files),
        "files": [diff_entry_json(urls, repository, commit.sha, file) for file in files],
    }


def _stats(files: Sequence[FileDiff]) -> Json:
    additions = sum(file.additions for file in files)
    deletions = sum(file.deletions for file in files)
    return {"total": additions + deletions, "additions": additions, "deletions": deletions}


def diff_entry_json(urls: Urls, repository: Repository, ref: str, file: FileDiff) -> Json:
    """A removed file names the blob it removed."""
    change = file.change
    body: Json = {
        "sha": change.head_blob or change.base_blob,
        "filename": change.path,
        "status": change.status,
        "additions": file.additions,
        "deletions": file.deletions,
        "changes": file.changes,
        "blob_url": _html(urls, repository, f"/blob/{ref}/{change.path}"),
        "raw_url": _html(urls, repository, f"/raw/{ref}/{change.path}"),
        "contents_url": _api(urls, repository, f"/contents/{change.path}?ref={ref}"),
    }
    if file.patch is not None:
        body["patch"] = file.patch
    return body


def comparison_json(
    state: SimulatedGitHub, urls: Urls, repository: Repository, basehead: str, found: Comparison
) -> Json:
    html = _html(urls, repository, f"/compare/{basehead}")
    owner = repository.owner
    permalink = f"/compare/{owner}:{found.base[:7]}...{owner}:{found.head[:7]}"
    git = state.git
    return {
        "url": _api(urls, repository, f"/compare/{basehead}"),
        "html_url": html,
        "permalink_url": _html(urls, repository, permalink),
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "base_commit": commit_json(state, urls, repository, git.commits[found.base]),
        "merge_base_commit": commit_json(state, urls, repository, git.commits[found.merge_base]),
        "status": found.status,
        "ahead_by": found.ahead_by,
        "behind_by": found.behind_by,
        "total_commits": len(found.commits),
        "commits": [commit_json(state, urls, repository, commit) for commit in found.commits],
        "files": [diff_entry_json(urls, repository, found.head, file) for file in found.files],
    }
