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
        ["token", "--help"],
        ["upload", "--help"],
        ["register", "--help"],
        ["simulate", "--help"],
        ["demo", "--help"],
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
        "reports",
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
                "Content-Type": "application/json",  # urllib's default is a form's
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


# token and upload

REPORT_SECRET = "It's a Secret to Everybody"
LCOV = "SF:app/x.py\nDA:1,1\nDA:2,0\nend_of_record\n"


def test_token_prints_the_upload_token() -> None:
    from app.reports.tokens import upload_token

    result = run("token", "Acme/API", env={"WEBHOOK_SECRET": REPORT_SECRET})
    assert result.returncode == 0, result.stderr
    assert result.stdout == upload_token(REPORT_SECRET, "acme/api") + "\n"


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ["token", "acme/api"],
            {},
            "paasbot: WEBHOOK_SECRET is not set (upload tokens are derived from it)",
        ),
        (
            ["token", "acme"],
            {"WEBHOOK_SECRET": "s"},
            "paasbot: 'acme' is not a repository: write it as owner/repo",
        ),
        (
            ["upload", "--kind", "coverage", "f"],
            {},
            "paasbot: no paasbot URL: pass --url or set PAASBOT_URL",
        ),
        (
            ["upload", "--kind", "lint", "--url", "http://x", "f"],
            {},
            "paasbot: no upload token: pass --token or set PAASBOT_TOKEN"
            " (`paasbot token owner/repo`), or, on GitHub Actions, give the job"
            " `permissions: id-token: write` to upload with its OIDC token",
        ),
        (
            ["upload", "--kind", "lint", "f"],
            {"PAASBOT_URL": "http://x", "PAASBOT_TOKEN": "t", "GITHUB_SHA": "a" * 40},
            "paasbot: which repository? pass --repo owner/repo (no CI variable names it here)",
        ),
        (
            ["upload", "--kind", "lint", "--repo", "a/b", "f"],
            {"PAASBOT_URL": "http://x", "PAASBOT_TOKEN": "t"},
            "paasbot: which commit? pass --sha (no CI variable names it here)",
        ),
        (
            ["upload", "--kind", "lint", "--repo", "a/b", "--sha", "a" * 40, "missing.xml"],
            {"PAASBOT_URL": "http://x", "PAASBOT_TOKEN": "t"},
            "paasbot: missing.xml: No such file or directory",
        ),
    ],
)
def test_token_and_upload_say_what_is_missing(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    result = run(*args, env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == message


async def serve_paasbot(
    tmp_path: Path, sqlite_template: Path, private_key: str, aiohttp_server, **settings: object
):
    import shutil

    from app.service import Paasbot
    from app.web.server import create_web_app
    from tests.helpers import make_settings

    database = tmp_path / "paasbot.db"
    shutil.copy(sqlite_template, database)
    bot = Paasbot(
        make_settings(
            f"sqlite+aiosqlite:///{database}", private_key, report_max_bytes=4096, **settings
        )
    )
    server = await aiohttp_server(create_web_app(bot, run_workers=False))
    return bot, str(server.make_url("/"))


@pytest.fixture
async def report_server(tmp_path: Path, sqlite_template: Path, private_key: str, aiohttp_server):
    return await serve_paasbot(tmp_path, sqlite_template, private_key, aiohttp_server)


async def run_async(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    import asyncio

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        *args,
        env={"PATH": os.environ["PATH"], **env},
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_upload_sends_the_report_of_the_ci_commit(tmp_path: Path, report_server) -> None:
    from app.reports.tokens import upload_token
    from app.store.reports import load_reports

    bot, url = report_server
    head = "b" * 40
    (tmp_path / "event.json").write_text(json.dumps({"pull_request": {"head": {"sha": head}}}))
    (tmp_path / "coverage.info").write_text(LCOV)
    env = {
        "PAASBOT_URL": url,
        "PAASBOT_TOKEN": upload_token(REPORT_SECRET, "acme/api"),
        "GITHUB_REPOSITORY": "acme/api",
        "GITHUB_SHA": "a" * 40,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
    }
    code, out, err = await run_async(
        "upload", "--kind", "coverage", "--name", "unit", "coverage.info", env=env, cwd=tmp_path
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(
        f"paasbot: uploading coverage report 'unit' for acme/api@{head[:12]}: 40 bytes"
    )
    assert lines[1] == (
        "paasbot: stored (HTTP 202, format lcov, 40 bytes); "
        "pull requests: none open with that head yet"
    )
    async with bot.db.reader() as conn:
        [report] = await load_reports(conn, "acme/api", head, "coverage")
    assert report.body == LCOV.encode()


async def test_upload_exits_1_with_the_servers_error(tmp_path: Path, report_server) -> None:
    from app.reports.tokens import upload_token

    _bot, url = report_server
    (tmp_path / "big.txt").write_bytes(os.urandom(5000))
    base = ["upload", "--kind", "lint", "--url", url, "--repo", "acme/api", "--sha", "a" * 40]
    token = upload_token(REPORT_SECRET, "acme/web")
    code, _out, err = await run_async(*base, "--token", token, "big.txt", env={}, cwd=tmp_path)
    assert code == 1
    assert err == (
        "paasbot: paasbot refused the report (HTTP 403):"
        " this upload token is not valid for acme/api\n"
    )
    token = upload_token(REPORT_SECRET, "acme/api")
    code, _out, err = await run_async(*base, "--token", token, "big.txt", env={}, cwd=tmp_path)
    assert code == 1
    assert "(HTTP 413): the report is larger than 4096 bytes (REPORT_MAX_BYTES)" in err


@pytest.fixture
async def actions(
    simulator, tmp_path: Path, sqlite_template: Path, private_key: str, aiohttp_server
):
    """paasbot trusting the simulator's Actions OIDC issuer, and a job of acme/api there."""
    from app.sandbox.oidc import issuer_url
    from app.sandbox.oidc_routes import OIDC_KEY

    origin = str(simulator.server.make_url("/")).rstrip("/")
    installation = simulator.state.add_installation("acme")
    simulator.state.add_repository(installation, "api")
    bot, url = await serve_paasbot(
        tmp_path, sqlite_template, private_key, aiohttp_server, oidc_issuer=issuer_url(origin)
    )
    return bot, url, simulator.server.app[OIDC_KEY], origin


async def test_upload_from_github_actions_with_the_jobs_oidc_token(tmp_path: Path, actions) -> None:
    from app.store.reports import load_reports

    bot, url, oidc, origin = actions
    run = oidc.start_run("acme/api")
    (tmp_path / "coverage.info").write_text(LCOV)
    env = {"PAASBOT_URL": url, **run.environment(origin)}
    code, out, err = await run_async(
        "upload", "--kind", "coverage", "coverage.info", env=env, cwd=tmp_path
    )
    assert code == 0, err
    assert out.splitlines()[1:] == [
        "paasbot: authenticating with this job's GitHub Actions OIDC token (audience 'paasbot')",
        "paasbot: stored (HTTP 202, format lcov, 40 bytes); "
        "pull requests: none open with that head yet",
    ]
    async with bot.db.reader() as conn:
        [report] = await load_reports(conn, "acme/api", run.sha, "coverage")
    assert report.body == LCOV.encode()


async def test_upload_with_an_oidc_token_for_another_audience_is_refused(
    tmp_path: Path, actions
) -> None:
    _bot, url, oidc, origin = actions
    (tmp_path / "coverage.info").write_text(LCOV)
    env = {"PAASBOT_URL": url, "PAASBOT_AUDIENCE": "sts.amazonaws.com"}
    env |= oidc.start_run("acme/api").environment(origin)
    code, _out, err = await run_async(
        "upload", "--kind", "coverage", "coverage.info", env=env, cwd=tmp_path
    )
    assert code == 1
    assert err == (
        "paasbot: paasbot refused the report (HTTP 401): "
        "the OIDC token's audience is not 'paasbot' (OIDC_AUDIENCE)\n"
    )
    code, _out, err = await run_async(
        "upload",
        "--kind",
        "coverage",
        "--audience",
        "paasbot",
        "coverage.info",
        env=env,
        cwd=tmp_path,
    )
    assert code == 0, err


async def test_upload_says_when_github_actions_gives_no_oidc_token(tmp_path: Path, actions) -> None:
    _bot, url, oidc, origin = actions
    run = oidc.start_run("acme/api", id_token_permission=False)
    (tmp_path / "coverage.info").write_text(LCOV)
    env = {
        "PAASBOT_URL": url,
        **run.environment(origin),
        "ACTIONS_ID_TOKEN_REQUEST_URL": run.id_token_request_url(origin),
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": run.request_token,
    }
    code, _out, err = await run_async(
        "upload", "--kind", "coverage", "coverage.info", env=env, cwd=tmp_path
    )
    assert code == 1
    assert err.startswith("paasbot: GitHub Actions refused an OIDC token (HTTP 403): ")
    assert "id-token: write" in err
