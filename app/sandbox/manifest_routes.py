"""The web side of the app-manifest flow: the "Create GitHub App" form posts of GitHub's UI.

``POST /settings/apps/new`` registers the app for the signed-in user (``state.web_user``),
``POST /organizations/{org}/settings/apps/new`` for the organisation; the simulated user confirms
at once, and the answer is GitHub's 302 to the manifest's ``redirect_url`` with ``code`` and
``state``. A manifest GitHub would refuse gets a 422 page saying why. Like the HTML view, these
are not REST API traffic: no request log, faults, rate limits or conformance checks.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiohttp import web

from app.sandbox.apps import ManifestError, parse_manifest, register_from_manifest
from app.sandbox.context import STATE_KEY
from app.sandbox.models import AccountType
from app.sandbox.views import ROUTE_NAME_PREFIX


def add_manifest_routes(app: web.Application) -> None:
    app.router.add_post(
        "/settings/apps/new", new_user_app, name=f"{ROUTE_NAME_PREFIX}.app-manifest"
    )
    app.router.add_post(
        "/organizations/{org}/settings/apps/new",
        new_org_app,
        name=f"{ROUTE_NAME_PREFIX}.org-app-manifest",
    )


async def new_user_app(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    return await _register(request, owner=state.web_user, owner_type="User")


async def new_org_app(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    org = state.accounts.get(request.match_info["org"].lower())
    if org is None or org.type != "Organization":
        return _page(404, f"No organization {request.match_info['org']!r}")
    return await _register(request, owner=org.login, owner_type="Organization")


async def _register(request: web.Request, *, owner: str, owner_type: AccountType) -> web.Response:
    state = request.app[STATE_KEY]
    form = await request.post()
    manifest_text = form.get("manifest")
    caller_state = form.get("state") or request.query.get("state")
    try:
        manifest = parse_manifest(manifest_text if isinstance(manifest_text, str) else None)
        redirect_url = manifest.get("redirect_url")
        if not isinstance(redirect_url, str) or urlsplit(redirect_url).scheme not in (
            "http",
            "https",
        ):
            raise ManifestError("The manifest's redirect_url must be an http(s) URL")
        _app, code = register_from_manifest(state, manifest, owner=owner, owner_type=owner_type)
    except ManifestError as exc:
        return _page(422, str(exc))
    params = {"code": code.code}
    if isinstance(caller_state, str):
        params["state"] = caller_state
    raise web.HTTPFound(_with_query(redirect_url, params))


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _page(status: int, message: str) -> web.Response:
    body = (
        "<!doctype html><title>Create GitHub App</title>"
        f"<h1>The app cannot be registered</h1><p>{html.escape(message)}</p>"
    )
    return web.Response(status=status, text=body, content_type="text/html")
