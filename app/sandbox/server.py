"""The aiohttp application serving the simulated REST API under ``/api/v3``."""

from __future__ import annotations

from aiohttp import web

from app.sandbox.context import API_PREFIX, STATE_KEY
from app.sandbox.middleware import simulator_middleware
from app.sandbox.routes import ROUTES
from app.sandbox.routing import guarded
from app.sandbox.state import SimulatedGitHub


def create_simulator_app(state: SimulatedGitHub) -> web.Application:
    app = web.Application(middlewares=[simulator_middleware])
    app[STATE_KEY] = state
    for route in ROUTES:
        app.router.add_route(route.method, API_PREFIX + route.path, guarded(route))
    return app
