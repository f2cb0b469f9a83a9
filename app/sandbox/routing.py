"""Route declarations and the guard enforcing each route's authentication and permissions."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from app.sandbox.context import RequestContext, context
from app.sandbox.errors import (
    archived_repository,
    bad_credentials,
    forbidden_for_integration,
    not_found,
    requires_authentication,
)
from app.sandbox.models import IssuedToken, Repository
from app.sandbox.oauth import UserToken, resolve_user_token
from app.sandbox.security import TOKEN_SCHEMES, verify_app_jwt
from app.sandbox.state import ACTING_APP

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PermissionLevel = Literal["read", "write", "admin"]
PERMISSION_LEVELS: tuple[PermissionLevel, ...] = ("read", "write", "admin")
READ_METHODS = frozenset({"GET", "HEAD"})


class Auth(enum.Enum):
    APP = "app"
    INSTALLATION = "installation"
    NONE = "none"  # no authentication (the app-manifest conversion)
    USER = "user"  # a GitHub App's user-to-server token (app/sandbox/oauth.py)


@dataclass(frozen=True)
class Permission:
    name: str
    level: PermissionLevel

    def satisfied_by(self, granted: Mapping[str, str]) -> bool:
        level = granted.get(self.name)
        if level not in PERMISSION_LEVELS:
            return False
        return PERMISSION_LEVELS.index(level) >= PERMISSION_LEVELS.index(self.level)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    auth: Auth = Auth.INSTALLATION
    permission: Permission | None = None

    @property
    def writes(self) -> bool:
        return self.method not in READ_METHODS


def guarded(route: Route) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        authorize(route, context(request), request.match_info)
        return await route.handler(request)

    return handle


def authorize(route: Route, ctx: RequestContext, match_info: Mapping[str, str]) -> None:
    if route.auth is Auth.NONE:
        return
    if route.auth is Auth.APP:
        ctx.app_id = verify_app_jwt(ctx.state, ctx.credentials)
        ctx.repository = _lookup_repository(ctx, match_info)
        return
    if route.auth is Auth.USER:
        ctx.user_token = _require_user_token(ctx)
        return
    grant = _require_grant(ctx)
    installation = ctx.state.installations.get(grant.installation_id)
    if installation is not None and installation.app_id is not None:
        ACTING_APP.set(installation.app_id)  # this request's task only
    repository = _lookup_repository(ctx, match_info)
    if repository is not None:
        ctx.record.repository = repository.full_name
    if repository is not None and not ctx.state.token_covers(grant, repository):
        raise not_found()
    ctx.repository = repository
    if route.permission is not None and not route.permission.satisfied_by(grant.permissions):
        raise forbidden_for_integration()
    if route.writes and repository is not None and repository.archived:
        # An archived repository is read-only for everyone: git data, contents, pull requests,
        # issues, statuses and checks alike.
        raise archived_repository()


def _require_grant(ctx: RequestContext) -> IssuedToken:
    if ctx.grant is not None:
        return ctx.grant
    if ctx.credentials is None:
        raise requires_authentication()
    raise bad_credentials()


def _require_user_token(ctx: RequestContext) -> UserToken:
    if ctx.credentials is None:
        raise requires_authentication()
    if ctx.credentials.scheme in TOKEN_SCHEMES:
        token = resolve_user_token(ctx.state, ctx.credentials.value)
        if token is not None:
            return token
    if ctx.grant is not None:  # an installation token acts for no user
        raise forbidden_for_integration()
    raise bad_credentials()


def _lookup_repository(ctx: RequestContext, match_info: Mapping[str, str]) -> Repository | None:
    if "owner" not in match_info or "repo" not in match_info:
        return None
    repository = ctx.state.find_repository(f"{match_info['owner']}/{match_info['repo']}")
    if repository is None:
        raise not_found()
    return repository
