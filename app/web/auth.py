"""Login to the insights dashboard with GitHub: the GitHub App's user-to-server web flow.

``/login`` sends the browser to ``/login/oauth/authorize`` on the configured GitHub (GHES) host
with a random ``state`` that a short-lived, signed, HttpOnly cookie also holds; ``/oauth/callback``
checks it, exchanges the code for a user token (with GITHUB_CLIENT_ID / GITHUB_CLIENT_SECRET),
reads the user (``GET /user``) and the repositories both the user and the app can see
(``GET /user/installations`` and ``GET /user/installations/{id}/repositories``), and starts a
session: a row of ``web_sessions`` (shared by every replica) under an opaque random id, which an
HttpOnly, SameSite=Lax cookie holds. The user token is used for those reads only: it is neither
stored nor logged. ``/logout`` ends the session."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
from aiohttp import web

from app.settings import Settings
from app.store.db import Database
from app.store.web_sessions import (
    SESSION_TTL_SECONDS,
    WebSession,
    create_session,
    delete_session,
    find_session,
)

log = logging.getLogger(__name__)

SESSION_COOKIE = "paasbot_session"
STATE_COOKIE = "paasbot_login"
STATE_TTL_SECONDS = 600
CALLBACK_PATH = "/oauth/callback"
MAX_PAGES = 50  # 5000 installations or repositories per installation


@dataclass(frozen=True)
class LoginConfig:
    settings: Settings
    db: Database
    clock: Callable[[], float] = time.time

    @property
    def enabled(self) -> bool:
        return bool(self.settings.github_client_id and self.settings.github_client_secret)

    @property
    def web_origin(self) -> str:
        if self.settings.ghe_host is None:
            return "https://github.com"
        return f"{self.settings.ghe_protocol}://{self.settings.ghe_host}"


LOGIN = web.AppKey("insights_login", LoginConfig)


def add_login_routes(app: web.Application, config: LoginConfig) -> None:
    app[LOGIN] = config
    app.router.add_get("/login", login)
    app.router.add_get(CALLBACK_PATH, callback)
    # POST only: a link or an image elsewhere must not log anyone out.
    app.router.add_post("/logout", logout)


def safe_next(value: str | None) -> str:
    """A path on this server to return to after login (never another site). Browsers and
    aiohttp drop tabs and line breaks from a Location header (`/\t/evil.com` becomes
    `//evil.com`), so any whitespace or control character refuses the value too."""
    if not value or any(ch.isspace() or not ch.isprintable() for ch in value):
        return "/insights"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return "/insights"
    if "\\" in value:
        return "/insights"
    return value


# --- signed values (the login-state cookie) ----------------------------------------------------


def sign(secret: str, payload: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()
    mac = hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def unsign(secret: str, value: str | None) -> dict[str, Any] | None:
    if not value or "." not in value:
        return None
    body, _, mac = value.rpartition(".")
    expected = hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, expected):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body.encode()))
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


# --- pages ---------------------------------------------------------------------------------------


def page(
    status: int, title: str, message: str, *, link: tuple[str, str] | None = None
) -> web.Response:
    more = f'<p><a href="{html.escape(link[0])}">{html.escape(link[1])}</a></p>' if link else ""
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f"<title>{html.escape(title)} - paasbot</title>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>{more}</html>"
    )
    return web.Response(
        status=status,
        text=body,
        content_type="text/html",
        headers={"Content-Security-Policy": "default-src 'none'", "Cache-Control": "no-store"},
    )


def _callback_url(request: web.Request) -> str:
    public = request.app[LOGIN].settings.public_url
    if public is not None:
        return f"{public}{CALLBACK_PATH}"
    return f"{request.scheme}://{request.host}{CALLBACK_PATH}"


def _secure(request: web.Request) -> bool:
    """Whether cookies get the Secure flag: PUBLIC_URL says https, or the request came in so."""
    public = request.app[LOGIN].settings.public_url
    return public.startswith("https://") if public is not None else request.secure


async def login(request: web.Request) -> web.StreamResponse:
    config = request.app[LOGIN]
    if not config.enabled:
        return page(
            503,
            "Login is not configured",
            "Set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (the GitHub App's client id and "
            "secret) to log in to the dashboard.",
        )
    state = secrets.token_urlsafe(24)
    cookie = sign(
        config.settings.session_secret,
        {
            "state": state,
            "next": safe_next(request.query.get("next")),
            "expires": config.clock() + STATE_TTL_SECONDS,
        },
    )
    query = urlencode(
        {
            "client_id": config.settings.github_client_id or "",
            "redirect_uri": _callback_url(request),
            "state": state,
        }
    )
    response = web.HTTPFound(f"{config.web_origin}/login/oauth/authorize?{query}")
    response.set_cookie(
        STATE_COOKIE,
        cookie,
        max_age=STATE_TTL_SECONDS,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=_secure(request),
    )
    raise response


async def callback(request: web.Request) -> web.StreamResponse:
    config = request.app[LOGIN]
    if not config.enabled:
        return page(503, "Login is not configured", "GITHUB_CLIENT_ID is not set.")
    again = ("/login", "Log in again")
    started = unsign(config.settings.session_secret, request.cookies.get(STATE_COOKIE))
    given = request.query.get("state", "")
    if (
        started is None
        or float(started.get("expires", 0)) < config.clock()
        or not hmac.compare_digest(str(started.get("state", "")), given)
    ):
        return page(
            400,
            "Login failed",
            "This login did not start here or took too long (its state does not match).",
            link=again,
        )
    if "error" in request.query:
        return page(
            403,
            "Login refused",
            f"GitHub answered: {request.query.get('error_description') or request.query['error']}",
            link=again,
        )
    code = request.query.get("code", "")
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            token = await _exchange(config, http, code, _callback_url(request))
            if token is None:
                return page(
                    401,
                    "Login failed",
                    "GitHub did not accept the login code (it may have expired).",
                    link=again,
                )
            user, repositories = await _read_user(config, http, token)
    except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
        log.warning("login: GitHub could not be read (%s)", type(exc).__name__)
        return page(
            502, "Login failed", "GitHub could not be reached or answered oddly.", link=again
        )
    async with config.db.transaction() as conn:
        session_id = await create_session(conn, user, repositories, config.clock())
    log.info("dashboard login by %s (%d repositories)", user, len(repositories))
    response = web.HTTPFound(safe_next(str(started.get("next", ""))))
    response.del_cookie(STATE_COOKIE, path="/")
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=SESSION_TTL_SECONDS,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=_secure(request),
    )
    raise response


async def _exchange(
    config: LoginConfig, http: aiohttp.ClientSession, code: str, redirect_uri: str
) -> str | None:
    async with http.post(
        f"{config.web_origin}/login/oauth/access_token",
        data={
            "client_id": config.settings.github_client_id or "",
            "client_secret": config.settings.github_client_secret or "",
            "code": code,
            "redirect_uri": redirect_uri,
        },
        headers={"Accept": "application/json"},
    ) as response:
        body = await response.json(content_type=None)
    if response.status != 200 or not isinstance(body, dict) or "access_token" not in body:
        error = body.get("error") if isinstance(body, dict) else None
        log.warning("login: the code was refused (%s)", error or response.status)
        return None
    return str(body["access_token"])


async def _read_user(
    config: LoginConfig, http: aiohttp.ClientSession, token: str
) -> tuple[str, set[str]]:
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
    }
    api = config.settings.github_api_url
    async with http.get(f"{api}/user", headers=headers) as response:
        response.raise_for_status()
        login_name = str((await response.json())["login"])
    repositories: set[str] = set()
    installations = await _all_pages(http, f"{api}/user/installations", headers, "installations")
    for installation in installations:
        if installation.get("app_id") not in (None, config.settings.app_id):
            continue
        listed = await _all_pages(
            http,
            f"{api}/user/installations/{int(installation['id'])}/repositories",
            headers,
            "repositories",
        )
        repositories.update(str(r["full_name"]).lower() for r in listed)
    return login_name, repositories


async def _all_pages(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str], key: str
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    next_url: str | None = f"{url}?per_page=100"
    for _ in range(MAX_PAGES):
        if next_url is None:
            break
        async with http.get(next_url, headers=headers) as response:
            response.raise_for_status()
            body = await response.json()
            found.extend(body[key])
            link = response.links.get("next")
            next_url = str(link["url"]) if link else None
    return found


async def logout(request: web.Request) -> web.StreamResponse:
    config = request.app[LOGIN]
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        async with config.db.transaction() as conn:
            await delete_session(conn, session_id)
    response = page(200, "Logged out", "You are logged out.", link=("/login", "Log in"))
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


async def current_session(request: web.Request) -> WebSession | None:
    """The request's session (its cookie's, unexpired), or None."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    config = request.app[LOGIN]
    async with config.db.reader() as conn:
        return await find_session(conn, session_id, config.clock())
