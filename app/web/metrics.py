"""GET /metrics: the app's Prometheus metrics, optionally behind a bearer token (METRICS_TOKEN).

Without the token the endpoint is open, as Prometheus endpoints usually are: anyone who can reach
the port sees event and endpoint names, call counts, queue depth and installation ids (no
repository names, no payloads). Set METRICS_TOKEN when the port is reachable from outside the
cluster's monitoring network."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from aiohttp import web
from prometheus_client.exposition import choose_encoder

from app.metrics import Metrics

METRICS_PATH = "/metrics"


@dataclass(frozen=True)
class MetricsEndpoint:
    metrics: Metrics
    token: str | None = None


METRICS_ENDPOINT = web.AppKey("metrics_endpoint", MetricsEndpoint)


async def metrics_page(request: web.Request) -> web.Response:
    endpoint = request.app[METRICS_ENDPOINT]
    if endpoint.token is not None and not _bearer_matches(request, endpoint.token):
        return web.json_response(
            {"error": "a bearer token (METRICS_TOKEN) is required"},
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    await endpoint.metrics.refresh()
    # Prometheus' text format 0.0.4 unless the scraper asks for OpenMetrics.
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    body = encode(endpoint.metrics.registry)
    return web.Response(body=body, headers={"Content-Type": content_type})


def _bearer_matches(request: web.Request, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def add_metrics_route(app: web.Application, endpoint: MetricsEndpoint) -> None:
    app[METRICS_ENDPOINT] = endpoint
    app.router.add_get(METRICS_PATH, metrics_page)
