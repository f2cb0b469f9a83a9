"""Counting GitHub API calls per installation, endpoint and subject."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

CURRENT_SUBJECT: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "paasbot_subject", default=None
)

# The calls made by the evaluation in progress (the worker sets a fresh one per evaluation).
CALL_TALLY: contextvars.ContextVar[CallTally | None] = contextvars.ContextVar(
    "paasbot_call_tally", default=None
)

_REPO_PREFIX = re.compile(r"^/repos/[^/]+/[^/]+")
_TAIL_PATHS = re.compile(r"/(contents|git/refs|git/ref|git/matching-refs)/.*$")
_SHA = re.compile(r"^[0-9a-f]{40}$")


def endpoint_of(url: str, base_path: str) -> str:
    """`/repos/acme/api/pulls/12` -> `/repos/{owner}/{repo}/pulls/{n}`: one name per endpoint."""
    path = urlsplit(url).path
    if base_path and path.startswith(base_path):
        path = path[len(base_path) :]
    path = _REPO_PREFIX.sub("/repos/{owner}/{repo}", path)
    path = _TAIL_PATHS.sub(lambda m: f"/{m.group(1)}/{{path}}", path)
    segments = [_generic(segment) for segment in path.split("/")]
    return "/".join(segments) or "/"


def _generic(segment: str) -> str:
    if segment.isdigit():
        return "{n}"
    if _SHA.match(segment):
        return "{sha}"
    return segment


@dataclass(frozen=True)
class CallKey:
    installation_id: int | None
    subject: str | None
    method: str
    endpoint: str


@dataclass
class CallStats:
    calls: int = 0
    not_modified: int = 0
    failed: int = 0


@dataclass
class CallTally:
    calls: int = 0


# (installation, method, endpoint template, status or None, response headers or None)
CallObserver = Callable[[int | None, str, str, int | None, Mapping[str, str] | None], None]


class CallCounter:
    """Accumulates counts in memory (one event loop, no locking); the worker drains them into
    the database."""

    def __init__(self, observer: CallObserver | None = None) -> None:
        self._stats: dict[CallKey, CallStats] = {}
        # Told of every call as it is made, with the answer's headers (the metrics).
        self.observer = observer

    def record(
        self,
        installation_id: int | None,
        method: str,
        endpoint: str,
        status: int | None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if self.observer is not None:
            self.observer(installation_id, method, endpoint, status, headers)
        key = CallKey(installation_id, CURRENT_SUBJECT.get(), method, endpoint)
        stats = self._stats.setdefault(key, CallStats())
        stats.calls += 1
        stats.not_modified += status == 304
        stats.failed += status is None or status >= 400
        tally = CALL_TALLY.get()
        if tally is not None:
            tally.calls += 1

    def drain(self) -> dict[CallKey, CallStats]:
        stats, self._stats = self._stats, {}
        return stats

    def total(self) -> int:
        return sum(s.calls for s in self._stats.values())
