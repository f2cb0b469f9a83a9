"""Users, and a user's permission on a repository."""

from __future__ import annotations

from aiohttp import web

from app.sandbox.context import RequestContext, context
from app.sandbox.errors import json_response, not_found
from app.sandbox.models import Account
from app.sandbox.ops.roles import repository_role
from app.sandbox.routing import Permission, Route
from app.sandbox.serializers_people import collaborator_permission_json, public_user_json

READ_METADATA = Permission("metadata", "read")


def _account(ctx: RequestContext, login: str) -> Account:
    account = ctx.state.accounts.get(login.lower())
    if account is None:
        raise not_found()
    return account


async def get_user(request: web.Request) -> web.Response:
    ctx = context(request)
    account = _account(ctx, request.match_info["username"])
    return json_response(public_user_json(ctx.state, ctx.urls, account))


async def get_collaborator_permission(request: web.Request) -> web.Response:
    ctx = context(request)
    account = _account(ctx, request.match_info["username"])
    role = repository_role(ctx.state, ctx.require_repository(), account.login)
    return json_response(collaborator_permission_json(ctx.urls, account, role))


ROUTES: tuple[Route, ...] = (
    Route("GET", "/users/{username}", get_user),
    Route(
        "GET",
        "/repos/{owner}/{repo}/collaborators/{username}/permission",
        get_collaborator_permission,
        permission=READ_METADATA,
    ),
)
