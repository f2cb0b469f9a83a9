"""Merging pull requests and updating their branches."""

from __future__ import annotations

from aiohttp import web

from app.sandbox.context import context
from app.sandbox.errors import (
    forbidden_for_integration,
    json_response,
    not_found,
    read_json_object,
)
from app.sandbox.ops.access import bot_login
from app.sandbox.ops.forks import may_push_head
from app.sandbox.ops.merging import MergeMessage, merge_pull, update_branch
from app.sandbox.routes.body_fields import BodyReader
from app.sandbox.routes.pull_writes import PULL, READ_PULLS, WRITE_PULLS, requested_pull
from app.sandbox.routing import Permission, Route

WRITE_CONTENTS = Permission("contents", "write")
UPDATING = "Updating pull request branch."


async def merge(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = requested_pull(ctx, request)
    reader = BodyReader(await read_json_object(request), "PullRequest")
    message = MergeMessage(reader.string("commit_title"), reader.string("commit_message"))
    sha = reader.string("sha")
    method = reader.string("merge_method") or "merge"
    reader.done()
    outcome = merge_pull(
        ctx.state,
        pull.repo_full_name,
        pull.number,
        method,
        sha,
        by=bot_login(ctx.state),
        message=message,
    )
    return json_response({"sha": outcome.sha, "merged": outcome.merged, "message": outcome.message})


async def check_merged(request: web.Request) -> web.Response:
    pull = requested_pull(context(request), request)
    if not pull.merged:
        raise not_found()
    return web.Response(status=204)


async def update(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = requested_pull(ctx, request)
    reader = BodyReader(await read_json_object(request), "PullRequest")
    expected = reader.string("expected_head_sha")
    reader.done()
    if ctx.grant is None or not may_push_head(ctx.state, ctx.grant, pull):
        raise forbidden_for_integration()
    update_branch(
        ctx.state, pull.repo_full_name, pull.number, expected, sender=bot_login(ctx.state)
    )
    url = ctx.urls.api(f"/repos/{pull.repo_full_name}/pulls/{pull.number}")
    return json_response({"message": UPDATING, "url": url}, status=202)


ROUTES: tuple[Route, ...] = (
    Route("PUT", f"{PULL}/merge", merge, permission=WRITE_CONTENTS),
    Route("GET", f"{PULL}/merge", check_merged, permission=READ_PULLS),
    Route("PUT", f"{PULL}/update-branch", update, permission=WRITE_PULLS),
)
