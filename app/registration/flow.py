"""The aiohttp routes of the manifest flow, shared by `paasbot register` (``/`` and
``/callback`` on localhost) and the /setup page of `paasbot serve` (``/setup``,
``/setup/callback``).

The page posts app.yml's manifest to GitHub with a fresh random ``state``; GitHub registers the
app and redirects to the callback with ``code`` and ``state``; the callback checks the state
(single use), converts the code (``POST /app-manifests/{code}/conversions``), writes the env file
and sets ``done``. The key and secrets are written to the file only: never logged, never shown.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from app.registration.env_file import (
    EnvFileError,
    check_writable,
    credential_values,
    render_env,
    write_env_file,
)
from app.registration.manifest import build_manifest, conversion_url, new_app_url, web_url
from app.registration.pages import done_page, error_page, form_page

log = logging.getLogger("app.registration")
CONVERSION_TIMEOUT = aiohttp.ClientTimeout(total=30)
MAX_PENDING_STATES = 100


@dataclass(frozen=True)
class RegistrationConfig:
    ghe_host: str
    ghe_protocol: str
    public_url: str
    callback_url: str
    env_file: Path
    definition: Mapping[str, Any]
    org: str | None = None
    force: bool = False
    next_step: str = "Then start paasbot with these settings."


@dataclass(frozen=True)
class Registered:
    app_id: int
    slug: str
    install_url: str
    env_file: Path


@dataclass
class RegistrationFlow:
    config: RegistrationConfig
    start_path: str
    pending_states: set[str] = field(default_factory=set)
    result: Registered | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self, request: web.Request) -> web.Response:
        config = self.config
        org = request.query.get("org") or config.org
        try:
            check_writable(config.env_file, force=config.force)
        except EnvFileError as exc:
            return error_page(409, str(exc), "Nothing was registered.")
        if self.result is not None:
            return error_page(409, "The app is already registered.", self._done_remedy())
        state = secrets.token_urlsafe(24)
        if len(self.pending_states) >= MAX_PENDING_STATES:
            self.pending_states.clear()
        self.pending_states.add(state)
        action = f"{new_app_url(config.ghe_host, config.ghe_protocol, org)}?state={state}"
        manifest = build_manifest(
            config.definition, public_url=config.public_url, redirect_url=config.callback_url
        )
        target = org or web_url(config.ghe_host, config.ghe_protocol)
        return form_page(action, manifest, target=target)

    async def callback(self, request: web.Request) -> web.Response:
        state, code = request.query.get("state", ""), request.query.get("code", "")
        restart = f"Start again at {self.start_path}."
        if not state or state not in self.pending_states:
            log.warning("registration callback with an unknown state")
            return error_page(
                400,
                "The state does not match: this callback was not started by this page "
                "(or was already used).",
                restart,
            )
        self.pending_states.discard(state)
        if not code:
            return error_page(400, "GitHub's redirect carries no code.", restart)
        try:
            conversion = await self._convert(code)
        except ConversionRefused as exc:
            return error_page(502, str(exc), restart)
        return self._save(conversion)

    async def _convert(self, code: str) -> Mapping[str, Any]:
        url = conversion_url(self.config.ghe_host, self.config.ghe_protocol, code)
        headers = {"Accept": "application/vnd.github+json", "User-Agent": "paasbot-register"}
        try:
            async with (
                aiohttp.ClientSession(timeout=CONVERSION_TIMEOUT) as session,
                session.post(url, headers=headers) as response,
            ):
                if response.status != 201:
                    raise ConversionRefused(
                        f"GitHub refused to convert the code (HTTP {response.status}): it is "
                        "unknown, already used, or older than an hour."
                    )
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ConversionRefused(
                f"The code could not be converted at {url}: {type(exc).__name__}"
            ) from None
        if not isinstance(body, dict) or not {"id", "pem"} <= body.keys():
            raise ConversionRefused("GitHub's conversion answer has no app id or key.")
        return body

    def _save(self, conversion: Mapping[str, Any]) -> web.Response:
        config = self.config
        values = credential_values(
            conversion, ghe_host=config.ghe_host, ghe_protocol=config.ghe_protocol
        )
        slug = str(conversion.get("slug") or conversion["id"])
        html_url = str(conversion.get("html_url") or "")
        install_url = f"{html_url}/installations/new"
        comment = f"paasbot's GitHub App {slug} (id {conversion['id']}), by `paasbot register`"
        try:
            write_env_file(config.env_file, render_env(values, comment=comment), force=config.force)
        except EnvFileError as exc:
            log.error("registration: the credentials could not be written: %s", exc)
            return error_page(
                500,
                str(exc),
                f"The app {slug} was registered but its credentials were not saved: delete it "
                f"in its settings ({html_url}) and register again.",
            )
        self.result = Registered(
            app_id=int(conversion["id"]),
            slug=slug,
            install_url=install_url,
            env_file=config.env_file,
        )
        log.info(
            "registered",
            extra={"fields": {"app_id": self.result.app_id, "env_file": str(config.env_file)}},
        )
        self.done.set()
        return done_page(slug, install_url, str(config.env_file), config.next_step)

    def _done_remedy(self) -> str:
        assert self.result is not None
        return f"Install it at {self.result.install_url}"


class ConversionRefused(Exception):
    pass


def add_registration_routes(app: web.Application, flow: RegistrationFlow) -> None:
    """``GET start_path`` (the form) and ``GET start_path/callback`` (GitHub's redirect)."""
    base = flow.start_path.rstrip("/")
    app.router.add_get(flow.start_path, flow.start)
    app.router.add_get(f"{base}/callback", flow.callback)


async def serve_until_registered(
    app: web.Application, flow: RegistrationFlow, *, host: str, port: int
) -> Registered | None:
    """Runs ``app`` until the flow has written the credentials (or the task is cancelled)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        await flow.done.wait()
        await asyncio.sleep(0.2)  # let the done page go out
    finally:
        await runner.cleanup()
    return flow.result
