"""Commit history: a branch's log (optionally of one path), a commit's own changes, and the
comparison of two commits."""

from __future__ import annotations

from dataclasses import dataclass

from app.sandbox.git import Commit, diff_trees
from app.sandbox.ops.diffs import FileDiff, file_diff
from app.sandbox.state import SimulatedGitHub

MAX_COMPARED_COMMITS = 250


@dataclass(frozen=True)
class Comparison:
    base: str
    head: str
    merge_base: str
    status: str  # identical | ahead | behind | diverged
    ahead_by: int
    behind_by: int
    commits: list[Commit]  # oldest first
    files: list[FileDiff]


def commit_files(state: SimulatedGitHub, commit: Commit) -> list[FileDiff]:
    """What the commit changed relative to its first parent (everything, for a root commit)."""
    before = state.git.commits[commit.parents[0]].tree if commit.parents else {}
    return [file_diff(state.git, change) for change in diff_trees(before, commit.tree)]


def touches(state: SimulatedGitHub, commit: Commit, path: str) -> bool:
    """Whether the commit changed `path`, a file or a folder."""
    prefix = path.strip("/")
    return any(
        file.change.path == prefix or file.change.path.startswith(prefix + "/")
        for file in commit_files(state, commit)
    )


def log(state: SimulatedGitHub, head: str, path: str | None = None) -> list[Commit]:
    """Every commit reachable from `head`, newest first, as ``git log`` lists them."""
    commits = [state.git.commits[sha] for sha in state.git.ancestors(head)]
    commits.sort(key=lambda commit: commit.committer.timestamp, reverse=True)
    if path:
        commits = [commit for commit in commits if touches(state, commit, path)]
    return commits


def compare(state: SimulatedGitHub, base: str, head: str) -> Comparison | None:
    """Three-dot semantics: commits and changes on `head` since its merge base with `base`.
    None when the two histories share no commit."""
    git = state.git
    merge_base = git.merge_base(base, head)
    if merge_base is None:
        return None
    ahead_by, behind_by = git.ahead_behind(base, head)
    commits = _oldest_first(state, base, head)[:MAX_COMPARED_COMMITS]
    files = [file_diff(git, change) for change in git.diff(merge_base, head)]
    return Comparison(
        base, head, merge_base, _status(ahead_by, behind_by), ahead_by, behind_by, commits, files
    )


def _status(ahead_by: int, behind_by: int) -> str:
    if ahead_by and behind_by:
        return "diverged"
    if ahead_by:
        return "ahead"
    return "behind" if behind_by else "identical"


def _oldest_first(state: SimulatedGitHub, base: str, head: str) -> list[Commit]:
    """Commits reachable from head but not base; parents before children even when commits
    share a timestamp."""
    excluded = set(state.git.ancestors(base))
    newest_first = [sha for sha in state.git.ancestors(head) if sha not in excluded]
    chain = [state.git.commits[sha] for sha in reversed(newest_first)]
    return sorted(chain, key=lambda commit: commit.committer.timestamp)
