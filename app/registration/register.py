"""`paasbot register`: a page on localhost that registers the app on GitHub Enterprise Server by
the manifest flow and writes its credentials to an env file."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TextIO

from aiohttp import web

from app.registration.env_file import DEFAULT_ENV_FILE, EnvFileError, check_writable
from app.registration.flow import (
    RegistrationConfig,
    RegistrationFlow,
    add_registration_routes,
    serve_until_registered,
)
from app.registration.manifest import (
    ManifestSourceError,
    load_app_definition,
    public_base_url,
    web_url,
)
from app.settings import SettingsError, _ghe_host

DEFAULT_REGISTER_PORT = 8765
DEFAULT_PUBLIC_URL = "http://localhost:3000"


def add_register_command(commands: argparse._SubParsersAction) -> None:
    register = commands.add_parser(
        "register",
        help="register paasbot as a GitHub App (manifest flow) and save its credentials",
        description=(
            "Serve a page on http://localhost:PORT that posts paasbot's app manifest (app.yml) "
            "to GitHub Enterprise; once you confirm there, convert the code GitHub returns and "
            "write APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, GITHUB_CLIENT_ID/SECRET, GHE_HOST and "
            "GHE_PROTOCOL to ENV_FILE "
            "(mode 0600). Then install the app and run `PAASBOT_ENV_FILE=ENV_FILE paasbot serve`."
        ),
    )
    register.add_argument("--ghe-host", required=True, help="e.g. ghe.example.com")
    register.add_argument("--ghe-protocol", choices=("https", "http"), default="https")
    register.add_argument("--org", help="register the app for this organisation (default: you)")
    register.add_argument(
        "--url",
        help="paasbot's public URL, where GitHub sends webhooks (default: $PUBLIC_URL, else "
        f"{DEFAULT_PUBLIC_URL})",
    )
    register.add_argument("--env-file", default=DEFAULT_ENV_FILE, help="default: ./paasbot.env")
    register.add_argument("--port", type=int, default=DEFAULT_REGISTER_PORT, help="local port")
    register.add_argument("--force", action="store_true", help="overwrite an existing env file")
    register.add_argument("--app-yml", type=Path, help="the manifest (default: app.yml)")


def run_register(args: argparse.Namespace, environ: dict[str, str], out: TextIO) -> int:
    config = register_config(args, environ)
    flow = RegistrationFlow(config, start_path="/")
    app = web.Application()
    add_registration_routes(app, flow)
    print(
        f"Open http://localhost:{args.port}/ in a browser signed in to "
        f"{web_url(config.ghe_host, config.ghe_protocol)} to register paasbot "
        f"(webhooks to {config.public_url}).",
        file=out,
        flush=True,
    )
    result = asyncio.run(serve_until_registered(app, flow, host="localhost", port=args.port))
    if result is None:
        return 1
    print(
        f"done: app {result.slug} (id {result.app_id}); credentials in {result.env_file}\n"
        f"install the app at {result.install_url}\n"
        f"then run: PAASBOT_ENV_FILE={result.env_file} paasbot serve",
        file=out,
    )
    return 0


def register_config(args: argparse.Namespace, environ: dict[str, str]) -> RegistrationConfig:
    """The flow's settings from the command line; SettingsError names what is wrong."""
    host = _ghe_host({"GHE_HOST": args.ghe_host})
    if host is None:
        raise SettingsError("--ghe-host is empty")
    if not 0 < args.port < 65536:
        raise SettingsError(f"--port must be between 1 and 65535, got {args.port}")
    try:
        public_url = public_base_url(args.url or environ.get("PUBLIC_URL") or DEFAULT_PUBLIC_URL)
        definition = load_app_definition(args.app_yml)
    except (ValueError, ManifestSourceError) as exc:
        raise SettingsError(str(exc)) from None
    env_file = Path(args.env_file).absolute()
    try:
        check_writable(env_file, force=args.force)
    except EnvFileError as exc:
        raise SettingsError(str(exc)) from None
    return RegistrationConfig(
        ghe_host=host,
        ghe_protocol=args.ghe_protocol,
        public_url=public_url,
        callback_url=f"http://localhost:{args.port}/callback",
        env_file=env_file,
        definition=definition,
        org=args.org,
        force=args.force,
        next_step=f"Then run: PAASBOT_ENV_FILE={env_file} paasbot serve",
    )
