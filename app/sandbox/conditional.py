"""Strong ETags on successful GETs and ``304 Not Modified`` answers to ``If-None-Match``."""

from __future__ import annotations

import hashlib

from aiohttp import hdrs, web

CACHE_CONTROL = "private, max-age=60, s-maxage=60"
VARY = "Accept, Authorization, Cookie, X-GitHub-OTP"
NOT_MODIFIED_HEADERS = (hdrs.ETAG, hdrs.CACHE_CONTROL, hdrs.VARY, hdrs.LINK)


def strong_etag(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()}"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match uses weak comparison, so a ``W/`` prefix still matches."""
    candidates = (candidate.strip() for candidate in if_none_match.split(","))
    return any(candidate in ("*", etag) or candidate == f"W/{etag}" for candidate in candidates)


def apply_conditional(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    if request.method != hdrs.METH_GET or response.status != 200:
        return response
    if not isinstance(response, web.Response) or not isinstance(response.body, bytes):
        return response
    etag = strong_etag(response.body)
    response.headers[hdrs.ETAG] = etag
    response.headers[hdrs.CACHE_CONTROL] = CACHE_CONTROL
    response.headers[hdrs.VARY] = VARY
    if_none_match = request.headers.get(hdrs.IF_NONE_MATCH)
    if if_none_match is None or not etag_matches(if_none_match, etag):
        return response
    kept = {
        name: response.headers[name] for name in NOT_MODIFIED_HEADERS if name in response.headers
    }
    return web.Response(status=304, headers=kept)
