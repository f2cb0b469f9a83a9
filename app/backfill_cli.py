"""`paasbot backfill owner/repo [--since 90d]`: the insights ledger's history of a repository that
installed paasbot late, read from the API (nothing is written to GitHub) and stored as webhooks
would have stored it (`app/insights/backfill.py`). Credentials and settings as `paasbot simulate`
reads them (`app/simulate_cli.py`, whose helpers it reuses).

Exit status: 0 with the counts; 1 when GitHub says no (the app is not installed there); 2 when
something is missing here (a setting, GitHub or the database cannot be reached)."""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from app.settings import SettingsError, load_settings

OK, REFUSED, MISSING = 0, 1, 2
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_SINCE = re.compile(r"^(?P<count>[1-9][0-9]*)(?P<unit>[hdw])$")
_UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400}
DEFAULT_SINCE = "90d"


def parse_since(text: str, now: float) -> float:
    """`90d`, `12w`, `36h`, or a date (`2026-09-01`, UTC) -> epoch seconds."""
    match = _SINCE.match(text.strip())
    if match is not None:
        return now - int(match["count"]) * _UNITS[match["unit"]]
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise SettingsError(
            f"--since {text!r}: write a duration (90d, 12w, 36h) or a date (2026-09-01)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


# --- the command ------------------------------------------------------------------------------


def add_backfill_command(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "backfill",
        help="fill the insights ledger with a repository's history from the API",
        description=(
            "Read a repository's pull requests updated since --since (their size, reviews and "
            "first commit), its deployments and their statuses, and its teams, and store them "
            "in the insights ledger as webhooks would have; nothing is written to GitHub, and "
            "running it again changes nothing. Uses APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, "
            "GHE_HOST, GHE_PROTOCOL and DATABASE_URL as `paasbot serve` does, from the "
            "environment or PAASBOT_ENV_FILE (WEBHOOK_SECRET is not needed); migrates the "
            "database first. Exits 1 when GitHub refuses, 2 when something is missing here."
        ),
    )
    command.add_argument("repository", metavar="OWNER/REPO")
    command.add_argument(
        "--since",
        default=DEFAULT_SINCE,
        help=f"how far back: 90d, 12w, 36h, or a date (2026-09-01) (default {DEFAULT_SINCE})",
    )


def run_backfill(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    from app.registration.setup_mode import load_env_file
    from app.simulate_cli import _NO_WEBHOOK_SECRET, _set

    repository = args.repository.strip()
    if not _REPOSITORY.match(repository):
        raise SettingsError(f"{repository!r} is not a repository: write it as owner/repo")
    since = parse_since(args.since, time.time())
    environ = dict(env)
    load_env_file(environ)  # PAASBOT_ENV_FILE (./paasbot.env), as `paasbot serve` reads it
    settings = load_settings({"WEBHOOK_SECRET": _NO_WEBHOOK_SECRET, **_set(environ)})
    from sqlalchemy.exc import SQLAlchemyError

    from app.store.migrate import upgrade

    try:
        upgrade(settings.database_url)
    except SQLAlchemyError as error:
        print(f"paasbot: the database cannot be migrated: {type(error).__name__}", file=err)
        return MISSING
    return asyncio.run(_run(settings, repository, since, out, err))


async def _run(settings: Any, repository: str, since: float, out: TextIO, err: TextIO) -> int:
    import aiohttp
    from gidgethub import BadRequest
    from sqlalchemy.exc import SQLAlchemyError

    from app.engine.simulate import SimulationRefused, installation_of, read_only_api
    from app.github.client import GitHubApp
    from app.github.errors import GitHubUnavailable
    from app.insights.backfill import backfill
    from app.store.db import Database

    db = Database(settings.database_url)
    try:
        async with aiohttp.ClientSession() as session:
            github = GitHubApp(
                session,
                base_url=settings.github_api_url,
                app_id=settings.app_id,
                private_key=settings.private_key,
            )
            api = read_only_api(github, await installation_of(github, repository))
            counts = await backfill(api, db, repository, since, time.time)
    except SimulationRefused as refused:
        print(f"paasbot: {refused.message}", file=err)
        return REFUSED
    except BadRequest as error:
        message = str(error.args[0]) if error.args else ""
        print(f"paasbot: GitHub answered {error.status_code}: {message}".rstrip(": "), file=err)
        return REFUSED
    except (GitHubUnavailable, aiohttp.ClientError, TimeoutError) as error:
        print(f"paasbot: GitHub cannot be reached at {settings.github_api_url}: {error}", file=err)
        return MISSING
    except SQLAlchemyError as error:
        print(f"paasbot: the database cannot be written: {type(error).__name__}", file=err)
        return MISSING
    finally:
        await db.close()
    out.write(counts.text(repository, since))
    return OK
