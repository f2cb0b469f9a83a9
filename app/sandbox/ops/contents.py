"""Reading paths of a commit's tree, and committing one file as the contents API does."""

from __future__ import annotations

from dataclasses import dataclass

from app.sandbox.errors import ApiError
from app.sandbox.git import Commit, Signature, normalise_path
from app.sandbox.git_trees import TREE_MODE, TreeEntry
from app.sandbox.models import Repository
from app.sandbox.state import SimulatedGitHub

SHA_NOT_SUPPLIED = 'Invalid request.\n\n"sha" wasn\'t supplied.'


@dataclass(frozen=True)
class FileWrite:
    path: str
    content: bytes
    message: str
    branch: str
    expected_sha: str | None  # the blob being replaced, required when the file exists
    author: Signature
    committer: Signature


def lookup(state: SimulatedGitHub, commit_sha: str, path: str) -> TreeEntry | None:
    """The tree entry at `path` in a commit; the root tree for an empty path."""
    root = state.git.commits[commit_sha].tree_sha
    entry = TreeEntry("", TREE_MODE, "tree", root)
    for name in [part for part in path.split("/") if part]:
        entries = state.git.tree_entries(entry.sha) if entry.type == "tree" else None
        found = next((child for child in entries or () if child.name == name), None)
        if found is None:
            return None
        entry = found
    return entry


def write_file(
    state: SimulatedGitHub, repository: Repository, write: FileWrite, *, sender: str
) -> tuple[Commit, bool]:
    """Commits the file on its branch and pushes it; True when the file is new."""
    head = repository.branches.get(write.branch)
    if head is None or not state.git.has_commit(head):
        raise ApiError(404, f"Branch {write.branch} not found")
    path = normalise_path(write.path)
    tree = dict(state.git.commits[head].tree)
    created = path not in tree
    _check_replacement(tree.get(path), write)
    _check_no_clash(tree, path)
    tree[path] = state.git.write_blob(write.content)
    commit = state.git.add_commit(
        tree, (head,), message=write.message, author=write.author, committer=write.committer
    )
    state.move_branch(repository, write.branch, commit.sha, sender=sender, commits=[commit])
    return commit, created


def _check_replacement(current_blob: str | None, write: FileWrite) -> None:
    """Replacing a file needs the SHA of the blob being replaced, so that a stale update fails."""
    if current_blob is None:
        return
    if not write.expected_sha:
        raise ApiError(422, SHA_NOT_SUPPLIED)
    if write.expected_sha != current_blob:
        raise ApiError(409, f"{write.path} does not match {write.expected_sha}")


def _check_no_clash(tree: dict[str, str], path: str) -> None:
    parents = {path.rsplit("/", depth)[0] for depth in range(1, path.count("/") + 1)}
    if parents & tree.keys() or any(existing.startswith(path + "/") for existing in tree):
        raise ApiError(422, f"Invalid request.\n\n{path} clashes with an existing file or folder.")
