"""The simulator's user-to-server tokens over real HTTP: authorize -> code -> token, the errors
GitHub answers with 200, and what a user token sees (checked against GitHub's OpenAPI
description like every simulator route)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from app.sandbox import SimulatedGitHub
from app.sandbox.actors_repos import add_collaborator
from app.sandbox.apps import register_from_manifest
from app.sandbox.ops.teams import add_org_member

if TYPE_CHECKING:
    from tests.sim_fixtures import Simulator

pytest_plugins = ["tests.sim_fixtures"]
CALLBACK = "http://paasbot.test/oauth/callback"


@pytest.fixture
def simulator_state() -> SimulatedGitHub:
    state = SimulatedGitHub()
    acme = state.add_installation("acme")
    state.add_repository(acme, "open-to-members")
    secret = state.add_repository(acme, "secret")
    state.add_repository(acme, "collab")
    other = state.add_installation("umbrella")
    state.add_repository(other, "hidden")
    add_org_member(state, "acme", "alice")
    # alice is a member (base role read): she sees acme's repositories; bob only the one he
    # collaborates on; nobody but umbrella's people sees umbrella's.
    add_collaborator(state, "acme/collab", "bob", "write")
    state.org_members["acme"].discard("bob")
    secret.private = True
    return state


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def origin(sim: Simulator) -> str:
    return str(sim.server.make_url(""))


async def authorize(
    http: aiohttp.ClientSession, sim: Simulator, *, login: str | None = None, **params: str
) -> aiohttp.ClientResponse:
    query = {"client_id": sim.state.client_id, "redirect_uri": CALLBACK, "state": "xyz"}
    if login is not None:
        query["login"] = login
    query.update(params)
    return await http.get(
        origin(sim) + "/login/oauth/authorize", params=query, allow_redirects=False
    )


async def code_for(http: aiohttp.ClientSession, sim: Simulator, login: str | None = None) -> str:
    response = await authorize(http, sim, login=login)
    assert response.status == 302, await response.text()
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


async def exchange(
    http: aiohttp.ClientSession, sim: Simulator, code: str, *, json: bool = True, **changes: str
) -> aiohttp.ClientResponse:
    data = {
        "client_id": sim.state.client_id,
        "client_secret": sim.state.client_secret,
        "code": code,
        "redirect_uri": CALLBACK,
        **changes,
    }
    headers = {"Accept": "application/json"} if json else {}
    return await http.post(origin(sim) + "/login/oauth/access_token", data=data, headers=headers)


async def token_for(http: aiohttp.ClientSession, sim: Simulator, login: str) -> str:
    response = await exchange(http, sim, await code_for(http, sim, login))
    body = await response.json()
    return str(body["access_token"])


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"}


async def test_the_code_is_exchanged_once_for_a_user_token(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    code = await code_for(http, simulator)

    response = await exchange(http, simulator, code)
    body = await response.json()

    assert response.status == 200
    assert body["access_token"].startswith("ghu_") and body["token_type"] == "bearer"
    assert body["refresh_token"].startswith("ghr_") and body["expires_in"] == 8 * 3600
    again = await (await exchange(http, simulator, code)).json()
    assert again["error"] == "bad_verification_code"


async def test_the_answer_is_form_encoded_unless_json_is_asked_for(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    response = await exchange(http, simulator, await code_for(http, simulator), json=False)

    assert response.content_type == "application/x-www-form-urlencoded"
    fields = parse_qs(await response.text())
    assert fields["access_token"][0].startswith("ghu_") and fields["token_type"] == ["bearer"]


async def test_a_json_request_body_is_accepted(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    code = await code_for(http, simulator)
    response = await http.post(
        origin(simulator) + "/login/oauth/access_token",
        json={
            "client_id": simulator.state.client_id,
            "client_secret": simulator.state.client_secret,
            "code": code,
        },
        headers={"Accept": "application/json"},
    )

    assert (await response.json())["access_token"].startswith("ghu_")


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"code": "nope"}, "bad_verification_code"),
        ({"client_secret": "wrong"}, "incorrect_client_credentials"),
        ({"client_id": "Iv1.unknown"}, "incorrect_client_credentials"),
        ({"redirect_uri": "http://elsewhere.test/cb"}, "redirect_uri_mismatch"),
    ],
)
async def test_refused_exchanges_answer_200_with_an_error(
    http: aiohttp.ClientSession, simulator: Simulator, changes: dict[str, str], error: str
) -> None:
    code = await code_for(http, simulator)

    response = await exchange(http, simulator, changes.pop("code", code), **changes)

    assert response.status == 200
    assert (await response.json())["error"] == error


async def test_an_expired_code_is_refused(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    code = await code_for(http, simulator)
    simulator.state.oauth_codes[code].issued_at -= 601

    body = await (await exchange(http, simulator, code)).json()

    assert body["error"] == "bad_verification_code"


async def test_an_unknown_client_id_gets_an_error_page(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    response = await authorize(http, simulator, client_id="Iv1.nobody")

    assert response.status == 404 and "client_id" in await response.text()


async def test_a_registered_app_has_its_own_client_credentials(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    manifest = {"name": "Other", "url": "https://other.test"}
    app, _ = register_from_manifest(simulator.state, manifest, owner="ghe-admin")
    response = await authorize(http, simulator, client_id=app.client_id)
    code = parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]

    refused = await (await exchange(http, simulator, code)).json()
    body = await (
        await exchange(
            http, simulator, code, client_id=app.client_id, client_secret=app.client_secret
        )
    ).json()

    assert refused["error"] == "bad_verification_code"  # the code is the other app's
    assert simulator.state.user_tokens[body["access_token"]].app_id == app.id


async def test_get_user_is_the_signed_in_user(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    token = await token_for(http, simulator, "alice")

    response = await http.get(simulator.url("/user"), headers=auth(token))

    assert response.status == 200
    assert (await response.json())["login"] == "alice"


async def test_the_web_user_authorizes_when_no_login_is_suggested(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    response = await exchange(http, simulator, await code_for(http, simulator))
    token = (await response.json())["access_token"]

    user = await (await http.get(simulator.url("/user"), headers=auth(token))).json()

    assert user["login"] == simulator.state.web_user


async def test_a_member_sees_the_installation_and_its_repositories(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    token = await token_for(http, simulator, "alice")

    installations = await (
        await http.get(simulator.url("/user/installations"), headers=auth(token))
    ).json()
    (installation,) = installations["installations"]
    repositories = await (
        await http.get(
            simulator.url(f"/user/installations/{installation['id']}/repositories"),
            headers=auth(token),
        )
    ).json()

    assert installations["total_count"] == 1 and installation["account"]["login"] == "acme"
    names = [r["full_name"] for r in repositories["repositories"]]
    assert names == ["acme/open-to-members", "acme/secret", "acme/collab"]
    assert repositories["repositories"][0]["permissions"]["pull"] is True
    assert repositories["repositories"][0]["permissions"]["push"] is False


async def test_a_collaborator_sees_only_the_repository_they_collaborate_on(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    token = await token_for(http, simulator, "bob")
    installation = next(i for i in simulator.state.installations.values() if i.account == "acme")
    hidden = next(i for i in simulator.state.installations.values() if i.account == "umbrella")

    listed = await (
        await http.get(simulator.url("/user/installations"), headers=auth(token))
    ).json()
    body = await (
        await http.get(
            simulator.url(f"/user/installations/{installation.id}/repositories"),
            headers=auth(token),
        )
    ).json()
    refused = await http.get(
        simulator.url(f"/user/installations/{hidden.id}/repositories"), headers=auth(token)
    )

    assert [i["id"] for i in listed["installations"]] == [installation.id]
    assert [r["full_name"] for r in body["repositories"]] == ["acme/collab"]
    assert body["repositories"][0]["permissions"]["push"] is True
    assert refused.status == 404


async def test_user_routes_need_a_user_token(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    installation = next(iter(simulator.state.installations.values()))
    installation_token = simulator.state.issue_token(installation.id).token

    anonymous = await http.get(simulator.url("/user"))
    wrong = await http.get(simulator.url("/user"), headers=auth("ghu_nope"))
    integration = await http.get(
        simulator.url("/user/installations"), headers=auth(installation_token)
    )

    assert anonymous.status == 401
    assert wrong.status == 401 and (await wrong.json())["message"] == "Bad credentials"
    assert integration.status == 403


async def test_an_expired_user_token_is_refused(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    token = await token_for(http, simulator, "alice")
    issued = simulator.state.user_tokens[token]
    simulator.state.user_tokens[token] = type(issued)(
        **{**issued.__dict__, "expires_at": issued.issued_at - 1}
    )

    response = await http.get(simulator.url("/user"), headers=auth(token))

    assert response.status == 401
