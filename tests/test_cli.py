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

from app.cli import main
from app.config.schema import json_schema
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
    "args",
    [
        ["--help"],
        ["serve", "--help"],
        ["db", "--help"],
        ["db", "upgrade", "--help"],
        ["check-config", "--help"],
    ],
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
    assert {
        "deliveries",
        "subjects",
        "subject_events",
        "open_pulls",
        "api_calls",
        "config_generations",
        "pull_memories",
        "review_requests",
    } <= tables


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


# check-config

VALID_CONFIG = """\
extends: golden-path
rules:
  - name: Coverage
    enabled: false
  - name: Label drafts
    if: [draft]
    do:
      label: {toggle: [wip]}
"""

INVALID_CONFIG = """\
rules:
  - name: Label drafts
    if: [drfat]
    do:
      lable: {toggle: [wip]}
  - name: label drafts
"""


def test_check_config_accepts_a_valid_file(tmp_path: Path) -> None:
    (tmp_path / "paasbot.yml").write_text(VALID_CONFIG)
    result = run("check-config", "paasbot.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "paasbot.yml: OK, 5 rules (with preset:golden-path)\n"
    assert result.stderr == ""


def test_check_config_lists_every_problem_of_an_invalid_file(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text(INVALID_CONFIG)
    result = run("check-config", "bad.yml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "bad.yml:3:10: rules[0].if[0]: unknown attribute 'drfat' (did you mean 'draft'?)",
        "bad.yml:5:7: rules[0].do.lable: unknown action 'lable' (did you mean 'label'?);"
        " actions: check, comment, coverage, label, lint, merge, propagate, request_reviews,"
        " update_branch",
        "bad.yml:6:11: rules[1].name: a rule named 'label drafts' is already defined (rules[0])",
    ]


def test_check_config_prints_the_json_schema() -> None:
    result = run("check-config", "--schema")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json_schema()


def test_check_config_without_a_file_reads_the_default_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "paasbot.yml").write_text("rules:\n  - name: a\n")
    assert main(["check-config"]) == 0
    assert capsys.readouterr().out == ".github/paasbot.yml: OK, 1 rule\n"
    (tmp_path / ".paasbot.yml").write_text("extends: minimal\n")
    assert main(["check-config"]) == 0
    assert capsys.readouterr().out == ".paasbot.yml: OK, 2 rules (with preset:minimal)\n"


def test_check_config_without_any_file_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check-config"]) == 2
    assert capsys.readouterr().err == (
        f"paasbot: no .paasbot.yml or .github/paasbot.yml in {tmp_path}; name the file to check\n"
    )


def test_check_config_of_a_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder.yml").mkdir()
    assert main(["check-config", "nope.yml", "folder.yml"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "paasbot: nope.yml: no such file",
        "paasbot: folder.yml is a folder, not a file",
    ]


def test_check_config_notes_what_it_cannot_fetch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".paasbot.yml").write_text(
        "extends: [minimal, acme/.github]\nrules:\n  - name: a\n"
    )
    assert main(["check-config", ".paasbot.yml"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ".paasbot.yml: OK, 3 rules (with preset:minimal)\n"
    assert captured.err == (
        "paasbot: note: .paasbot.yml extends acme/.github, which cannot be fetched here;"
        " checked without it (its rules and defaults are not included)\n"
    )


def test_check_config_reports_options_missing_once_merged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yml").write_text("rules:\n  - name: a\n    do:\n      comment: {}\n")
    (tmp_path / "b.yml").write_text(VALID_CONFIG)
    assert main(["check-config", "a.yml", "b.yml"]) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        "a.yml:4:7: rule 'a': comment: missing required option 'body' (here or in defaults:)\n"
    )
    assert captured.out == "b.yml: OK, 5 rules (with preset:golden-path)\n"
