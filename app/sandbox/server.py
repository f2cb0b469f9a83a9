"""The aiohttp application serving the simulated REST API under ``/api/v3`` and its GraphQL API at
``/api/graphql``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.typedefs import Middleware

from app.sandbox.context import API_PREFIX, STATE_KEY
from app.sandbox.graphql_routes import GRAPHQL_PATH, add_graphql_routes
from app.sandbox.manifest_routes import add_manifest_routes
from app.sandbox.middleware import simulator_middleware
from app.sandbox.oauth_routes import add_oauth_routes
from app.sandbox.oidc import ActionsOidc
from app.sandbox.oidc_routes import add_oidc_routes
from app.sandbox.routes import ROUTES
from app.sandbox.routing import Handler, guarded
from app.sandbox.state import SimulatedGitHub
from app.sandbox.views import add_view_routes
from app.sandbox.webhooks.dispatcher import WEBHOOK_KEY

if TYPE_CHECKING:
    from app.sandbox.conformance import ConformanceChecker
    from app.sandbox.webhooks import WebhookDispatcher


def create_simulator_app(
    state: SimulatedGitHub,
    *,
    conformance: ConformanceChecker | None = None,
    webhook: WebhookDispatcher | None = None,
    oidc: ActionsOidc | None = None,
) -> web.Application:
    """With ``conformance``, every request and response is checked against GitHub's OpenAPI
    description (outermost, so that faults, rate limits and 304s are seen as sent). With
    ``webhook``, the dispatcher delivers the state's events while the application runs. The
    Actions OIDC provider is ``oidc``, else a new one (``app[OIDC_KEY]``)."""
    middlewares = [simulator_middleware]
    if conformance is not None:
        middlewares.insert(0, _rest_only(conformance.middleware()))
    app = web.Application(middlewares=middlewares)
    app[STATE_KEY] = state
    for route in ROUTES:
        app.router.add_route(route.method, API_PREFIX + route.path, guarded(route))
    add_graphql_routes(app)
    add_oidc_routes(app, oidc or ActionsOidc(state))
    add_manifest_routes(app)
    add_oauth_routes(app)
    add_view_routes(app)
    if webhook is not None:
        app[WEBHOOK_KEY] = webhook
        app.cleanup_ctx.append(_webhook_lifecycle(webhook))
    return app


def _rest_only(middleware: Middleware) -> Middleware:
    """GitHub's OpenAPI description covers the REST API only, not GraphQL."""

    @web.middleware
    async def rest_only(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == GRAPHQL_PATH:
            return await handler(request)
        return await middleware(request, handler)

    return rest_only


def _webhook_lifecycle(
    dispatcher: WebhookDispatcher,
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        dispatcher.attach()
        await dispatcher.start()
        yield
        dispatcher.detach()
        await dispatcher.stop()

    return lifecycle
