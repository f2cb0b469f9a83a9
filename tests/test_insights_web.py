"""The dashboard's login and access rules over HTTP (no browser): the OAuth round trip through
the simulator, the state check, sessions in the database, and /api/insights' 401/403/404 and
read-only bearer token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from app.sandbox import SimulatedGitHub
from app.sandbox.demo import DemoStage
from app.settings import SettingsError, derived_session_secret, load_settings
from app.store.tables import web_sessions
from app.web.auth import safe_next, sign, unsign
from tests.dashboard_world import INSIGHTS_TOKEN, running_dashboard


@pytest.fixture
async def stage(database_url: str) -> AsyncIterator[DemoStage]:
    async with running_dashboard(database_url) as running:
        yield running


async def test_behind_a_tls_proxy_public_url_gives_the_callback_and_secure_cookies(
    database_url: str, browser: aiohttp.ClientSession
) -> None:
    public = {"INSIGHTS_TOKEN": "", "PUBLIC_URL": "https://paasbot.example.com/"}
    async with running_dashboard(database_url, env=public) as running:
        response = await browser.get(running.paasbot_url + "/login", allow_redirects=False)
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        assert query["redirect_uri"] == ["https://paasbot.example.com/oauth/callback"]
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie


async def log_in(
    browser: aiohttp.ClientSession, stage: DemoStage, login: str = "alice", status: int = 200
) -> None:
    stage.state.web_user = login
    response = await browser.get(stage.paasbot_url + "/insights")
    assert response.status == status, await response.text()
    assert str(response.url).startswith(stage.paasbot_url + "/insights")


async def test_login_keeps_the_visible_repositories_and_no_token(
    browser: aiohttp.ClientSession, stage: DemoStage
) -> None:
    start = await browser.get(stage.paasbot_url + "/login", allow_redirects=False)
    authorized = await browser.get(start.headers["Location"], allow_redirects=False)
    done = await browser.get(authorized.headers["Location"], allow_redirects=False)

    async with stage.bot.db.reader() as conn:
        (row,) = (await conn.execute(web_sessions.select())).all()
    cookie = done.cookies["paasbot_session"]
    assert done.status == 302 and done.headers["Location"] == "/insights"
    assert row.login == "alice" and row.repositories == '["acme/web"]'
    assert cookie.value not in str(tuple(row)), "only the id's hash is stored"
    assert not any(str(v).startswith("ghu_") for v in tuple(row)), "no GitHub token kept"
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    login_cookie = start.cookies["paasbot_login"]
    assert login_cookie["httponly"] and int(login_cookie["max-age"]) == 600


async def test_the_login_redirect_carries_a_state_the_callback_checks(
    browser: aiohttp.ClientSession, stage: DemoStage
) -> None:
    response = await browser.get(
        stage.paasbot_url + "/login?next=/insights%3Fdays%3D30", allow_redirects=False
    )
    location = urlsplit(response.headers["Location"])
    query = parse_qs(location.query)
    assert location.path == "/login/oauth/authorize"
    assert query["client_id"] == [stage.state.client_id]
    assert query["redirect_uri"] == [stage.paasbot_url + "/oauth/callback"]

    forged = await browser.get(
        stage.paasbot_url + "/oauth/callback?code=x&state=not-the-one", allow_redirects=False
    )
    assert forged.status == 400 and "state" in await forged.text()

    back = await browser.get(response.headers["Location"], allow_redirects=False)
    landed = await browser.get(back.headers["Location"], allow_redirects=False)
    assert landed.status == 302 and landed.headers["Location"] == "/insights?days=30"


async def test_a_stolen_code_without_the_state_cookie_is_refused(
    browser: aiohttp.ClientSession, stage: DemoStage
) -> None:
    response = await browser.get(stage.paasbot_url + "/login", allow_redirects=False)
    back = await browser.get(response.headers["Location"], allow_redirects=False)
    async with aiohttp.ClientSession() as stranger:
        refused = await stranger.get(back.headers["Location"], allow_redirects=False)

    assert refused.status == 400


async def test_the_api_needs_a_session_or_the_token(
    browser: aiohttp.ClientSession, stage: DemoStage
) -> None:
    url = stage.paasbot_url + "/api/insights"

    anonymous = await browser.get(url)
    wrong = await browser.get(url, headers={"Authorization": "Bearer nope"})
    with_token = await browser.get(
        url + "?repository=acme/secret&days=30",
        headers={"Authorization": f"Bearer {INSIGHTS_TOKEN}"},
    )

    assert anonymous.status == 401 and "/login" in (await anonymous.json())["message"]
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert wrong.status == 401 and "not the insights token" in (await wrong.json())["message"]
    body: dict[str, Any] = await with_token.json()
    assert with_token.status == 200, body
    assert body["scope"]["repositories"] == ["acme/secret"] and body["window"]["days"] == 30


async def test_a_user_sees_only_their_repositories(
    browser: aiohttp.ClientSession, stage: DemoStage
) -> None:
    await log_in(browser, stage)
    url = stage.paasbot_url + "/api/insights"

    mine = await browser.get(url)
    hidden = await browser.get(url + "?repository=acme/secret")
    page = await browser.get(stage.paasbot_url + "/insights?repository=acme/secret")
    no_team = await browser.get(url + "?team=nobody")
    bad_window = await browser.get(url + "?days=7")

    assert (await mine.json())["scope"]["repositories"] == ["acme/web"]
    assert hidden.status == 404 and "acme/secret" in (await hidden.json())["message"]
    assert page.status == 404 and "acme/secret" in await page.text()
    assert no_team.status == 404
    assert bad_window.status == 400 and "30, 90, 365" in (await bad_window.json())["message"]


async def test_someone_who_sees_no_repository_is_refused(
    browser: aiohttp.ClientSession, stage: DemoStage
) -> None:
    await log_in(browser, stage, "mallory", status=403)

    api = await browser.get(stage.paasbot_url + "/api/insights")
    page = await browser.get(stage.paasbot_url + "/insights")

    assert api.status == 403 and "mallory" in (await api.json())["message"]
    assert page.status == 403


@pytest.mark.parametrize(
    ("next_path", "lands"),
    [
        ("/insights?team=web", "/insights?team=web"),
        ("//evil.example", "/insights"),
        ("/\t/evil.example", "/insights"),
        ("/%09/evil.example", "/%09/evil.example"),
        ("/\n/evil.example", "/insights"),
        ("https://evil.example/x", "/insights"),
        ("/\\evil.example", "/insights"),
        ("insights", "/insights"),
    ],
)
def test_after_login_only_a_path_of_this_server(next_path: str, lands: str) -> None:
    assert safe_next(next_path) == lands


async def test_logout_is_a_post(browser: aiohttp.ClientSession, stage: DemoStage) -> None:
    await log_in(browser, stage)
    refused = await browser.get(stage.paasbot_url + "/logout", allow_redirects=False)
    assert refused.status == 405
    assert (await browser.get(stage.paasbot_url + "/api/insights")).status == 200


async def test_logout_ends_the_session(browser: aiohttp.ClientSession, stage: DemoStage) -> None:
    await log_in(browser, stage)
    await browser.post(stage.paasbot_url + "/logout")

    response = await browser.get(stage.paasbot_url + "/insights", allow_redirects=False)

    assert response.status == 302 and response.headers["Location"].startswith("/login?next=")
    async with stage.bot.db.reader() as conn:
        assert (await conn.execute(web_sessions.select())).all() == []


def test_signed_values_and_next_paths() -> None:
    value = sign("k", {"state": "s"})
    assert unsign("k", value) == {"state": "s"}
    assert unsign("other", value) is None and unsign("k", value + "0") is None
    assert safe_next("//evil.example") == "/insights" and safe_next("/insights?x=1") == (
        "/insights?x=1"
    )


def test_dashboard_settings(private_key_env: dict[str, str] | None = None) -> None:
    base = {"APP_ID": "1", "WEBHOOK_SECRET": "hush", "PRIVATE_KEY": _key()}
    settings = load_settings(base)
    assert settings.session_secret == derived_session_secret("hush") != "hush"
    assert settings.github_client_id is None and settings.insights_token is None
    assert (settings.insights_minutes_per_action, settings.insights_default_minutes) == ((), 1.0)
    tuned = load_settings(
        base | {"SESSION_SECRET": "s", "INSIGHTS_MINUTES_PER_ACTION": "merge=5, label=0.5, 2"}
    )
    assert tuned.session_secret == "s" and tuned.insights_default_minutes == 2.0
    assert tuned.insights_minutes_per_action == (("merge", 5.0), ("label", 0.5))
    assert "hush" not in repr(tuned) and repr(tuned) != "s"
    with pytest.raises(SettingsError, match="INSIGHTS_MINUTES_PER_ACTION"):
        load_settings(base | {"INSIGHTS_MINUTES_PER_ACTION": "merge=lots"})


def _key() -> str:
    return SimulatedGitHub().private_key_pem
