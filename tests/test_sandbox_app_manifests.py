"""The simulator's app-manifest flow over real HTTP: the form post, the redirect with a one-time
code, the conversion (checked against GitHub's OpenAPI description), and the registered app
working afterwards (its JWT, installations of it, their tokens)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import jwt
import pytest

from app.sandbox import SimulatedGitHub
from app.sandbox.apps import MANIFEST_CODE_TTL_SECONDS, install_registered_app

if TYPE_CHECKING:
    from tests.sim_fixtures import Simulator

MANIFEST: dict[str, Any] = {
    "name": "My Bot",
    "url": "https://bot.example.com",
    "hook_attributes": {"url": "https://bot.example.com/api/github/webhooks"},
    "redirect_url": "http://localhost:9/callback?keep=1",
    "public": False,
    "default_permissions": {"pull_requests": "write", "checks": "write"},
    "default_events": ["pull_request", "check_run"],
}


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def simulator_state(clock: Clock) -> SimulatedGitHub:
    state = SimulatedGitHub(clock=clock)
    state.account("acme", "Organization")
    return state


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def origin(sim: Simulator) -> str:
    return str(sim.server.make_url(""))


async def post_manifest(
    http: aiohttp.ClientSession,
    sim: Simulator,
    manifest: dict[str, Any] | None = None,
    *,
    path: str = "/settings/apps/new",
    state: str = "s3cret",
) -> aiohttp.ClientResponse:
    data = {"manifest": json.dumps(MANIFEST if manifest is None else manifest)}
    return await http.post(origin(sim) + path + f"?state={state}", data=data, allow_redirects=False)


async def register(http: aiohttp.ClientSession, sim: Simulator, **kwargs: Any) -> str:
    response = await post_manifest(http, sim, **kwargs)
    assert response.status == 302, await response.text()
    return parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]


async def convert(http: aiohttp.ClientSession, sim: Simulator, code: str) -> aiohttp.ClientResponse:
    return await http.post(
        sim.url(f"/app-manifests/{code}/conversions"),
        headers={"Accept": "application/vnd.github+json"},
    )


def app_jwt(app_id: int, pem: str) -> str:
    now = int(time.time()) - 60
    return jwt.encode({"iat": now, "exp": now + 600, "iss": str(app_id)}, pem, algorithm="RS256")


async def test_the_form_post_redirects_with_a_code_and_the_state(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    response = await post_manifest(http, simulator)

    assert response.status == 302
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("http", "localhost:9", "/callback")
    query = parse_qs(location.query)
    assert query["keep"] == ["1"] and query["state"] == ["s3cret"] and query["code"][0]
    (app,) = simulator.state.apps.values()
    assert (app.name, app.slug, app.owner) == ("My Bot", "my-bot", simulator.state.web_user)


async def test_the_conversion_returns_the_app_and_its_secrets_once(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    code = await register(http, simulator)

    response = await convert(http, simulator, code)
    body = await response.json()

    assert response.status == 201
    app = simulator.state.apps[body["id"]]
    assert body["slug"] == "my-bot" and body["name"] == "My Bot"
    assert body["owner"]["login"] == simulator.state.web_user
    assert body["permissions"] == {
        "metadata": "read",
        "pull_requests": "write",
        "checks": "write",
    }
    assert body["events"] == ["pull_request", "check_run"]
    assert body["webhook_secret"] == app.webhook_secret and len(app.webhook_secret or "") >= 20
    assert body["client_id"].startswith("Iv1.") and body["client_secret"]
    assert body["pem"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert body["html_url"].endswith("/github-apps/my-bot")
    again = await convert(http, simulator, code)
    assert again.status == 404
    assert (await convert(http, simulator, "nope")).status == 404


async def test_a_code_expires_after_an_hour(
    http: aiohttp.ClientSession, simulator: Simulator, clock: Clock
) -> None:
    code = await register(http, simulator)
    clock.now += MANIFEST_CODE_TTL_SECONDS

    assert (await convert(http, simulator, code)).status == 404


async def test_the_registered_app_authenticates_and_its_installations_issue_tokens(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    code = await register(http, simulator, path="/organizations/acme/settings/apps/new")
    body = await (await convert(http, simulator, code)).json()
    token = app_jwt(body["id"], body["pem"])
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"}

    me = await http.get(simulator.url("/app"), headers=headers)
    me_body = await me.json()
    assert me.status == 200
    assert (me_body["id"], me_body["slug"], me_body["owner"]["login"]) == (
        body["id"],
        "my-bot",
        "acme",
    )
    assert me_body["installations_count"] == 0

    installation = install_registered_app(simulator.state, body["id"], "acme")
    simulator.state.add_repository(installation, "widgets")
    issued = await http.post(
        simulator.url(f"/app/installations/{installation.id}/access_tokens"), headers=headers
    )
    assert issued.status == 201
    repo = await http.get(
        simulator.url("/repos/acme/widgets"),
        headers={"Authorization": f"token {(await issued.json())['token']}"},
    )
    assert repo.status == 200
    lookup = await http.get(simulator.url("/repos/acme/widgets/installation"), headers=headers)
    assert (await lookup.json())["app_slug"] == "my-bot"


async def test_apps_do_not_cross_installations(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    body = await (await convert(http, simulator, await register(http, simulator))).json()
    builtin = simulator.state.add_installation("other")
    registered = {"Authorization": f"Bearer {app_jwt(body['id'], body['pem'])}"}
    builtin_jwt = {"Authorization": f"Bearer {simulator.state.app_jwt()}"}
    mine = install_registered_app(simulator.state, body["id"], "acme")

    theirs = simulator.url(f"/app/installations/{builtin.id}/access_tokens")
    assert (await http.post(theirs, headers=registered)).status == 404
    other = simulator.url(f"/app/installations/{mine.id}/access_tokens")
    assert (await http.post(other, headers=builtin_jwt)).status == 404
    me = await (await http.get(simulator.url("/app"), headers=builtin_jwt)).json()
    assert me["id"] == simulator.state.app_id and me["installations_count"] == 1


@pytest.mark.nonconforming
async def test_a_jwt_signed_with_another_key_is_refused(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    body = await (await convert(http, simulator, await register(http, simulator))).json()
    forged = app_jwt(body["id"], simulator.state.private_key_pem)

    response = await http.get(simulator.url("/app"), headers={"Authorization": f"Bearer {forged}"})

    assert response.status == 401


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        ({**MANIFEST, "url": ""}, "url"),
        ({**MANIFEST, "hook_attributes": {}}, "hook_attributes.url"),
        ({**MANIFEST, "redirect_url": "javascript:alert(1)"}, "redirect_url"),
        ({**MANIFEST, "default_permissions": {"checks": "root"}}, "default_permissions"),
        ({**MANIFEST, "name": "simulated app"}, "already taken"),
    ],
)
async def test_a_manifest_github_would_refuse_gets_a_page_saying_why(
    http: aiohttp.ClientSession, simulator: Simulator, manifest: dict[str, Any], problem: str
) -> None:
    response = await post_manifest(http, simulator, manifest)

    assert response.status == 422
    assert problem in await response.text()
    assert simulator.state.apps == {}


async def test_an_unknown_organization_is_a_404_page(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    response = await post_manifest(http, simulator, path="/organizations/nobody/settings/apps/new")

    assert response.status == 404
