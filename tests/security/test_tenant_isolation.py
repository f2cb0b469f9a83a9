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
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from app.reports.tokens import upload_token
from app.sandbox import SimulatedGitHub
from app.sandbox.actors_repos import add_collaborator, post_status
from app.sandbox.oidc import ActionsOidc
from app.service import Paasbot
from app.store.tables import reports, subject_events, subjects
from app.web.server import create_web_app
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
from tests.sim_fixtures import Simulator

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


def test_the_two_organisations_fixture_names_the_same_repository_twice(
    simulator_state: SimulatedGitHub, simulator: Simulator
) -> None:
    """The OIDC cases above rely on acme/api and globex/api being distinct installations'."""
    acme, globex = (owner_installation(simulator_state, f"{o}/api") for o in ("acme", "globex"))
    assert acme is not None and globex is not None and acme != globex
