"""Writing a check run on a head SHA: created once, updated only when its content changes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from gidgethub.abc import GitHubAPI

from app.store.check_runs import KnownCheckRun, known_check_run, remember_check_run
from app.store.db import Database

# GitHub rejects a check run summary or text over 65535 characters.
MAX_OUTPUT_CHARS = 65_535


@dataclass(frozen=True)
class CheckRunContent:
    name: str
    title: str
    summary: str
    conclusion: str = "neutral"
    text: str | None = None

    def payload(self) -> dict[str, Any]:
        output: dict[str, Any] = {"title": self.title[:255], "summary": _cap(self.summary)}
        if self.text:
            output["text"] = _cap(self.text)
        return {"status": "completed", "conclusion": self.conclusion, "output": output}

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


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
    url_vars = {"repository": repository}
    if known is None:
        created = await api.post(
            "/repos/{+repository}/check-runs",
            url_vars=url_vars,
            data={"name": content.name, "head_sha": head_sha, **content.payload()},
        )
        check_run_id, result = created["id"], "created"
    else:
        await api.patch(
            "/repos/{+repository}/check-runs/{check_run_id}",
            url_vars={**url_vars, "check_run_id": str(known.check_run_id)},
            data=content.payload(),
        )
        check_run_id, result = known.check_run_id, "updated"
    async with db.transaction() as conn:
        await remember_check_run(
            conn, repository, head_sha, content.name, KnownCheckRun(check_run_id, digest), now
        )
    return result


def _cap(text: str) -> str:
    if len(text) <= MAX_OUTPUT_CHARS:
        return text
    note = "\n\n… (cut to GitHub's size limit)"
    return text[: MAX_OUTPUT_CHARS - len(note)] + note
