"""`paasbot simulate` (the CLI, against the simulator with the app's credentials in the
environment) and `POST /api/simulate/{owner}/{repo}/{number}` (through the end-to-end stage:
paasbot running against the simulator, authenticated as report uploads are)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from app.cli import main
from app.reports import ci_env
from app.reports.tokens import upload_token
from app.reports.upload import OidcCredential, id_token
from app.sandbox import SimulatedGitHub
from app.sandbox.actors_pulls import review
from app.sandbox.actors_repos import add_collaborator
from app.sandbox.context import API_PREFIX
from app.sandbox.demo import DemoStage
from app.settings import DEFAULT_OIDC_AUDIENCE
from app.store.db import Database
from tests.e2e_world import check_runs_named
from tests.sim_fixtures import Simulator
from tests.test_simulate import CONFIG, REPO, database_rows, writes

GIVEN = "rules:\n  - name: Tag it\n    if: [-draft]\n    do:\n      label: {add: [simulated]}\n"
BROKEN = "rules:\n  - name: Broken\n    do:\n      label: {add: [x]}\n      lable: {}\n"


def world() -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    state.add_repository(
        installation, "api", files={".paasbot.yml": CONFIG, "src/app.py": "print(0)\n"}
    )
    for login in ("alice", "bob", "carol"):
        add_collaborator(state, REPO, login, "write")
    return state


def open_pull(state: SimulatedGitHub) -> Any:
    state.commit(REPO, "docs", {"docs/guide.md": "Read me.\n"}, author="alice")
    return state.open_pull(REPO, "Document it", head_ref="docs")


# The CLI


@pytest.fixture
def simulator_state() -> SimulatedGitHub:
    return world()


@pytest.fixture
def app_env(
    simulator: Simulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> dict[str, str]:
    """The app's credentials as `paasbot serve` reads them, for the simulator."""
    host = simulator.base_url.removeprefix("http://").removesuffix(API_PREFIX)
    env = {
        "APP_ID": str(simulator.state.app_id),
        "PRIVATE_KEY": simulator.state.private_key_pem,
        "GHE_HOST": host,
        "GHE_PROTOCOL": "http",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'absent.db'}",
        "PAASBOT_ENV_FILE": str(tmp_path / "no.env"),  # not ./paasbot.env of the checkout
    }
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


async def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`paasbot ARGS` in a thread (it runs its own event loop), while the simulator serves."""
    status = await asyncio.to_thread(main, list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


async def test_cli_prints_what_each_rule_would_do_and_writes_nothing(
    simulator: Simulator,
    app_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    state = simulator.state
    pull = open_pull(state)
    review(state, REPO, pull.number, "bob", "APPROVE", "ok")
    since = len(state.requests)
    status, out, err = await run_cli(capsys, "simulate", f"{REPO}#{pull.number}")
    assert status == 0, err
    assert writes(state, since) == []
    assert not (tmp_path / "absent.db").exists()  # not created: an empty one stood in
    assert "no database at" in err
    assert out.startswith(f"{REPO}#{pull.number} at {pull.head_sha[:12]} (open)")
    assert "[MATCH] Merge approved" in out
    assert f"would: merge #{pull.number} (squash)" in out
    assert "would: add `documentation`" in out
    assert "Summary check `paasbot` (neutral): 3 of 4 rules match" in out


async def test_cli_json_with_a_given_config_file(
    simulator: Simulator,
    app_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    pull = open_pull(simulator.state)
    given = tmp_path / "proposed.yml"
    given.write_text(GIVEN)
    status, out, err = await run_cli(
        capsys, "simulate", f"{REPO}#{pull.number}", "--config", str(given), "--json"
    )
    assert status == 0, err
    answer = json.loads(out)
    assert answer["config"]["source"] == str(given)
    assert [rule["name"] for rule in answer["rules"]] == ["Tag it"]
    assert answer["rules"][0]["actions"][0]["changes"] == ["add `simulated`"]
    assert answer["summary"]["title"] == "1 of 1 rules match"


async def test_cli_errors_say_what_is_wrong(
    simulator: Simulator,
    app_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pull = open_pull(simulator.state)
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN)
    status, _, err = await run_cli(
        capsys, "simulate", f"{REPO}#{pull.number}", "--config", str(broken)
    )
    assert status == 1
    assert err.splitlines()[0].startswith(f"{broken}:5:")
    assert "the configuration is invalid: 1 problem" in err

    status, _, err = await run_cli(capsys, "simulate", f"{REPO}#999")
    assert (status, err) == (1, f"paasbot: {REPO} has no pull request #999\n")

    status, _, err = await run_cli(capsys, "simulate", "elsewhere/repo#1")
    assert status == 1
    assert "paasbot is not installed on elsewhere/repo" in err

    status, _, err = await run_cli(
        capsys, "simulate", f"{REPO}#{pull.number}", "--config", str(tmp_path / "none.yml")
    )
    assert status == 2 and "none.yml: cannot be read" in err

    status, _, err = await run_cli(capsys, "simulate", "acme-api-1")
    assert status == 2 and "write it as owner/repo#123" in err

    monkeypatch.delenv("APP_ID")
    status, _, err = await run_cli(capsys, "simulate", f"{REPO}#{pull.number}")
    assert status == 2 and "APP_ID is not set" in err


# The endpoint


async def post(
    stage: DemoStage, path: str, token: str | None, body: str | None = None
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(stage.paasbot_url + path, data=body, headers=headers) as response,
    ):
        return response.status, await response.json()


async def test_endpoint_answers_the_simulation_and_writes_nothing(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    async with stage_for(state) as stage:
        pull = open_pull(state)
        await stage.settle()  # paasbot evaluated it for real (labelled it, wrote its summary)
        real = check_runs_named(state, REPO, pull.head_sha, "paasbot")[-1].output
        token = upload_token(stage.bot.settings.webhook_secret, REPO)
        db: Database = stage.bot.db
        since, rows = len(state.requests), await database_rows(db)

        status, answer = await post(stage, f"/api/simulate/{REPO}/{pull.number}", token)
        assert status == 200, answer
        assert answer["summary"]["title"] == real["title"]
        assert answer["summary"]["markdown"] == real["summary"]
        labels = next(rule for rule in answer["rules"] if rule["name"] == "Label docs")
        assert labels["actions"][0]["changes"] == []  # done already

        status, answer = await post(stage, f"/api/simulate/{REPO}/{pull.number}", token, GIVEN)
        assert status == 200, answer
        assert answer["rules"][0]["actions"][0]["changes"] == ["add `simulated`"]

        assert writes(state, since) == []
        assert await database_rows(db) == rows
        assert state.pull(REPO, pull.number).labels == ["documentation"]


async def test_endpoint_accepts_the_repositorys_github_actions_oidc_token(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    async with stage_for(state) as stage:
        pull = open_pull(state)
        await stage.settle()
        run = stage.oidc.start_run(REPO, sha=pull.head_sha, event_name="pull_request")
        request = ci_env.id_token_request(
            run.environment(stage.github_url.removesuffix(API_PREFIX))
        )
        assert request is not None
        async with aiohttp.ClientSession() as session:
            token = await id_token(session, OidcCredential(request, DEFAULT_OIDC_AUDIENCE))
        status, answer = await post(stage, f"/api/simulate/{REPO}/{pull.number}", token)
        assert status == 200, answer
        assert answer["number"] == pull.number


async def test_endpoint_refusals_name_the_problem(stage_for: Callable[..., Any]) -> None:
    state = world()
    async with stage_for(state) as stage:
        pull = open_pull(state)
        await stage.settle()
        secret = stage.bot.settings.webhook_secret
        token = upload_token(secret, REPO)
        path = f"/api/simulate/{REPO}/{pull.number}"

        status, answer = await post(stage, path, None)
        assert (status, answer["error"]) == (401, "Authorization: Bearer <upload token> is missing")
        status, answer = await post(stage, path, upload_token(secret, "acme/other"))
        assert (status, answer["error"]) == (403, f"this upload token is not valid for {REPO}")
        status, answer = await post(stage, f"/api/simulate/{REPO}/999", token)
        assert (status, answer["error"]) == (404, f"{REPO} has no pull request #999")
        status, answer = await post(
            stage, "/api/simulate/elsewhere/repo/1", upload_token(secret, "elsewhere/repo")
        )
        assert status == 404 and "not installed on elsewhere/repo" in answer["error"]
        status, answer = await post(stage, path, token, BROKEN)
        assert status == 422
        assert answer["error"] == "the configuration is invalid: 1 problem"
        (problem,) = answer["problems"]
        assert (problem["file"], problem["line"]) == (".paasbot.yml", 5)

        # The live configuration extends no repository: a given one may not read any either
        # (anyone with the repository's token would learn another's rules).
        (installation,) = state.installations.values()
        payroll = "rules:\n  - name: Payroll export\n    do:\n      label: {add: [x]}\n"
        state.add_repository(installation, "payroll", files={".paasbot.yml": payroll})
        status, answer = await post(stage, path, token, "extends: acme/payroll\n" + GIVEN)
        assert status == 422
        assert answer["error"] == (
            "the configuration extends 1 repository that the live configuration does not:"
            " a simulation reads no other repository"
        )
        (problem,) = answer["problems"]
        assert problem["line"] == 1 and "extends 'acme/payroll': not read" in problem["message"]
        assert not state.requests_matching(path_prefix="/repos/acme/payroll/")
        async with (
            aiohttp.ClientSession() as session,
            session.get(stage.paasbot_url + path) as response,
        ):
            assert response.status == 405


async def test_cli_reads_the_credentials_from_paasbot_env_file_as_serve_does(
    simulator: Simulator,
    app_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pull = open_pull(simulator.state)
    env_file = tmp_path / "paasbot.env"
    key = app_env["PRIVATE_KEY"].replace("\n", "\\n")
    env_file.write_text(f"APP_ID={app_env['APP_ID']}\nPRIVATE_KEY={key}\n")
    monkeypatch.delenv("APP_ID")
    monkeypatch.delenv("PRIVATE_KEY")
    monkeypatch.setenv("PAASBOT_ENV_FILE", str(env_file))
    status, out, err = await run_cli(capsys, "simulate", f"{REPO}#{pull.number}", "--json")
    assert status == 0, err
    assert json.loads(out)["number"] == pull.number
