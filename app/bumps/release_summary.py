"""The `paasbot/propagate` check run on a release's tag commit: which dependents got a bump PR,
which were skipped and why, and (while PRs are still being opened) how far it got. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from app.github.checks import CheckRunContent

CHECK_NAME = "paasbot/propagate"
MAX_ROWS = 500

# Status -> how the summary says it.
STATUS_WORDS = {
    "opened": "PR opened",
    "existing": "PR already open",
    "skipped": "skipped",
    "failed": "failed",
    "pending": "waiting",
}


@dataclass(frozen=True)
class TargetLine:
    repository: str
    status: str  # pending | opened | existing | skipped | failed
    detail: str | None = None
    pull_url: str | None = None
    pull_number: int | None = None


@dataclass(frozen=True)
class ReleaseView:
    package: str
    version: str
    tag: str
    targets: Sequence[TargetLine]
    # Set while PRs remain to open: when paasbot continues (the per-minute limit), epoch seconds.
    continues_at: float | None = None
    problem: str | None = None  # why nothing could be propagated (e.g. the tag names no version)
    notes: Sequence[str] = ()


def summary_content(view: ReleaseView, name: str = CHECK_NAME) -> CheckRunContent:
    if view.problem is not None:
        title = f"Nothing propagated: {view.problem}"
        return CheckRunContent(name, title, view.problem, conclusion="failure")
    counts = Counter(target.status for target in view.targets)
    pending = counts["pending"]
    title = _title(view, counts)
    summary = "\n\n".join(part for part in (_progress(view, pending), *view.notes) if part)
    text = _table(view.targets)
    if pending:
        return CheckRunContent(name, title, summary, text=text, status="in_progress")
    conclusion = "failure" if counts["failed"] else "success"
    return CheckRunContent(name, title, summary, conclusion=conclusion, text=text)


def _title(view: ReleaseView, counts: Counter[str]) -> str:
    parts = []
    opened = counts["opened"] + counts["existing"]
    if opened:
        parts.append(f"{opened} bump PR{'s' if opened != 1 else ''}")
    for status in ("skipped", "failed", "pending"):
        if counts[status]:
            parts.append(f"{counts[status]} {STATUS_WORDS[status]}")
    done = ", ".join(parts) or "no dependents"
    return f"{view.package} {view.version}: {done}"


def _progress(view: ReleaseView, pending: int) -> str:
    total = len(view.targets)
    line = f"Release `{view.tag}` propagates **{view.package} {view.version}** to {total}"
    line += f" repositor{'y' if total == 1 else 'ies'}."
    if pending and view.continues_at is not None:
        at = datetime.fromtimestamp(view.continues_at, UTC).strftime("%H:%M:%S UTC")
        line += (
            f" {total - pending} done; the other {pending} follow at {at}"
            " (paasbot opens a limited number of PRs a minute)."
        )
    return line


def _table(targets: Sequence[TargetLine]) -> str:
    if not targets:
        return ""
    rows = ["| repository | result | details |", "|---|---|---|"]
    for target in list(targets)[:MAX_ROWS]:
        result = STATUS_WORDS.get(target.status, target.status)
        if target.pull_url and target.pull_number is not None:
            result += f" ([#{target.pull_number}]({target.pull_url}))"
        detail = (target.detail or "").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{target.repository}` | {result} | {detail} |")
    if len(targets) > MAX_ROWS:
        rows.append(f"\n… and {len(targets) - MAX_ROWS} more repositories.")
    return "\n".join(rows)
