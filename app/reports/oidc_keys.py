"""The signing keys of an OIDC issuer (GitHub Actions'), fetched with aiohttp and cached.

`{issuer}/.well-known/openid-configuration` names the `jwks_uri`; its RSA keys with `alg` RS256
(or none) are kept by key id. The set is cached for an hour. A token signed with a key id the set
does not have makes paasbot fetch the set again (the issuer rotated its keys), at most once a
minute: junk tokens with made-up key ids cannot make paasbot hammer the issuer. A failed fetch
counts as a fetch, so an issuer that is down is asked again a minute later, not at every upload.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from cachetools import TTLCache
from jwt import PyJWK, PyJWKSet, PyJWTError

KEYS_TTL_SECONDS = 3600.0
REFETCH_INTERVAL_SECONDS = 60.0
FETCH_TIMEOUT_SECONDS = 10.0
_CACHED = "keys"

KeySet = Mapping[str, PyJWK]
FetchKeys = Callable[[str], Awaitable[KeySet]]
Clock = Callable[[], float]


class KeysUnavailable(Exception):
    """The issuer's keys could not be fetched; the message says why, for the logs."""


async def fetch_issuer_keys(issuer: str) -> KeySet:
    """The issuer's RS256 keys by key id, through its discovery document."""
    timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            configuration = await _get_json(session, f"{issuer}/.well-known/openid-configuration")
            if configuration.get("issuer") != issuer:
                raise KeysUnavailable(f"the discovery document of {issuer} names another issuer")
            jwks_uri = configuration.get("jwks_uri")
            if not isinstance(jwks_uri, str) or not jwks_uri:
                raise KeysUnavailable(f"the discovery document of {issuer} has no jwks_uri")
            return rs256_keys(await _get_json(session, jwks_uri))
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise KeysUnavailable(f"{issuer}: {exc or type(exc).__name__}") from None


async def _get_json(session: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    async with session.get(url, headers={"Accept": "application/json"}) as response:
        if response.status != 200:
            raise KeysUnavailable(f"{url} answered HTTP {response.status}")
        try:
            body = await response.json(content_type=None)
        except ValueError:
            raise KeysUnavailable(f"{url} did not answer JSON") from None
    if not isinstance(body, dict):
        raise KeysUnavailable(f"{url} did not answer a JSON object")
    return body


def rs256_keys(jwks: Mapping[str, Any]) -> KeySet:
    try:
        key_set = PyJWKSet.from_dict(dict(jwks))
    except PyJWTError as exc:
        raise KeysUnavailable(f"the JWKS has no usable key: {exc}") from None
    keys = {
        key.key_id: key
        for key in key_set.keys
        if key.key_id and key.key_type == "RSA" and key.algorithm_name == "RS256"
    }
    if not keys:
        raise KeysUnavailable("the JWKS has no RS256 key with a key id")
    return keys


class IssuerKeys:
    """The keys of one issuer, cached; see the module's docstring for when they are fetched."""

    def __init__(
        self,
        issuer: str,
        *,
        fetch: FetchKeys = fetch_issuer_keys,
        clock: Clock = time.monotonic,
        ttl_seconds: float = KEYS_TTL_SECONDS,
        refetch_interval_seconds: float = REFETCH_INTERVAL_SECONDS,
    ) -> None:
        self.issuer = issuer
        self._fetch_keys = fetch
        self._clock = clock
        self._interval = refetch_interval_seconds
        self._cache: TTLCache[str, KeySet] = TTLCache(maxsize=1, ttl=ttl_seconds, timer=clock)
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> PyJWK | None:
        """The key `kid`, or None when the issuer does not publish it. Raises `KeysUnavailable`
        when there is no key set and it cannot be fetched now."""
        cached = self._cache.get(_CACHED)
        if cached is not None and kid in cached:
            return cached[kid]
        async with self._lock:  # concurrent uploads wait for one fetch instead of each fetching
            cached = self._cache.get(_CACHED)
            if cached is not None and kid in cached:
                return cached[kid]
            if not self._may_fetch():
                if cached is None:
                    raise KeysUnavailable(
                        f"the last fetch of {self.issuer}'s keys failed less than "
                        f"{self._interval:.0f} s ago"
                    )
                return None
            return (await self._fetch()).get(kid)

    def _may_fetch(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= self._interval

    async def _fetch(self) -> KeySet:
        self._fetched_at = self._clock()
        keys = await self._fetch_keys(self.issuer)
        self._cache[_CACHED] = keys
        return keys
