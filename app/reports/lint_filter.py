"""Which lint findings a pull request shows: reviewdog's filter modes over the PR's diff.

- `added` (the default): a finding is kept when any line of its range is a line the PR adds;
- `diff_context`: kept when every line of its range is shown in the diff's hunks (added or
  context lines);
- `file`: kept when its file is one the PR changes and that still exists in the head;
- `nofilter`: every finding is kept.

A whole-file finding (no line) is on no line of the diff: `added` and `diff_context` drop it,
`file` and `nofilter` keep it. A range that ends before it starts is read as its first line.

A file whose patch GitHub does not show (`patch_missing`, too large) cannot be judged by
`added` or `diff_context`: its findings are kept and counted in `unknown_diff`. Hiding a finding
on a line the PR wrote is worse than showing one it did not, and the count lets the summary say
that some findings could not be placed on the diff.

Findings' paths are repository paths (mapped before filtering); `changed` is keyed by head path.
Each test is a binary search over the file's sorted added lines or hunk ranges, so a finding
spanning thousands of lines costs no more than one on a single line.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from app.reports.diff_lines import REMOVED, ChangedFile
from app.reports.lint_model import Finding

__all__ = ["DEFAULT_MODE", "FILTER_MODES", "LintSelection", "filter_findings"]

FILTER_MODES = ("added", "diff_context", "file", "nofilter")
DEFAULT_MODE = "added"

# A verdict on one finding: kept, dropped, or None when the diff cannot tell (kept, counted).
Judge = Callable[[Finding], bool | None]


@dataclass
class LintSelection:
    kept: list[Finding] = field(default_factory=list)  # in the order they came
    dropped: list[Finding] = field(default_factory=list)
    unknown_diff: int = 0  # of `kept`, those in files whose patch GitHub did not show


def filter_findings(
    findings: Iterable[Finding], changed: Mapping[str, ChangedFile], mode: str
) -> LintSelection:
    """`findings` split by `mode` (one of FILTER_MODES) against the PR's changed files.

    Raises ValueError for an unknown mode."""
    judge = _judge(mode, changed)
    selection = LintSelection()
    for finding in findings:
        verdict = judge(finding)
        if verdict is False:
            selection.dropped.append(finding)
            continue
        selection.kept.append(finding)
        if verdict is None:
            selection.unknown_diff += 1
    return selection


def _judge(mode: str, changed: Mapping[str, ChangedFile]) -> Judge:
    if mode == "added":
        added = {path: sorted(change.added) for path, change in changed.items()}
        return lambda finding: _on_added_line(finding, changed, added)
    if mode == "diff_context":
        return lambda finding: _within_hunks(finding, changed)
    if mode == "file":
        present = {path for path, change in changed.items() if change.status != REMOVED}
        return lambda finding: finding.path in present
    if mode == "nofilter":
        return lambda _finding: True
    raise ValueError(f"unknown filter mode {mode!r}: expected one of {', '.join(FILTER_MODES)}")


def _on_added_line(
    finding: Finding, changed: Mapping[str, ChangedFile], added: Mapping[str, list[int]]
) -> bool | None:
    change = changed.get(finding.path)
    span = _span(finding)
    if change is None or span is None:
        return False
    if change.patch_missing:
        return None
    return _any_within(added[finding.path], *span)


def _within_hunks(finding: Finding, changed: Mapping[str, ChangedFile]) -> bool | None:
    change = changed.get(finding.path)
    span = _span(finding)
    if change is None or span is None:
        return False
    if change.patch_missing:
        return None
    return change.in_hunks(*span)


def _span(finding: Finding) -> tuple[int, int] | None:
    """The finding's first and last line; None for a whole-file finding."""
    if finding.line is None:
        return None
    end = finding.end_line
    return finding.line, end if end is not None and end >= finding.line else finding.line


def _any_within(lines: list[int], first: int, last: int) -> bool:
    """Whether sorted `lines` holds a line from `first` through `last`."""
    at = bisect_left(lines, first)
    return at < len(lines) and lines[at] <= last
