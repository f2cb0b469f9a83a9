"""Reactions to issue comments: list, create (201, or 200 for a reaction the user had already
given) and delete."""

from __future__ import annotations

from aiohttp import web

from app.sandbox.context import context
from app.sandbox.errors import json_response, read_json_object
from app.sandbox.ops.access import bot_login
from app.sandbox.ops.issues import find_comment
from app.sandbox.ops.reactions import RESOURCE, react, remove_reaction
from app.sandbox.pagination import paginate
from app.sandbox.routes.body_fields import BodyReader
from app.sandbox.routes.issues import COMMENT, READ_ISSUES, WRITE_ISSUES
from app.sandbox.routing import Route
from app.sandbox.serializers_reactions import reaction_json


def _comment_id(request: web.Request) -> int:
    return int(request.match_info["comment_id"])


async def list_reactions(request: web.Request) -> web.Response:
    ctx = context(request)
    repo = ctx.require_repository().full_name
    comment_id = find_comment(ctx.state, repo, _comment_id(request)).id
    content = request.query.get("content")
    found = [
        reaction
        for reaction in ctx.state.reactions_of(repo, comment_id)
        if content is None or reaction.content == content
    ]
    page, headers = paginate(found, request.query, request.url)
    body = [reaction_json(ctx.state, ctx.urls, reaction) for reaction in page]
    return json_response(body, headers=headers)


async def create_reaction(request: web.Request) -> web.Response:
    ctx = context(request)
    repo = ctx.require_repository().full_name
    comment_id = find_comment(ctx.state, repo, _comment_id(request)).id
    reader = BodyReader(await read_json_object(request), RESOURCE)
    content = reader.required("content")
    reader.done()
    reaction, created = react(ctx.state, repo, comment_id, bot_login(ctx.state), content)
    body = reaction_json(ctx.state, ctx.urls, reaction)
    return json_response(body, status=201 if created else 200)


async def delete_reaction(request: web.Request) -> web.Response:
    ctx = context(request)
    repo = ctx.require_repository().full_name
    reaction_id = int(request.match_info["reaction_id"])
    remove_reaction(ctx.state, repo, _comment_id(request), reaction_id)
    return web.Response(status=204)


REACTIONS = f"{COMMENT}/reactions"

ROUTES: tuple[Route, ...] = (
    Route("GET", REACTIONS, list_reactions, permission=READ_ISSUES),
    Route("POST", REACTIONS, create_reaction, permission=WRITE_ISSUES),
    Route("DELETE", rf"{REACTIONS}/{{reaction_id:\d+}}", delete_reaction, permission=WRITE_ISSUES),
)
