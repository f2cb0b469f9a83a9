"""The lines a pull request adds, per file, from its diff: the input patch coverage needs.

Two sources give the same answer:

- `added_lines(diff_text)`: GitHub's whole-PR unified diff (`application/vnd.github.diff`);
- `added_lines_from_files(files)`: the entries of `GET /repos/{o}/{r}/pulls/{n}/files`, whose
  `patch` field holds the file's hunks without headers.

`patch_missing` marks a file the PR may add lines to that cannot be seen: GitHub leaves `patch`
out of a files entry whose diff is too large to show (its `additions` still counts the lines).
A binary file has no lines, so none are added and it is not marked: in the diff ("Binary files
... differ") as in the files API (no `patch`, `additions: 0`); the two sources agree.

Each file also has `hunks`: the head lines its hunks show (context and added lines), which a lint
filter needs to tell a finding near the changes from one far from them.

Line numbers are those of the head version of the file. Both sources are parsed with `unidiff`.
CRLF diffs are read as LF (line numbers do not change); "\\ No newline at end of file" markers
are not lines.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from unidiff import PatchedFile, PatchSet
from unidiff.constants import DEV_NULL
from unidiff.errors import UnidiffParseError

ADDED = "added"
MODIFIED = "modified"
RENAMED = "renamed"
REMOVED = "removed"

# The files API's statuses, in this module's vocabulary. A copy is a new file in the head whose
# patch is against the file it was copied from: "added", with that file as `previous_path`.
# "changed" is a mode-only change; "unchanged" appears with renames detected as copies.
_API_STATUS = {
    "added": ADDED,
    "modified": MODIFIED,
    "renamed": RENAMED,
    "removed": REMOVED,
    "copied": ADDED,
    "changed": MODIFIED,
    "unchanged": MODIFIED,
}


class DiffError(ValueError):
    """A diff or patch that cannot be parsed; the message names the file when known."""


@dataclass(frozen=True)
class ChangedFile:
    path: str  # the file's path in the PR's head (for a removed file: the path it had)
    previous_path: str | None  # for renames (and copies): the path in the base
    added: frozenset[int]  # line numbers (in the head version) the PR added or changed
    status: str  # added | modified | renamed | removed
    patch_missing: bool = False  # too large for GitHub to show: the added lines are unknown
    # The head lines the hunks show, as sorted inclusive (start, end) ranges; hunks that overlap
    # or touch are merged, so the ranges are disjoint with gaps between them. A hunk of deletions
    # only shows no head line. Empty when the patch is missing.
    hunks: tuple[tuple[int, int], ...] = ()

    def in_hunks(self, line: int, end_line: int | None = None) -> bool:
        """Whether head line `line` (and every line through `end_line`, when given) is shown in
        the diff's hunks."""
        last = max(line, end_line or line)
        at = bisect_right(self.hunks, line, key=_START) - 1
        return at >= 0 and self.hunks[at][1] >= last


_START = itemgetter(0)


def added_lines(diff_text: str) -> dict[str, ChangedFile]:
    """The changed files of a unified diff, by head path."""
    try:
        patch = PatchSet(_lf(diff_text))
    except UnidiffParseError as error:
        raise DiffError(f"unreadable diff: {error}") from error
    changed: dict[str, ChangedFile] = {}
    for patched in patch:
        found = _changed_file(patched)
        changed[found.path] = found
    return changed


def added_lines_from_files(files: Iterable[Mapping[str, Any]]) -> dict[str, ChangedFile]:
    """The changed files of a pulls/{n}/files listing (all pages), by head path.

    An entry without `patch` has unknown added lines (`patch_missing`), unless the entry says
    it adds none: `additions: 0` (binary files, pure renames, mode changes, empty new files)
    or a removed file."""
    changed: dict[str, ChangedFile] = {}
    for entry in files:
        found = _changed_file_from_entry(entry)
        changed[found.path] = found
    return changed


def group_ranges(lines: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive line numbers as inclusive (start, end) ranges, in order; duplicates ignored.

    >>> group_ranges([5, 1, 2, 3, 7, 6, 10])
    [(1, 3), (5, 7), (10, 10)]
    """
    ranges: list[tuple[int, int]] = []
    for line in sorted(set(lines)):
        if ranges and ranges[-1][1] == line - 1:
            ranges[-1] = (ranges[-1][0], line)
        else:
            ranges.append((line, line))
    return ranges


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n")


def _changed_file(patched: PatchedFile) -> ChangedFile:
    source = None if patched.source_file == DEV_NULL else _git_path(patched.source_file, "a/")
    target = None if patched.target_file == DEV_NULL else _git_path(patched.target_file, "b/")
    if target is None:
        return ChangedFile(source or "", None, frozenset(), REMOVED)
    added = frozenset() if patched.is_binary_file else _added([patched])
    hunks = _hunks([patched])
    if source is None:
        return ChangedFile(target, None, added, ADDED, hunks=hunks)
    if source != target:
        copied = any(line.startswith("copy from ") for line in patched.patch_info or ())
        return ChangedFile(target, source, added, ADDED if copied else RENAMED, hunks=hunks)
    return ChangedFile(target, None, added, MODIFIED, hunks=hunks)


def _added(files: Iterable[PatchedFile]) -> frozenset[int]:
    return frozenset(
        line.target_line_no
        for patched in files
        for hunk in patched
        for line in hunk
        if line.is_added and line.target_line_no is not None
    )


def _hunks(files: Iterable[PatchedFile]) -> tuple[tuple[int, int], ...]:
    return merge_ranges(
        (hunk.target_start, hunk.target_start + hunk.target_length - 1)
        for patched in files
        for hunk in patched
        if hunk.target_length > 0
    )


def merge_ranges(ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Inclusive (start, end) ranges sorted, those that overlap or touch merged.

    >>> merge_ranges([(10, 12), (1, 3), (4, 5), (11, 20)])
    ((1, 5), (10, 20))
    """
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _changed_file_from_entry(entry: Mapping[str, Any]) -> ChangedFile:
    path = entry.get("filename")
    if not isinstance(path, str) or not path:
        raise DiffError(f"a files entry without a filename: {sorted(entry)}")
    status = _API_STATUS.get(str(entry.get("status", MODIFIED)), MODIFIED)
    previous_filename = entry.get("previous_filename")
    previous = str(previous_filename) if previous_filename and status in (ADDED, RENAMED) else None
    if status == REMOVED:
        return ChangedFile(path, None, frozenset(), REMOVED)
    patch = entry.get("patch")
    if not isinstance(patch, str):
        none_added = entry.get("additions") == 0
        return ChangedFile(path, previous, frozenset(), status, patch_missing=not none_added)
    parsed = _parse_patch(path, patch)
    return ChangedFile(path, previous, _added(parsed), status, hunks=_hunks(parsed))


def _parse_patch(path: str, patch: str) -> list[PatchedFile]:
    if not patch.strip():
        return []
    body = _lf(patch)
    if not body.endswith("\n"):
        body += "\n"  # GitHub's `patch` has no final newline
    try:
        return list(PatchSet(f"--- a/file\n+++ b/file\n{body}"))
    except UnidiffParseError as error:
        raise DiffError(f"unreadable patch of {path}: {error}") from error


_ESCAPES = {
    "a": 7,
    "b": 8,
    "t": 9,
    "n": 10,
    "v": 11,
    "f": 12,
    "r": 13,
    '"': 34,
    "\\": 92,
}


def _git_path(raw: str, prefix: str) -> str:
    """A diff header's path as a repository path: git's C-style quoting undone (non-ASCII
    names come as octal UTF-8 bytes), the a/ or b/ prefix removed."""
    path = _unquote(raw) if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
    return path.removeprefix(prefix)


def _unquote(quoted: str) -> str:
    text = quoted[1:-1]
    out = bytearray()
    i = 0
    while i < len(text):
        char = text[i]
        if char != "\\" or i + 1 == len(text):
            out += char.encode()
            i += 1
            continue
        following = text[i + 1]
        digits = ""
        while len(digits) < 3 and i + 1 + len(digits) < len(text):
            if text[i + 1 + len(digits)] not in "01234567":
                break
            digits += text[i + 1 + len(digits)]
        if digits:
            out.append(int(digits, 8) & 0xFF)
            i += 1 + len(digits)
        elif following in _ESCAPES:
            out.append(_ESCAPES[following])
            i += 2
        else:
            out += following.encode()
            i += 2
    return out.decode("utf-8", errors="replace")
