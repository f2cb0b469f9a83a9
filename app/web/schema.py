"""GET /schema/paasbot.json: the JSON Schema of `.paasbot.yml`, for editors (e.g. the YAML
language server's `# yaml-language-server: $schema=<url>`). It changes only with a release, so
clients may cache it and revalidate with its ETag."""

from __future__ import annotations

import hashlib
from functools import cache

from aiohttp import web

from app.config.schema import json_schema_text

SCHEMA_PATH = "/schema/paasbot.json"
CACHE_CONTROL = "public, max-age=3600"


@cache
def _schema() -> tuple[bytes, str]:
    body = json_schema_text().encode()
    return body, f'"{hashlib.sha256(body).hexdigest()[:32]}"'


async def paasbot_schema(request: web.Request) -> web.Response:
    body, etag = _schema()
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag, "Access-Control-Allow-Origin": "*"}
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, content_type="application/json", headers=headers)
