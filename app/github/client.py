"""The GitHub client: gidgethub on one aiohttp session, with app and installation authentication,
a bounded ETag cache per installation, retries for reads, rate-limit handling and call counting."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import gidgethub
import gidgethub.aiohttp
from cachetools import LRUCache

from app.github.auth import AppJWT, InstallationToken, InstallationTokens, parse_expires_at
from app.github.calls import CallCounter, endpoint_of
from app.github.errors import GitHubUnavailable, RescheduleRequired
from app.logs import fields

log = logging.getLogger(__name__)
USER_AGENT = "paasbot"
_READ_METHODS = frozenset({"GET", "HEAD"})
# Writes that change nothing more when made twice, retried like reads when GitHub fails: a
# retried one whose first answer was lost does no harm. Creating a comment, PR, check run or
# review request, or merging, is never retried here: its caller knows how to look first.
_REPEATABLE_WRITES = frozenset(
    {
        ("PATCH", "/repos/{owner}/{repo}/check-runs/{n}"),
        ("PATCH", "/repos/{owner}/{repo}/pulls/{n}"),
        ("POST", "/repos/{owner}/{repo}/issues/{n}/labels"),
        # Git objects are named by their content (a commit by its time too: an unused one).
        ("POST", "/repos/{owner}/{repo}/git/blobs"),
        ("POST", "/repos/{owner}/{repo}/git/trees"),
        ("POST", "/repos/{owner}/{repo}/git/commits"),
        # Its callers take 404 and 422 as "already deleted".
        ("DELETE", "/repos/{owner}/{repo}/git/refs/{path}"),
    }
)
SLOWED_DOWN = "GitHub asked to slow down (secondary rate limit)"


@dataclass(frozen=True)
class ClientPolicy:
    request_timeout_seconds: float = 30.0
    read_attempts: int = 4
    retry_base_seconds: float = 0.5
    retry_cap_seconds: float = 8.0
    # A secondary rate limit asking for a longer wait puts the subject back instead of sleeping.
    max_inline_wait_seconds: float = 10.0
    # When an installation has this many calls left, its work waits for the reset.
    rate_limit_reserve: int = 100
    etag_cache_entries: int = 2_000
    installations_cached: int = 1_000


class InstrumentedAPI(gidgethub.aiohttp.GitHubAPI):
    """gidgethub's aiohttp client, plus: per-attempt counting, retries of reads (and of writes
    that can be made twice) on 5xx, timeouts and connection errors, and `retry-after` on
    secondary rate limits."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        counter: CallCounter,
        policy: ClientPolicy,
        installation_id: int | None = None,
        cache: LRUCache | None = None,
        clock: Any = time.time,
    ) -> None:
        super().__init__(session, USER_AGENT, cache=cache, base_url=base_url)
        self.installation_id = installation_id
        self._counter = counter
        self._policy = policy
        self._base_path = urlsplit(base_url).path.rstrip("/")
        self._clock = clock
        # GitHub's secondary rate limit holds for every call made with this token, not only the
        # one it refused: until then no call goes (see `manage_rate_limit`).
        self._slowed_until = 0.0

    async def _request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> tuple[int, Mapping[str, str], bytes]:
        headers = await self._authorise(dict(headers))
        endpoint = endpoint_of(url, self._base_path)
        repeatable = method in _READ_METHODS or (method, endpoint) in _REPEATABLE_WRITES
        attempts = self._policy.read_attempts if repeatable else 1
        for attempt in range(1, attempts + 1):
            try:
                status, response_headers, data = await self._send(method, url, headers, body)
            except (TimeoutError, aiohttp.ClientError) as exc:
                self._counter.record(self.installation_id, method, endpoint, None)
                if attempt == attempts:
                    raise GitHubUnavailable(f"{method} {endpoint}: {type(exc).__name__}") from exc
                await self._pause(attempt, method, endpoint, type(exc).__name__)
                continue
            self._counter.record(self.installation_id, method, endpoint, status, response_headers)
            if status < 500 or attempt == attempts:
                return status, response_headers, data
            await self._pause(attempt, method, endpoint, f"HTTP {status}")
        raise AssertionError("unreachable")

    async def _send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Mapping[str, str], bytes]:
        timeout = aiohttp.ClientTimeout(total=self._policy.request_timeout_seconds)
        async with self._session.request(
            method, url, headers=headers, data=body, timeout=timeout
        ) as response:
            return response.status, response.headers, await response.read()

    async def _authorise(self, headers: dict[str, str]) -> dict[str, str]:
        return headers

    async def _pause(self, attempt: int, method: str, endpoint: str, reason: str) -> None:
        ceiling = min(self._policy.retry_cap_seconds, self._policy.retry_base_seconds * 2**attempt)
        delay = ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 (jitter)
        log.warning(
            "GitHub call failed; retrying",
            extra=fields(method=method, endpoint=endpoint, reason=reason, retry_in=round(delay, 2)),
        )
        await asyncio.sleep(delay)

    async def handle_rate_limit_error(
        self, *, method: str, url: str, exception: gidgethub.HTTPException, attempt: int
    ) -> bool:
        if isinstance(exception, gidgethub.RateLimitExceeded):
            reset = exception.rate_limit.reset_datetime.timestamp()
            raise RescheduleRequired(reset, "the installation's API rate limit is spent")
        wait = _secondary_wait(exception)
        if wait is None:
            return False
        self._slowed_until = max(self._slowed_until, self._clock() + wait)
        if wait > self._policy.max_inline_wait_seconds or attempt >= 3:
            raise RescheduleRequired(self._slowed_until, SLOWED_DOWN)
        log.warning("secondary rate limit; waiting", extra=fields(seconds=wait))
        await asyncio.sleep(wait)
        return True

    async def manage_rate_limit(self, *, method: str, url: str) -> None:
        """Before each call: while a secondary rate limit holds, wait for its end (short) or
        put the subject back until then."""
        wait = self._slowed_until - self._clock()
        if wait <= 0:
            return
        if wait > self._policy.max_inline_wait_seconds:
            raise RescheduleRequired(self._slowed_until, SLOWED_DOWN)
        await asyncio.sleep(wait)


class InstallationAPI(InstrumentedAPI):
    """Acts as one installation: its token is added to every request (renewed as it expires) and
    its calls pause when its rate limit is nearly spent."""

    def __init__(self, tokens: InstallationTokens, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tokens = tokens

    async def _authorise(self, headers: dict[str, str]) -> dict[str, str]:
        assert self.installation_id is not None
        headers["authorization"] = f"token {await self._tokens.get(self.installation_id)}"
        return headers

    async def _send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Mapping[str, str], bytes]:
        status, response_headers, data = await super()._send(method, url, headers, body)
        if status == 401 and self.installation_id is not None:
            # A token revoked or expired early: mint a new one once.
            self._tokens.invalidate(self.installation_id)
            renewed = await self._authorise(dict(headers))
            return await super()._send(method, url, renewed, body)
        return status, response_headers, data

    async def manage_rate_limit(self, *, method: str, url: str) -> None:
        await super().manage_rate_limit(method=method, url=url)
        limit = self.rate_limit
        if limit is None or limit.remaining > self._policy.rate_limit_reserve:
            return
        reset = limit.reset_datetime.timestamp()
        if reset > self._clock():
            raise RescheduleRequired(
                reset, f"{limit.remaining} API calls left for this installation until the reset"
            )


class GitHubApp:
    """The app as a whole: one aiohttp session, the app JWT, the token cache, and one
    `InstallationAPI` (with its own ETag cache) per installation, bounded in number."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        app_id: int,
        private_key: str,
        counter: CallCounter | None = None,
        policy: ClientPolicy | None = None,
        clock: Any = time.time,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.counter = counter or CallCounter()
        self.policy = policy or ClientPolicy()
        self.clock = clock
        self.jwt = AppJWT(app_id, private_key, clock)
        self.tokens = InstallationTokens(self._mint_token, clock)
        self._installations: LRUCache[int, InstallationAPI] = LRUCache(
            maxsize=self.policy.installations_cached
        )

    def as_app(self) -> InstrumentedAPI:
        return InstrumentedAPI(
            self.session,
            base_url=self.base_url,
            counter=self.counter,
            policy=self.policy,
            clock=self.clock,
        )

    def installation(self, installation_id: int) -> InstallationAPI:
        api = self._installations.get(installation_id)
        if api is None:
            api = InstallationAPI(
                self.tokens,
                session=self.session,
                base_url=self.base_url,
                counter=self.counter,
                policy=self.policy,
                installation_id=installation_id,
                cache=LRUCache(maxsize=self.policy.etag_cache_entries),
                clock=self.clock,
            )
            self._installations[installation_id] = api
        return api

    async def _mint_token(self, installation_id: int) -> InstallationToken:
        data = await self.as_app().post(
            "/app/installations/{installation_id}/access_tokens",
            url_vars={"installation_id": str(installation_id)},
            data={},
            jwt=self.jwt.get(),
        )
        log.info("installation token minted", extra=fields(installation=installation_id))
        return InstallationToken(data["token"], parse_expires_at(data["expires_at"]))


def graphql_endpoint(base_url: str) -> str:
    """GitHub's GraphQL endpoint beside a REST base URL: GitHub Enterprise Server serves REST under
    `/api/v3` and GraphQL at `/api/graphql`; github.com at `api.github.com` and `/graphql`."""
    root = base_url.rstrip("/")
    if root.endswith("/api/v3"):
        return root.removesuffix("/v3") + "/graphql"
    return root + "/graphql"


def _secondary_wait(exception: gidgethub.HTTPException) -> float | None:
    """Seconds to wait for a secondary rate limit (403/429), or None if it is not one."""
    if exception.status_code not in (403, 429):
        return None
    headers = exception.headers or {}
    retry_after = headers.get("retry-after")
    if retry_after is not None and retry_after.strip().isdigit():
        return float(retry_after)
    if "secondary rate limit" in str(exception).lower():
        # GitHub's advice when no retry-after is given: wait at least a minute.
        return 60.0
    return None
