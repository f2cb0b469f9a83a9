"""The GitHub writes several actions make, as the deferred calls a Change performs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from app.actions.base import PullTarget
from app.github.checks import CheckRunContent, publish_check_run

Write = Callable[[], Awaitable[None]]


def check_run_writer(target: PullTarget, content: CheckRunContent, now: float) -> Write:
    """Writes `content` as a check run on the target's head SHA (created or updated)."""

    async def publish() -> None:
        await publish_check_run(
            target.db, target.api, target.repository, target.head_sha, content, now
        )

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
