"""Per-application and per-request objects shared by the middleware and the route handlers."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from app.sandbox.models import IssuedToken, RecordedRequest, Repository
from app.sandbox.oauth import UserToken
from app.sandbox.state import SimulatedGitHub

API_PREFIX = "/api/v3"


@dataclass(frozen=True)
class Credentials:
    scheme: str
    value: str


@dataclass(frozen=True)
class Urls:
    """GitHub Enterprise Server serves the web UI at the origin and the API under /api/v3."""

    origin: str

    @property
    def api_root(self) -> str:
        return self.origin + API_PREFIX

    def api(self, path: str) -> str:
        return self.api_root + path

    def html(self, path: str) -> str:
        return self.origin + path


@dataclass
class RequestContext:
    state: SimulatedGitHub
    urls: Urls
    record: RecordedRequest
    credentials: Credentials | None
    grant: IssuedToken | None = None
    repository: Repository | None = None
    app_id: int | None = None  # the app whose JWT authenticated an Auth.APP route
    user_token: UserToken | None = None  # the user token that authenticated an Auth.USER route

    def require_grant(self) -> IssuedToken:
        """The installation token of a route that the guard authenticated with one."""
        if self.grant is None:
            raise RuntimeError("route is not authenticated with an installation token")
        return self.grant

    def require_app_id(self) -> int:
        """The app of a route that the guard authenticated with an app JWT."""
        if self.app_id is None:
            raise RuntimeError("route is not authenticated with an app JWT")
        return self.app_id

    def require_repository(self) -> Repository:
        if self.repository is None:
            raise RuntimeError("route is not scoped to a repository")
        return self.repository


STATE_KEY = web.AppKey("simulated_github", SimulatedGitHub)
CONTEXT_KEY = web.RequestKey("simulator_context", RequestContext)


def api_path(path: str) -> str:
    if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        return path[len(API_PREFIX) :] or "/"
    return path


def context(request: web.Request) -> RequestContext:
    return request[CONTEXT_KEY]
