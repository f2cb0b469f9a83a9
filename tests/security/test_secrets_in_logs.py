"""Secrets never reach the logs (issue 13): a whole flow at debug level, logged as `paasbot serve`
logs (`configure_logging` with the settings' secrets), with GitHub failing a call and a stranger's
unsigned webhook; then no line holds the webhook secret, the private key, an installation token
GitHub issued, an app JWT, a report upload token or the dashboard's bearer token."""

from __future__ import annotations

import io
import logging
import re
import secrets
from collections.abc import Iterator

import aiohttp
import pytest

from app.logs import configure_logging
from app.reports.tokens import upload_token
from app.sandbox import Fault, SimulatedGitHub
from app.sandbox.actors_pulls import comment
from app.sandbox.actors_repos import add_collaborator
from app.sandbox.demo import start_stage
from app.settings import Settings, secret_values
from app.store.queue import QueuePolicy

REPO = "acme/shop"
CONFIG = """
rules:
  - name: Ask the owners
    do:
      request_reviews: {users: [bob]}
  - name: Label
    do:
      label: {add: [seen]}
"""
COBERTURA = b"""<?xml version="1.0" ?>
<coverage line-rate="1" branch-rate="0" version="7.4" timestamp="1">
  <packages><package name="src"><classes>
    <class name="app.py" filename="src/app.py" line-rate="1">
      <lines><line number="1" hits="1"/></lines>
    </class>
  </classes></package></packages>
</coverage>
"""
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.")


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """Everything the root logger writes, as `paasbot serve` formats it, at debug level."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buffer = io.StringIO()
    try:
        yield buffer
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def serve_logging(settings: Settings, buffer: io.StringIO) -> None:
    configure_logging("debug", secrets=secret_values(settings))
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)


def private_key_pieces(pem: str) -> list[str]:
    lines = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    return [line for line in lines if len(line) >= 16]


async def test_no_secret_reaches_the_logs(database_url: str, logged: io.StringIO) -> None:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    state.add_repository(installation, "shop", files={".paasbot.yml": CONFIG, "README.md": "#\n"})
    add_collaborator(state, REPO, "bob", "write")
    insights_token = secrets.token_urlsafe(24)
    stage = await start_stage(
        state,
        database_url,
        queue_policy=QueuePolicy(coalesce_seconds=0.2, backoff_base_seconds=0.05),
        insights_token=insights_token,
    )
    try:
        settings = stage.bot.settings
        serve_logging(settings, logged)
        # GitHub fails the first review request: an error path, logged and retried.
        state.faults.queue(Fault.error(502, path_prefix=f"/repos/{REPO}/pulls/1/requested"))
        state.commit(REPO, "feature", {"src/app.py": "x = 1\n"}, author="alice")
        pull = state.open_pull(REPO, "Add app", head_ref="feature", author="alice")
        await stage.settle()
        comment(state, REPO, pull.number, "alice", "/paasbot refresh")
        await stage.settle()
        token = upload_token(settings.webhook_secret, REPO)
        async with aiohttp.ClientSession() as session:
            reports = f"{stage.paasbot_url}/api/reports/{REPO}/{pull.head_sha}"
            async with session.post(
                f"{reports}?kind=coverage&name=unit",
                data=COBERTURA,
                headers={"Authorization": f"Bearer {token}"},
            ) as answer:
                assert answer.status == 202, await answer.text()
            async with session.post(
                f"{reports}?kind=coverage&name=unit",
                data=COBERTURA,
                headers={"Authorization": f"Bearer {token}x"},
            ) as answer:
                assert answer.status in (401, 403)
            async with session.post(
                f"{stage.paasbot_url}/api/github/webhooks",
                data=b'{"zen": "hi"}',
                headers={"X-GitHub-Event": "ping", "X-Hub-Signature-256": "sha256=" + "0" * 64},
            ) as answer:
                assert answer.status == 401
            async with session.get(
                f"{stage.paasbot_url}/api/insights",
                headers={"Authorization": f"Bearer {insights_token}"},
            ) as answer:
                assert answer.status == 200
        await stage.settle()
    finally:
        await stage.close()

    text = logged.getvalue()
    assert "delivery accepted" in text, "the flow was logged"
    assert "webhook signature missing or wrong" in text, "and the stranger's webhook"
    assert "bob" in state.pull(REPO, pull.number).requested_reviewers, "the fault was overcome"
    issued = list(state.tokens)
    assert issued, "installation tokens were issued during the flow"
    forbidden = {
        "the webhook secret": [settings.webhook_secret],
        "the private key": private_key_pieces(settings.private_key),
        "an installation token": issued,
        "the upload token": [token],
        "the dashboard's token": [insights_token],
        "the session secret": [settings.session_secret],
    }
    leaks = [what for what, values in forbidden.items() if any(v in text for v in values)]
    assert leaks == [], f"in the logs: {leaks}"
    assert not JWT.search(text), "an app JWT is in the logs"
