"""Writing a check run on a head SHA: created once, updated only when its content changes."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from gidgethub.abc import GitHubAPI

from app.store.check_runs import KnownCheckRun, known_check_run, remember_check_run
from app.store.db import Database

# GitHub rejects a check run summary or text over 65535 characters, and takes at most 50
# annotations per request (more are added by further updates).
MAX_OUTPUT_CHARS = 65_535
ANNOTATIONS_PER_REQUEST = 50
# The digest of content with annotations starts with this (never a hex digit), so that a later
# write knows the run it would update carries annotations, which an update cannot take away.
ANNOTATED = "@"
# The digest of a run being created, with the `external_id` it is created with: remembered before
# the request, so that a creation whose answer never came (the process killed, GitHub's error
# after the write) is looked for before another run is made.
CREATING = "creating:"


@dataclass(frozen=True)
class Annotation:
    path: str
    start_line: int
    end_line: int
    message: str
    level: str = "failure"  # notice | warning | failure
    title: str | None = None
    start_column: int | None = None
    end_column: int | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "path": self.path,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "annotation_level": self.level,
            "message": self.message[:64_000],
        }
        if self.title:
            data["title"] = self.title[:255]
        # GitHub accepts columns only on single-line annotations.
        if self.start_line == self.end_line and self.start_column is not None:
            data["start_column"] = self.start_column
            data["end_column"] = self.end_column or self.start_column
        return data


@dataclass(frozen=True)
class CheckRunContent:
    name: str
    title: str
    summary: str
    conclusion: str = "neutral"
    text: str | None = None
    annotations: tuple[Annotation, ...] = field(default=())
    status: str = "completed"  # or in_progress (no conclusion yet)

    def payload(self, annotations: tuple[Annotation, ...] = ()) -> dict[str, Any]:
        output: dict[str, Any] = {"title": self.title[:255], "summary": _cap(self.summary)}
        if self.text:
            output["text"] = _cap(self.text)
        if annotations:
            output["annotations"] = [annotation.payload() for annotation in annotations]
        if self.status != "completed":
            return {"status": self.status, "output": output}
        return {"status": "completed", "conclusion": self.conclusion, "output": output}

    def annotation_batches(self) -> list[tuple[Annotation, ...]]:
        step = ANNOTATIONS_PER_REQUEST
        items = self.annotations
        return [items[i : i + step] for i in range(0, len(items), step)] or [()]

    def digest(self) -> str:
        full = hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()
        # 64 characters either way (the column's width).
        return ANNOTATED + full[:63] if self.annotations else full


async def publish_check_run(
    db: Database,
    api: GitHubAPI,
    repository: str,
    head_sha: str,
    content: CheckRunContent,
    now: float,
) -> str:
    """Creates or updates the check run; returns "created", "updated" or "unchanged"."""
    async with db.reader() as conn:
        known = await known_check_run(conn, repository, head_sha, content.name)
    digest = content.digest()
    if known is not None and known.digest == digest:
        return "unchanged"
    if known is not None and known.digest.startswith(CREATING):
        known = await _interrupted_creation(api, repository, head_sha, content.name, known)
    url_vars = {"repository": repository}
    first, *more = content.annotation_batches()
    # GitHub appends the annotations of an update to those already there and never removes
    # any, so a run with annotations, or replacing one that had some, is created anew (the
    # newest run of a name is the one GitHub shows).
    if known is None or content.annotations or known.digest.startswith(ANNOTATED):
        data = {"name": content.name, "head_sha": head_sha, **content.payload(first)}
        if known is None:
            data["external_id"] = await _intend_creation(db, repository, head_sha, content, now)
        created = await api.post("/repos/{+repository}/check-runs", url_vars=url_vars, data=data)
        check_run_id, result = created["id"], "created" if known is None else "updated"
    else:
        check_run_id, result = known.check_run_id, "updated"
        await _patch(api, repository, check_run_id, content.payload())
    for batch in more:
        await _patch(api, repository, check_run_id, content.payload(batch))
    async with db.transaction() as conn:
        await remember_check_run(
            conn, repository, head_sha, content.name, KnownCheckRun(check_run_id, digest), now
        )
    return result


async def _intend_creation(
    db: Database, repository: str, head_sha: str, content: CheckRunContent, now: float
) -> str:
    marker = uuid.uuid4().hex
    async with db.transaction() as conn:
        await remember_check_run(
            conn, repository, head_sha, content.name, KnownCheckRun(0, CREATING + marker), now
        )
    return marker


async def _interrupted_creation(
    api: GitHubAPI, repository: str, head_sha: str, name: str, known: KnownCheckRun
) -> KnownCheckRun | None:
    """The run an interrupted creation made, if it made one (its digest is unknown: it is
    written again); None when it made none."""
    marker = known.digest.removeprefix(CREATING)
    listed = await api.getitem(
        "/repos/{+repository}/commits/{sha}/check-runs{?check_name,filter,per_page}",
        url_vars={
            "repository": repository,
            "sha": head_sha,
            "check_name": name,
            "filter": "all",
            "per_page": "100",
        },
    )
    for run in listed.get("check_runs") or ():
        if run.get("external_id") == marker:
            annotated = bool((run.get("output") or {}).get("annotations_count"))
            return KnownCheckRun(int(run["id"]), ANNOTATED if annotated else "")
    return None


async def _patch(api: GitHubAPI, repository: str, check_run_id: int, data: dict[str, Any]) -> None:
    await api.patch(
        "/repos/{+repository}/check-runs/{check_run_id}",
        url_vars={"repository": repository, "check_run_id": str(check_run_id)},
        data=data,
    )


async def is_current(
    db: Database, repository: str, head_sha: str, content: CheckRunContent
) -> bool:
    """Whether the check run on `head_sha` already shows exactly `content`."""
    async with db.reader() as conn:
        known = await known_check_run(conn, repository, head_sha, content.name)
    return known is not None and known.digest == content.digest()


def _cap(text: str) -> str:
    if len(text) <= MAX_OUTPUT_CHARS:
        return text
    note = "\n\n… (cut to GitHub's size limit)"
    return text[: MAX_OUTPUT_CHARS - len(note)] + note
