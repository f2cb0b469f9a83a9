"""`paasbot register` and `paasbot serve` in setup mode, against the simulator over real HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp
import pytest

from app.cli import main
from app.registration.env_file import read_env_file
from tests.registration_browser import free_port, register_in_browser

if TYPE_CHECKING:
    from tests.sim_fixtures import Simulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def start_serve(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1"],
        env=env,
        cwd=cwd,
        stderr=subprocess.PIPE,
        text=True,
    )


async def wait_for(http: aiohttp.ClientSession, url: str, process: object = None) -> None:
    for _ in range(300):
        if isinstance(process, subprocess.Popen) and process.poll() is not None:
            raise AssertionError(f"exited: {process.stderr.read() if process.stderr else ''}")
        try:
            async with http.get(url) as response:
                if response.status < 500:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never answered")


async def test_register_writes_the_env_file_and_says_where_to_install(
    http: aiohttp.ClientSession,
    simulator: Simulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = free_port()
    env_file = tmp_path / "paasbot.env"
    argv = [
        "register",
        "--ghe-host",
        urlsplit(simulator.base_url).netloc,
        "--ghe-protocol",
        "http",
        "--url",
        "https://paasbot.example.com",
        "--env-file",
        str(env_file),
        "--port",
        str(port),
    ]
    command = asyncio.create_task(asyncio.to_thread(main, argv))
    await wait_for(http, f"http://localhost:{port}/healthz")

    done, text = await register_in_browser(http, f"http://localhost:{port}/")

    assert done.status == 200 and "install the app at" in text.lower()
    assert await asyncio.wait_for(command, 10) == 0
    out = capsys.readouterr().out
    assert f"Open http://localhost:{port}/" in out
    (app,) = simulator.state.apps.values()
    assert f"/github-apps/{app.slug}/installations/new" in out
    assert "BEGIN" not in out
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert read_env_file(env_file)["APP_ID"] == str(app.id)


def test_register_refuses_an_existing_env_file_before_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_file = tmp_path / "paasbot.env"
    env_file.write_text("APP_ID=1\n")

    code = main(["register", "--ghe-host", "ghe.example.com", "--env-file", str(env_file)])

    assert code == 2
    assert "already exists" in capsys.readouterr().err
    assert env_file.read_text() == "APP_ID=1\n"


def test_register_names_a_bad_host(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["register", "--ghe-host", "https://ghe.example.com/"]) == 2
    assert "GHE_HOST must be a host name" in capsys.readouterr().err


async def test_serve_without_credentials_offers_setup_then_serves_with_them(
    http: aiohttp.ClientSession, simulator: Simulator, tmp_path: Path
) -> None:
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env_file = tmp_path / "paasbot.env"
    env = {
        "PATH": os.environ["PATH"],
        "PORT": str(port),
        "GHE_HOST": urlsplit(simulator.base_url).netloc,
        "GHE_PROTOCOL": "http",
        "PUBLIC_URL": origin,
        "PAASBOT_ENV_FILE": str(env_file),
    }
    setup = start_serve(env, tmp_path)
    try:
        await wait_for(http, f"{origin}/healthz", setup)
        ready = await http.get(f"{origin}/readyz")
        assert ready.status == 503
        assert (await ready.json()) == {"status": "setup needed", "setup": f"{origin}/setup"}
        assert (await http.get(f"{origin}/api/github/webhooks")).status == 404

        done, text = await register_in_browser(http, f"{origin}/setup")

        assert done.status == 200 and "start it again" in text
        assert await asyncio.to_thread(setup.wait, 20) == 0
    finally:
        if setup.poll() is None:
            setup.kill()
        stderr = setup.communicate()[1]
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert any(f"open {origin}/setup" in line["msg"] for line in lines), stderr
    assert "BEGIN" not in stderr
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600

    only_the_file = {key: env[key] for key in ("PATH", "PORT", "PAASBOT_ENV_FILE")}
    serving = start_serve(only_the_file, tmp_path)
    try:
        await wait_for(http, f"{origin}/healthz", serving)
        ready = await http.get(f"{origin}/readyz")
        assert ready.status == 200
    finally:
        serving.terminate()
        stderr = await asyncio.to_thread(lambda: serving.communicate(timeout=20)[1])
    assert "BEGIN" not in stderr
