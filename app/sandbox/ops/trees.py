"""Building trees from edits on a base tree, and walking stored trees, as the git trees API
does."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from app.sandbox.errors import ApiError
from app.sandbox.git import GitStore, normalise_path
from app.sandbox.git_trees import TreeEntry, flatten

INVALID_BASE_TREE = "base_tree is not a valid tree oid"


@dataclass(frozen=True)
class TreeEdit:
    """One entry of a create-tree request. A blob given by `sha` or `content`, a subtree given
    by `sha`, or neither (a null ``sha``): whatever is at `path` is removed."""

    path: str
    type: str  # blob | tree
    sha: str | None = None
    content: str | None = None


def apply_edits(git: GitStore, base_tree: str | None, edits: list[TreeEdit]) -> str:
    """Stores the tree made by applying `edits` to `base_tree` (or to nothing); its SHA."""
    if base_tree is not None and git.tree_entries(base_tree) is None:
        raise ApiError(422, INVALID_BASE_TREE)
    flat = flatten(git.trees, base_tree) if base_tree is not None else {}
    for edit in edits:
        _apply(git, flat, edit)
    return git.write_tree(flat)


def _apply(git: GitStore, flat: dict[str, str], edit: TreeEdit) -> None:
    path = normalise_path(edit.path)
    for existing in [key for key in flat if key == path or key.startswith(path + "/")]:
        del flat[existing]
    if edit.content is not None:
        flat[path] = git.write_blob(edit.content)
    elif edit.sha is not None and edit.type == "blob":
        if edit.sha not in git.blobs:
            raise ApiError(422, f"tree.sha {edit.sha} is not a valid blob")
        flat[path] = edit.sha
    elif edit.sha is not None:
        if git.tree_entries(edit.sha) is None:
            raise ApiError(422, f"tree.sha {edit.sha} is not a valid tree")
        flat.update({f"{path}/{key}": blob for key, blob in flatten(git.trees, edit.sha).items()})


def walk(
    git: GitStore, sha: str, *, recursive: bool, prefix: str = ""
) -> Iterator[tuple[str, TreeEntry]]:
    """The entries of a stored tree with their paths; subtrees' entries follow each subtree
    when `recursive`."""
    for entry in git.tree_entries(sha) or ():
        path = prefix + entry.name
        yield path, entry
        if recursive and entry.type == "tree":
            yield from walk(git, entry.sha, recursive=True, prefix=f"{path}/")
