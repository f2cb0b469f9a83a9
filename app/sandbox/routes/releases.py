"""Release endpoints: listing, the latest release, a release by tag, creating one."""

from __future__ import annotations

from aiohttp import web

from app.sandbox.context import RequestContext, context
from app.sandbox.errors import json_response, not_found, read_json_object
from app.sandbox.models import Release
from app.sandbox.ops.access import bot_login
from app.sandbox.ops.releases import (
    RESOURCE,
    NewRelease,
    create_release,
    find_by_tag,
    latest_release,
    releases_in,
)
from app.sandbox.pagination import paginate
from app.sandbox.routes.body_fields import BodyReader
from app.sandbox.routing import Permission, Route
from app.sandbox.serializers_activity import release_json

READ_CONTENTS = Permission("contents", "read")
WRITE_CONTENTS = Permission("contents", "write")


def _sees_drafts(ctx: RequestContext) -> bool:
    """Draft releases are visible to those who can push to the repository."""
    return ctx.grant is not None and WRITE_CONTENTS.satisfied_by(ctx.grant.permissions)


def _found(ctx: RequestContext, release: Release | None) -> web.Response:
    if release is None:
        raise not_found()
    return json_response(release_json(ctx.state, ctx.urls, release))


async def list_releases(request: web.Request) -> web.Response:
    ctx = context(request)
    releases = releases_in(ctx.state, ctx.require_repository(), drafts=_sees_drafts(ctx))
    page, headers = paginate(releases, request.query, request.url)
    body = [release_json(ctx.state, ctx.urls, release) for release in page]
    return json_response(body, headers=headers)


async def get_latest_release(request: web.Request) -> web.Response:
    ctx = context(request)
    return _found(ctx, latest_release(ctx.state, ctx.require_repository()))


async def get_release_by_tag(request: web.Request) -> web.Response:
    ctx = context(request)
    tag = request.match_info["tag"]
    return _found(ctx, find_by_tag(ctx.state, ctx.require_repository(), tag, drafts=False))


async def post_release(request: web.Request) -> web.Response:
    ctx = context(request)
    fields = BodyReader(await read_json_object(request), RESOURCE)
    new = NewRelease(
        tag_name=fields.required("tag_name"),
        target_commitish=fields.string("target_commitish"),
        name=fields.string("name"),
        body=fields.string("body"),
        draft=fields.boolean("draft"),
        prerelease=fields.boolean("prerelease"),
    )
    fields.done()
    release = create_release(ctx.state, ctx.require_repository(), new, author=bot_login(ctx.state))
    created = release_json(ctx.state, ctx.urls, release)
    return json_response(created, status=201, headers={"Location": created["url"]})


ROUTES: tuple[Route, ...] = (
    Route("GET", "/repos/{owner}/{repo}/releases", list_releases, permission=READ_CONTENTS),
    Route("POST", "/repos/{owner}/{repo}/releases", post_release, permission=WRITE_CONTENTS),
    Route(
        "GET", "/repos/{owner}/{repo}/releases/latest", get_latest_release, permission=READ_CONTENTS
    ),
    Route(
        "GET",
        "/repos/{owner}/{repo}/releases/tags/{tag:.+}",
        get_release_by_tag,
        permission=READ_CONTENTS,
    ),
)
