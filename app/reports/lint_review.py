"""Lint findings as inline review comments (`review_comments: true`). Pure.

Each comment carries a hidden fingerprint of its finding (report name, path, tool, rule, message;
not the line, which moves when lines are added above it). A finding is commented only when its
fingerprint has fewer comments on the PR than findings: a push that moves a finding does not
comment it again, and comments whose lines the push changed (outdated) are left alone."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from app.reports.diff_lines import ChangedFile
from app.reports.lint_model import Finding
from app.reports.lint_summary import finding_title

MAX_REVIEW_COMMENTS = 30
_MARKER = re.compile(r"<!-- paasbot:lint:([0-9a-f]{16}) -->")


@dataclass(frozen=True)
class DraftComment:
    finding: Finding
    path: str
    line: int  # on the RIGHT side (the head), within a hunk of the diff
    body: str

    def payload(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "side": "RIGHT", "body": self.body}


def fingerprint(report_name: str, finding: Finding, default_tool: str) -> str:
    parts = (
        report_name,
        finding.path,
        finding.tool or default_tool,
        finding.rule or "",
        finding.message,
    )
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def marker(print_: str) -> str:
    return f"<!-- paasbot:lint:{print_} -->"


def fingerprints_in(bodies: Iterable[str]) -> Counter[str]:
    """How many existing comments carry each fingerprint."""
    return Counter(found for body in bodies for found in _MARKER.findall(body or ""))


def comment_line(finding: Finding, changed: ChangedFile | None) -> int | None:
    """The line a review comment on `finding` can be anchored to: its last line that is within a
    hunk of the diff (GitHub refuses other lines); None when it has none."""
    if changed is None or finding.line is None:
        return None
    end = max(finding.end_line or finding.line, finding.line)
    return last_hunk_line(changed.hunks, finding.line, end)


def last_hunk_line(hunks: Sequence[tuple[int, int]], start: int, end: int) -> int | None:
    """The last line of start..end within the sorted inclusive ranges `hunks`."""
    for first, last in reversed(hunks):
        if first <= end and last >= start:
            return min(end, last)
    return None


def draft_comments(
    report_name: str,
    default_tool: str,
    findings: Sequence[Finding],
    changed: Mapping[str, ChangedFile],
    existing: Counter[str],
    limit: int = MAX_REVIEW_COMMENTS,
) -> tuple[list[DraftComment], set[Finding]]:
    """The comments to post (at most `limit`), and every finding that has or gets a comment
    (those need no annotation)."""
    remaining = Counter(existing)
    drafts: list[DraftComment] = []
    commented: set[Finding] = set()
    for finding in findings:
        print_ = fingerprint(report_name, finding, default_tool)
        if remaining[print_] > 0:
            remaining[print_] -= 1
            commented.add(finding)
            continue
        line = comment_line(finding, changed.get(finding.path))
        if line is None or len(drafts) >= limit:
            continue
        body = _body(finding, default_tool, print_)
        drafts.append(DraftComment(finding, finding.path, line, body))
        commented.add(finding)
    return drafts, commented


def _body(finding: Finding, default_tool: str, print_: str) -> str:
    where = ""
    if finding.line is not None and finding.end_line not in (None, finding.line):
        where = f" (lines {finding.line} to {finding.end_line})"
    level = finding.level.value.capitalize()
    heading = f"**{level}** {finding_title(finding, default_tool)}{where}"
    return f"{heading}\n\n{finding.message}\n\n{marker(print_)}"
