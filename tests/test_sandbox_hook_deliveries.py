"""The app webhook's delivery log over real HTTP: `GET /app/hook/deliveries` (newest first,
cursor pagination, the status filter) and `POST /app/hook/deliveries/{id}/attempts`, with the app's
JWT, checked against GitHub's OpenAPI description."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from app.sandbox import SimulatedGitHub, create_simulator_app
from app.sandbox.apps import install_registered_app, register_from_manifest
from app.sandbox.conformance import ConformanceChecker
from app.sandbox.context import API_PREFIX
from app.sandbox.webhooks import WebhookDispatcher
from tests.sim_fixtures import fail_on_violations

SECRET = "hook-deliveries-secret"
WIDGETS = "acme/widgets"


@dataclass
class Receiver:
    """A webhook endpoint that answers each delivery with the next status it is given (202
    when none is left)."""

    answers: list[int] = field(default_factory=list)
    delivery_ids: list[str] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        self.delivery_ids.append(request.headers["X-GitHub-Delivery"])
        return web.json_response({}, status=self.answers.pop(0) if self.answers else 202)


@dataclass
class HookWorld:
    state: SimulatedGitHub
    dispatcher: WebhookDispatcher
    receiver: Receiver
    base_url: str
    http: aiohttp.ClientSession

    def headers(self, jwt: str | None = None) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {jwt or self.state.app_jwt()}",
            "Accept": "application/vnd.github+json",
        }

    async def list(self, query: str = "", jwt: str | None = None) -> aiohttp.ClientResponse:
        url = f"{self.base_url}/app/hook/deliveries{query}"
        response = await self.http.get(url, headers=self.headers(jwt))
        await response.read()
        return response

    async def listed(self, query: str = "") -> list[dict[str, Any]]:
        response = await self.list(query)
        assert response.status == 200, await response.text()
        items: list[dict[str, Any]] = await response.json()
        return items

    async def redeliver(self, attempt_id: int | str, jwt: str | None = None) -> int:
        url = f"{self.base_url}/app/hook/deliveries/{attempt_id}/attempts"
        async with self.http.post(url, headers=self.headers(jwt)) as response:
            await response.read()
            return response.status

    async def open_pulls(self, count: int) -> None:
        for number in range(count):
            self.state.open_pull(
                WIDGETS, f"PR {number}", head_sha=f"{number:040x}", head_ref=f"b{number}"
            )
        await self.dispatcher.drain()


@pytest.fixture
async def world(
    aiohttp_server: AiohttpServer,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
) -> AsyncIterator[HookWorld]:
    receiver = Receiver()
    hook = web.Application()
    hook.router.add_post("/hook", receiver.handle)
    hook_server: TestServer = await aiohttp_server(hook)
    receiver.url = str(hook_server.make_url("/hook"))
    state = SimulatedGitHub()
    acme = state.add_installation("acme")
    state.add_repository(acme, "widgets")
    dispatcher = WebhookDispatcher(state, receiver.url, SECRET)
    if conformance_checker is not None:
        conformance_checker.drain()
    server = await aiohttp_server(
        create_simulator_app(state, webhook=dispatcher, conformance=conformance_checker)
    )
    async with aiohttp.ClientSession() as http:
        yield HookWorld(state, dispatcher, receiver, str(server.make_url(API_PREFIX)), http)
    if conformance_checker is not None:
        fail_on_violations(conformance_checker.drain(), request.node)


async def test_attempts_are_listed_newest_first_with_their_outcome(world: HookWorld) -> None:
    world.receiver.answers = [503]
    await world.open_pulls(2)
    failed, delivered = world.dispatcher.deliveries
    items = await world.listed()
    assert [(i["id"], i["guid"], i["status_code"], i["status"]) for i in items] == [
        (delivered.attempt_id, delivered.id, 202, "OK"),
        (failed.attempt_id, failed.id, 503, "Invalid HTTP Response: 503"),
    ]
    first = items[1]
    assert (first["event"], first["action"], first["redelivery"]) == (
        "pull_request",
        "opened",
        False,
    )
    assert first["installation_id"] == failed.installation_id
    assert first["repository_id"] == failed.payload["repository"]["id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["delivered_at"])


async def test_a_receiver_that_cannot_be_reached_is_status_code_zero(world: HookWorld) -> None:
    world.dispatcher.url = "http://127.0.0.1:9/unreachable"
    await world.open_pulls(1)
    (item,) = await world.listed()
    assert (item["status_code"], item["status"]) == (0, "failed to connect")
    assert await world.listed("?status=failure") == [], "GitHub's failure filter is 400-599 only"


async def test_a_redelivery_is_a_new_attempt_with_the_same_guid(world: HookWorld) -> None:
    world.receiver.answers = [500]
    await world.open_pulls(1)
    (failed,) = await world.listed()
    assert await world.redeliver(failed["id"]) == 202
    await world.dispatcher.drain()
    again, first = await world.listed()
    assert (again["guid"], again["redelivery"], again["status_code"]) == (failed["guid"], True, 202)
    assert again["id"] > first["id"] == failed["id"]
    assert world.receiver.delivery_ids == [failed["guid"], failed["guid"]]


async def test_the_status_filter_keeps_successes_or_failures(world: HookWorld) -> None:
    world.receiver.answers = [502, 202, 404]
    await world.open_pulls(3)
    assert [i["status_code"] for i in await world.listed("?status=failure")] == [404, 502]
    assert [i["status_code"] for i in await world.listed("?status=success")] == [202]


async def test_pages_follow_the_link_headers_cursor(world: HookWorld) -> None:
    await world.open_pulls(5)
    seen: list[int] = []
    query = "?per_page=2"
    pages = 0
    while True:
        response = await world.list(query)
        seen += [item["id"] for item in await response.json()]
        pages += 1
        link = response.headers.get("Link")
        if link is None:
            break
        match = re.fullmatch(r'<[^>]*(\?[^>]*)>; rel="next"', link)
        assert match is not None, link
        query = match.group(1)
    assert pages == 3
    assert seen == sorted((d.attempt_id for d in world.dispatcher.deliveries), reverse=True)


async def test_a_malformed_cursor_is_a_bad_request(world: HookWorld) -> None:
    response = await world.list("?cursor=nonsense")
    assert response.status == 400


async def test_queued_attempts_are_not_listed_yet(world: HookWorld) -> None:
    await world.dispatcher.stop()
    world.state.open_pull(WIDGETS, "Queued", head_sha="f" * 40, head_ref="queued")
    await asyncio.sleep(0)
    assert await world.listed() == []


async def test_unknown_attempts_are_not_found(world: HookWorld) -> None:
    assert await world.redeliver(12345) == 404


async def test_an_app_sees_and_redelivers_only_its_own_webhooks_attempts(world: HookWorld) -> None:
    manifest = {
        "name": "Other App",
        "url": "https://other.example.com",
        "hook_attributes": {"url": world.receiver.url},
        "default_permissions": {"pull_requests": "write"},
        "default_events": ["pull_request"],
    }
    other, _code = register_from_manifest(world.state, manifest, owner="acme")
    theirs = install_registered_app(world.state, other.id, "globex")
    world.state.add_repository(theirs, "gizmos")
    world.state.open_pull("globex/gizmos", "Theirs", head_sha="e" * 40, head_ref="theirs")
    await world.open_pulls(1)
    ours, their_attempt = (
        [d for d in world.dispatcher.deliveries if d.app_id is None],
        [d for d in world.dispatcher.deliveries if d.app_id == other.id],
    )
    assert [i["guid"] for i in await world.listed()] == [d.id for d in ours]
    assert await world.redeliver(their_attempt[0].attempt_id) == 404


async def test_the_log_needs_the_apps_jwt(world: HookWorld) -> None:
    response = await world.list(jwt="not-a-jwt")
    assert response.status == 401
