"""GitHub App authentication: the app's JWT and cached installation tokens."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import jwt
from cachetools import TLRUCache

JWT_LIFETIME_SECONDS = 540
# GitHub rejects an iat in the future; servers' clocks drift, so it is backdated.
JWT_BACKDATE_SECONDS = 60
TOKEN_RENEW_MARGIN_SECONDS = 300

Clock = Callable[[], float]


class AppJWT:
    """Signs the app's JWT (RS256) and reuses it until shortly before it expires."""

    def __init__(self, app_id: int, private_key: str, clock: Clock = time.time) -> None:
        self._app_id = app_id
        self._private_key = private_key
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0

    def __repr__(self) -> str:
        return f"AppJWT(app_id={self._app_id})"

    def get(self) -> str:
        now = self._clock()
        if self._token is None or now >= self._expires_at - 60:
            issued = int(now) - JWT_BACKDATE_SECONDS
            expires = int(now) + JWT_LIFETIME_SECONDS
            claims = {"iat": issued, "exp": expires, "iss": str(self._app_id)}
            self._token = jwt.encode(claims, self._private_key, algorithm="RS256")
            self._expires_at = expires
        return self._token


@dataclass(frozen=True)
class InstallationToken:
    token: str
    expires_at: float

    def __repr__(self) -> str:
        return f"InstallationToken(expires_at={self.expires_at})"


TokenFetcher = Callable[[int], Awaitable[InstallationToken]]


class InstallationTokens:
    """Installation tokens, cached and renewed before they expire; one fetch at a time per
    installation, so a burst of work does not mint a burst of tokens."""

    def __init__(
        self, fetch: TokenFetcher, clock: Clock = time.time, max_size: int = 10_000
    ) -> None:
        self._fetch = fetch
        # Each token lives in the cache until its own expiry less the renewal margin.
        self._tokens: TLRUCache[int, InstallationToken] = TLRUCache(
            maxsize=max_size, ttu=_renew_at, timer=clock
        )
        self._locks: dict[int, asyncio.Lock] = {}

    async def get(self, installation_id: int) -> str:
        cached = self._tokens.get(installation_id)
        if cached is not None:
            return cached.token
        lock = self._locks.setdefault(installation_id, asyncio.Lock())
        async with lock:
            cached = self._tokens.get(installation_id)
            if cached is None:
                cached = await self._fetch(installation_id)
                self._tokens[installation_id] = cached
            return cached.token

    def invalidate(self, installation_id: int) -> None:
        self._tokens.pop(installation_id, None)


def _renew_at(_key: int, token: InstallationToken, _now: float) -> float:
    return token.expires_at - TOKEN_RENEW_MARGIN_SECONDS


def parse_expires_at(value: str) -> float:
    """GitHub's `expires_at` ("2026-11-28T06:00:00Z") as epoch seconds."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
