"""Tenant isolation (issue 13): one repository's credentials never reach another's data.

- Report uploads: an upload token or a GitHub Actions OIDC token of one repository writes no
  report for another (same organisation, another installation, case and encoding variants, path
  tricks), and the simulations endpoint, authenticated the same way, reads none either.
  tests/test_report_oidc.py already proves the refused OIDC tokens (expired, not yet valid, other
  issuer, other audience, `alg: none`, HS256 keyed with the public key, a stranger's key, a
  tampered payload, unknown or missing kid) store nothing; they are not repeated here.
- Installation tokens: two organisations driven end to end through the simulator, which records
  the repository every request named and the installation whose token it carried.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from app.insights.ledger_facts import DeploymentFact, PullFact
from app.reports.tokens import upload_token
from app.sandbox import SimulatedGitHub
from app.sandbox.actors_repos import add_collaborator, post_status
from app.sandbox.oidc import ActionsOidc
from app.service import Paasbot
from app.settings import secret_values
from app.store.ledger import record_action, record_facts, replace_teams
from app.store.tables import reports, subject_events, subjects
from app.store.web_sessions import SESSION_TTL_SECONDS, create_session
from app.web.server import create_web_app
from app.web.signature import sign
from tests.dashboard_world import INSIGHTS_TOKEN
from tests.dashboard_world import running_dashboard as dashboard_running
from tests.e2e_world import upload_report
from tests.helpers import FakeClock, make_settings
from tests.oidc_world import (  # noqa: F401 (fixtures)
    clock_fixture,
    http_fixture,
    issuer_fixture,
    oidc_fixture,
    origin_fixture,
    request_id_token,
)

SECRET = "It's a Secret to Everybody"
SHA = "ab" * 20
LCOV = b"SF:app/x.py\nDA:1,1\nend_of_record\n"
AUDIENCE = "paasbot"
ClientFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture(name="simulator_state")
def two_organisations(clock: FakeClock) -> SimulatedGitHub:
    """acme and globex, each its own installation, both with a repository named `api`."""
    state = SimulatedGitHub(clock=clock)
    acme = state.add_installation("acme")
    state.add_repository(acme, "api")
    state.add_repository(acme, "web")
    globex = state.add_installation("globex")
    state.add_repository(globex, "api")
    return state


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """Credentials are checked before the database is touched: SQLite is enough."""
    path = tmp_path / "paasbot.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def bot(sqlite_url: str, private_key: str, issuer: str) -> Paasbot:
    return Paasbot(
        make_settings(sqlite_url, private_key, oidc_issuer=issuer, oidc_audience=AUDIENCE)
    )


@pytest.fixture
async def client(bot: Paasbot, aiohttp_client: ClientFactory) -> TestClient:
    return await aiohttp_client(create_web_app(bot, run_workers=False))


async def nothing_stored(bot: Paasbot) -> bool:
    async with bot.db.reader() as conn:
        counts = [
            await conn.scalar(select(func.count()).select_from(table))
            for table in (reports, subjects, subject_events)
        ]
    return counts == [0, 0, 0]


async def upload(client: TestClient, path: str, token: str) -> tuple[int, str]:
    """POST to `path` as given: no client-side normalisation of `..` or percent escapes."""
    url = client.make_url("/").with_path(path, encoded=True).with_query({"kind": "coverage"})
    async with client.session.post(
        url, data=LCOV, headers={"Authorization": f"Bearer {token}"}
    ) as response:
        return response.status, await response.text()


# --- upload tokens ------------------------------------------------------------------------------

ACME_API_TOKEN = upload_token(SECRET, "acme/api")
# (the path after /api/reports/, the status, what the error says)
OTHER_TARGETS = {
    "same-organisation": ("acme/web", 403, "not valid for acme/web"),
    "other-installation-same-name": ("globex/api", 403, "not valid for globex/api"),
    "name-prefix": ("acme/api-internal", 403, "not valid for acme/api-internal"),
    "owner-and-name-swapped": ("api/acme", 403, "not valid for api/acme"),
    "trailing-dot": ("acme/api.", 403, "not valid for acme/api."),
    "git-suffix": ("acme/api.git", 403, "not valid for acme/api.git"),
    "dot-dot-segment": ("acme/api/../web", 404, None),
    "encoded-dot-dot": ("acme/%2E%2E/web", 404, None),
    "encoded-slash": ("acme%2Fapi/..%2Fweb", 400, "is not a repository owner or name"),
    "encoded-slash-in-name": (
        "acme/api%2F..%2F..%2Fglobex%2Fapi",
        400,
        "'api/../../globex/api' is not a repository owner or name",
    ),
    "double-slash": ("acme//api", 404, None),
    "dotless-i": ("acme/ap%C4%B1", 400, "is not a repository owner or name"),
    "fullwidth-a": ("acme/%EF%BD%81pi", 400, "is not a repository owner or name"),
    "kelvin-sign": ("%E2%84%AAacme/api", 400, "is not a repository owner or name"),
    "nul": ("acme/api%00", 400, "is not a repository owner or name"),
    "trailing-space": ("acme/api%20", 400, "is not a repository owner or name"),
    "dot-owner": ("./api", 400, "is not a repository owner or name"),
}


@pytest.mark.parametrize(
    ("target", "status", "message"), OTHER_TARGETS.values(), ids=OTHER_TARGETS.keys()
)
async def test_an_upload_token_writes_no_other_repositorys_report(
    client: TestClient, bot: Paasbot, target: str, status: int, message: str | None
) -> None:
    answer_status, text = await upload(client, f"/api/reports/{target}/{SHA}", ACME_API_TOKEN)
    assert answer_status == status, text
    if message is not None:
        assert message in text
    assert ACME_API_TOKEN not in text
    assert await nothing_stored(bot)


async def test_a_case_variant_is_the_same_repository(client: TestClient, bot: Paasbot) -> None:
    """Control: GitHub's names are case-insensitive, so the token is good for ACME/Api, and the
    report lands under acme/api, where the refusals above would have had to land."""
    status, text = await upload(client, f"/api/reports/ACME/Api/{SHA}", ACME_API_TOKEN)
    assert status == 202, text
    async with bot.db.reader() as conn:
        assert list((await conn.execute(select(reports.c.repository))).scalars()) == ["acme/api"]


async def test_a_token_made_with_another_secret_is_refused(
    client: TestClient, bot: Paasbot
) -> None:
    """Another paasbot's (or a guessed secret's) token for the very same repository."""
    forged = upload_token("another paasbot's secret", "acme/api")
    status, text = await upload(client, f"/api/reports/acme/api/{SHA}", forged)
    assert status == 403 and "not valid for acme/api" in text
    assert await nothing_stored(bot)


async def test_a_token_cannot_simulate_another_repositorys_pull_request(
    client: TestClient, bot: Paasbot
) -> None:
    """POST /api/simulate is authenticated as uploads are; it would read the PR and its rules."""
    response = await client.post(
        "/api/simulate/globex/api/1", headers={"Authorization": f"Bearer {ACME_API_TOKEN}"}
    )
    assert response.status == 403
    assert "not valid for globex/api" in (await response.json())["error"]


# --- OIDC tokens --------------------------------------------------------------------------------


async def oidc_token(
    http: aiohttp.ClientSession, oidc: ActionsOidc, origin: str, repository: str
) -> str:
    return await request_id_token(http, oidc.start_run(repository), origin, audience=AUDIENCE)


OIDC_TARGETS = {
    "same-organisation": ("acme/api", "acme/web"),
    "other-installation-same-name": ("acme/api", "globex/api"),
    "from-the-other-installation": ("globex/api", "acme/api"),
    "other-case-of-another": ("acme/api", "ACME/WEB"),
}


@pytest.mark.parametrize(("issued_for", "target"), OIDC_TARGETS.values(), ids=OIDC_TARGETS.keys())
async def test_an_oidc_token_writes_no_other_repositorys_report(
    client: TestClient,
    bot: Paasbot,
    http: aiohttp.ClientSession,
    oidc: ActionsOidc,
    origin: str,
    issued_for: str,
    target: str,
) -> None:
    token = await oidc_token(http, oidc, origin, issued_for)
    status, text = await upload(client, f"/api/reports/{target}/{SHA}", token)
    assert status == 403, text
    assert f"this OIDC token is for {issued_for}, not {target.lower()}" in text
    assert token not in text
    assert await nothing_stored(bot)


async def test_an_oidc_token_cannot_simulate_another_repositorys_pull_request(
    client: TestClient, http: aiohttp.ClientSession, oidc: ActionsOidc, origin: str
) -> None:
    token = await oidc_token(http, oidc, origin, "globex/api")
    response = await client.post(
        "/api/simulate/acme/api/1", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 403
    assert "this OIDC token is for globex/api" in (await response.json())["error"]


# --- installation tokens, end to end ------------------------------------------------------------

CONFIG = """
rules:
  - name: Ask the owners
    do:
      request_reviews: {users: [bob]}
  - name: Green
    if: [check-success=ci]
    do:
      label: {add: [green]}
"""


def two_installations() -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    for org in ("acme", "globex"):
        installation = state.add_installation(org)
        files = {".paasbot.yml": CONFIG, "src/app.py": "x = 0\n"}
        state.add_repository(installation, "api", files=files)
        add_collaborator(state, f"{org}/api", "bob", "write")
    return state


def owner_installation(state: SimulatedGitHub, repository: str) -> int | None:
    found = state.find_repository(repository)
    installation = None if found is None else state.installation_for(found)
    return None if installation is None else installation.id


@pytest.fixture
async def stage(stage_for: Callable[..., Any]) -> AsyncIterator[Any]:
    async with stage_for(two_installations()) as running:
        yield running


async def test_no_installation_token_is_used_on_another_installations_repository(
    stage: Any,
) -> None:
    state: SimulatedGitHub = stage.state
    pulls = {}
    for org in ("acme", "globex"):
        state.commit(f"{org}/api", "feature", {"src/app.py": f"x = '{org}'\n"}, author="alice")
        pulls[org] = state.open_pull(f"{org}/api", "A change", head_ref="feature")
    await stage.settle()
    await asyncio.gather(
        *(
            upload_report(stage, f"{org}/api", pull.head_sha, LCOV, kind="coverage", name="unit")
            for org, pull in pulls.items()
        )
    )
    for org, pull in pulls.items():
        post_status(state, f"{org}/api", pull.head_sha, "ci", "success")
    await stage.settle()

    named = [r for r in state.requests if r.repository is not None and r.installation_id]
    crossed = [
        (r.method, r.path, r.installation_id, r.status)
        for r in named
        if r.installation_id != owner_installation(state, r.repository or "")
    ]
    assert not crossed
    for org, pull in pulls.items():  # the work was done, so the tokens were used
        assert "green" in state.pull(f"{org}/api", pull.number).labels
    assert {r.installation_id for r in named} == {i.id for i in state.installations.values()}
    accounts = {i.id: i.account for i in state.installations.values()}
    org_calls = [r for r in state.requests if r.path.startswith("/orgs/") and r.installation_id]
    assert all(r.path.split("/")[2] == accounts[r.installation_id] for r in org_calls)


# --- the dashboard and its JSON API -------------------------------------------------------------

DAY = 86400.0


async def seed_ledger(bot: Paasbot) -> None:
    """acme/web: 2 merged PRs, 1 action. acme/secret: 3 merged PRs, 4 production deployments, 5
    actions. Teams: platform (both), vault (acme/secret only)."""
    now = time.time()
    facts: list[Any] = []
    for repository, merged in (("acme/web", 2), ("acme/secret", 3)):
        facts += [
            PullFact(repository, n, "main", now - 5 * DAY, now - DAY, False, merged_at=now - DAY)
            for n in range(1, merged + 1)
        ]
    facts += [
        DeploymentFact("acme/secret", n, n, "production", "c" * 40, "success", now - DAY)
        for n in range(1, 5)
    ]
    async with bot.db.transaction() as conn:
        await record_facts(conn, facts, now)
        for repository, actions in (("acme/web", 1), ("acme/secret", 5)):
            for _ in range(actions):
                await record_action(
                    conn, repository=repository, action="label", outcome="done", at=now - DAY
                )
        await replace_teams(conn, "acme/web", {"platform": "push"}, now)
        await replace_teams(conn, "acme/secret", {"platform": "push", "vault": "admin"}, now)


@pytest.fixture
async def dashboard(sqlite_url: str) -> AsyncIterator[Any]:
    """Authorization is decided before the database is read: SQLite is enough, except for the
    figures themselves (`dashboard_on_both`)."""
    async with running_dashboard(sqlite_url) as running:
        yield running


@pytest.fixture
async def dashboard_on_both(database_url: str) -> AsyncIterator[Any]:
    async with running_dashboard(database_url) as running:
        yield running


def running_dashboard(database_url: str) -> AbstractAsyncContextManager[Any]:
    return dashboard_running(database_url, prepare=lambda stage: seed_ledger(stage.bot))


async def log_in(browser: aiohttp.ClientSession, dashboard: Any) -> str:
    """Logs alice in through the simulator's OAuth; returns her session cookie's value."""
    response = await browser.get(dashboard.paasbot_url + "/insights")
    assert response.status == 200, await response.text()
    [cookie] = [c for c in browser.cookie_jar if c.key == "paasbot_session"]
    return cookie.value


async def api(
    http: aiohttp.ClientSession, dashboard: Any, query: str = "", **headers: str
) -> tuple[int, Any]:
    async with http.get(dashboard.paasbot_url + "/api/insights" + query, headers=headers) as got:
        return got.status, await got.json()


def merged(figures: dict[str, Any]) -> int:
    return int(figures["merge_time"]["all"]["count"])


async def test_an_organisation_total_counts_only_what_the_user_can_see(
    browser: aiohttp.ClientSession, dashboard_on_both: Any
) -> None:
    dashboard = dashboard_on_both
    status, everything = await api(browser, dashboard, Authorization=f"Bearer {INSIGHTS_TOKEN}")
    # The ledger does hold acme/secret's figures.
    assert status == 200 and merged(everything) == 5
    assert everything["delivery"]["deployment_frequency"]["count"] == 4
    await log_in(browser, dashboard)

    status, mine = await api(browser, dashboard)
    _, team = await api(browser, dashboard, "?team=platform")
    page = await (await browser.get(dashboard.paasbot_url + "/insights")).text()

    assert status == 200 and mine["scope"]["repositories"] == ["acme/web"]
    assert merged(mine) == 2 and mine["bot_work"]["total"] == 1
    assert mine["delivery"]["deployment_frequency"]["count"] == 0
    assert team["scope"]["repositories"] == ["acme/web"] and merged(team) == 2
    assert "acme/secret" not in page and "vault" not in page


GUESSES = {
    "exact": "?repository=acme/secret",
    "upper-case": "?repository=ACME/SECRET",
    "mixed-case-and-spaces": "?repository=%20Acme/Secret%20",
    "trailing-slash": "?repository=acme/secret/",
    "encoded-slash": "?repository=acme%2Fsecret",
    "dot-dot": "?repository=acme/web/../secret",
    "sql-wildcard": "?repository=acme/%25",
    "sql-quote": "?repository=acme/secret'%20OR%20'1'='1",
    "list": "?repository=acme/web,acme/secret",
    "nul": "?repository=acme/secret%00",
    "hidden-team": "?team=vault",
    "team-and-hidden-repository": "?team=platform&repository=acme/secret",
    "upper-case-team": "?team=VAULT",
}


async def test_a_guessed_repository_or_team_shows_nothing(
    browser: aiohttp.ClientSession, dashboard: Any
) -> None:
    """Every guess from one login (a login is an OAuth round trip)."""
    await log_in(browser, dashboard)
    shown = {}
    for name, query in GUESSES.items():
        status, body = await api(browser, dashboard, query)
        page = await browser.get(dashboard.paasbot_url + "/insights" + query)
        text = (await page.text()).lower()
        leaked = "vault" in text and "vault" not in query.lower()
        if (status, page.status, set(body), leaked) != (404, 404, {"message"}, False):
            shown[name] = (status, page.status, body)
    assert not shown


async def test_a_repeated_parameter_takes_the_first_and_still_only_what_is_visible(
    browser: aiohttp.ClientSession, dashboard: Any
) -> None:
    await log_in(browser, dashboard)
    status, body = await api(browser, dashboard, "?repository=acme/web&repository=acme/secret")
    assert status == 200 and body["scope"]["repositories"] == ["acme/web"] and merged(body) == 2
    status, body = await api(browser, dashboard, "?repository=acme/secret&repository=acme/web")
    assert status == 404


async def test_a_session_is_not_usable_after_logout(
    browser: aiohttp.ClientSession, dashboard: Any
) -> None:
    session_id = await log_in(browser, dashboard)
    await browser.post(dashboard.paasbot_url + "/logout")
    async with aiohttp.ClientSession() as replay:
        status, body = await api(replay, dashboard, "", Cookie=f"paasbot_session={session_id}")
        page = await replay.get(
            dashboard.paasbot_url + "/insights",
            headers={"Cookie": f"paasbot_session={session_id}"},
            allow_redirects=False,
        )
    assert status == 401 and "/login" in body["message"]
    assert page.status == 302 and page.headers["Location"].startswith("/login")


async def test_an_expired_session_is_refused(dashboard: Any) -> None:
    async with dashboard.bot.db.transaction() as conn:
        expired = await create_session(
            conn, "alice", {"acme/web"}, time.time() - SESSION_TTL_SECONDS - 1
        )
    async with aiohttp.ClientSession() as http:
        status, body = await api(http, dashboard, "", Cookie=f"paasbot_session={expired}")
    assert status == 401 and "/login" in body["message"]


def _bearer_variants() -> dict[str, dict[str, str]]:
    return {
        "upper-case-token": {"Authorization": f"Bearer {INSIGHTS_TOKEN.upper()}"},
        "token-prefix": {"Authorization": f"Bearer {INSIGHTS_TOKEN[:-1]}"},
        "token-and-more": {"Authorization": f"Bearer {INSIGHTS_TOKEN}x"},
        "basic-scheme": {"Authorization": f"Basic {INSIGHTS_TOKEN}"},
        "token-scheme": {"Authorization": f"token {INSIGHTS_TOKEN}"},
        "empty-bearer": {"Authorization": "Bearer "},
        "forged-cookie": {"Cookie": "paasbot_session=" + "A" * 43},
    }


async def test_wrong_credentials_are_a_401(dashboard: Any) -> None:
    answers = {}
    async with aiohttp.ClientSession() as http:
        for name, headers in _bearer_variants().items():
            status, body = await api(http, dashboard, "", **headers)
            answers[name] = (status, set(body), INSIGHTS_TOKEN in body["message"])
    assert answers == {name: (401, {"message"}, False) for name in _bearer_variants()}


async def test_a_session_id_is_no_bearer_token(
    browser: aiohttp.ClientSession, dashboard: Any
) -> None:
    session_id = await log_in(browser, dashboard)
    async with aiohttp.ClientSession() as http:
        status, _ = await api(http, dashboard, "", Authorization=f"Bearer {session_id}")
    assert status == 401


# --- error answers ------------------------------------------------------------------------------

# Marks of a stack trace, SQL, or a database driver's own words.
LEAKS = (
    "traceback",
    'file "',
    "sqlalche",
    "asyncpg",
    "sqlite3",
    "operationalerror",
    "connect call failed",
    "[sql:",
    "select ",
    "insert ",
    "\\n  ",
)


def secret_settings(database: str, private_key: str) -> Any:
    return make_settings(
        database,
        private_key,
        webhook_max_bytes=4096,
        report_max_bytes=4096,
        github_client_id="Iv1.client",
        github_client_secret="client-secret-0123456789abcdef",
        session_secret="session-secret-0123456789abcdef",
        metrics_token="metrics-token-0123456789abcdef",
        insights_token=INSIGHTS_TOKEN,
        oidc_issuer=None,
    )


def hidden(settings: Any, database: str) -> list[str]:
    """What no error body may contain: every secret (the private key by its lines), the upload
    tokens, the database's address."""
    key_lines = [line for line in settings.private_key.splitlines() if len(line) >= 16]
    secrets = [value for value in secret_values(settings) if value != settings.private_key]
    tokens = [upload_token(settings.webhook_secret, r) for r in ("acme/api", "acme/web")]
    unreachable = ("nonexistent-dir", "nobody@", "127.0.0.1:1", "('127.0.0.1', 1)")
    return [*secrets, *key_lines, *tokens, database.split("///")[-1], *unreachable]


def webhook(body: bytes, secret: str | None, event: str = "pull_request", **more: str) -> Any:
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": "d-1", **more}
    headers.setdefault("Content-Type", "application/json")
    if secret is not None:
        headers["X-Hub-Signature-256"] = sign(secret, body)
    return ("POST", "/api/github/webhooks", headers, body)


def report(path: str, token: str | None, body: bytes = LCOV, **more: str) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return ("POST", f"/api/reports/{path}", {**headers, **more}, body)


FORM = "application/x-www-form-urlencoded"
GZIP_ENCODED = {"Content-Encoding": "gzip"}


def refusals(settings: Any) -> dict[str, tuple[int, Any]]:
    secret = settings.webhook_secret
    api_token = upload_token(secret, "acme/api")
    web_token = upload_token(secret, "acme/web")
    bearer = {"Authorization": f"Bearer {INSIGHTS_TOKEN}"}
    return {
        "webhook-unsigned": (401, webhook(b"{}", None)),
        "webhook-forged": (401, webhook(b"{}", "guess")),
        "webhook-not-json": (400, webhook(b"{nope", secret)),
        "webhook-utf-16": (400, webhook('{"a": 1}'.encode("utf-16"), secret)),
        "webhook-nul-action": (400, webhook(b'{"action": "a\\u0000"}', secret)),
        "webhook-form": (
            415,
            webhook(
                b"payload=%7B%7D", secret, **{"Content-Type": "application/x-www-form-urlencoded"}
            ),
        ),
        "webhook-bad-event": (400, webhook(b"{}", secret, event="../x")),
        "webhook-too-large": (413, webhook(b" " * 5000, secret)),
        "upload-no-token": (401, report(f"acme/api/{SHA}?kind=coverage", None)),
        "upload-other-repository": (403, report(f"acme/api/{SHA}?kind=coverage", web_token)),
        "upload-malformed-token": (401, report(f"acme/api/{SHA}?kind=coverage", "pbu_short")),
        "upload-jwt-garbage": (401, report(f"acme/api/{SHA}?kind=coverage", "a.b.c")),
        "upload-bad-kind": (400, report(f"acme/api/{SHA}?kind=secrets", api_token)),
        "upload-bad-sha": (400, report("acme/api/HEAD?kind=coverage", api_token)),
        "upload-bad-gzip": (
            400,
            report(
                f"acme/api/{SHA}?kind=coverage",
                api_token,
                b"\x1f\x8bjunk",
                **{"Content-Encoding": "gzip"},
            ),
        ),
        "upload-not-a-report": (422, report(f"acme/api/{SHA}?kind=coverage", api_token, b"<x/>")),
        "upload-too-large": (413, report(f"acme/api/{SHA}?kind=coverage", api_token, b"x" * 5000)),
        "upload-get": (405, ("GET", f"/api/reports/acme/api/{SHA}", {}, b"")),
        "simulate-other-repository": (
            403,
            ("POST", "/api/simulate/acme/web/1", {"Authorization": f"Bearer {api_token}"}, b""),
        ),
        "simulate-bad-number": (404, ("POST", "/api/simulate/acme/api/x", {}, b"")),
        "insights-anonymous": (401, ("GET", "/api/insights", {}, b"")),
        "insights-wrong-token": (401, ("GET", "/api/insights", {"Authorization": "Bearer x"}, b"")),
        "insights-bad-days": (400, ("GET", "/api/insights?days=7%27", bearer, b"")),
        "callback-forged-state": (400, ("GET", "/oauth/callback?code=x&state=y", {}, b"")),
        "logout-get": (405, ("GET", "/logout", {}, b"")),
        "metrics-anonymous": (401, ("GET", "/metrics", {}, b"")),
        "unknown-path": (404, ("GET", "/api/../../etc/passwd", {}, b"")),
    }


async def test_error_answers_hold_no_secret_trace_or_sql(
    sqlite_url: str, private_key: str, aiohttp_client: ClientFactory
) -> None:
    settings = secret_settings(sqlite_url, private_key)
    client = await aiohttp_client(create_web_app(Paasbot(settings), run_workers=False))
    answers = {}
    for name, (_, (method, path, headers, body)) in refusals(settings).items():
        # A connection of its own each: after a body that does not match its Content-Encoding,
        # aiohttp answers, then closes the connection a next request would have reused.
        closing = {**headers, "Connection": "close"}
        response = await client.request(method, path, headers=closing, data=body)
        answers[name] = (response.status, await response.text())
    assert {name: status for name, (status, _) in answers.items()} == {
        name: status for name, (status, _) in refusals(settings).items()
    }
    never = hidden(settings, sqlite_url)
    leaked = {
        name: text
        for name, (_, text) in answers.items()
        if any(value in text for value in never) or any(leak in text.lower() for leak in LEAKS)
    }
    assert not leaked


async def test_answers_while_the_database_is_down_hold_no_trace_or_sql(
    database_url: str, private_key: str, aiohttp_client: ClientFactory
) -> None:
    settings = secret_settings(database_url, private_key)
    bot = Paasbot(settings)
    client = await aiohttp_client(create_web_app(bot, run_workers=False))
    await bot.db.close()
    bot.db.engine = bot.db.read_engine = unreachable_engine(bot.db.is_postgres)
    upload = upload_token(settings.webhook_secret, "acme/api")
    requests = {
        "webhook": webhook(json.dumps({"action": "opened"}).encode(), settings.webhook_secret),
        "upload": report(f"acme/api/{SHA}?kind=coverage", upload),
        "insights": ("GET", "/api/insights", {"Authorization": f"Bearer {INSIGHTS_TOKEN}"}, b""),
        "dashboard": ("GET", "/insights", {"Cookie": "paasbot_session=abc"}, b""),
        "readiness": ("GET", "/readyz", {}, b""),
    }
    answers = {}
    for name, (method, path, headers, body) in requests.items():
        response = await client.request(method, path, headers=headers, data=body)
        answers[name] = (response.status, await response.text())
    assert all(status >= 500 for status, _ in answers.values()), answers
    never = hidden(settings, database_url)
    leaked = {
        name: text
        for name, (_, text) in answers.items()
        if any(value in text for value in never) or any(leak in text.lower() for leak in LEAKS)
    }
    assert not leaked


def unreachable_engine(is_postgres: bool) -> Any:
    if is_postgres:
        return create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    return create_async_engine("sqlite+aiosqlite:////nonexistent-dir/paasbot.db")


async def test_a_hidden_repository_or_team_answers_as_one_that_does_not_exist(
    browser: aiohttp.ClientSession, dashboard: Any
) -> None:
    """No oracle: whether acme/secret or the vault team exists cannot be told from the answer."""
    await log_in(browser, dashboard)
    pairs = [("repository", "acme/secret", "acme/nothing"), ("team", "vault", "nobody")]
    for parameter, hidden_name, missing_name in pairs:
        hidden_status, hidden_body = await api(browser, dashboard, f"?{parameter}={hidden_name}")
        missing_status, missing_body = await api(browser, dashboard, f"?{parameter}={missing_name}")
        assert hidden_status == missing_status == 404
        assert hidden_body["message"].replace(hidden_name, "X") == missing_body["message"].replace(
            missing_name, "X"
        )
