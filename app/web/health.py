"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from app.store.db import Database

log = logging.getLogger(__name__)
DATABASE = web.AppKey("database", Database)


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    try:
        async with asyncio.timeout(2.0):
            await request.app[DATABASE].ping()
    except Exception as exc:
        log.warning("database not reachable", extra={"fields": {"error": type(exc).__name__}})
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})
