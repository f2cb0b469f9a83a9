"""App (JWT) endpoints: installation access tokens and installation lookup."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from app.sandbox.context import context
from app.sandbox.errors import ApiError, json_response, not_found, read_json_object
from app.sandbox.models import Installation
from app.sandbox.routing import PERMISSION_LEVELS, Auth, Route
from app.sandbox.serializers import access_token_json, installation_json
from app.sandbox.state import SimulatedGitHub

INACCESSIBLE_REPOSITORIES = (
    "There is at least one repository that does not exist or is not accessible to the parent "
    "installation."
)
PERMISSIONS_NOT_GRANTED = "The permissions requested are not granted to this installation."


async def create_access_token(request: web.Request) -> web.Response:
    ctx = context(request)
    installation = ctx.state.installations.get(int(request.match_info["installation_id"]))
    if installation is None or ctx.state.installation_app_id(installation) != ctx.require_app_id():
        raise not_found()
    body = await read_json_object(request)
    repositories = _requested_repositories(ctx.state, installation, body)
    permissions = _requested_permissions(installation, body.get("permissions"))
    token = ctx.state.issue_token(
        installation.id, repositories=repositories, permissions=permissions
    )
    return json_response(access_token_json(ctx.state, ctx.urls, token, installation), status=201)


def _requested_repositories(
    state: SimulatedGitHub, installation: Installation, body: Mapping[str, Any]
) -> list[str] | None:
    names, ids = body.get("repositories"), body.get("repository_ids")
    if names is None and ids is None:
        return None
    accessible = [
        repository
        for repository in state.repositories.values()
        if state.installation_for(repository) is installation
    ]
    by_name = {repository.name.lower(): repository.full_name for repository in accessible}
    by_id = {repository.id: repository.full_name for repository in accessible}
    try:
        return [by_name[str(name).lower()] for name in names or []] + [
            by_id[repository_id] for repository_id in ids or []
        ]
    except (KeyError, TypeError) as exc:
        raise ApiError(422, INACCESSIBLE_REPOSITORIES) from exc


def _requested_permissions(installation: Installation, requested: object) -> dict[str, str] | None:
    if requested is None:
        return None
    if not isinstance(requested, dict):
        raise ApiError(422, PERMISSIONS_NOT_GRANTED)
    for name, level in requested.items():
        granted = installation.permissions.get(name)
        if granted not in PERMISSION_LEVELS or level not in PERMISSION_LEVELS:
            raise ApiError(422, PERMISSIONS_NOT_GRANTED)
        if PERMISSION_LEVELS.index(level) > PERMISSION_LEVELS.index(granted):
            raise ApiError(422, PERMISSIONS_NOT_GRANTED)
    return {str(name): str(level) for name, level in requested.items()}


async def get_repository_installation(request: web.Request) -> web.Response:
    ctx = context(request)
    installation = ctx.state.installation_for(ctx.require_repository())
    if installation is None or ctx.state.installation_app_id(installation) != ctx.require_app_id():
        raise not_found()
    return json_response(installation_json(ctx.state, ctx.urls, installation))


ROUTES: tuple[Route, ...] = (
    Route(
        "POST",
        r"/app/installations/{installation_id:\d+}/access_tokens",
        create_access_token,
        auth=Auth.APP,
    ),
    Route("GET", "/repos/{owner}/{repo}/installation", get_repository_installation, auth=Auth.APP),
)
