"""Git's nested tree objects, built from (and flattened back to) the flat path -> blob maps that
commits keep. Tree SHAs are computed exactly as git computes them."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

BLOB_MODE = "100644"
TREE_MODE = "040000"
EMPTY_TREE_SHA = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

Trees = dict[str, tuple["TreeEntry", ...]]
Nested = dict[str, "str | Nested"]  # folder names map to Nested, file names to blob SHAs


@dataclass(frozen=True)
class TreeEntry:
    name: str
    mode: str
    type: str  # blob | tree
    sha: str

    @property
    def sort_key(self) -> str:
        """Git orders a subtree as if its name ended with a slash."""
        return self.name + "/" if self.type == "tree" else self.name


def tree_object_sha(entries: tuple[TreeEntry, ...]) -> str:
    body = b"".join(
        f"{entry.mode.lstrip('0')} {entry.name}".encode() + b"\0" + bytes.fromhex(entry.sha)
        for entry in entries
    )
    return hashlib.sha1(b"tree %d\0" % len(body) + body, usedforsecurity=False).hexdigest()


def build_trees(flat: Mapping[str, str]) -> tuple[str, Trees]:
    """The root tree SHA of `flat` and every tree object it is made of, by SHA."""
    trees: Trees = {}
    return _build(_split(flat), trees), trees


def root_tree_sha(flat: Mapping[str, str]) -> str:
    return build_trees(flat)[0]


def _split(flat: Mapping[str, str]) -> Nested:
    nested: Nested = {}
    for path, blob in flat.items():
        *folders, name = path.split("/")
        level = nested
        for folder in folders:
            child = level.setdefault(folder, {})
            if isinstance(child, str):
                raise ValueError(f"{folder!r} is both a file and a folder in {path!r}")
            level = child
        level[name] = blob
    return nested


def _build(level: Nested, trees: Trees) -> str:
    entries = [
        TreeEntry(name, TREE_MODE, "tree", _build(value, trees))
        if isinstance(value, dict)
        else TreeEntry(name, BLOB_MODE, "blob", value)
        for name, value in level.items()
    ]
    ordered = tuple(sorted(entries, key=lambda entry: entry.sort_key))
    sha = tree_object_sha(ordered)
    trees[sha] = ordered
    return sha


def flatten(
    trees: Mapping[str, tuple[TreeEntry, ...]], sha: str, prefix: str = ""
) -> dict[str, str]:
    """The flat path -> blob map of the stored tree `sha` (KeyError when it is unknown)."""
    flat: dict[str, str] = {}
    for entry in trees[sha]:
        path = f"{prefix}{entry.name}"
        if entry.type == "tree":
            flat.update(flatten(trees, entry.sha, f"{path}/"))
        else:
            flat[path] = entry.sha
    return flat
