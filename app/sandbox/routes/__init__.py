"""Route tables of the simulator, one module per area of the REST API."""

from __future__ import annotations

from app.sandbox.routes import auth, checks, pulls
from app.sandbox.routing import Route

ROUTES: tuple[Route, ...] = (*auth.ROUTES, *pulls.ROUTES, *checks.ROUTES)

__all__ = ["ROUTES"]
