"""The OIDC issuer's keys: which are kept from a JWKS, and how the set is fetched and cached."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from app.reports.oidc_keys import (
    IssuerKeys,
    KeySet,
    KeysUnavailable,
    fetch_issuer_keys,
    rs256_keys,
)
from app.sandbox.oidc import SigningKey
from tests.helpers import FakeClock

ServerFactory = Callable[..., Awaitable[TestServer]]
KEY = SigningKey.new()
OTHER = SigningKey.new()


def key_set(*keys: SigningKey) -> KeySet:
    return {key.kid: jwt.PyJWK(key.jwk()) for key in keys}


class Issuer:
    """A stand-in fetch: serves `published`, or fails while `down`; counts the calls."""

    def __init__(self, *published: SigningKey) -> None:
        self.published = list(published)
        self.down = False
        self.calls = 0

    async def __call__(self, _issuer: str) -> KeySet:
        self.calls += 1
        await asyncio.sleep(0)
        if self.down:
            raise KeysUnavailable("down")
        return key_set(*self.published)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(0.0)


def keys_of(issuer: Issuer, clock: FakeClock) -> IssuerKeys:
    return IssuerKeys("https://issuer.test", fetch=issuer, clock=clock)


async def test_the_set_is_cached_for_an_hour(clock: FakeClock) -> None:
    issuer = Issuer(KEY)
    keys = keys_of(issuer, clock)
    assert (await keys.key(KEY.kid)).key_id == KEY.kid  # type: ignore[union-attr]
    clock.advance(3599)
    assert await keys.key(KEY.kid) is not None
    assert issuer.calls == 1
    clock.advance(1)
    assert await keys.key(KEY.kid) is not None
    assert issuer.calls == 2


async def test_an_unknown_kid_refetches_at_most_once_a_minute(clock: FakeClock) -> None:
    issuer = Issuer(KEY)
    keys = keys_of(issuer, clock)
    await keys.key(KEY.kid)
    clock.advance(59)
    issuer.published.append(OTHER)
    assert await keys.key(OTHER.kid) is None
    assert await keys.key("junk") is None
    assert issuer.calls == 1
    clock.advance(1)
    assert (await keys.key(OTHER.kid)).key_id == OTHER.kid  # type: ignore[union-attr]
    assert await keys.key("junk") is None
    assert issuer.calls == 2


async def test_a_failed_fetch_is_not_retried_for_a_minute(clock: FakeClock) -> None:
    issuer = Issuer(KEY)
    issuer.down = True
    keys = keys_of(issuer, clock)
    for _ in range(3):
        with pytest.raises(KeysUnavailable):
            await keys.key(KEY.kid)
    assert issuer.calls == 1
    issuer.down = False
    clock.advance(60)
    assert await keys.key(KEY.kid) is not None
    assert issuer.calls == 2


async def test_concurrent_lookups_share_one_fetch(clock: FakeClock) -> None:
    issuer = Issuer(KEY)
    keys = keys_of(issuer, clock)
    found = await asyncio.gather(*(keys.key(KEY.kid) for _ in range(10)))
    assert all(key is not None for key in found)
    assert issuer.calls == 1


def test_only_rs256_keys_with_a_kid_are_kept() -> None:
    rsa = KEY.jwk()
    jwks = {
        "keys": [
            rsa,
            {**OTHER.jwk(), "alg": "RS512"},
            {key: value for key, value in OTHER.jwk().items() if key != "kid"},
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac", "alg": "HS256"},
            {"kty": "nonsense", "kid": "x"},
        ]
    }
    assert list(rs256_keys(jwks)) == [KEY.kid]
    for unusable in ({"keys": []}, {"keys": jwks["keys"][1:]}, {}):
        with pytest.raises(KeysUnavailable):
            rs256_keys(unusable)


async def serve(aiohttp_server: ServerFactory, configuration: Any, jwks: Any) -> str:
    """An issuer at /oidc answering `configuration` (with `{origin}` filled in) and `jwks`."""
    app = web.Application()

    async def discovery(request: web.Request) -> web.Response:
        if isinstance(configuration, str):
            return web.Response(text=configuration)
        origin = str(request.url.origin())
        return web.json_response({k: v.format(origin=origin) for k, v in configuration.items()})

    async def keys(_request: web.Request) -> web.Response:
        return web.json_response(jwks)

    app.router.add_get("/oidc/.well-known/openid-configuration", discovery)
    app.router.add_get("/oidc/keys", keys)
    server = await aiohttp_server(app)
    return str(server.make_url("/oidc"))


async def test_keys_are_found_through_the_discovery_document(
    aiohttp_server: ServerFactory,
) -> None:
    configuration = {"issuer": "{origin}/oidc", "jwks_uri": "{origin}/oidc/keys"}
    issuer = await serve(aiohttp_server, configuration, {"keys": [KEY.jwk()]})
    assert list(await fetch_issuer_keys(issuer)) == [KEY.kid]


@pytest.mark.parametrize(
    ("configuration", "jwks", "reason"),
    [
        (
            {"issuer": "https://elsewhere.test", "jwks_uri": "{origin}/oidc/keys"},
            {"keys": [KEY.jwk()]},
            "names another issuer",
        ),
        ({"issuer": "{origin}/oidc"}, {"keys": [KEY.jwk()]}, "has no jwks_uri"),
        ("<html>", {"keys": [KEY.jwk()]}, "did not answer JSON"),
        (
            {"issuer": "{origin}/oidc", "jwks_uri": "{origin}/oidc/nowhere"},
            {},
            "answered HTTP 404",
        ),
        ({"issuer": "{origin}/oidc", "jwks_uri": "{origin}/oidc/keys"}, [], "a JSON object"),
    ],
)
async def test_an_issuer_that_does_not_publish_keys(
    aiohttp_server: ServerFactory, configuration: Any, jwks: Any, reason: str
) -> None:
    issuer = await serve(aiohttp_server, configuration, jwks)
    with pytest.raises(KeysUnavailable, match=reason):
        await fetch_issuer_keys(issuer)
