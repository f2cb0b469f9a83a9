"""Commit status endpoints: posting a status, listing them, the combined status of a ref."""

from __future__ import annotations

import re

from aiohttp import web

from app.sandbox.context import RequestContext, context
from app.sandbox.errors import ApiError, json_response, not_found, read_json_object
from app.sandbox.ops.access import bot_login
from app.sandbox.ops.refs import resolve_commit
from app.sandbox.ops.statuses import (
    DEFAULT_CONTEXT,
    combined_state,
    create_status,
    latest_per_context,
    statuses_for,
)
from app.sandbox.pagination import paginate
from app.sandbox.routes.inputs import optional, required
from app.sandbox.routing import Permission, Route
from app.sandbox.serializers_activity import combined_status_json, status_json

READ_STATUSES = Permission("statuses", "read")
WRITE_STATUSES = Permission("statuses", "write")
FULL_SHA = re.compile(r"[0-9a-f]{40}")


def _commit_for(ctx: RequestContext, ref: str) -> str | None:
    """The commit a ref names. A full SHA the simulator has no commit for is taken as it is:
    tests open pull requests on made-up head SHAs."""
    sha = resolve_commit(ctx.state, ctx.require_repository(), ref)
    if sha is None and FULL_SHA.fullmatch(ref):
        return ref
    return sha


async def post_status(request: web.Request) -> web.Response:
    ctx = context(request)
    repository = ctx.require_repository()
    ref = request.match_info["sha"]
    sha = _commit_for(ctx, ref)
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {ref}")
    body = await read_json_object(request)
    status = create_status(
        ctx.state,
        repository,
        sha,
        required(body, "state", str),
        context=optional(body, "context", str) or DEFAULT_CONTEXT,
        creator=bot_login(ctx.state),
        target_url=optional(body, "target_url", str),
        description=optional(body, "description", str),
    )
    created = status_json(ctx.state, ctx.urls, status)
    return json_response(created, status=201, headers={"Location": created["url"]})


async def list_statuses(request: web.Request) -> web.Response:
    ctx = context(request)
    sha = _commit_for(ctx, request.match_info["ref"])
    if sha is None:
        raise not_found()
    statuses = statuses_for(ctx.state, ctx.require_repository(), sha)
    page, headers = paginate(statuses, request.query, request.url)
    body = [status_json(ctx.state, ctx.urls, status) for status in page]
    return json_response(body, headers=headers)


async def get_combined_status(request: web.Request) -> web.Response:
    """The latest status of each context; the page parameters page through them."""
    ctx = context(request)
    repository = ctx.require_repository()
    sha = _commit_for(ctx, request.match_info["ref"])
    if sha is None:
        raise not_found()
    latest = latest_per_context(statuses_for(ctx.state, repository, sha))
    page, headers = paginate(latest, request.query, request.url)
    body = combined_status_json(
        ctx.state, ctx.urls, repository, sha, combined_state(latest), page, len(latest)
    )
    return json_response(body, headers=headers)


ROUTES: tuple[Route, ...] = (
    Route(
        "POST", "/repos/{owner}/{repo}/statuses/{sha:.+}", post_status, permission=WRITE_STATUSES
    ),
    Route(
        "GET",
        "/repos/{owner}/{repo}/commits/{ref:.+}/statuses",
        list_statuses,
        permission=READ_STATUSES,
    ),
    Route(
        "GET",
        "/repos/{owner}/{repo}/commits/{ref:.+}/status",
        get_combined_status,
        permission=READ_STATUSES,
    ),
)
