"""`paasbot register`'s flow against the simulator over real HTTP, driven as a browser would:
the local page's form posts the manifest to the simulated GitHub, its redirect reaches the
callback, which converts the code and writes the env file; the app then authenticates."""

from __future__ import annotations

import stat
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import aiohttp
import jwt
import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer

from app.registration.env_file import read_env_file
from app.registration.flow import RegistrationConfig, RegistrationFlow, add_registration_routes
from app.registration.manifest import load_app_definition
from app.settings import load_settings
from tests.registration_browser import free_port, register_in_browser, submit, the_form

if TYPE_CHECKING:
    from tests.sim_fixtures import Simulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def host_of(sim: Simulator) -> str:
    return urlsplit(sim.base_url).netloc


@pytest.fixture
def config(simulator: Simulator, tmp_path: Path) -> RegistrationConfig:
    return RegistrationConfig(
        ghe_host=host_of(simulator),
        ghe_protocol="http",
        public_url="https://paasbot.example.com",
        callback_url="set when the server runs",
        env_file=tmp_path / "paasbot.env",
        definition=load_app_definition(),
    )


async def start(
    aiohttp_server: AiohttpServer, config: RegistrationConfig
) -> tuple[RegistrationFlow, str]:
    """The flow on a loopback port, its redirect URL pointing at that port."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    flow = RegistrationFlow(replace(config, callback_url=f"{origin}/callback"), start_path="/")
    app = web.Application()
    add_registration_routes(app, flow)
    await aiohttp_server(app, port=port)
    return flow, origin


def jwt_for(app_id: int, pem: str) -> str:
    iat = int(time.time()) - 60
    return jwt.encode({"iat": iat, "exp": iat + 600, "iss": str(app_id)}, pem, algorithm="RS256")


async def test_registering_writes_an_env_file_the_app_runs_with(
    http: aiohttp.ClientSession,
    simulator: Simulator,
    aiohttp_server: AiohttpServer,
    config: RegistrationConfig,
) -> None:
    flow, origin = await start(aiohttp_server, config)

    done, text = await register_in_browser(http, origin + "/")

    assert done.status == 200
    (app,) = simulator.state.apps.values()
    assert f"http://{host_of(simulator)}/github-apps/{app.slug}/installations/new" in text
    assert "BEGIN" not in text and (app.webhook_secret or "") not in text
    assert flow.done.is_set() and flow.result is not None and flow.result.app_id == app.id
    env_file = config.env_file
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    values = read_env_file(env_file)
    assert values["APP_ID"] == str(app.id)
    assert values["WEBHOOK_SECRET"] == app.webhook_secret
    assert values["GITHUB_CLIENT_ID"] == app.client_id
    assert values["GITHUB_CLIENT_SECRET"] == app.client_secret
    assert values["GHE_HOST"] == host_of(simulator) and values["GHE_PROTOCOL"] == "http"
    assert "\n" not in values["PRIVATE_KEY"] and "\\n" in values["PRIVATE_KEY"]
    assert [path.name for path in env_file.parent.iterdir()] == ["paasbot.env"], "no temp left"
    settings = load_settings(values)
    assert settings.app_id == app.id and settings.private_key.strip() == app.pem.strip()
    assert settings.github_api_url == simulator.base_url
    me = await http.get(
        settings.github_api_url + "/app",
        headers={"Authorization": f"Bearer {jwt_for(settings.app_id, settings.private_key)}"},
    )
    assert me.status == 200
    assert (await me.json())["slug"] == app.slug


async def test_the_manifest_carries_app_yml_and_the_urls(
    http: aiohttp.ClientSession,
    simulator: Simulator,
    aiohttp_server: AiohttpServer,
    config: RegistrationConfig,
) -> None:
    _flow, origin = await start(aiohttp_server, replace(config, org="acme"))
    simulator.state.account("acme", "Organization")

    await register_in_browser(http, origin + "/")

    (app,) = simulator.state.apps.values()
    assert app.owner == "acme" and app.name == "paasbot"
    assert app.hook_url == "https://paasbot.example.com/api/github/webhooks"
    assert app.url == "https://paasbot.example.com"
    assert app.redirect_url == f"{origin}/callback"
    assert app.permissions["pull_requests"] == "write" and "pull_request" in app.events


async def test_a_callback_with_the_wrong_state_is_refused(
    http: aiohttp.ClientSession,
    simulator: Simulator,
    aiohttp_server: AiohttpServer,
    config: RegistrationConfig,
) -> None:
    _flow, origin = await start(aiohttp_server, config)
    page = await http.get(origin + "/")
    confirmed = await submit(http, the_form(await page.text()))
    location = urlsplit(confirmed.headers["Location"])
    code = parse_qs(location.query)["code"][0]

    forged = await http.get(f"{origin}/callback?code={code}&state=forged")

    assert forged.status == 400
    assert "state does not match" in await forged.text()
    assert not config.env_file.exists()


async def test_a_code_used_elsewhere_is_refused_by_github(
    http: aiohttp.ClientSession,
    simulator: Simulator,
    aiohttp_server: AiohttpServer,
    config: RegistrationConfig,
) -> None:
    _flow, origin = await start(aiohttp_server, config)
    page = await http.get(origin + "/")
    confirmed = await submit(http, the_form(await page.text()))
    code = parse_qs(urlsplit(confirmed.headers["Location"]).query)["code"][0]
    stolen = await http.post(simulator.url(f"/app-manifests/{code}/conversions"))
    assert stolen.status == 201

    callback = await http.get(confirmed.headers["Location"])

    assert callback.status == 502
    assert "refused to convert the code (HTTP 404)" in await callback.text()
    assert not config.env_file.exists()


async def test_a_state_is_good_for_one_callback(
    http: aiohttp.ClientSession,
    simulator: Simulator,
    aiohttp_server: AiohttpServer,
    config: RegistrationConfig,
) -> None:
    _flow, origin = await start(aiohttp_server, replace(config, force=True))
    page = await http.get(origin + "/")
    confirmed = await submit(http, the_form(await page.text()))
    assert (await http.get(confirmed.headers["Location"])).status == 200

    replayed = await http.get(confirmed.headers["Location"])

    assert replayed.status == 400


async def test_an_existing_env_file_is_kept_and_nothing_is_registered(
    http: aiohttp.ClientSession,
    simulator: Simulator,
    aiohttp_server: AiohttpServer,
    config: RegistrationConfig,
) -> None:
    config.env_file.write_text("APP_ID=7\n")
    _flow, origin = await start(aiohttp_server, config)

    page = await http.get(origin + "/")

    assert page.status == 409
    assert "already exists" in await page.text() and "--force" in await page.text()
    assert config.env_file.read_text() == "APP_ID=7\n"
    assert simulator.state.apps == {}


async def test_an_env_file_appearing_meanwhile_is_not_overwritten(
    http: aiohttp.ClientSession,
    simulator: Simulator,
    aiohttp_server: AiohttpServer,
    config: RegistrationConfig,
) -> None:
    _flow, origin = await start(aiohttp_server, config)
    page = await http.get(origin + "/")
    confirmed = await submit(http, the_form(await page.text()))
    config.env_file.write_text("APP_ID=7\n")

    callback = await http.get(confirmed.headers["Location"])

    assert callback.status == 500
    text = await callback.text()
    assert "already exists" in text and "was registered but its credentials were not saved" in text
    assert config.env_file.read_text() == "APP_ID=7\n"


async def test_force_replaces_an_existing_env_file(
    http: aiohttp.ClientSession,
    simulator: Simulator,
    aiohttp_server: AiohttpServer,
    config: RegistrationConfig,
) -> None:
    config.env_file.write_text("APP_ID=7\n")
    config.env_file.chmod(0o644)
    _flow, origin = await start(aiohttp_server, replace(config, force=True))

    done, _text = await register_in_browser(http, origin + "/")

    assert done.status == 200
    assert read_env_file(config.env_file)["APP_ID"] != "7"
    assert stat.S_IMODE(config.env_file.stat().st_mode) == 0o600


async def test_an_unwritable_folder_is_named_before_registering(
    http: aiohttp.ClientSession,
    simulator: Simulator,
    aiohttp_server: AiohttpServer,
    config: RegistrationConfig,
    tmp_path: Path,
) -> None:
    missing = tmp_path / "nowhere" / "paasbot.env"
    _flow, origin = await start(aiohttp_server, replace(config, env_file=missing))

    page = await http.get(origin + "/")

    assert page.status == 409
    assert "does not exist" in await page.text()
    assert simulator.state.apps == {}
