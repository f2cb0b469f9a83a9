"""GitHub Actions OIDC tokens authenticating report uploads, through paasbot's real endpoint, with
the simulator as the issuer over real HTTP."""

import base64
import hashlib
import hmac
import json
import logging
import shutil
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives import serialization
from sqlalchemy import func, select

from app.reports.oidc import UNAVAILABLE, github_actions_oidc_method, looks_like_jwt
from app.reports.oidc_keys import IssuerKeys, KeySet, fetch_issuer_keys
from app.reports.tokens import AuthError, secret_token_method, upload_token
from app.sandbox.keys import new_app_key
from app.sandbox.oidc import ActionsOidc, SigningKey
from app.service import Paasbot
from app.store.reports import load_reports
from app.store.tables import reports
from app.web.reports import REPORT_INTAKE
from app.web.server import create_web_app
from tests.helpers import FakeClock, make_settings
from tests.oidc_world import (  # noqa: F401 (fixtures)
    OTHER_REPO,
    REPO,
    clock_fixture,
    http_fixture,
    issuer_fixture,
    oidc_fixture,
    origin_fixture,
    request_id_token,
    simulator_state_fixture,
)

AUDIENCE = "paasbot"
SHA = "ab" * 20
LCOV = b"SF:app/x.py\nDA:1,1\nend_of_record\n"
ClientFactory = Callable[..., Awaitable[TestClient]]
Forge = Callable[[ActionsOidc, dict[str, Any]], str]


@pytest.fixture
def database(tmp_path: Path, sqlite_template: Path) -> str:
    """The authentication does not depend on the database: SQLite only."""
    path = tmp_path / "paasbot.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


def paasbot(database: str, private_key: str, issuer: str | None) -> Paasbot:
    return Paasbot(make_settings(database, private_key, oidc_issuer=issuer, oidc_audience=AUDIENCE))


@pytest.fixture
def bot(database: str, private_key: str, issuer: str) -> Paasbot:
    return paasbot(database, private_key, issuer)


@pytest.fixture
async def client(bot: Paasbot, aiohttp_client: ClientFactory) -> TestClient:
    return await aiohttp_client(create_web_app(bot, run_workers=False))


class CountingFetch:
    """The real fetch of the issuer's keys, counted."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, issuer: str) -> KeySet:
        self.calls += 1
        return await fetch_issuer_keys(issuer)


@pytest.fixture
def fetches() -> CountingFetch:
    return CountingFetch()


@pytest.fixture
def keys_clock() -> FakeClock:
    return FakeClock(0.0)


@pytest.fixture
async def counted_client(
    bot: Paasbot,
    issuer: str,
    fetches: CountingFetch,
    keys_clock: FakeClock,
    aiohttp_client: ClientFactory,
) -> TestClient:
    """The endpoint with an OIDC method whose key fetches are counted and whose clock is ours."""
    app = create_web_app(bot, run_workers=False)
    keys = IssuerKeys(issuer, fetch=fetches, clock=keys_clock)
    methods = (
        secret_token_method(bot.settings.webhook_secret),
        github_actions_oidc_method(issuer, AUDIENCE, keys),
    )
    app[REPORT_INTAKE] = replace(app[REPORT_INTAKE], methods=methods)
    return await aiohttp_client(app)


async def upload(client: TestClient, token: str, repo: str = REPO) -> tuple[int, dict[str, Any]]:
    response = await client.post(
        f"/api/reports/{repo}/{SHA}",
        data=LCOV,
        params={"kind": "coverage"},
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status, await response.json()


async def stored_count(bot: Paasbot) -> int:
    async with bot.db.reader() as conn:
        return await conn.scalar(select(func.count()).select_from(reports))


async def workflow_token(
    http: aiohttp.ClientSession, oidc: ActionsOidc, origin: str, repo: str = REPO
) -> str:
    return await request_id_token(http, oidc.start_run(repo), origin, audience=AUDIENCE)


def forged(oidc: ActionsOidc, issuer: str, change: Callable[[dict[str, Any]], Any]) -> str:
    """An ID token of the simulator's signing key whose claims `change` edited."""
    claims = oidc.claims(oidc.start_run(REPO), issuer=issuer, audience=AUDIENCE)
    change(claims)
    return oidc.sign(claims)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def hs256_with_the_public_key(oidc: ActionsOidc, claims: dict[str, Any]) -> str:
    """The algorithm-confusion attack: HMAC keyed with the issuer's public key (pyjwt refuses to
    make one, so it is made by hand)."""
    pem = (
        oidc.signing_key.private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": oidc.signing_key.kid}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def unsigned(oidc: ActionsOidc, claims: dict[str, Any]) -> str:
    return jwt.encode(claims, None, algorithm="none", headers={"kid": oidc.signing_key.kid})


def signed_by_a_stranger(oidc: ActionsOidc, claims: dict[str, Any]) -> str:
    return oidc.sign(claims, SigningKey(oidc.signing_key.kid, new_app_key()))


def with_another_payload(oidc: ActionsOidc, claims: dict[str, Any]) -> str:
    header, _payload, signature = oidc.sign(claims).split(".")
    tampered = b64(json.dumps({**claims, "repository": OTHER_REPO}).encode())
    return f"{header}.{tampered}.{signature}"


def without_kid(oidc: ActionsOidc, claims: dict[str, Any]) -> str:
    return jwt.encode(claims, oidc.signing_key.private_key, algorithm="RS256")


def with_unknown_kid(oidc: ActionsOidc, claims: dict[str, Any]) -> str:
    return oidc.sign(claims, SigningKey("not-published", oidc.signing_key.private_key))


async def test_a_workflows_token_uploads_its_repositorys_report(
    client: TestClient,
    bot: Paasbot,
    http: aiohttp.ClientSession,
    oidc: ActionsOidc,
    origin: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    run = oidc.start_run(REPO, actor="alice")
    token = await request_id_token(http, run, origin, audience=AUDIENCE)
    with caplog.at_level(logging.INFO, logger="app.reports.oidc"):
        status, answer = await upload(client, token, repo="Acme/API")
    assert status == 202, answer
    assert answer["repository"] == REPO
    async with bot.db.reader() as conn:
        [report] = await load_reports(conn, REPO, SHA, "coverage")
    assert report.body == LCOV
    [accepted] = [r for r in caplog.records if r.getMessage() == "OIDC token accepted"]
    assert accepted.fields == {  # type: ignore[attr-defined]
        "method": "github-actions-oidc",
        "sub": "repo:acme/api:ref:refs/heads/main",
        "workflow_ref": "acme/api/.github/workflows/ci.yml@refs/heads/main",
        "run_id": str(run.run_id),
        "run_attempt": "1",
        "actor": "alice",
        "event_name": "push",
    }


async def test_upload_tokens_still_work_beside_oidc(client: TestClient, bot: Paasbot) -> None:
    assert (await upload(client, upload_token(bot.settings.webhook_secret, REPO)))[0] == 202


async def test_a_token_of_another_repository_is_forbidden(
    client: TestClient, bot: Paasbot, http: aiohttp.ClientSession, oidc: ActionsOidc, origin: str
) -> None:
    token = await workflow_token(http, oidc, origin, repo=OTHER_REPO)
    status, answer = await upload(client, token)
    assert (status, answer) == (403, {"error": "this OIDC token is for acme/web, not acme/api"})
    assert await stored_count(bot) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.update(exp=int(time.time()) - 120), "the OIDC token has expired"),
        (lambda c: c.update(nbf=int(time.time()) + 120), "the OIDC token is not valid yet"),
        (lambda c: c.update(iat=int(time.time()) + 120), "the OIDC token is not valid yet"),
        (
            lambda c: c.update(iss="https://token.actions.githubusercontent.com"),
            "the OIDC token was not issued by http://127.0.0.1:",
        ),
        (
            lambda c: c.update(aud="sts.amazonaws.com"),
            "the OIDC token's audience is not 'paasbot' (OIDC_AUDIENCE)",
        ),
        (lambda c: c.pop("repository"), "the OIDC token has no 'repository' claim"),
        (lambda c: c.pop("exp"), "the OIDC token has no 'exp' claim"),
        (lambda c: c.pop("aud"), "the OIDC token has no 'aud' claim"),
    ],
    ids=[
        "expired",
        "not-before",
        "issued-later",
        "issuer",
        "audience",
        "no-repository",
        "no-exp",
        "no-aud",
    ],
)
async def test_refused_claims(
    client: TestClient,
    bot: Paasbot,
    oidc: ActionsOidc,
    issuer: str,
    change: Callable[[dict[str, Any]], Any],
    message: str,
) -> None:
    token = forged(oidc, issuer, change)
    status, answer = await upload(client, token)
    assert status == 401
    assert answer["error"].startswith(message)
    assert token not in answer["error"]
    assert await stored_count(bot) == 0


@pytest.mark.parametrize(
    ("forge", "message"),
    [
        (hs256_with_the_public_key, "the OIDC token must be signed with RS256"),
        (unsigned, "the OIDC token must be signed with RS256"),
        (signed_by_a_stranger, "the OIDC token's signature is not valid"),
        (with_another_payload, "the OIDC token's signature is not valid"),
        (without_kid, "the OIDC token does not name its signing key (kid)"),
        (with_unknown_kid, "the OIDC token is signed with a key its issuer does not publish"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
async def test_refused_signatures(
    client: TestClient,
    bot: Paasbot,
    oidc: ActionsOidc,
    issuer: str,
    forge: Forge,
    message: str,
) -> None:
    token = forge(oidc, oidc.claims(oidc.start_run(REPO), issuer=issuer, audience=AUDIENCE))
    status, answer = await upload(client, token)
    assert (status, answer) == (401, {"error": message})
    assert await stored_count(bot) == 0


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("abc.def.ghi", "the OIDC token is malformed"),
        (b64(b'{"alg":"RS256","kid":"k"}') + ".@@@.sig", "the bearer token is not a paasbot"),
        (b64(b'{"alg":"RS256","kid":"k"}') + ".e30", "the bearer token is not a paasbot"),
    ],
)
async def test_malformed_tokens(client: TestClient, token: str, message: str) -> None:
    status, answer = await upload(client, token)
    assert status == 401 and answer["error"].startswith(message)


def test_only_three_base64url_parts_are_jwts() -> None:
    assert looks_like_jwt("eyJh.eyJz.c2ln") and looks_like_jwt("eyJh.eyJz.")
    assert not looks_like_jwt(upload_token("s", REPO))
    assert not looks_like_jwt("eyJh.eyJz") and not looks_like_jwt("a.b.c.d")


async def test_times_have_a_leeway_of_a_minute(
    client: TestClient, oidc: ActionsOidc, issuer: str
) -> None:
    now = int(time.time())
    late = forged(oidc, issuer, lambda c: c.update(exp=now - 30))
    assert (await upload(client, late))[0] == 202
    early = forged(oidc, issuer, lambda c: c.update(nbf=now + 30, iat=now + 30))
    assert (await upload(client, early))[0] == 202


async def test_the_audience_may_be_one_of_several(
    client: TestClient, oidc: ActionsOidc, issuer: str
) -> None:
    token = forged(oidc, issuer, lambda c: c.update(aud=["https://github.com/acme", AUDIENCE]))
    assert (await upload(client, token))[0] == 202


async def test_a_rotated_key_is_fetched_at_most_once_a_minute(
    counted_client: TestClient,
    fetches: CountingFetch,
    keys_clock: FakeClock,
    http: aiohttp.ClientSession,
    oidc: ActionsOidc,
    origin: str,
) -> None:
    assert (await upload(counted_client, await workflow_token(http, oidc, origin)))[0] == 202
    assert (await upload(counted_client, await workflow_token(http, oidc, origin)))[0] == 202
    assert fetches.calls == 1, "the keys are cached"
    keys_clock.advance(61)
    oidc.rotate_key()
    assert (await upload(counted_client, await workflow_token(http, oidc, origin)))[0] == 202
    assert fetches.calls == 2, "an unknown kid fetches the keys again"
    oidc.rotate_key()
    status, answer = await upload(counted_client, await workflow_token(http, oidc, origin))
    assert (status, answer["error"]) == (
        401,
        "the OIDC token is signed with a key its issuer does not publish",
    )
    assert fetches.calls == 2, "not again within a minute"
    keys_clock.advance(60)
    assert (await upload(counted_client, await workflow_token(http, oidc, origin)))[0] == 202
    assert fetches.calls == 3


async def test_junk_key_ids_do_not_hammer_the_issuer(
    counted_client: TestClient, fetches: CountingFetch, oidc: ActionsOidc, issuer: str
) -> None:
    claims = oidc.claims(oidc.start_run(REPO), issuer=issuer, audience=AUDIENCE)
    for number in range(20):
        junk = oidc.sign(claims, SigningKey(f"junk-{number}", oidc.signing_key.private_key))
        assert (await upload(counted_client, junk))[0] == 401
    assert fetches.calls == 1


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.nonconforming  # asks the simulator for a discovery document where there is none
@pytest.mark.parametrize("where", ["unreachable", "not-an-issuer"])
async def test_an_issuer_without_keys_is_a_503(
    database: str,
    private_key: str,
    origin: str,
    oidc: ActionsOidc,
    issuer: str,
    aiohttp_client: ClientFactory,
    where: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    down = {
        "unreachable": f"http://127.0.0.1:{closed_port()}/_services/token",
        "not-an-issuer": f"{origin}/_services/elsewhere",
    }[where]
    bot = paasbot(database, private_key, down)
    client = await aiohttp_client(create_web_app(bot, run_workers=False))
    token = forged(oidc, issuer, lambda c: c.update(iss=down))
    with caplog.at_level(logging.WARNING):
        status, answer = await upload(client, token)
    assert (status, answer) == (503, {"error": UNAVAILABLE})
    assert any(r.getMessage() == "OIDC keys not fetched" for r in caplog.records)
    assert await stored_count(bot) == 0


async def test_a_down_issuer_is_asked_again_a_minute_later(
    bot: Paasbot,
    oidc: ActionsOidc,
    issuer: str,
    keys_clock: FakeClock,
    http: aiohttp.ClientSession,
    origin: str,
) -> None:
    calls: list[str] = []

    async def failing_then_working(wanted: str) -> KeySet:
        calls.append(wanted)
        if len(calls) == 1:
            return await fetch_issuer_keys(f"http://127.0.0.1:{closed_port()}/_services/token")
        return await fetch_issuer_keys(wanted)

    check = github_actions_oidc_method(
        issuer, AUDIENCE, IssuerKeys(issuer, fetch=failing_then_working, clock=keys_clock)
    )
    token = await workflow_token(http, oidc, origin)
    for _ in range(2):
        with pytest.raises(AuthError) as refused:
            await check(token, REPO)
        assert (refused.value.status, refused.value.message) == (503, UNAVAILABLE)
    assert len(calls) == 1
    keys_clock.advance(60)
    grant = await check(token, REPO)
    assert grant is not None and grant.method == "github-actions-oidc"
    assert len(calls) == 2


async def test_oidc_can_be_turned_off(
    database: str,
    private_key: str,
    aiohttp_client: ClientFactory,
    http: aiohttp.ClientSession,
    oidc: ActionsOidc,
    origin: str,
) -> None:
    bot = paasbot(database, private_key, None)
    client = await aiohttp_client(create_web_app(bot, run_workers=False))
    status, answer = await upload(client, await workflow_token(http, oidc, origin))
    assert (status, answer) == (401, {"error": "the bearer token is not a paasbot upload token"})
