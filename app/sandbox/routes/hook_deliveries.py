"""The app webhook's deliveries (app JWT): `GET /app/hook/deliveries`, newest first with cursor
pagination, and `POST /app/hook/deliveries/{delivery_id}/attempts`, GitHub's "Redeliver".

A cursor names the first attempt of a page (`v1_<id>`); the `Link` header carries the next
page's. `status=success` keeps status codes 200-399, `failure` 400-599: as GitHub documents it,
an attempt that got no answer (status code 0) is in neither.
"""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from app.sandbox.context import context
from app.sandbox.errors import ApiError, json_response, not_found
from app.sandbox.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE
from app.sandbox.routing import Auth, Route
from app.sandbox.serializers_hooks import hook_delivery_item_json
from app.sandbox.webhooks.dispatcher import WEBHOOK_KEY, Delivery, WebhookDispatcher

CURSOR_PREFIX = "v1_"
STATUS_RANGES = {"success": range(200, 400), "failure": range(400, 600)}


async def list_deliveries(request: web.Request) -> web.Response:
    app_id = context(request).require_app_id()
    dispatcher = _dispatcher(request)
    attempts = [] if dispatcher is None else dispatcher.attempts_for_app(app_id)
    wanted = request.query.get("status")
    if wanted is not None:
        if wanted not in STATUS_RANGES:
            raise ApiError(400, "Invalid status")
        attempts = [a for a in attempts if (a.status or 0) in STATUS_RANGES[wanted]]
    per_page = _per_page(request.query.get("per_page"))
    start = _cursor(request.query.get("cursor"))
    if start is not None:
        attempts = [a for a in attempts if a.attempt_id <= start]
    page, rest = attempts[:per_page], attempts[per_page:]
    headers = {"Link": _next_link(request.url, rest[0], per_page)} if rest else None
    return json_response([hook_delivery_item_json(a) for a in page], headers=headers)


async def redeliver(request: web.Request) -> web.Response:
    app_id = context(request).require_app_id()
    dispatcher = _dispatcher(request)
    try:
        attempt_id = int(request.match_info["delivery_id"])
        attempt = None if dispatcher is None else dispatcher.find_attempt(attempt_id)
    except (KeyError, ValueError):
        attempt = None
    if dispatcher is None or attempt is None or dispatcher.app_id_of(attempt) != app_id:
        raise not_found()
    dispatcher.redeliver(attempt.id)
    return json_response({}, status=202)


def _dispatcher(request: web.Request) -> WebhookDispatcher | None:
    return request.app.get(WEBHOOK_KEY)


def _per_page(raw: str | None) -> int:
    try:
        value = int(raw) if raw is not None else DEFAULT_PER_PAGE
    except ValueError:
        return DEFAULT_PER_PAGE
    return min(value, MAX_PER_PAGE) if value > 0 else DEFAULT_PER_PAGE


def _cursor(raw: str | None) -> int | None:
    if raw is None:
        return None
    number = raw.removeprefix(CURSOR_PREFIX)
    if not raw.startswith(CURSOR_PREFIX) or not number.isdigit():
        raise ApiError(400, "Invalid cursor")
    return int(number)


def _next_link(url: URL, first_of_next: Delivery, per_page: int) -> str:
    target = url.update_query(
        per_page=per_page, cursor=f"{CURSOR_PREFIX}{first_of_next.attempt_id}"
    )
    return f'<{target}>; rel="next"'


ROUTES: tuple[Route, ...] = (
    Route("GET", "/app/hook/deliveries", list_deliveries, auth=Auth.APP),
    Route("POST", "/app/hook/deliveries/{delivery_id}/attempts", redeliver, auth=Auth.APP),
)
