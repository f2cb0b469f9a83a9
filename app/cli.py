"""`paasbot`: serve the app, upgrade its database, check configuration files, upload reports."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Sequence

from aiohttp import web

from app.backfill_cli import add_backfill_command
from app.logs import configure_logging
from app.registration.register import add_register_command
from app.settings import (
    DEFAULT_OIDC_AUDIENCE,
    SettingsError,
    load_database_url,
    load_settings,
    redact_url,
    secret_values,
)
from app.simulate_cli import add_simulate_command

log = logging.getLogger("app.cli")
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")

SETTINGS_HELP = """\
settings (environment variables):
  APP_ID               the GitHub App's id (required)
  PRIVATE_KEY          the app's PEM private key, or PRIVATE_KEY_PATH: a file with it (required)
  WEBHOOK_SECRET       the secret GitHub signs webhooks with (required)
  GHE_HOST             the GitHub Enterprise Server host, e.g. ghe.example.com (absent: github.com)
  GHE_PROTOCOL         https (default) or http
  PAASBOT_ENV_FILE     a KEY=value file read where the environment sets nothing (default
                       ./paasbot.env, which `paasbot register` writes)
  PUBLIC_URL, GHE_ORG  without any credential, serve runs in setup mode: GET PUBLIC_URL/setup
                       registers the app (for GHE_ORG if set) and writes PAASBOT_ENV_FILE
  PORT                 the port to listen on (default 3000)
  LOG_LEVEL            debug, info (default), warning or error
  DATABASE_URL         sqlite:///paasbot.db (default) or postgresql://user@host/db
  WORKERS              concurrent evaluations per process (default 4)
  WEBHOOK_MAX_BYTES    the largest webhook body accepted (default 26214400, 25 MB)
  COALESCE_SECONDS     how long a PR's further events wait to be taken together (default 1)
  CARRIED_FACTS_MAX_AGE  seconds an evaluation may reuse the reviews, statuses and check runs
                       the previous one read when no webhook says they changed (default 600)
  RATE_LIMIT_RESERVE   API calls kept in reserve per installation (default 100)
  REDELIVERY_INTERVAL_SECONDS  how often GitHub is asked to redeliver the webhooks that failed
                       and paasbot never stored (default 60; 0: never)
  REPORT_MAX_BYTES     the largest uploaded report, uncompressed (default 52428800, 50 MB)
  REPORT_UPLOADS_AT_ONCE  report uploads read and checked at once (default 4; one more
                       waits up to 30 s, then is a 503 with Retry-After)
  OIDC_ISSUER          the issuer of GitHub Actions OIDC tokens accepted for uploads (default:
                       https://token.actions.githubusercontent.com, or with GHE_HOST
                       GHE_PROTOCOL://GHE_HOST/_services/token); off: upload tokens only
  OIDC_AUDIENCE        the audience those tokens must be for (default paasbot)
  METRICS_TOKEN        a bearer token GET /metrics requires (default: none, /metrics is open)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paasbot",
        description="Pull-request automation for GitHub Enterprise Server, as one GitHub App.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    serve = commands.add_parser(
        "serve",
        help="receive webhooks and run the workers",
        description="Receive GitHub webhooks on PORT and process them (migrates the database).",
        epilog=SETTINGS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--no-migrate", action="store_true", help="do not upgrade the database schema at start"
    )
    serve.add_argument("--host", default="0.0.0.0", help="address to bind (default 0.0.0.0)")  # noqa: S104
    demo = commands.add_parser(
        "demo",
        help="play a scenario on a simulated GitHub Enterprise with paasbot reacting",
        description=(
            "Start the GitHub simulator and paasbot on local ports (SQLite in a temporary "
            "folder), play a scenario (a PR opened, CI statuses, a push) and print a timeline of "
            "what happened on GitHub and what paasbot did. Needs no GitHub and no settings."
        ),
    )
    demo.add_argument(
        "--keep-running",
        action="store_true",
        help="leave both servers up after the scenario and print their URLs",
    )
    check = commands.add_parser(
        "check-config",
        help="validate .paasbot.yml files, or print their JSON Schema",
        description=(
            "Validate each FILE as paasbot reads it (merged with the built-in presets it "
            "extends) and print every problem as file:line:column: message on stderr. Without "
            "FILE: .paasbot.yml, else .github/paasbot.yml, in the current folder. Exits 1 when "
            "a file has a problem, 2 when a file cannot be read."
        ),
    )
    check.add_argument("files", nargs="*", metavar="FILE", help="a configuration file to check")
    check.add_argument(
        "--schema",
        action="store_true",
        help="print the JSON Schema of .paasbot.yml (for editors) instead",
    )
    db = commands.add_parser(
        "db", help="database maintenance", description="Database maintenance (DATABASE_URL)."
    )
    db_commands = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    db_commands.add_parser(
        "upgrade",
        help="apply the schema migrations (Alembic) to DATABASE_URL",
        description="Apply every schema migration to DATABASE_URL (default: sqlite:///paasbot.db).",
    )
    _add_report_commands(commands)
    add_simulate_command(commands)
    add_backfill_command(commands)
    add_register_command(commands)
    return parser


def _add_report_commands(commands: argparse._SubParsersAction) -> None:
    token = commands.add_parser(
        "token",
        help="print a repository's report upload token",
        description=(
            "Print the token CI uses to upload reports for REPOSITORY (derived from "
            "WEBHOOK_SECRET, which must be set). Store it as a CI secret (PAASBOT_TOKEN)."
        ),
    )
    token.add_argument("repository", metavar="OWNER/REPO")
    upload = commands.add_parser(
        "upload",
        help="upload a coverage or lint report from CI",
        description=(
            "Gzip FILE and upload it to paasbot as the report of a commit. The repository and "
            "commit default to the CI's (GitHub Actions, Travis, GitLab-style, Jenkins), the "
            "server to PAASBOT_URL, the token to PAASBOT_TOKEN; without a token, a GitHub "
            "Actions job with `permissions: id-token: write` uploads with its OIDC token. "
            "Exits 1 when paasbot refuses the report, 2 when something is missing here."
        ),
    )
    upload.add_argument("file", metavar="FILE", help="the report (already gzipped is fine)")
    upload.add_argument("--kind", required=True, choices=("coverage", "lint"))
    upload.add_argument("--name", default="default", help="tells reports of one commit apart")
    upload.add_argument("--url", help="paasbot's base URL (default: $PAASBOT_URL)")
    upload.add_argument("--token", help="the upload token (default: $PAASBOT_TOKEN)")
    upload.add_argument(
        "--audience",
        help="the audience of the GitHub Actions OIDC token, paasbot's OIDC_AUDIENCE "
        f"(default: $PAASBOT_AUDIENCE, else {DEFAULT_OIDC_AUDIENCE})",
    )
    upload.add_argument("--repo", metavar="OWNER/REPO", help="default: from the CI environment")
    upload.add_argument("--sha", help="the commit (default: from the CI environment)")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "register":
            return _register(args)
        if args.command == "demo":
            return _demo(args)
        if args.command == "check-config":
            return _check_config(args)
        if args.command == "token":
            return _token(args)
        if args.command == "simulate":
            return _simulate(args)
        if args.command == "backfill":
            from app.backfill_cli import run_backfill

            configure_logging("warning")
            return run_backfill(args, os.environ, sys.stdout, sys.stderr)
        if args.command == "upload":
            from app.reports.upload import run_upload

            return run_upload(args, os.environ, sys.stdout, sys.stderr)
        return _db_upgrade()
    except SettingsError as exc:
        print(f"paasbot: {exc}", file=sys.stderr)
        return 2


def _token(args: argparse.Namespace) -> int:
    from app.reports.tokens import upload_token

    secret = os.environ.get("WEBHOOK_SECRET", "").strip()
    if not secret:
        raise SettingsError("WEBHOOK_SECRET is not set (upload tokens are derived from it)")
    if not _REPOSITORY.match(args.repository):
        raise SettingsError(f"{args.repository!r} is not a repository: write it as owner/repo")
    print(upload_token(secret, args.repository))
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from app.simulate_cli import run_simulate

    configure_logging("warning")
    return run_simulate(args, os.environ, sys.stdout, sys.stderr)


def _demo(args: argparse.Namespace) -> int:
    from app.sandbox.demo import run_demo

    configure_logging("warning")
    return run_demo(sys.stdout, keep_running=args.keep_running)


def _check_config(args: argparse.Namespace) -> int:
    if args.schema:
        from app.config.schema import json_schema_text

        sys.stdout.write(json_schema_text())
        return 0
    from app.config.local_check import check_config_files

    return check_config_files(args.files, sys.stdout, sys.stderr)


def _db_upgrade() -> int:
    from app.store.migrate import upgrade

    url = load_database_url()
    configure_logging("info")
    upgrade(url)
    print(f"paasbot: database {redact_url(url)} is at the latest schema")
    return 0


def _register(args: argparse.Namespace) -> int:
    from app.registration.register import run_register

    configure_logging("warning")
    return run_register(args, dict(os.environ), sys.stdout)


def _serve(args: argparse.Namespace) -> int:
    from app.registration.setup_mode import load_env_file, run_setup_mode, setup_needed
    from app.service import Paasbot
    from app.store.migrate import upgrade
    from app.web.server import create_web_app

    load_env_file(os.environ)  # PAASBOT_ENV_FILE (./paasbot.env): what `paasbot register` wrote
    if setup_needed(os.environ):
        return run_setup_mode(os.environ, host=args.host)
    settings = load_settings()
    configure_logging(settings.log_level, secrets=secret_values(settings))
    if not args.no_migrate:
        upgrade(settings.database_url)
    app = create_web_app(Paasbot(settings))
    log.info(
        "listening",
        extra={"fields": {"port": settings.port, "github": settings.github_api_url}},
    )
    web.run_app(app, host=args.host, port=settings.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
