"""POST /api/simulate/{owner}/{repo}/{number}: what paasbot would do on a pull request, as JSON,
with nothing written (`app/engine/simulate.py`).

Authenticated as report uploads are (`app.reports.tokens.authenticate`): the repository's upload
token (`paasbot token owner/repo`) or a GitHub Actions OIDC token of that repository. The body,
when not empty, is a `.paasbot.yml` to evaluate instead of the live configuration.

Answers: 200 with the simulation; 401/403 (credentials), 404 (no such pull request, or the app
is not installed on the repository), 413 (a body over the configuration size limit), 422 (the
given configuration is invalid: `problems` with file, line, column and message), 502 (GitHub
refused or failed), 503 (paasbot is not started, or the credentials cannot be checked now)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from aiohttp import web

from app.config.yaml_source import MAX_BYTES
from app.engine.simulate import SimulationRefused, problem_json, simulate_pull
from app.github.errors import GitHubUnavailable
from app.logs import fields, log_context
from app.reports.tokens import AuthError, UploadMethod, authenticate
from app.service import Paasbot

log = logging.getLogger(__name__)

SIMULATE_PATH = "/api/simulate/{owner}/{repo}/{number}"
_OWNER_OR_REPO = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


@dataclass(frozen=True)
class Simulations:
    bot: Paasbot
    methods: tuple[UploadMethod, ...]  # the report intake's


SIMULATIONS = web.AppKey("simulations", Simulations)


def add_simulate_routes(app: web.Application) -> None:
    resource = app.router.add_resource(SIMULATE_PATH)
    resource.add_route("POST", handle_simulate)
    resource.add_route("*", _method_not_allowed)


async def _method_not_allowed(request: web.Request) -> web.Response:
    return web.json_response(
        {"error": f"{request.method} is not allowed here: POST (a configuration, or nothing)"},
        status=405,
        headers={"Allow": "POST"},
    )


def _error(status: int, message: str, **more: object) -> web.Response:
    return web.json_response({"error": message, **more}, status=status)


async def handle_simulate(request: web.Request) -> web.Response:
    simulations = request.app[SIMULATIONS]
    owner, repo = request.match_info["owner"], request.match_info["repo"]
    number_text = request.match_info["number"]
    for part in (owner, repo):
        if not _OWNER_OR_REPO.match(part) or part in (".", ".."):
            return _error(404, f"{part!r} is not a repository owner or name")
    if not number_text.isdigit() or int(number_text) < 1:
        return _error(404, f"{number_text!r} is not a pull request number")
    repository, number = f"{owner}/{repo}", int(number_text)
    with log_context(repository=repository.lower()):
        try:
            grant = await authenticate(
                request.headers.get("Authorization"), repository, simulations.methods
            )
        except AuthError as exc:
            log.warning("simulation not authorised", extra=fields(reason=exc.message))
            return _error(exc.status, exc.message)
        if request.content_length is not None and request.content_length > MAX_BYTES:
            return _error(413, f"the configuration is larger than {MAX_BYTES} bytes")
        body = await request.content.read(MAX_BYTES + 1)
        if len(body) > MAX_BYTES:
            return _error(413, f"the configuration is larger than {MAX_BYTES} bytes")
        github = simulations.bot.github
        if github is None:
            return _error(503, "paasbot is not started yet; try again")
        try:
            simulation = await simulate_pull(
                github,
                simulations.bot.db,
                repository,
                number,
                own_app_id=simulations.bot.settings.app_id,
                config_text=body if body.strip() else None,
            )
        except SimulationRefused as refused:
            problems = [problem_json(problem) for problem in refused.problems]
            return _error(
                refused.status, refused.message, **({"problems": problems} if problems else {})
            )
        except GitHubUnavailable as exc:
            return _error(502, f"GitHub is unavailable: {exc}")
        log.info(
            "pull request simulated",
            extra=fields(number=number, method=grant.method, given=bool(body.strip())),
        )
        return web.json_response(simulation.as_json())
