"""The request pipeline: recording, fault injection, primary rate limits and conditional GETs."""

from __future__ import annotations

import asyncio
import uuid
from http import HTTPStatus

from aiohttp import hdrs, web

from app.sandbox.conditional import apply_conditional
from app.sandbox.context import CONTEXT_KEY, STATE_KEY, RequestContext, Urls, api_path
from app.sandbox.errors import ApiError, from_http_exception
from app.sandbox.faults import SECONDARY_RATE_LIMIT_MESSAGE, Fault
from app.sandbox.ratelimit import add_rate_limit_headers, rate_limit_exceeded
from app.sandbox.routing import Handler
from app.sandbox.security import find_grant, parse_authorization
from app.sandbox.views import is_view_request

ENTERPRISE_VERSION = "3.19.0"
API_VERSION = "2022-11-28"
DISCONNECT_POLL_SECONDS = 0.02
CLIENT_CLOSED_REQUEST = 499


@web.middleware
async def simulator_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if is_view_request(request):  # the HTML view is not API traffic: not recorded, no faults
        return await handler(request)
    ctx = _start(request)
    request[CONTEXT_KEY] = ctx
    try:
        response = await _respond(request, handler, ctx)
    except asyncio.CancelledError:
        ctx.record.status = CLIENT_CLOSED_REQUEST
        raise
    except Exception:
        ctx.record.status = HTTPStatus.INTERNAL_SERVER_ERROR
        raise
    if response is None:
        response = web.Response(status=CLIENT_CLOSED_REQUEST)
    ctx.record.status = response.status
    _add_github_headers(response)
    return response


def _start(request: web.Request) -> RequestContext:
    state = request.app[STATE_KEY]
    credentials = parse_authorization(request.headers.get(hdrs.AUTHORIZATION))
    grant = find_grant(state, credentials)
    record = state.record_request(
        request.method,
        api_path(request.path),
        request.query,
        if_none_match=hdrs.IF_NONE_MATCH in request.headers,
    )
    record.installation_id = None if grant is None else grant.installation_id
    return RequestContext(
        state=state,
        urls=Urls(origin=str(request.url.origin())),
        record=record,
        credentials=credentials,
        grant=grant,
    )


async def _respond(
    request: web.Request, handler: Handler, ctx: RequestContext
) -> web.StreamResponse | None:
    fault = ctx.state.faults.draw(request.method, ctx.record.path)
    if fault is None:
        return await _serve(request, handler, ctx)
    ctx.record.fault = fault.kind
    if fault.after:
        await _serve(request, handler, ctx)
        return _with_rate_limit_headers(ctx, fault_response(fault))
    if fault.kind != "timeout":
        return _with_rate_limit_headers(ctx, fault_response(fault))
    if not await _stall(request, fault.seconds):
        return None
    return await _serve(request, handler, ctx)


async def _serve(request: web.Request, handler: Handler, ctx: RequestContext) -> web.StreamResponse:
    """A 304 answer is not charged against the installation's primary rate limit."""
    if ctx.grant is None:
        return apply_conditional(request, await _call(request, handler))
    budget = ctx.state.rate_budget(ctx.grant.installation_id)
    if budget.remaining <= 0:
        response = rate_limit_exceeded(ctx.grant.installation_id).to_response()
    else:
        response = apply_conditional(request, await _call(request, handler))
        if response.status != HTTPStatus.NOT_MODIFIED:
            budget.consume()
            ctx.record.counted = True
    add_rate_limit_headers(response, budget)
    return response


async def _call(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as error:
        return error.to_response()
    except web.HTTPException as exc:
        return from_http_exception(exc)


def _with_rate_limit_headers(ctx: RequestContext, response: web.Response) -> web.Response:
    if ctx.grant is not None:
        add_rate_limit_headers(response, ctx.state.rate_budget(ctx.grant.installation_id))
    return response


def fault_response(fault: Fault) -> web.Response:
    if fault.kind == "secondary_rate_limit":
        headers = {"retry-after": str(fault.retry_after)}
        return ApiError(403, SECONDARY_RATE_LIMIT_MESSAGE, headers=headers).to_response()
    return ApiError(fault.status, HTTPStatus(fault.status).phrase).to_response()


async def _stall(request: web.Request, seconds: float) -> bool:
    """Wait like a stuck backend would; False when the client hung up in the meantime.

    Servers started with ``handler_cancellation=True`` (aiohttp's TestServer) cancel the handler
    instead, which the middleware records the same way.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (remaining := deadline - loop.time()) > 0:
        await asyncio.sleep(min(DISCONNECT_POLL_SECONDS, remaining))
        if _client_gone(request):
            return False
    return not _client_gone(request)


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _add_github_headers(response: web.StreamResponse) -> None:
    response.headers.setdefault("X-GitHub-Media-Type", "github.v3; format=json")
    response.headers.setdefault("X-GitHub-Api-Version-Selected", API_VERSION)
    response.headers.setdefault("X-GitHub-Enterprise-Version", ENTERPRISE_VERSION)
    response.headers.setdefault("X-GitHub-Request-Id", uuid.uuid4().hex.upper()[:20])
