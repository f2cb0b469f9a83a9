"""API calls grouped by endpoint: a recorded request's method and path with the repository, SHAs,
numbers, branch, file path and compared refs replaced by placeholders."""

from __future__ import annotations

import re

_PLACEHOLDERS = (
    (re.compile(r"/repos/acme/[^/]+"), "/repos/{repo}"),
    (re.compile(r"/[0-9a-f]{40}"), "/{sha}"),
    (re.compile(r"/\d+(?=/|$)"), "/{n}"),
    (re.compile(r"/heads/.+$"), "/heads/{branch}"),
    (re.compile(r"/contents/.+$"), "/contents/{path}"),
    (re.compile(r"/compare/.+$"), "/compare/{base}...{head}"),
)


def endpoint_kind(method: str, path: str) -> str:
    """`GET /repos/acme/shop/pulls/12` -> `GET /repos/{repo}/pulls/{n}`."""
    for pattern, placeholder in _PLACEHOLDERS:
        path = pattern.sub(placeholder, path)
    return f"{method} {path}"
