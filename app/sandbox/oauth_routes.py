"""The web side of user-to-server tokens: ``GET /login/oauth/authorize`` (the signed-in user
authorises the app at once) and ``POST /login/oauth/access_token`` (the code for a token). Like
the HTML view and the manifest form, these are not REST API traffic (GitHub serves them at the
origin, not under /api/v3): no request log, faults, rate limits or conformance checks."""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiohttp import web

from app.sandbox.context import STATE_KEY
from app.sandbox.oauth import (
    REFRESH_TOKEN_TTL_SECONDS,
    USER_TOKEN_TTL_SECONDS,
    OAuthError,
    app_for_client_id,
    authorize,
    exchange_code,
)
from app.sandbox.views import ROUTE_NAME_PREFIX

ERROR_URI = (
    "https://docs.github.com/apps/managing-oauth-apps/"
    "troubleshooting-oauth-app-access-token-request-errors/"
)


def add_oauth_routes(app: web.Application) -> None:
    app.router.add_get(
        "/login/oauth/authorize", authorize_page, name=f"{ROUTE_NAME_PREFIX}.oauth-authorize"
    )
    app.router.add_post(
        "/login/oauth/access_token", access_token, name=f"{ROUTE_NAME_PREFIX}.oauth-access-token"
    )


async def authorize_page(request: web.Request) -> web.Response:
    """The user (``login`` when the request suggests one, else ``state.web_user``) authorises the
    app at once: 302 to ``redirect_uri`` with ``code`` and the caller's ``state``."""
    state = request.app[STATE_KEY]
    query = request.query
    app_id = app_for_client_id(state, query.get("client_id"))
    if app_id is None:
        return _page(404, "No GitHub App has this client_id")
    redirect_uri = query.get("redirect_uri", "")
    if urlsplit(redirect_uri).scheme not in ("http", "https"):
        return _page(
            400, "The redirect_uri MUST match the registered callback URL for this application."
        )
    login = query.get("login", "").strip() or state.web_user
    code = authorize(state, app_id, login, redirect_uri)
    params = {"code": code.code}
    if "state" in query:
        params["state"] = query["state"]
    raise web.HTTPFound(_with_query(redirect_uri, params))


async def access_token(request: web.Request) -> web.Response:
    """A user token for the code; errors with status 200, as GitHub answers them. JSON when the
    Accept header asks for it, else form-encoded."""
    fields = await _fields(request)
    try:
        token = exchange_code(
            request.app[STATE_KEY],
            client_id=fields.get("client_id"),
            client_secret=fields.get("client_secret"),
            code=fields.get("code"),
            redirect_uri=fields.get("redirect_uri"),
        )
    except OAuthError as exc:
        body: dict[str, Any] = {
            "error": exc.error,
            "error_description": exc.description,
            "error_uri": ERROR_URI,
        }
        return _answer(request, body)
    return _answer(
        request,
        {
            "access_token": token.token,
            "expires_in": USER_TOKEN_TTL_SECONDS,
            "refresh_token": token.refresh_token,
            "refresh_token_expires_in": REFRESH_TOKEN_TTL_SECONDS,
            "scope": "",
            "token_type": "bearer",
        },
    )


async def _fields(request: web.Request) -> dict[str, str]:
    """The parameters, from the query string, a form body or a JSON body."""
    fields = {key: value for key, value in request.query.items()}
    if request.content_type == "application/json":
        try:
            body = json.loads(await request.read() or b"{}")
        except ValueError:
            body = {}
        if isinstance(body, dict):
            fields.update({str(k): str(v) for k, v in body.items() if v is not None})
    else:
        form = await request.post()
        fields.update({key: value for key, value in form.items() if isinstance(value, str)})
    return fields


def _answer(request: web.Request, body: dict[str, Any]) -> web.Response:
    accept = request.headers.get("Accept", "")
    if "json" in accept:
        return web.json_response(body)
    return web.Response(
        text=urlencode({key: str(value) for key, value in body.items()}),
        content_type="application/x-www-form-urlencoded",
    )


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _page(status: int, message: str) -> web.Response:
    body = (
        "<!doctype html><title>Authorize application</title>"
        f"<h1>The application cannot be authorized</h1><p>{html.escape(message)}</p>"
    )
    return web.Response(status=status, text=body, content_type="text/html")
