"""`paasbot serve` without credentials: a setup server with /healthz, /readyz (503, setup needed)
and /setup, the manifest flow of `paasbot register` with GitHub's redirect to
PUBLIC_URL/setup/callback. Once the credentials are written to PAASBOT_ENV_FILE, it exits so that
the next start (a supervisor's restart) serves with them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from aiohttp import web

from app.logs import configure_logging
from app.registration.env_file import DEFAULT_ENV_FILE, apply_env_file
from app.registration.flow import (
    RegistrationConfig,
    RegistrationFlow,
    add_registration_routes,
    serve_until_registered,
)
from app.registration.manifest import load_app_definition, public_base_url
from app.settings import SettingsError, _choice, _ghe_host, _port

log = logging.getLogger("app.registration")
CREDENTIAL_VARIABLES = ("APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET")
SETUP_PATH = "/setup"


def env_file_path(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("PAASBOT_ENV_FILE", "").strip() or DEFAULT_ENV_FILE).absolute()


def load_env_file(environ: MutableMapping[str, str]) -> bool:
    """Fills the environment from PAASBOT_ENV_FILE (default ./paasbot.env) where it is unset."""
    return apply_env_file(environ, env_file_path(environ))


def setup_needed(environ: Mapping[str, str]) -> bool:
    """No credential is set at all (some but not all is a mistake the settings report)."""
    return not any(environ.get(name, "").strip() for name in CREDENTIAL_VARIABLES)


def setup_config(environ: Mapping[str, str]) -> tuple[RegistrationConfig, int]:
    port = _port(environ)
    host = _ghe_host(environ) or "github.com"
    protocol = _choice(environ, "GHE_PROTOCOL", ("https", "http"), "https")
    try:
        public_url = public_base_url(
            environ.get("PUBLIC_URL", "").strip() or f"http://localhost:{port}"
        )
    except ValueError as exc:
        raise SettingsError(f"PUBLIC_URL: {exc}") from None
    env_file = env_file_path(environ)
    config = RegistrationConfig(
        ghe_host=host,
        ghe_protocol=protocol,
        public_url=public_url,
        callback_url=public_url + SETUP_PATH + "/callback",
        env_file=env_file,
        definition=load_app_definition(),
        org=environ.get("GHE_ORG", "").strip() or None,
        next_step=(
            "paasbot stops now; start it again with PAASBOT_ENV_FILE pointing at this file "
            "and it serves with these credentials."
        ),
    )
    return config, port


def create_setup_app(config: RegistrationConfig) -> tuple[web.Application, RegistrationFlow]:
    flow = RegistrationFlow(config, start_path=SETUP_PATH)
    setup_url = config.public_url + SETUP_PATH

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "mode": "setup"})

    async def readyz(_request: web.Request) -> web.Response:
        body = {"status": "setup needed", "setup": setup_url}
        return web.json_response(body, status=503)

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    add_registration_routes(app, flow)
    return app, flow


def announce(config: RegistrationConfig) -> None:
    log.warning(
        "no credentials (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET): setup mode; open "
        f"{config.public_url}{SETUP_PATH} to register the app on {config.ghe_host}",
        extra={"fields": {"env_file": str(config.env_file)}},
    )


def run_setup_mode(environ: Mapping[str, str], *, host: str) -> int:
    configure_logging(environ.get("LOG_LEVEL", "").strip().lower() or "info")
    config, port = setup_config(environ)
    app, flow = create_setup_app(config)
    announce(config)
    result = asyncio.run(serve_until_registered(app, flow, host=host, port=port))
    if result is None:
        return 1
    log.warning(
        f"registered app {result.slug}: credentials written; install it at "
        f"{result.install_url}, then start paasbot again to serve with them",
        extra={"fields": {"env_file": str(result.env_file), "app_id": result.app_id}},
    )
    return 0
