"""The whole journey of issue 10 through real HTTP, as an administrator would live it: the app is
registered in a browser by the manifest flow (with the webhook URL of the paasbot about to run),
paasbot starts from the env file `paasbot register` wrote (PAASBOT_ENV_FILE), the registered app
is installed on an organisation of five repositories and GitHub announces it; paasbot offers the
four unconfigured ones a "Configure paasbot" PR, merging two turns paasbot on for those two (and
the configured one) and nothing else; a second installation event offers nothing again.

Every request and response is checked against GitHub's OpenAPI description and every webhook
against GitHub's schemas, as in tests/e2e_world.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer

from app.onboarding.starter import BRANCH, MARKER
from app.registration.flow import RegistrationConfig, RegistrationFlow, add_registration_routes
from app.registration.manifest import load_app_definition
from app.registration.setup_mode import load_env_file
from app.sandbox import SimulatedGitHub
from app.sandbox.actors_pulls import merge_pull
from app.sandbox.actors_repos import add_collaborator
from app.sandbox.apps import RegisteredApp, install_registered_app
from app.sandbox.conformance import ConformanceChecker
from app.sandbox.demo import DemoStage, GitHubStage, start_github, start_paasbot
from app.sandbox.models import Installation
from app.store.queue import QueuePolicy
from tests.e2e_world import check_runs_named
from tests.registration_browser import free_port, register_in_browser
from tests.sim_fixtures import fail_on_violations
from tests.webhook_schemas import invalid_deliveries

ORG = "acme"
RELEASE_WORKFLOW = "on:\n  release:\n    types: [published]\njobs: {}\n"
REPOSITORIES: dict[str, dict[str, str]] = {
    "configured": {".paasbot.yml": "extends: minimal\n", "README.md": "# configured\n"},
    "api": {".github/CODEOWNERS": "* @alice\n", "pyproject.toml": '[project]\nname = "api"\n'},
    "web": {"package.json": '{"name": "web"}\n'},
    "auth-lib": {
        "pyproject.toml": '[project]\nname = "acme-auth"\n',
        ".github/workflows/release.yml": RELEASE_WORKFLOW,
    },
    "docs": {"README.md": "# docs\n", "docs/index.md": "# Welcome\n"},
}
MERGED = ("api", "web")
LEFT_ALONE = ("auth-lib", "docs")


@asynccontextmanager
async def simulated_github(
    state: SimulatedGitHub,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
) -> AsyncIterator[GitHubStage]:
    """The simulator on loopback, paasbot's address reserved; all traffic checked at the end."""
    if conformance_checker is not None:
        conformance_checker.drain()
    github = await start_github(state, conformance=conformance_checker)
    try:
        yield github
    finally:
        await github.close()
    if conformance_checker is not None:
        fail_on_violations(conformance_checker.drain(), request.node)
    invalid = invalid_deliveries(github.dispatcher.deliveries)
    assert not invalid, "webhooks GitHub's schemas reject:\n" + "\n".join(invalid)


async def register(
    github: GitHubStage, aiohttp_server: AiohttpServer, env_file: Path
) -> RegisteredApp:
    """`paasbot register --org acme`'s flow, driven in a browser, announcing paasbot's address."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    config = RegistrationConfig(
        ghe_host=github.github_host,
        ghe_protocol="http",
        public_url=github.paasbot_url,
        callback_url=f"{origin}/callback",
        env_file=env_file,
        definition=load_app_definition(),
        org=ORG,
    )
    flow = RegistrationFlow(config, start_path="/")
    app = web.Application()
    add_registration_routes(app, flow)
    server = await aiohttp_server(app, port=port)
    async with aiohttp.ClientSession() as http:
        done, _text = await register_in_browser(http, origin + "/")
    assert done.status == 200
    await server.close()
    assert flow.result is not None
    return github.state.apps[flow.result.app_id]


def organisation(state: SimulatedGitHub, app: RegisteredApp) -> Installation:
    """The registered app installed on all five repositories of the organisation."""
    installation = install_registered_app(state, app.id, ORG)
    for name, files in REPOSITORIES.items():
        state.add_repository(installation, name, files=files)
        add_collaborator(state, f"{ORG}/{name}", "alice", "write")
    return installation


def announce_installation(state: SimulatedGitHub, installation: Installation) -> None:
    """What GitHub sends when an administrator installs the app (or saves its installation)."""
    repositories = [state.repository(name) for name in installation.repositories]
    state.publish("installation", "created", None, "alice", installation, repositories=repositories)


def onboarding_pulls(state: SimulatedGitHub, name: str) -> list[Any]:
    return [pull for pull in state.pulls_in(f"{ORG}/{name}") if pull.head_ref == BRANCH]


def feature_pull(state: SimulatedGitHub, name: str) -> Any:
    repo = f"{ORG}/{name}"
    state.commit(repo, "feature", {"src/feature.py": "x = 1\n"}, author="alice")
    return state.open_pull(repo, "A feature", head_ref="feature", author="alice")


def paasbot_traces(state: SimulatedGitHub, name: str) -> list[str]:
    """Anything paasbot left on the repository outside its onboarding PR: check runs, comments,
    reviews, labels, review requests."""
    repo = f"{ORG}/{name}"
    onboarding = {pull.number for pull in onboarding_pulls(state, name)}
    traces = [
        f"check run {run.name}"
        for run in state.check_runs.values()
        if run.repo_full_name == repo and run.head_sha not in _onboarding_heads(state, name)
    ]
    traces += [
        f"comment on #{comment.issue_number}"
        for comment in state.comments.values()
        if comment.repo_full_name == repo and comment.issue_number not in onboarding
    ]
    traces += [
        f"review comment on #{comment.pull_number}"
        for comment in state.review_comments.values()
        if comment.repo_full_name == repo and comment.pull_number not in onboarding
    ]
    for pull in state.pulls_in(repo):
        if pull.number in onboarding:
            continue
        traces += [f"review on #{pull.number}" for review in pull.reviews]
        traces += [f"label {label} on #{pull.number}" for label in pull.labels]
        traces += [f"review request on #{pull.number}" for _ in pull.requested_reviewers]
        traces += [f"team review request on #{pull.number}" for _ in pull.requested_teams]
    return traces


def _onboarding_heads(state: SimulatedGitHub, name: str) -> set[str]:
    return {pull.head_sha for pull in onboarding_pulls(state, name)}


@asynccontextmanager
async def registered_paasbot(
    database_url: str,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
    aiohttp_server: AiohttpServer,
    tmp_path: Path,
) -> AsyncIterator[tuple[DemoStage, RegisteredApp]]:
    """The simulator; the app registered in a browser; paasbot started from the env file."""
    # The built-in app keeps another name, so that the registered app can be "paasbot".
    state = SimulatedGitHub(app_id=1, app_slug="ghe-builtin")
    state.account(ORG, "Organization")
    async with simulated_github(state, conformance_checker, request) as github:
        # 1. Register: the browser flow writes the env file; the app's webhook is paasbot's.
        env_file = tmp_path / "paasbot.env"
        app = await register(github, aiohttp_server, env_file)
        assert app.hook_url == github.webhook_url and app.owner == ORG

        # 2. Start paasbot as `PAASBOT_ENV_FILE=paasbot.env paasbot serve` would.
        environ = {"PAASBOT_ENV_FILE": str(env_file)}
        assert load_env_file(environ)
        assert environ["APP_ID"] == str(app.id) and environ["WEBHOOK_SECRET"] == app.webhook_secret
        policy = QueuePolicy(coalesce_seconds=0.5, backoff_base_seconds=0.05)
        stage = await start_paasbot(github, database_url, env=environ, queue_policy=policy)
        try:
            assert stage.bot.settings.app_id == app.id != state.app_id
            yield stage, app
        finally:
            await stage.close()


async def test_register_install_onboard_merge_two_and_paasbot_acts_on_those_only(
    database_url: str,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
    aiohttp_server: AiohttpServer,
    tmp_path: Path,
) -> None:
    async with registered_paasbot(
        database_url, conformance_checker, request, aiohttp_server, tmp_path
    ) as (stage, app):
        await journey(stage, app)


async def test_a_registered_apps_writes_are_its_bots(
    database_url: str,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
    aiohttp_server: AiohttpServer,
    tmp_path: Path,
) -> None:
    async with registered_paasbot(
        database_url, conformance_checker, request, aiohttp_server, tmp_path
    ) as (stage, app):
        state = stage.state
        installation = organisation(state, app)
        announce_installation(state, installation)
        await stage.settle()
        (pull,) = onboarding_pulls(state, "api")
        runs = [run for run in state.check_runs.values() if run.head_sha == pull.head_sha]
        assert runs
        assert (pull.author, {run.app_id for run in runs}) == (f"{app.slug}[bot]", {app.id})


async def journey(stage: DemoStage, app: RegisteredApp) -> None:
    state = stage.state

    # 3. Install on the organisation's five repositories; GitHub announces it.
    installation = organisation(state, app)
    announce_installation(state, installation)
    await stage.settle()
    deliveries = stage.dispatcher.deliveries
    assert deliveries and all(d.ok and d.app_id == app.id for d in deliveries), [
        (d.event, d.status, d.error) for d in deliveries
    ]
    offered = {name: onboarding_pulls(state, name) for name in REPOSITORIES}
    assert {name: len(pulls) for name, pulls in offered.items()} == {
        "configured": 0, "api": 1, "web": 1, "auth-lib": 1, "docs": 1,
    }  # fmt: skip
    for name in ("api", "web", "auth-lib", "docs"):
        (pull,) = offered[name]
        assert pull.title == "Configure paasbot" and pull.body.endswith(MARKER)
        assert pull.author == f"{app.slug}[bot]"
    starter = state.git.read(offered["api"][0].head_sha, ".paasbot.yml") or b""
    assert b"extends: golden-path" in starter

    # 4. Merge two; open a feature PR everywhere.
    for name in MERGED:
        merge_pull(state, f"{ORG}/{name}", offered[name][0].number, by="alice")
    await stage.settle()
    features = {name: feature_pull(state, name) for name in REPOSITORIES}
    await stage.settle()
    acting = {
        name
        for name, pull in features.items()
        if check_runs_named(state, f"{ORG}/{name}", pull.head_sha, "paasbot")
    }
    assert acting == {"configured", *MERGED}
    for name in LEFT_ALONE:
        assert paasbot_traces(state, name) == [], name

    # 5. GitHub announces the installation again, then every repository as added: nothing new.
    before_requests = len(state.requests)
    announce_installation(state, installation)
    repositories = [state.repository(name) for name in installation.repositories]
    state.publish(
        "installation_repositories", "added", None, "alice", installation,
        added=repositories, removed=[],
    )  # fmt: skip
    await stage.settle()
    assert {name: len(onboarding_pulls(state, name)) for name in REPOSITORIES} == {
        "configured": 0, "api": 1, "web": 1, "auth-lib": 1, "docs": 1,
    }  # fmt: skip
    writes = [r for r in state.requests[before_requests:] if r.method != "GET"]
    assert [w.path for w in writes if "/pulls" in w.path or "/git/" in w.path] == []
    # paasbot authenticated as the registered app throughout, never as the built-in one.
    assert all(token.installation_id == installation.id for token in state.tokens.values())
