"""Pull request diffs as GitHub's files endpoint shows them: per changed path, a unified diff of
its hunks (no file headers) between the merge base and the head, with line counts."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from app.sandbox.git import Commit, FileChange, GitStore
from app.sandbox.models import PullRequest
from app.sandbox.state import SimulatedGitHub

CONTEXT_LINES = 3
NO_NEWLINE_MARKER = "\\ No newline at end of file"


@dataclass(frozen=True)
class FileDiff:
    change: FileChange
    patch: str | None  # None for binary content, which GitHub shows no patch for
    additions: int
    deletions: int

    @property
    def changes(self) -> int:
        return self.additions + self.deletions


@dataclass(frozen=True)
class PullDiff:
    merge_base: str
    head_sha: str
    commits: list[Commit]
    files: list[FileDiff]

    @property
    def additions(self) -> int:
        return sum(file.additions for file in self.files)

    @property
    def deletions(self) -> int:
        return sum(file.deletions for file in self.files)

    def file(self, path: str) -> FileDiff | None:
        return next((file for file in self.files if file.change.path == path), None)


def comparison_base(state: SimulatedGitHub, pull: PullRequest) -> str:
    """What the head is compared with: the base branch while the PR is open, and the base as it
    was when the PR was merged or closed afterwards (merging moves the branch past the head)."""
    if pull.state == "open":
        return state.repository(pull.repo_full_name).branches.get(pull.base_ref, pull.base_sha)
    return pull.base_sha


def pull_diff(state: SimulatedGitHub, pull: PullRequest) -> PullDiff | None:
    """None while the head or base is a made-up SHA with no commit behind it."""
    git = state.git
    base = comparison_base(state, pull)
    if not (git.has_commit(base) and git.has_commit(pull.head_sha)):
        return None
    merge_base = git.merge_base(base, pull.head_sha) or base
    files = [file_diff(git, change) for change in git.diff(merge_base, pull.head_sha)]
    return PullDiff(merge_base, pull.head_sha, git.commits_between(base, pull.head_sha), files)


def file_diff(git: GitStore, change: FileChange) -> FileDiff:
    before = b"" if change.base_blob is None else git.blobs[change.base_blob]
    after = b"" if change.head_blob is None else git.blobs[change.head_blob]
    old_lines, new_lines = text_lines(before), text_lines(after)
    if old_lines is None or new_lines is None:
        return FileDiff(change, None, 0, 0)
    patch = unified_patch(old_lines, new_lines)
    body = patch.splitlines()
    return FileDiff(
        change,
        patch,
        additions=sum(line.startswith("+") for line in body),
        deletions=sum(line.startswith("-") for line in body),
    )


def text_lines(content: bytes) -> list[str] | None:
    """The lines of a text file, each with its line end (git splits on LF only); None for
    binary content."""
    if b"\0" in content:
        return None
    try:
        text = content.decode()
    except UnicodeDecodeError:
        return None
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def unified_patch(old_lines: list[str], new_lines: list[str]) -> str:
    """Git's hunks without the ``---``/``+++`` header, and git's marker after a last line that
    has no line end."""
    diff = difflib.unified_diff(old_lines, new_lines, n=CONTEXT_LINES)
    rendered: list[str] = []
    for line in list(diff)[2:]:
        if line.startswith("@@"):
            rendered.append(line.rstrip("\n"))
        elif line.endswith("\n"):
            rendered.append(line[:-1])
        else:
            rendered += [line, NO_NEWLINE_MARKER]
    return "\n".join(rendered)
