"""Tests for the GitHub Enterprise Server simulator, exercised over real HTTP."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from gidgethub import apps
from gidgethub.aiohttp import GitHubAPI

from app.sandbox import Fault, SimulatedGitHub, create_simulator_app
from app.sandbox.errors import DOCUMENTATION_URL
from app.sandbox.faults import SECONDARY_RATE_LIMIT_MESSAGE, FaultPlan
from app.sandbox.security import BAD_EXP, BAD_IAT, EXP_TOO_FAR, UNDECODABLE_JWT
from app.sandbox.state import Installation, Repository
from app.sandbox.timefmt import iso8601

if TYPE_CHECKING:
    from tests.sim_fixtures import Simulator


ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
SHA_A = "a" * 40
SHA_B = "b" * 40
QUICK = aiohttp.ClientTimeout(total=0.2)
PATIENT = aiohttp.ClientTimeout(total=10)


@dataclass
class FakeClock:
    now: float

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class World:
    sim: Simulator
    clock: FakeClock
    acme: Installation
    widgets: Repository
    gizmos: Repository
    other: Installation
    gadgets: Repository

    @property
    def state(self) -> SimulatedGitHub:
        return self.sim.state


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: Any
    raw: bytes


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(now=float(int(time.time())))


@pytest.fixture
def simulator_state(clock: FakeClock) -> SimulatedGitHub:
    return SimulatedGitHub(clock=clock)


@pytest.fixture
def world(simulator: Simulator, clock: FakeClock) -> World:
    state = simulator.state
    acme = state.add_installation("acme")
    other = state.add_installation("other")
    return World(
        sim=simulator,
        clock=clock,
        acme=acme,
        widgets=state.add_repository(acme, "widgets"),
        gizmos=state.add_repository(acme, "gizmos"),
        other=other,
        gadgets=state.add_repository(other, "gadgets"),
    )


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def auth(scheme: str, credential: str) -> dict[str, str]:
    return {"Authorization": f"{scheme} {credential}"}


async def call(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    payload: Any = None,
    data: bytes | None = None,
    client_timeout: aiohttp.ClientTimeout = PATIENT,
) -> Reply:
    async with http.request(
        method, url, headers=headers, json=payload, data=data, timeout=client_timeout
    ) as response:
        raw = await response.read()
        body = await response.json() if raw else None
        return Reply(response.status, response.headers, body, raw)


async def new_token(world: World, installation: Installation, **body: Any) -> str:
    async with aiohttp.ClientSession() as session:
        reply = await call(
            session,
            "POST",
            world.sim.url(f"/app/installations/{installation.id}/access_tokens"),
            headers=auth("Bearer", world.state.app_jwt()),
            payload=body or None,
        )
    assert reply.status == 201, reply.body
    return reply.body["token"]


async def acme_get(world: World, http: aiohttp.ClientSession, path: str, **headers: str) -> Reply:
    token = await new_token(world, world.acme)
    return await call(http, "GET", world.sim.url(path), headers=auth("token", token) | headers)


def error(message: str, status: int) -> dict[str, str]:
    return {"message": message, "documentation_url": DOCUMENTATION_URL, "status": str(status)}


def signed(state: SimulatedGitHub, **claims: Any) -> str:
    """Signs with PyJWS so the issuer may be an integer, which GitHub accepts."""
    payload = json.dumps(claims).encode()
    return jwt.PyJWS().encode(payload, state.private_key_pem, algorithm="RS256")


def foreign_key_jwt(state: SimulatedGitHub, now: int) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode({"iat": now - 60, "exp": now + 500, "iss": str(state.app_id)}, key, "RS256")


JwtCase = Callable[[SimulatedGitHub, int], dict[str, str]]

REJECTED_JWTS: list[Any] = [
    pytest.param(lambda state, now: {}, UNDECODABLE_JWT, id="missing"),
    pytest.param(lambda state, now: auth("Bearer", "not.a.jwt"), UNDECODABLE_JWT, id="garbage"),
    pytest.param(
        lambda state, now: auth("Bearer", foreign_key_jwt(state, now)),
        UNDECODABLE_JWT,
        id="wrong-key",
    ),
    pytest.param(
        lambda state, now: auth(
            "Bearer", jwt.encode({"iat": now, "exp": now + 60, "iss": "1"}, "s" * 32, "HS256")
        ),
        UNDECODABLE_JWT,
        id="hs256",
    ),
    pytest.param(
        lambda state, now: auth("Bearer", signed(state, iat=now - 60, iss=state.app_id)),
        UNDECODABLE_JWT,
        id="no-exp",
    ),
    pytest.param(
        lambda state, now: auth("token", state.app_jwt()), UNDECODABLE_JWT, id="token-scheme"
    ),
    pytest.param(
        lambda state, now: auth("Bearer", signed(state, iat=now - 700, exp=now - 100, iss=1)),
        BAD_EXP,
        id="expired",
    ),
    pytest.param(
        lambda state, now: auth("Bearer", signed(state, iat=now, exp=now + 601, iss=1)),
        EXP_TOO_FAR,
        id="lifetime-over-600s",
    ),
    pytest.param(
        lambda state, now: auth("Bearer", signed(state, iat=now + 120, exp=now + 300, iss=1)),
        BAD_IAT,
        id="issued-in-future",
    ),
    pytest.param(
        lambda state, now: auth("Bearer", signed(state, iat=now - 60, exp=now + 500, iss="2")),
        "Bad credentials",
        id="wrong-issuer",
    ),
]


@pytest.mark.parametrize(("make_headers", "message"), REJECTED_JWTS)
async def test_access_token_rejects_bad_jwts(
    world: World, http: aiohttp.ClientSession, make_headers: JwtCase, message: str
) -> None:
    headers = make_headers(world.state, int(world.clock()))
    url = world.sim.url(f"/app/installations/{world.acme.id}/access_tokens")
    reply = await call(http, "POST", url, headers=headers)
    assert (reply.status, reply.body) == (401, error(message, 401))
    assert world.state.tokens == {}


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"iat": -60, "exp": 540, "iss": 1}, id="int-issuer"),
        pytest.param({"iat": -60, "exp": 540, "iss": "1"}, id="string-issuer"),
        pytest.param({"iat": -620, "exp": -20, "iss": 1}, id="expired-within-skew"),
        pytest.param({"iat": 50, "exp": 500, "iss": 1}, id="issued-ahead-within-skew"),
    ],
)
async def test_access_token_accepts_valid_jwts(
    world: World, http: aiohttp.ClientSession, claims: dict[str, Any]
) -> None:
    now = int(world.clock())
    token = signed(world.state, iat=now + claims["iat"], exp=now + claims["exp"], iss=claims["iss"])
    url = world.sim.url(f"/app/installations/{world.acme.id}/access_tokens")
    reply = await call(http, "POST", url, headers=auth("bearer", token))
    assert reply.status == 201
    assert re.fullmatch(r"ghs_[A-Za-z0-9]{36}", reply.body["token"])
    assert ISO_Z.match(reply.body["expires_at"])
    assert reply.body["expires_at"] == iso8601(now + world.state.token_ttl_seconds)
    assert reply.body["repository_selection"] == "selected"
    assert reply.body["permissions"] == world.acme.permissions
    assert "x-ratelimit-limit" not in reply.headers


async def test_each_access_token_request_issues_a_new_token(world: World) -> None:
    first, second = await new_token(world, world.acme), await new_token(world, world.acme)
    assert first != second
    assert {token.installation_id for token in world.state.tokens.values()} == {world.acme.id}


async def test_access_token_for_unknown_installation_is_404(
    world: World, http: aiohttp.ClientSession
) -> None:
    url = world.sim.url("/app/installations/999999/access_tokens")
    reply = await call(http, "POST", url, headers=auth("Bearer", world.state.app_jwt()))
    assert (reply.status, reply.body) == (404, error("Not Found", 404))


async def test_repository_installation_lookup_needs_the_app_jwt(
    world: World, http: aiohttp.ClientSession
) -> None:
    url = world.sim.url("/repos/acme/widgets/installation")
    reply = await call(http, "GET", url, headers=auth("Bearer", world.state.app_jwt()))
    assert reply.status == 200
    assert reply.body["id"] == world.acme.id
    assert reply.body["app_id"] == world.state.app_id
    assert reply.body["account"]["login"] == "acme"
    assert reply.body["account"]["type"] == "Organization"
    token = await new_token(world, world.acme)
    with_token = await call(http, "GET", url, headers=auth("token", token))
    assert (with_token.status, with_token.body) == (401, error(UNDECODABLE_JWT, 401))
    missing = world.sim.url("/repos/acme/nope/installation")
    reply = await call(http, "GET", missing, headers=auth("Bearer", world.state.app_jwt()))
    assert reply.status == 404


async def test_token_only_reaches_its_installation_repositories(
    world: World, http: aiohttp.ClientSession
) -> None:
    token = await new_token(world, world.acme)
    for scheme in ("token", "Bearer"):
        own = await call(
            http, "GET", world.sim.url("/repos/acme/widgets/pulls"), auth(scheme, token)
        )
        assert (own.status, own.body) == (200, [])
    foreign = await call(
        http, "GET", world.sim.url("/repos/other/gadgets/pulls"), auth("token", token)
    )
    assert (foreign.status, foreign.body) == (404, error("Not Found", 404))
    [tried] = world.state.requests_matching("GET", "/repos/other/gadgets/pulls")
    assert (tried.installation_id, tried.repository) == (world.acme.id, "other/gadgets")
    cased = await call(
        http, "GET", world.sim.url("/repos/ACME/Widgets/pulls"), auth("token", token)
    )
    assert cased.status == 200


async def test_bad_or_missing_installation_tokens(
    world: World, http: aiohttp.ClientSession
) -> None:
    url = world.sim.url("/repos/acme/widgets/pulls")
    anonymous = await call(http, "GET", url)
    assert (anonymous.status, anonymous.body) == (401, error("Requires authentication", 401))
    unknown = await call(http, "GET", url, headers=auth("token", "ghs_" + "x" * 36))
    assert (unknown.status, unknown.body) == (401, error("Bad credentials", 401))
    app_jwt = await call(http, "GET", url, headers=auth("Bearer", world.state.app_jwt()))
    assert app_jwt.status == 401
    token = await new_token(world, world.acme)
    world.clock.advance(world.state.token_ttl_seconds)
    expired = await call(http, "GET", url, headers=auth("token", token))
    assert (expired.status, expired.body) == (401, error("Bad credentials", 401))


async def test_token_narrowed_to_selected_repositories(
    world: World, http: aiohttp.ClientSession
) -> None:
    url = world.sim.url(f"/app/installations/{world.acme.id}/access_tokens")
    jwt_auth = auth("Bearer", world.state.app_jwt())
    reply = await call(http, "POST", url, headers=jwt_auth, payload={"repositories": ["widgets"]})
    assert [repo["full_name"] for repo in reply.body["repositories"]] == ["acme/widgets"]
    token = auth("token", reply.body["token"])
    assert (
        await call(http, "GET", world.sim.url("/repos/acme/widgets/pulls"), token)
    ).status == 200
    assert (await call(http, "GET", world.sim.url("/repos/acme/gizmos/pulls"), token)).status == 404
    by_id = await call(
        http, "POST", url, headers=jwt_auth, payload={"repository_ids": [world.gadgets.id]}
    )
    assert by_id.status == 422
    assert by_id.body["message"].startswith("There is at least one repository")


async def test_deselected_repository_is_hidden(world: World, http: aiohttp.ClientSession) -> None:
    token = await new_token(world, world.acme)
    world.acme.repositories.remove("acme/gizmos")
    reply = await call(http, "GET", world.sim.url("/repos/acme/gizmos/pulls"), auth("token", token))
    assert reply.status == 404


async def test_token_permissions_are_enforced(world: World, http: aiohttp.ClientSession) -> None:
    read_only = await new_token(world, world.acme, permissions={"checks": "read"})
    url = world.sim.url("/repos/acme/widgets/check-runs")
    body = {"name": "lint", "head_sha": SHA_A}
    reply = await call(http, "POST", url, headers=auth("token", read_only), payload=body)
    assert (reply.status, reply.body) == (403, error("Resource not accessible by integration", 403))
    listing = world.sim.url(f"/repos/acme/widgets/commits/{SHA_A}/check-runs")
    assert (await call(http, "GET", listing, headers=auth("token", read_only))).status == 200
    escalate = await call(
        http,
        "POST",
        world.sim.url(f"/app/installations/{world.acme.id}/access_tokens"),
        headers=auth("Bearer", world.state.app_jwt()),
        payload={"permissions": {"administration": "write"}},
    )
    assert escalate.status == 422


async def test_get_pull_request_shape(world: World, http: aiohttp.ClientSession) -> None:
    pull = world.state.open_pull("acme/widgets", "Add widget", SHA_A, "feature", body="Hello")
    reply = await acme_get(world, http, "/repos/acme/widgets/pulls/1")
    assert reply.status == 200
    body = reply.body
    assert body["number"] == pull.number == 1
    assert (body["state"], body["title"], body["body"]) == ("open", "Add widget", "Hello")
    assert body["user"]["login"] == "alice"
    assert body["user"]["type"] == "User"
    assert (body["draft"], body["merged"], body["mergeable"], body["labels"]) == (
        False,
        False,
        None,
        [],
    )
    assert (body["head"]["ref"], body["head"]["sha"]) == ("feature", SHA_A)
    assert body["head"]["repo"]["full_name"] == "acme/widgets"
    assert body["base"]["ref"] == "main"
    assert body["base"]["sha"] == world.widgets.branches["main"]
    assert body["base"]["repo"]["id"] == world.widgets.id
    assert body["url"] == world.sim.url("/repos/acme/widgets/pulls/1")
    origin = world.sim.base_url.removesuffix("/api/v3")
    assert body["html_url"] == f"{origin}/acme/widgets/pull/1"
    assert ISO_Z.match(body["created_at"])
    assert ISO_Z.match(body["updated_at"])
    missing = await acme_get(world, http, "/repos/acme/widgets/pulls/7")
    assert (missing.status, missing.body) == (404, error("Not Found", 404))


async def test_list_pulls_filters_and_sorting(world: World, http: aiohttp.ClientSession) -> None:
    state = world.state
    for number in range(1, 6):
        base = "develop" if number == 4 else "main"
        state.open_pull("acme/widgets", f"PR {number}", f"{number}" * 40, f"feature-{number}", base)
        world.clock.advance(1)
    state.close_pull("acme/widgets", 2, merged=True)

    async def numbers(query: str) -> list[int]:
        reply = await acme_get(world, http, f"/repos/acme/widgets/pulls{query}")
        assert reply.status == 200, reply.body
        return [item["number"] for item in reply.body]

    assert await numbers("") == [5, 4, 3, 1]
    assert await numbers("?state=closed") == [2]
    assert await numbers("?state=all&direction=asc") == [1, 2, 3, 4, 5]
    assert await numbers("?base=develop") == [4]
    assert await numbers("?head=acme:feature-3") == [3]
    assert await numbers("?head=someone:feature-3") == []


@pytest.mark.nonconforming
async def test_list_pulls_rejects_unknown_filters(
    world: World, http: aiohttp.ClientSession
) -> None:
    invalid = await acme_get(world, http, "/repos/acme/widgets/pulls?state=bogus")
    assert invalid.status == 422
    assert invalid.body["errors"] == [
        {"resource": "PullRequest", "code": "invalid", "field": "state"}
    ]


async def test_list_items_use_the_simple_pull_shape(
    world: World, http: aiohttp.ClientSession
) -> None:
    world.state.open_pull("acme/widgets", "One", SHA_A, "one")
    reply = await acme_get(world, http, "/repos/acme/widgets/pulls")
    assert "merged" not in reply.body[0]
    assert reply.body[0]["head"]["sha"] == SHA_A


async def test_pagination_link_headers(world: World, http: aiohttp.ClientSession) -> None:
    for number in range(7):
        world.state.open_pull("acme/widgets", f"PR {number}", SHA_A, f"branch-{number}")
    base = world.sim.url("/repos/acme/widgets/pulls")

    def link(page: int, rel: str) -> str:
        return f'<{base}?state=all&per_page=3&page={page}>; rel="{rel}"'

    pages = [
        await acme_get(world, http, f"/repos/acme/widgets/pulls?state=all&per_page=3&page={page}")
        for page in (1, 2, 3)
    ]
    assert [len(page.body) for page in pages] == [3, 3, 1]
    assert pages[0].headers["Link"] == f"{link(2, 'next')}, {link(3, 'last')}"
    assert pages[1].headers["Link"] == ", ".join(
        [link(1, "prev"), link(3, "next"), link(3, "last"), link(1, "first")]
    )
    assert pages[2].headers["Link"] == f"{link(2, 'prev')}, {link(1, 'first')}"
    assert base.startswith("http://127.0.0.1:")
    everything = await acme_get(world, http, "/repos/acme/widgets/pulls?per_page=1000")
    assert len(everything.body) == 7
    assert "Link" not in everything.headers


async def test_commit_pulls_follow_the_head_sha(world: World, http: aiohttp.ClientSession) -> None:
    world.state.open_pull("acme/widgets", "A", SHA_A, "a")
    world.state.open_pull("acme/widgets", "B", SHA_B, "b")
    reply = await acme_get(world, http, f"/repos/acme/widgets/commits/{SHA_A}/pulls")
    assert [item["number"] for item in reply.body] == [1]
    world.state.push_to_pull("acme/widgets", 1, "c" * 40)
    stale = await acme_get(world, http, f"/repos/acme/widgets/commits/{SHA_A}/pulls")
    assert stale.body == []
    fresh = await acme_get(world, http, f"/repos/acme/widgets/commits/{'c' * 40}/pulls")
    assert [item["number"] for item in fresh.body] == [1]


async def test_etag_and_free_304(world: World, http: aiohttp.ClientSession) -> None:
    world.state.open_pull("acme/widgets", "A", SHA_A, "a")
    token = auth("token", await new_token(world, world.acme))
    url = world.sim.url("/repos/acme/widgets/pulls/1")
    first = await call(http, "GET", url, headers=token)
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{64}"', etag)
    remaining = int(first.headers["x-ratelimit-remaining"])

    for candidate in (etag, f"W/{etag}", f'"other", {etag}'):
        cached = await call(http, "GET", url, headers=token | {"If-None-Match": candidate})
        assert (cached.status, cached.raw) == (304, b"")
        assert cached.headers["ETag"] == etag
        assert int(cached.headers["x-ratelimit-remaining"]) == remaining
    records = world.state.requests_matching("GET", "/repos/acme/widgets/pulls/1")
    assert [(r.status, r.if_none_match, r.counted) for r in records] == [
        (200, False, True),
        *[(304, True, False)] * 3,
    ]

    world.state.push_to_pull("acme/widgets", 1, SHA_B)
    changed = await call(http, "GET", url, headers=token | {"If-None-Match": etag})
    assert changed.status == 200
    assert changed.headers["ETag"] != etag
    assert int(changed.headers["x-ratelimit-remaining"]) == remaining - 1


async def test_only_successful_gets_carry_etags(world: World, http: aiohttp.ClientSession) -> None:
    token = auth("token", await new_token(world, world.acme))
    created = await call(
        http,
        "POST",
        world.sim.url("/repos/acme/widgets/check-runs"),
        headers=token,
        payload={"name": "lint", "head_sha": SHA_A},
    )
    missing = await call(http, "GET", world.sim.url("/repos/acme/widgets/pulls/9"), headers=token)
    assert "ETag" not in created.headers
    assert "ETag" not in missing.headers


async def test_rate_limit_headers_count_down(world: World, http: aiohttp.ClientSession) -> None:
    token = auth("token", await new_token(world, world.acme))
    url = world.sim.url("/repos/acme/widgets/pulls")
    first = await call(http, "GET", url, headers=token)
    second = await call(http, "GET", world.sim.url("/repos/acme/widgets/pulls/5"), headers=token)
    rate_headers = {key.lower(): value for key, value in first.headers.items()}
    assert {key: rate_headers[key] for key in rate_headers if key.startswith("x-ratelimit")} == {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4999",
        "x-ratelimit-reset": str(world.acme.rate.reset_at),
        "x-ratelimit-used": "1",
        "x-ratelimit-resource": "core",
    }
    assert second.status == 404
    assert second.headers["x-ratelimit-remaining"] == "4998"
    other_token = auth("token", await new_token(world, world.other))
    other = await call(
        http, "GET", world.sim.url("/repos/other/gadgets/pulls"), headers=other_token
    )
    assert other.headers["x-ratelimit-remaining"] == "4999"


async def test_rate_limit_exhaustion_and_reset(world: World, http: aiohttp.ClientSession) -> None:
    small = world.state.add_installation("tiny", rate_limit=2)
    world.state.add_repository(small, "repo")
    token = auth("token", await new_token(world, small))
    url = world.sim.url("/repos/tiny/repo/pulls")
    statuses = [(await call(http, "GET", url, headers=token)).status for _ in range(2)]
    assert statuses == [200, 200]
    blocked = await call(http, "GET", url, headers=token)
    message = f"API rate limit exceeded for installation ID {small.id}."
    assert (blocked.status, blocked.body) == (403, error(message, 403))
    assert blocked.headers["x-ratelimit-remaining"] == "0"
    assert blocked.headers["x-ratelimit-used"] == "2"
    assert world.state.requests[-1].counted is False

    world.clock.advance(int(blocked.headers["x-ratelimit-reset"]) - world.clock())
    token = auth("token", await new_token(world, small))
    restored = await call(http, "GET", url, headers=token)
    assert restored.status == 200
    assert restored.headers["x-ratelimit-remaining"] == "1"


async def test_exhaust_rate_limit_helper(world: World, http: aiohttp.ClientSession) -> None:
    token = auth("token", await new_token(world, world.acme))
    world.state.exhaust_rate_limit(world.acme.id, reset_in_seconds=120)
    reply = await call(http, "GET", world.sim.url("/repos/acme/widgets/pulls"), headers=token)
    assert reply.status == 403
    assert reply.headers["x-ratelimit-reset"] == str(int(world.clock()) + 120)
    world.clock.advance(120)
    assert (
        await call(http, "GET", world.sim.url("/repos/acme/widgets/pulls"), token)
    ).status == 200


async def test_queued_error_faults_are_one_shot(world: World, http: aiohttp.ClientSession) -> None:
    token = auth("token", await new_token(world, world.acme))
    world.state.faults.queue(Fault.error(502, path_prefix="/repos/acme/widgets/pulls"), times=2)
    url = world.sim.url("/repos/acme/widgets/pulls")
    replies = [await call(http, "GET", url, headers=token) for _ in range(3)]
    assert [reply.status for reply in replies] == [502, 502, 200]
    assert replies[0].body == error("Bad Gateway", 502)
    assert replies[0].headers["x-ratelimit-remaining"] == "5000"
    assert replies[2].headers["x-ratelimit-remaining"] == "4999"
    records = world.state.requests_matching("GET", "/repos/acme/widgets/pulls")
    assert [(r.fault, r.counted) for r in records] == [("error", False)] * 2 + [(None, True)]


async def test_fault_filters_pick_matching_requests(
    world: World, http: aiohttp.ClientSession
) -> None:
    token = auth("token", await new_token(world, world.acme))
    world.state.faults.queue(Fault.error(500, method="POST"))
    world.state.faults.queue(Fault.error(502, path_prefix="/repos/acme/gizmos"))
    widgets = await call(http, "GET", world.sim.url("/repos/acme/widgets/pulls"), headers=token)
    gizmos = await call(http, "GET", world.sim.url("/repos/acme/gizmos/pulls"), headers=token)
    assert (widgets.status, gizmos.status) == (200, 502)
    posted = await call(
        http,
        "POST",
        world.sim.url("/repos/acme/widgets/check-runs"),
        headers=token,
        payload={"name": "lint", "head_sha": SHA_A},
    )
    assert posted.status == 500
    assert world.state.check_runs == {}
    assert world.state.faults.pending == []


async def test_queued_faults_win_over_random_rates(
    world: World, http: aiohttp.ClientSession
) -> None:
    world.state.faults.set_rates(error=1.0)
    world.state.faults.queue(Fault.secondary_rate_limit(retry_after=3))
    url = world.sim.url("/repos/acme/widgets/pulls")
    assert (await call(http, "GET", url)).status == 403
    assert (await call(http, "GET", url)).status in (500, 502)


async def test_secondary_rate_limit_fault(world: World, http: aiohttp.ClientSession) -> None:
    token = auth("token", await new_token(world, world.acme))
    world.state.faults.queue(Fault.secondary_rate_limit(retry_after=7))
    reply = await call(http, "GET", world.sim.url("/repos/acme/widgets/pulls"), headers=token)
    assert (reply.status, reply.body) == (403, error(SECONDARY_RATE_LIMIT_MESSAGE, 403))
    assert reply.headers["retry-after"] == "7"
    assert int(reply.headers["x-ratelimit-remaining"]) > 0


async def test_timeout_fault_drops_abandoned_requests(
    world: World, http: aiohttp.ClientSession
) -> None:
    token = auth("token", await new_token(world, world.acme))
    world.state.faults.queue(Fault.timeout(seconds=5, method="POST"))
    url = world.sim.url("/repos/acme/widgets/check-runs")
    body = {"name": "lint", "head_sha": SHA_A}
    with pytest.raises(TimeoutError):
        await call(http, "POST", url, token, payload=body, client_timeout=QUICK)
    record = world.state.requests_matching("POST", "/repos/acme/widgets/check-runs")[0]
    for _ in range(100):
        if record.status is not None:
            break
        await asyncio.sleep(0.02)
    assert (record.status, record.fault, record.counted) == (499, "timeout", False)
    assert world.state.check_runs == {}
    retried = await call(http, "POST", url, headers=token, payload=body)
    assert retried.status == 201
    assert len(world.state.check_runs) == 1


async def test_timeout_fault_notices_hangups_without_handler_cancellation(
    http: aiohttp.ClientSession,
) -> None:
    state = SimulatedGitHub()
    state.faults.queue(Fault.timeout(seconds=5))
    runner = web.AppRunner(create_simulator_app(state))
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        with pytest.raises(TimeoutError):
            await call(http, "GET", f"http://{host}:{port}/api/v3/nope", client_timeout=QUICK)
        for _ in range(100):
            if state.requests[0].status is not None:
                break
            await asyncio.sleep(0.02)
        assert (state.requests[0].status, state.requests[0].fault) == (499, "timeout")
    finally:
        await runner.cleanup()


async def test_short_timeout_fault_is_served_late(
    world: World, http: aiohttp.ClientSession
) -> None:
    token = auth("token", await new_token(world, world.acme))
    world.state.faults.queue(Fault.timeout(seconds=0.2))
    started = time.monotonic()
    reply = await call(http, "GET", world.sim.url("/repos/acme/widgets/pulls"), headers=token)
    assert reply.status == 200
    assert time.monotonic() - started >= 0.2
    assert world.state.requests[-1].fault == "timeout"


def expected_fault_status(fault: Fault | None, *, default: int) -> int:
    if fault is None:
        return default
    return 403 if fault.kind == "secondary_rate_limit" else fault.status


async def test_random_faults_are_seeded(world: World, http: aiohttp.ClientSession) -> None:
    world.state.faults.reseed(7)
    world.state.faults.set_rates(error=0.3, secondary_rate_limit=0.3)
    twin = FaultPlan(seed=7, error_rate=0.3, secondary_rate_limit_rate=0.3)
    expected = [twin.draw("GET", "/rate_limit") for _ in range(30)]
    url = world.sim.url("/repos/acme/widgets/pulls")
    statuses = [(await call(http, "GET", url)).status for _ in range(30)]
    expected_statuses = [expected_fault_status(fault, default=401) for fault in expected]
    assert statuses == expected_statuses
    assert {fault.kind for fault in expected if fault} == {"error", "secondary_rate_limit"}


async def test_an_error_after_the_request_keeps_its_change(
    world: World, http: aiohttp.ClientSession
) -> None:
    world.state.open_pull("acme/widgets", "A", SHA_A, "feature")
    token = auth("token", await new_token(world, world.acme))
    world.state.faults.queue(Fault.error(504, method="POST", after=True))
    posted = await call(
        http,
        "POST",
        world.sim.url("/repos/acme/widgets/check-runs"),
        headers=token,
        payload={"name": "lint", "head_sha": SHA_A},
    )
    assert posted.status == 504
    assert [run.name for run in world.state.check_runs.values()] == ["lint"]


def test_fault_validation() -> None:
    with pytest.raises(ValueError, match="5xx"):
        Fault.error(404)
    with pytest.raises(ValueError, match="only error faults"):
        Fault("timeout", after=True)
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sum to at most 1"):
        FaultPlan().set_rates(error=0.6, timeout=0.6)


async def test_check_run_create_update_and_get(world: World, http: aiohttp.ClientSession) -> None:
    world.state.open_pull("acme/widgets", "A", SHA_A, "feature")
    token = auth("token", await new_token(world, world.acme))
    created = await call(
        http,
        "POST",
        world.sim.url("/repos/acme/widgets/check-runs"),
        headers=token,
        payload={
            "name": "lint",
            "head_sha": SHA_A,
            "status": "in_progress",
            "external_id": "job-1",
            "details_url": "https://ci.example/job/1",
            "output": {"title": "Linting", "summary": "Running"},
        },
    )
    assert created.status == 201
    run = created.body
    assert (run["name"], run["head_sha"], run["status"], run["conclusion"]) == (
        "lint",
        SHA_A,
        "in_progress",
        None,
    )
    assert run["app"]["id"] == world.state.app_id
    assert (run["external_id"], run["details_url"]) == ("job-1", "https://ci.example/job/1")
    assert run["output"] == {
        "title": "Linting",
        "summary": "Running",
        "text": None,
        "annotations_count": 0,
        "annotations_url": world.sim.url(f"/repos/acme/widgets/check-runs/{run['id']}/annotations"),
    }
    assert ISO_Z.match(run["started_at"])
    assert run["completed_at"] is None
    assert [pull["number"] for pull in run["pull_requests"]] == [1]
    assert run["html_url"].endswith(f"/acme/widgets/runs/{run['id']}")

    annotation = {
        "path": "app/x.py",
        "start_line": 1,
        "end_line": 1,
        "annotation_level": "warning",
        "message": "E501",
    }
    url = world.sim.url(f"/repos/acme/widgets/check-runs/{run['id']}")
    updated = await call(
        http,
        "PATCH",
        url,
        headers=token,
        payload={
            "conclusion": "failure",
            "output": {
                "title": "1 issue",
                "summary": "See annotations",
                "annotations": [annotation],
            },
        },
    )
    assert updated.status == 200
    assert (updated.body["status"], updated.body["conclusion"]) == ("completed", "failure")
    assert ISO_Z.match(updated.body["completed_at"])
    assert updated.body["output"]["annotations_count"] == 1
    fetched = await call(http, "GET", url, headers=token)
    assert fetched.body == updated.body


async def test_check_run_listing(world: World, http: aiohttp.ClientSession) -> None:
    state = world.state
    state.open_pull("acme/widgets", "A", SHA_A, "feature")
    older = state.create_check_run("acme/widgets", "lint", SHA_A)
    newer = state.create_check_run("acme/widgets", "lint", SHA_A)
    tests = state.create_check_run("acme/widgets", "tests", SHA_A)
    state.create_check_run("acme/widgets", "lint", SHA_B)

    async def listing(ref: str, query: str = "") -> tuple[int, list[int]]:
        path = f"/repos/acme/widgets/commits/{ref}/check-runs{query}"
        reply = await acme_get(world, http, path)
        assert reply.status == 200, reply.body
        return reply.body["total_count"], [run["id"] for run in reply.body["check_runs"]]

    assert await listing(SHA_A) == (2, [tests.id, newer.id])
    assert await listing(SHA_A, "?filter=all") == (3, [tests.id, newer.id, older.id])
    assert await listing(SHA_A, "?check_name=lint") == (1, [newer.id])
    assert await listing(SHA_A, f"?app_id={state.app_id}") == (2, [tests.id, newer.id])
    assert await listing(SHA_A, "?app_id=999") == (0, [])
    assert await listing("feature") == (2, [tests.id, newer.id])
    assert await listing(SHA_A, "?per_page=1&page=2") == (2, [newer.id])
    paged = await acme_get(
        world, http, f"/repos/acme/widgets/commits/{SHA_A}/check-runs?per_page=1"
    )
    assert 'rel="next"' in paged.headers["Link"]


async def test_check_run_from_another_repository_is_404(
    world: World, http: aiohttp.ClientSession
) -> None:
    run = world.state.create_check_run("acme/gizmos", "lint", SHA_A)
    token = auth("token", await new_token(world, world.acme))
    url = world.sim.url(f"/repos/acme/widgets/check-runs/{run.id}")
    reply = await call(http, "PATCH", url, headers=token, payload={"status": "in_progress"})
    assert (reply.status, reply.body) == (404, error("Not Found", 404))


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        pytest.param(
            {},
            [
                {"resource": "CheckRun", "code": "missing_field", "field": "name"},
                {"resource": "CheckRun", "code": "missing_field", "field": "head_sha"},
            ],
            id="missing-required",
            marks=pytest.mark.nonconforming,
        ),
        pytest.param(
            {"name": "lint", "head_sha": SHA_A, "status": "completed"},
            [{"resource": "CheckRun", "code": "missing_field", "field": "conclusion"}],
            id="completed-without-conclusion",
        ),
        pytest.param(
            {"name": "lint", "head_sha": SHA_A, "conclusion": "great"},
            [{"resource": "CheckRun", "code": "invalid", "field": "conclusion"}],
            id="bad-conclusion",
            marks=pytest.mark.nonconforming,
        ),
        pytest.param(
            {"name": "lint", "head_sha": SHA_A, "output": {"title": "t"}},
            [{"resource": "CheckRun", "code": "missing_field", "field": "output.summary"}],
            id="output-without-summary",
            marks=pytest.mark.nonconforming,
        ),
    ],
)
async def test_check_run_validation_errors(
    world: World, http: aiohttp.ClientSession, payload: dict[str, Any], errors: list[Any]
) -> None:
    token = auth("token", await new_token(world, world.acme))
    url = world.sim.url("/repos/acme/widgets/check-runs")
    reply = await call(http, "POST", url, headers=token, payload=payload)
    assert reply.status == 422
    assert reply.body == {
        "message": "Validation Failed",
        "errors": errors,
        "documentation_url": DOCUMENTATION_URL,
        "status": "422",
    }
    assert world.state.check_runs == {}


@pytest.mark.nonconforming
async def test_invalid_json_body(world: World, http: aiohttp.ClientSession) -> None:
    token = auth("token", await new_token(world, world.acme))
    url = world.sim.url("/repos/acme/widgets/check-runs")
    reply = await call(http, "POST", url, headers=token, data=b"{not json")
    assert (reply.status, reply.body) == (400, error("Problems parsing JSON", 400))


@pytest.mark.nonconforming
async def test_unknown_route_and_wrong_method(world: World, http: aiohttp.ClientSession) -> None:
    token = auth("token", await new_token(world, world.acme))
    unknown = await call(http, "GET", world.sim.url("/nope"), headers=token)
    assert (unknown.status, unknown.body) == (404, error("Not Found", 404))
    wrong = await call(http, "DELETE", world.sim.url("/repos/acme/widgets/pulls"), headers=token)
    assert (wrong.status, wrong.body) == (405, error("Method Not Allowed", 405))
    assert "GET" in wrong.headers["Allow"]


async def test_request_log(world: World, http: aiohttp.ClientSession) -> None:
    token = await new_token(world, world.acme)
    url = world.sim.url("/repos/acme/widgets/pulls?state=all&per_page=5")
    await call(http, "GET", url, headers=auth("token", token))
    token_call, pulls_call = world.state.requests
    assert (token_call.method, token_call.path, token_call.status) == (
        "POST",
        f"/app/installations/{world.acme.id}/access_tokens",
        201,
    )
    assert token_call.installation_id is None
    assert (pulls_call.method, pulls_call.path, pulls_call.query) == (
        "GET",
        "/repos/acme/widgets/pulls",
        {"state": "all", "per_page": "5"},
    )
    assert (pulls_call.status, pulls_call.installation_id) == (200, world.acme.id)
    assert pulls_call.if_none_match is False


async def test_gidgethub_round_trip(world: World, http: aiohttp.ClientSession) -> None:
    world.state.open_pull("acme/widgets", "A", SHA_A, "feature")
    app_client = GitHubAPI(http, "paasbot-tests", base_url=world.sim.base_url)
    token = await apps.get_installation_access_token(
        app_client,
        installation_id=str(world.acme.id),
        app_id=str(world.state.app_id),
        private_key=world.state.private_key_pem,
    )
    cache: dict[str, Any] = {}
    gh = GitHubAPI(
        http, "paasbot-tests", oauth_token=token["token"], cache=cache, base_url=world.sim.base_url
    )
    first = await gh.getitem("/repos/acme/widgets/pulls/{number}", {"number": 1})
    second = await gh.getitem("/repos/acme/widgets/pulls/{number}", {"number": 1})
    assert first == second
    assert first["head"]["sha"] == SHA_A
    records = world.state.requests_matching("GET", "/repos/acme/widgets/pulls/1")
    assert [record.status for record in records] == [200, 304]
    assert world.acme.rate.remaining == 4999


def test_a_bot_login_is_a_bot_account_whoever_sees_it_first() -> None:
    """The app's bot first seen as a webhook's sender or a PR's merger is still a Bot (paasbot
    recognises its own bump PRs by their author's type)."""
    state = SimulatedGitHub(app_id=7, app_slug="paasbot")
    assert state.account("paasbot[bot]").type == "Bot"
    assert state.account("alice").type == "User"
    assert state.account("acme", "Organization").type == "Organization"
