"""The GitHub writes several actions make, as the deferred calls a Change performs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from app.actions.base import Change, PullTarget
from app.engine.carried_facts import CHECK_RUNS
from app.github.checks import CheckRunContent, publish_check_run

Write = Callable[[], Awaitable[None]]


def check_run_writer(target: PullTarget, content: CheckRunContent, now: float) -> Write:
    """Writes `content` as a check run on the target's head SHA (created or updated)."""

    async def publish() -> None:
        await publish_check_run(
            target.db, target.api, target.repository, target.head_sha, content, now
        )
        # paasbot's own check runs send no webhook it listens to: whoever reads the check runs
        # next (the merge queue, the next evaluation) reads them again.
        target.snapshot.changed(CHECK_RUNS)

    return publish


def comment_writer(target: PullTarget, body: str) -> Write:
    """Posts `body` as a new comment on the pull request."""

    async def post() -> None:
        await target.api.post(
            "/repos/{+repository}/issues/{number}/comments",
            url_vars={"repository": target.repository, "number": str(target.number)},
            data={"body": body},
        )

    return post


def labels_adder(target: PullTarget, names: list[str]) -> Write:
    """Adds the labels to the pull request (GitHub creates the ones the repository lacks)."""

    async def add() -> None:
        await target.api.post(
            "/repos/{+repository}/issues/{number}/labels",
            url_vars={"repository": target.repository, "number": str(target.number)},
            data={"labels": names},
        )

    return add


async def sticky_comment(target: PullTarget, marker: str) -> Any:
    """The PR's comment carrying the hidden `marker` (the first, when several do), or None."""
    comments = await target.snapshot.issue_comments()
    return next((c for c in comments if marker in (c.get("body") or "")), None)


async def sticky_comment_change(
    target: PullTarget, marker: str, text: str, *, posting: str, editing: str
) -> Change | None:
    """Posts the one comment `marker` finds, or edits it when its text changed (described as
    `posting` / `editing` in the summary); None when it is current. Never one per push."""
    body = f"{text}\n\n{marker}"
    existing = await sticky_comment(target, marker)
    if existing is None:
        return Change(posting, comment_writer(target, body))
    if existing.get("body") == body:
        return None
    return Change(editing, comment_editor(target, existing["id"], body))


def comment_editor(target: PullTarget, comment_id: int, body: str) -> Write:
    async def edit() -> None:
        await target.api.patch(
            "/repos/{+repository}/issues/comments/{comment_id}",
            url_vars={"repository": target.repository, "comment_id": str(comment_id)},
            data={"body": body},
        )

    return edit
