"""GET /schema/paasbot.json: the JSON Schema of `.paasbot.yml`, served for editors."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from app.config.schema import json_schema, json_schema_text
from app.service import Paasbot
from app.web.schema import SCHEMA_PATH
from app.web.server import create_web_app
from tests.helpers import make_settings

ClientFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def client(
    tmp_path: Path, sqlite_template: Path, private_key: str, aiohttp_client: ClientFactory
) -> AsyncIterator[TestClient]:
    database = tmp_path / "paasbot.db"
    shutil.copy(sqlite_template, database)
    bot = Paasbot(make_settings(f"sqlite+aiosqlite:///{database}", private_key))
    yield await aiohttp_client(create_web_app(bot, run_workers=False))


async def test_the_schema_is_served_as_json(client: TestClient) -> None:
    response = await client.get("/schema/paasbot.json")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.text() == json_schema_text()
    assert await response.json() == json_schema()
    assert json_schema()["$id"].endswith(SCHEMA_PATH)


async def test_the_schema_may_be_cached_and_revalidated(client: TestClient) -> None:
    response = await client.get(SCHEMA_PATH)
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = await client.get(SCHEMA_PATH, headers={"If-None-Match": etag})
    assert again.status == 304
    assert await again.read() == b""
    assert again.headers["ETag"] == etag
    other = await client.get(SCHEMA_PATH, headers={"If-None-Match": '"something-else"'})
    assert other.status == 200


async def test_head_and_other_methods(client: TestClient) -> None:
    head = await client.head(SCHEMA_PATH)
    assert head.status == 200
    assert head.headers["Content-Type"].startswith("application/json")
    post = await client.post(SCHEMA_PATH, data=b"{}")
    assert post.status == 405
