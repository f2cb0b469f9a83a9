"""The app itself (``GET /app``, JWT) and the app-manifest conversion (no authentication)."""

from __future__ import annotations

from aiohttp import web

from app.sandbox.apps import RegisteredApp, convert_manifest_code
from app.sandbox.context import Urls, context
from app.sandbox.errors import json_response, not_found
from app.sandbox.routing import Auth, Route
from app.sandbox.serializers import Json, account_json, app_json, legacy_node_id
from app.sandbox.state import SimulatedGitHub
from app.sandbox.timefmt import iso8601


async def get_app(request: web.Request) -> web.Response:
    ctx = context(request)
    app_id = ctx.require_app_id()
    registered = ctx.state.apps.get(app_id)
    body = (
        app_json(ctx.state, ctx.urls)
        if registered is None
        else registered_app_json(ctx.state, ctx.urls, registered)
    )
    count = sum(
        1
        for installation in ctx.state.installations.values()
        if ctx.state.installation_app_id(installation) == app_id
    )
    return json_response(body | {"installations_count": count})


async def convert_manifest(request: web.Request) -> web.Response:
    """201 with the app and its secrets, once per code; 404 for unknown, used or expired codes."""
    ctx = context(request)
    app = convert_manifest_code(ctx.state, request.match_info["code"])
    if app is None:
        raise not_found()
    body = registered_app_json(ctx.state, ctx.urls, app) | {
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "webhook_secret": app.webhook_secret,
        "pem": app.pem,
    }
    return json_response(body, status=201)


def registered_app_json(state: SimulatedGitHub, urls: Urls, app: RegisteredApp) -> Json:
    return {
        "id": app.id,
        "slug": app.slug,
        "node_id": legacy_node_id("Integration", app.id),
        "client_id": app.client_id,
        "owner": account_json(urls, state.account(app.owner)),
        "name": app.name,
        "description": app.description,
        "external_url": app.url,
        "html_url": registered_app_html_url(urls, app),
        "created_at": iso8601(app.created_at),
        "updated_at": iso8601(app.created_at),
        "permissions": dict(app.permissions),
        "events": list(app.events),
    }


def registered_app_html_url(urls: Urls, app: RegisteredApp) -> str:
    """Where GitHub Enterprise Server shows the app; ``/installations/new`` below it installs it."""
    return urls.html(f"/github-apps/{app.slug}")


ROUTES: tuple[Route, ...] = (
    Route("GET", "/app", get_app, auth=Auth.APP),
    Route("POST", "/app-manifests/{code}/conversions", convert_manifest, auth=Auth.NONE),
)
