"""Git objects of the simulated server: content-addressed blobs and commits with full file trees.

A commit keeps its whole tree as a flat map of paths to blob SHAs; the nested tree objects GitHub
shows are built from it (`app.sandbox.git_trees`) and stored by SHA. Blob and tree SHAs are
computed as git computes them; commits hash their tree, parents, author, time and message, so the
same history always has the same SHAs.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from app.sandbox.git_trees import TreeEntry, Trees, build_trees, root_tree_sha

FileChanges = Mapping[str, bytes | str | None]


@dataclass(frozen=True)
class Signature:
    name: str
    email: str
    timestamp: float


@dataclass(frozen=True)
class Commit:
    sha: str
    tree: Mapping[str, str]
    parents: tuple[str, ...]
    message: str
    author: Signature
    committer: Signature

    @cached_property
    def tree_sha(self) -> str:
        """The SHA of the root tree object, as git computes it."""
        return root_tree_sha(self.tree)


@dataclass(frozen=True)
class FileChange:
    """One path changed between two commits, as GitHub's compare and PR files list it."""

    path: str
    status: str  # added | removed | modified
    base_blob: str | None
    head_blob: str | None


@dataclass(frozen=True)
class MergeResult:
    tree: dict[str, str] | None
    conflicts: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return self.tree is not None


@dataclass
class GitStore:
    blobs: dict[str, bytes] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    trees: Trees = field(default_factory=dict)

    def write_blob(self, content: bytes | str) -> str:
        data = content.encode() if isinstance(content, str) else content
        sha = blob_sha(data)
        self.blobs[sha] = data
        return sha

    def commit(
        self,
        parent_shas: Iterable[str],
        changes: FileChanges,
        *,
        message: str,
        author: Signature,
        base_tree: Mapping[str, str] | None = None,
    ) -> Commit:
        """A new commit on top of `parent_shas` (the first parent's tree, or `base_tree`), with
        `changes` applied: a path mapped to content is written, mapped to None is deleted."""
        parents = tuple(parent_shas)
        if base_tree is not None:
            tree = dict(base_tree)
        else:
            tree = dict(self.commits[parents[0]].tree) if parents else {}
        for path, content in changes.items():
            path = normalise_path(path)
            if content is None:
                tree.pop(path, None)
            else:
                tree[path] = self.write_blob(content)
        return self.add_commit(tree, parents, message=message, author=author)

    def add_commit(
        self,
        tree: Mapping[str, str],
        parents: tuple[str, ...],
        *,
        message: str,
        author: Signature,
        committer: Signature | None = None,
    ) -> Commit:
        committer = committer or author
        digest = hashlib.sha1(usedforsecurity=False)
        digest.update(tree_digest(tree).encode())
        for parent in parents:
            digest.update(parent.encode())
        digest.update(f"{author.name}<{author.email}>{author.timestamp}\n{message}".encode())
        commit = Commit(digest.hexdigest(), dict(tree), parents, message, author, committer)
        self.commits[commit.sha] = commit
        self.write_tree(commit.tree)
        return commit

    def has_commit(self, sha: str) -> bool:
        return sha in self.commits

    def write_tree(self, tree: Mapping[str, str]) -> str:
        """Stores the nested tree objects of a flat path -> blob map; returns the root's SHA."""
        root, objects = build_trees(tree)
        self.trees.update(objects)
        return root

    def tree_entries(self, sha: str) -> tuple[TreeEntry, ...] | None:
        return self.trees.get(sha)

    def files_at(self, sha: str) -> dict[str, bytes]:
        return {path: self.blobs[blob] for path, blob in self.commits[sha].tree.items()}

    def read(self, sha: str, path: str) -> bytes | None:
        blob = self.commits[sha].tree.get(normalise_path(path))
        return None if blob is None else self.blobs[blob]

    def ancestors(self, sha: str) -> Iterator[str]:
        """`sha` and every commit reachable from it, breadth first."""
        seen: set[str] = set()
        queue = deque([sha])
        while queue:
            current = queue.popleft()
            if current in seen or current not in self.commits:
                continue
            seen.add(current)
            yield current
            queue.extend(self.commits[current].parents)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return any(sha == ancestor for sha in self.ancestors(descendant))

    def merge_base(self, first: str, second: str) -> str | None:
        reachable = set(self.ancestors(first))
        return next((sha for sha in self.ancestors(second) if sha in reachable), None)

    def ahead_behind(self, base: str, head: str) -> tuple[int, int]:
        """(commits in head not in base, commits in base not in head)."""
        in_base, in_head = set(self.ancestors(base)), set(self.ancestors(head))
        return len(in_head - in_base), len(in_base - in_head)

    def commits_between(self, base: str, head: str) -> list[Commit]:
        """The commits reachable from head and not from base, parents before children."""
        excluded = set(self.ancestors(base))
        ordered: list[Commit] = []
        seen: set[str] = set()
        stack: list[tuple[str, bool]] = [(head, False)]
        while stack:
            sha, parents_done = stack.pop()
            if sha in excluded or sha not in self.commits:
                continue
            if parents_done:
                ordered.append(self.commits[sha])
            elif sha not in seen:
                seen.add(sha)
                stack.append((sha, True))
                stack.extend((parent, False) for parent in reversed(self.commits[sha].parents))
        return ordered

    def diff(self, base: str, head: str) -> list[FileChange]:
        return diff_trees(self.commits[base].tree, self.commits[head].tree)

    def merge(self, base: str, ours: str, theirs: str) -> MergeResult:
        """Three-way merge by whole files: a path changed differently on both sides since the
        merge base is a conflict (as the brief for mergeability asks)."""
        base_tree = self.commits[base].tree if base in self.commits else {}
        return merge_trees(base_tree, self.commits[ours].tree, self.commits[theirs].tree)


def merge_trees(
    base_tree: Mapping[str, str], our_tree: Mapping[str, str], their_tree: Mapping[str, str]
) -> MergeResult:
    """The whole-file three-way merge of `GitStore.merge`, on trees (for replaying commits)."""
    merged: dict[str, str] = {}
    conflicts: list[str] = []
    for path in sorted(set(base_tree) | set(our_tree) | set(their_tree)):
        original, mine, yours = base_tree.get(path), our_tree.get(path), their_tree.get(path)
        if mine == yours or yours == original:
            chosen = mine
        elif mine == original:
            chosen = yours
        else:
            conflicts.append(path)
            continue
        if chosen is not None:
            merged[path] = chosen
    if conflicts:
        return MergeResult(None, tuple(conflicts))
    return MergeResult(merged)


def diff_trees(base: Mapping[str, str], head: Mapping[str, str]) -> list[FileChange]:
    changes = []
    for path in sorted(set(base) | set(head)):
        before, after = base.get(path), head.get(path)
        if before == after:
            continue
        status = "added" if before is None else "removed" if after is None else "modified"
        changes.append(FileChange(path, status, before, after))
    return changes


def blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def tree_digest(tree: Mapping[str, str]) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    for path in sorted(tree):
        digest.update(f"{path}\0{tree[path]}\n".encode())
    return digest.hexdigest()


def normalise_path(path: str) -> str:
    parts = [part for part in path.strip("/").split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        raise ValueError(f"invalid path {path!r}")
    return "/".join(parts)
