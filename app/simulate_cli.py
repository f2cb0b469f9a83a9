"""`paasbot simulate owner/repo#123 [--config FILE] [--json]`: what paasbot would do on a pull
request, evaluated with the app's own credentials (as `paasbot serve` reads them), with nothing
written anywhere (`app/engine/simulate.py`).

Exit status: 0 with the report; 1 when GitHub or the configuration says no (no such pull
request, the app is not installed on the repository, the given file is invalid: its problems
as file:line:column: message); 2 when something is missing here (a setting, the file, GitHub
or the database cannot be reached)."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

import aiohttp
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app.settings import Settings, SettingsError, load_settings

OK, REFUSED, MISSING = 0, 1, 2
_PULL = re.compile(r"^(?P<repository>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)#(?P<number>[1-9][0-9]*)$")
_PULL_URL = re.compile(
    r"^https?://[^/]+/(?P<repository>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/pull/(?P<number>[1-9][0-9]*)/?$"
)
# `simulate` writes nothing, so the secret webhooks are signed with is not needed.
_NO_WEBHOOK_SECRET = "unused-by-simulate"  # noqa: S105


def add_simulate_command(commands: argparse._SubParsersAction) -> None:
    simulate = commands.add_parser(
        "simulate",
        help="show what paasbot would do on a pull request, without doing it",
        description=(
            "Evaluate the pull request as paasbot would now, with the repository's live "
            "configuration (default branch, org defaults, presets) or FILE, and print what each "
            "rule would do: whether it matches, each condition with the value seen, each "
            "action's plan, and the summary check it would write. Nothing is written to GitHub "
            "or to the database. Uses APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, GHE_HOST, "
            "GHE_PROTOCOL and DATABASE_URL as `paasbot serve` does, from the environment or "
            "PAASBOT_ENV_FILE (WEBHOOK_SECRET is not needed). Exits 1 when the pull request, "
            "the installation or FILE is refused, 2 when something is missing here."
        ),
    )
    simulate.add_argument("pull", metavar="OWNER/REPO#NUMBER", help="the pull request (or its URL)")
    simulate.add_argument(
        "--config",
        metavar="FILE",
        help="evaluate with this .paasbot.yml instead of the live one (validated first)",
    )
    simulate.add_argument("--json", action="store_true", help="print the answer as JSON")


def parse_pull(text: str) -> tuple[str, int]:
    match = _PULL.match(text.strip()) or _PULL_URL.match(text.strip())
    if match is None:
        raise SettingsError(f"{text!r} is not a pull request: write it as owner/repo#123")
    return match["repository"], int(match["number"])


def run_simulate(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    from app.registration.setup_mode import load_env_file

    repository, number = parse_pull(args.pull)
    environ = dict(env)
    load_env_file(environ)  # PAASBOT_ENV_FILE (./paasbot.env), as `paasbot serve` reads it
    settings = load_settings({"WEBHOOK_SECRET": _NO_WEBHOOK_SECRET, **_set(environ)})
    config_text: bytes | None = None
    if args.config is not None:
        path = Path(args.config)
        try:
            config_text = path.read_bytes()
        except OSError as error:
            print(f"paasbot: {path}: cannot be read ({error.strerror or error})", file=err)
            return MISSING
    with tempfile.TemporaryDirectory(prefix="paasbot-simulate-") as folder:
        url, note = _database_url(settings.database_url, Path(folder))
        status = asyncio.run(
            _simulate(
                settings, url, repository, number, config_text, args.config, args.json, out, err
            )
        )
    if note and status == OK:
        print(f"paasbot: note: {note}", file=err)
    return status


def _set(env: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in env.items() if value.strip()}


async def _simulate(
    settings: Settings,
    url: str,
    repository: str,
    number: int,
    config_text: bytes | None,
    config_name: str | None,
    as_json: bool,
    out: TextIO,
    err: TextIO,
) -> int:
    from app.engine.simulate import SimulationRefused, report_text, simulate_pull
    from app.github.client import GitHubApp
    from app.github.errors import GitHubUnavailable
    from app.store.db import Database

    db = Database(url)
    try:
        async with aiohttp.ClientSession() as session:
            github = GitHubApp(
                session,
                base_url=settings.github_api_url,
                app_id=settings.app_id,
                private_key=settings.private_key,
            )
            simulation = await simulate_pull(
                github,
                db,
                repository,
                number,
                own_app_id=settings.app_id,
                config_text=config_text,
                config_name=config_name or ".paasbot.yml",
            )
    except SimulationRefused as refused:
        for problem in refused.problems:
            print(problem, file=err)
        print(f"paasbot: {refused.message}", file=err)
        return REFUSED
    except (GitHubUnavailable, aiohttp.ClientError, TimeoutError) as error:
        print(f"paasbot: GitHub cannot be reached at {settings.github_api_url}: {error}", file=err)
        return MISSING
    except SQLAlchemyError as error:
        print(f"paasbot: the database cannot be read: {type(error).__name__}", file=err)
        return MISSING
    finally:
        await db.close()
    if as_json:
        out.write(json.dumps(simulation.as_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(report_text(simulation))
    return OK


def _database_url(url: str, folder: Path) -> tuple[str, str | None]:
    """DATABASE_URL, whose memory (what paasbot asked, the merge queue) the evaluation reads;
    a SQLite file that does not exist is not created: an empty database stands in for it."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return url, None
    if Path(parsed.database).exists():
        return url, None
    from app.store.migrate import upgrade

    empty = f"sqlite+aiosqlite:///{folder / 'empty.db'}"
    upgrade(empty)
    return empty, (
        f"no database at {parsed.database}: evaluated without paasbot's memory of the pull"
        " request (as on its first evaluation)"
    )
