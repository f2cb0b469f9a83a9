"""Primary rate-limit headers and the error GitHub sends once an installation's budget is gone."""

from __future__ import annotations

from aiohttp import web

from app.sandbox.errors import ApiError
from app.sandbox.models import RateBudget


def rate_limit_headers(budget: RateBudget) -> dict[str, str]:
    return {
        "x-ratelimit-limit": str(budget.limit),
        "x-ratelimit-remaining": str(budget.remaining),
        "x-ratelimit-reset": str(budget.reset_at),
        "x-ratelimit-used": str(budget.used),
        "x-ratelimit-resource": "core",
    }


def add_rate_limit_headers(response: web.StreamResponse, budget: RateBudget) -> None:
    response.headers.update(rate_limit_headers(budget))


def rate_limit_exceeded(installation_id: int) -> ApiError:
    return ApiError(403, f"API rate limit exceeded for installation ID {installation_id}.")
