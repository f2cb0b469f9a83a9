"""Git references: listing, reading, creating, moving and deleting branches and tags."""

from __future__ import annotations

from aiohttp import web

from app.sandbox.context import context
from app.sandbox.errors import ApiError, json_response, not_found, read_json_object
from app.sandbox.ops.access import bot_login
from app.sandbox.ops.refs import (
    DOES_NOT_EXIST,
    RefName,
    all_refs,
    create_ref,
    delete_ref,
    parse_full_ref,
    parse_ref,
    read_ref,
    update_ref,
)
from app.sandbox.pagination import paginate
from app.sandbox.routes.inputs import optional, required
from app.sandbox.routing import Permission, Route
from app.sandbox.serializers_git import git_ref_json

READ_CONTENTS = Permission("contents", "read")
WRITE_CONTENTS = Permission("contents", "write")


async def list_refs(request: web.Request) -> web.Response:
    """The legacy listing of every reference, still served by GitHub (the OpenAPI description
    only keeps ``matching-refs``)."""
    ctx = context(request)
    repository = ctx.require_repository()
    page, headers = paginate(all_refs(repository), request.query, request.url)
    body = [git_ref_json(ctx.urls, repository, ref, sha) for ref, sha in page]
    return json_response(body, headers=headers)


async def get_ref(request: web.Request) -> web.Response:
    ctx = context(request)
    repository = ctx.require_repository()
    ref = parse_ref(request.match_info["ref"])
    sha = None if ref is None else read_ref(repository, ref)
    if ref is None or sha is None:
        raise not_found()
    return json_response(git_ref_json(ctx.urls, repository, ref, sha))


async def list_matching_refs(request: web.Request) -> web.Response:
    """References whose full name starts with ``refs/<ref>``, as plain text: ``heads/feat``
    matches ``heads/feature`` too."""
    ctx = context(request)
    repository = ctx.require_repository()
    prefix = "refs/" + request.match_info["ref"]
    body = [
        git_ref_json(ctx.urls, repository, ref, sha)
        for ref, sha in all_refs(repository)
        if ref.full.startswith(prefix)
    ]
    return json_response(body)


async def post_ref(request: web.Request) -> web.Response:
    ctx = context(request)
    repository = ctx.require_repository()
    body = await read_json_object(request)
    name, sha = required(body, "ref", str), required(body, "sha", str)
    ref = parse_full_ref(name)
    create_ref(ctx.state, repository, ref, sha, sender=bot_login(ctx.state))
    created = git_ref_json(ctx.urls, repository, ref, sha)
    return json_response(created, status=201, headers={"Location": created["url"]})


async def patch_ref(request: web.Request) -> web.Response:
    ctx = context(request)
    repository = ctx.require_repository()
    body = await read_json_object(request)
    sha = required(body, "sha", str)
    force = optional(body, "force", bool) or False
    ref = _named_ref(request)
    update_ref(ctx.state, repository, ref, sha, force=force, sender=bot_login(ctx.state))
    return json_response(git_ref_json(ctx.urls, repository, ref, sha))


async def remove_ref(request: web.Request) -> web.Response:
    ctx = context(request)
    delete_ref(
        ctx.state, ctx.require_repository(), _named_ref(request), sender=bot_login(ctx.state)
    )
    return web.Response(status=204)


def _named_ref(request: web.Request) -> RefName:
    ref = parse_ref(request.match_info["ref"])
    if ref is None:
        raise ApiError(422, DOES_NOT_EXIST)
    return ref


ROUTES: tuple[Route, ...] = (
    Route("GET", "/repos/{owner}/{repo}/git/refs", list_refs, permission=READ_CONTENTS),
    Route("POST", "/repos/{owner}/{repo}/git/refs", post_ref, permission=WRITE_CONTENTS),
    Route("GET", "/repos/{owner}/{repo}/git/ref/{ref:.+}", get_ref, permission=READ_CONTENTS),
    Route(
        "GET",
        "/repos/{owner}/{repo}/git/matching-refs/{ref:.*}",
        list_matching_refs,
        permission=READ_CONTENTS,
    ),
    Route("PATCH", "/repos/{owner}/{repo}/git/refs/{ref:.+}", patch_ref, permission=WRITE_CONTENTS),
    Route(
        "DELETE", "/repos/{owner}/{repo}/git/refs/{ref:.+}", remove_ref, permission=WRITE_CONTENTS
    ),
)
