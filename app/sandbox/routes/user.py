"""The authenticated user, with a GitHub App's user-to-server token (app/sandbox/oauth.py):
``GET /user``, the app's installations the user can reach, and their repositories the user can
see."""

from __future__ import annotations

from aiohttp import web

from app.sandbox.context import context
from app.sandbox.errors import json_response, not_found
from app.sandbox.oauth import UserToken, user_installations, user_repositories
from app.sandbox.ops.roles import ROLE_ORDER, repository_role
from app.sandbox.pagination import PageRequest
from app.sandbox.routing import Auth, Route
from app.sandbox.serializers import installation_json
from app.sandbox.serializers_people import public_user_json
from app.sandbox.serializers_repos import full_repository_json


def _token(request: web.Request) -> UserToken:
    token = context(request).user_token
    if token is None:
        raise RuntimeError("route is not authenticated with a user token")
    return token


async def get_authenticated_user(request: web.Request) -> web.Response:
    ctx = context(request)
    account = ctx.state.account(_token(request).login)
    return json_response(public_user_json(ctx.state, ctx.urls, account))


async def list_user_installations(request: web.Request) -> web.Response:
    ctx = context(request)
    found = user_installations(ctx.state, _token(request))
    page = PageRequest.from_query(request.query)
    link = page.link_header(request.url, len(found))
    body = {
        "total_count": len(found),
        "installations": [
            installation_json(ctx.state, ctx.urls, installation)
            for installation in page.slice(found)
        ],
    }
    return json_response(body, headers={"Link": link} if link else None)


async def list_user_installation_repositories(request: web.Request) -> web.Response:
    ctx = context(request)
    token = _token(request)
    installation = ctx.state.installations.get(int(request.match_info["installation_id"]))
    if installation is None or installation not in user_installations(ctx.state, token):
        raise not_found()
    found = user_repositories(ctx.state, token, installation)
    page = PageRequest.from_query(request.query)
    link = page.link_header(request.url, len(found))
    repositories = []
    for repository in page.slice(found):
        role = repository_role(ctx.state, repository, token.login)
        rank = ROLE_ORDER.index(role) if role in ROLE_ORDER else -1
        repositories.append(
            full_repository_json(ctx.state, ctx.urls, repository)
            | {
                "permissions": {
                    "admin": rank >= ROLE_ORDER.index("admin"),
                    "maintain": rank >= ROLE_ORDER.index("maintain"),
                    "push": rank >= ROLE_ORDER.index("write"),
                    "triage": rank >= ROLE_ORDER.index("triage"),
                    "pull": rank >= ROLE_ORDER.index("read"),
                }
            }
        )
    body = {
        "total_count": len(found),
        "repository_selection": installation.repository_selection,
        "repositories": repositories,
    }
    return json_response(body, headers={"Link": link} if link else None)


ROUTES: tuple[Route, ...] = (
    Route("GET", "/user", get_authenticated_user, auth=Auth.USER),
    Route("GET", "/user/installations", list_user_installations, auth=Auth.USER),
    Route(
        "GET",
        r"/user/installations/{installation_id:\d+}/repositories",
        list_user_installation_repositories,
        auth=Auth.USER,
    ),
)
