import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app.web.signature import sign


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], **(env or {})},
        cwd=cwd,
        timeout=60,
    )


@pytest.mark.parametrize(
    "args", [["--help"], ["serve", "--help"], ["db", "--help"], ["db", "upgrade", "--help"]]
)
def test_every_command_has_help(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 0
    assert "usage: paasbot" in result.stdout


def test_serve_with_a_missing_setting_says_which_in_one_line(tmp_path: Path) -> None:
    result = run("serve", env={"WEBHOOK_SECRET": "x"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "paasbot: APP_ID is not set (a positive whole number)"
    assert "Traceback" not in result.stderr


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    result = run("db", "upgrade", env={"DATABASE_URL": f"sqlite:///{database}"})
    assert result.returncode == 0, result.stderr
    tables = {row[0] for row in sqlite3.connect(database).execute("SELECT name FROM sqlite_master")}
    assert {"deliveries", "subjects", "subject_events", "open_pulls", "api_calls"} <= tables


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_probes_and_webhooks(tmp_path: Path, private_key: str) -> None:
    port = _free_port()
    env = {
        "PATH": os.environ["PATH"],
        "APP_ID": "1",
        "PRIVATE_KEY": private_key,
        "WEBHOOK_SECRET": "secret",
        "PORT": str(port),
        "GHE_HOST": "127.0.0.1:9",
        "GHE_PROTOCOL": "http",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_healthy(port, server)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            assert json.load(response)["database"] == "ok"
        body = json.dumps({"zen": "Design for failure.", "hook_id": 1}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/github/webhooks",
            data=body,
            headers={
                "X-GitHub-Event": "ping",
                "X-GitHub-Delivery": "p-1",
                "X-Hub-Signature-256": sign("secret", body),
            },
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert json.load(response)["msg"] == "pong"
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=20)
    assert (tmp_path / "paasbot.db").exists(), (
        "the default database is a SQLite file in the working directory"
    )
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert any(line["msg"] == "paasbot started" for line in lines)
    assert "BEGIN" not in stderr and "secret" not in stderr.replace('"WEBHOOK_SECRET"', "")


def _wait_until_healthy(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"paasbot serve exited: {server.stderr.read()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("paasbot serve did not become healthy")
