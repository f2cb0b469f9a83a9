"""Pull request endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from operator import attrgetter

from aiohttp import web

from app.sandbox.context import context
from app.sandbox.errors import field_error, json_response, not_found, validation_failed
from app.sandbox.models import PullRequest, Repository
from app.sandbox.pagination import paginate
from app.sandbox.routing import Permission, Route
from app.sandbox.serializers import pull_json, pull_simple_json

READ_PULLS = Permission("pull_requests", "read")
STATE_FILTERS = frozenset({"open", "closed", "all"})
SORT_KEYS = frozenset({"created", "updated"})


async def get_pull(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = ctx.state.find_pull(
        ctx.require_repository().full_name, int(request.match_info["number"])
    )
    if pull is None:
        raise not_found()
    return json_response(pull_json(ctx.state, ctx.urls, pull))


async def list_pulls(request: web.Request) -> web.Response:
    ctx = context(request)
    repository = ctx.require_repository()
    pulls = _filtered(ctx.state.pulls_in(repository.full_name), repository, request.query)
    page, headers = paginate(_sorted(pulls, request.query), request.query, request.url)
    body = [pull_simple_json(ctx.state, ctx.urls, pull) for pull in page]
    return json_response(body, headers=headers)


async def list_commit_pulls(request: web.Request) -> web.Response:
    ctx = context(request)
    repository = ctx.require_repository()
    sha = repository.resolve_ref(request.match_info["sha"])
    pulls = [pull for pull in ctx.state.pulls_in(repository.full_name) if pull.head_sha == sha]
    pulls.sort(key=lambda pull: pull.number, reverse=True)
    page, headers = paginate(pulls, request.query, request.url)
    body = [pull_simple_json(ctx.state, ctx.urls, pull) for pull in page]
    return json_response(body, headers=headers)


def _filtered(
    pulls: list[PullRequest], repository: Repository, query: Mapping[str, str]
) -> list[PullRequest]:
    state = query.get("state", "open")
    if state not in STATE_FILTERS:
        raise validation_failed([field_error("PullRequest", "state", "invalid")])
    return [
        pull
        for pull in pulls
        if state in ("all", pull.state)
        and query.get("base", pull.base_ref) == pull.base_ref
        and ("head" not in query or _matches_head(pull, repository, query["head"]))
    ]


def _matches_head(pull: PullRequest, repository: Repository, head: str) -> bool:
    owner, _, ref = head.rpartition(":")
    if owner and owner.lower() != repository.owner.lower():
        return False
    return pull.head_ref == ref


def _sorted(pulls: list[PullRequest], query: Mapping[str, str]) -> list[PullRequest]:
    """GitHub sorts by creation time, newest first, unless asked otherwise; ``direction``
    defaults to ``asc`` for the other sort keys."""
    sort = query.get("sort", "created")
    if sort not in SORT_KEYS:
        raise validation_failed([field_error("PullRequest", "sort", "invalid")])
    direction = query.get("direction", "desc" if sort == "created" else "asc")
    if direction not in ("asc", "desc"):
        raise validation_failed([field_error("PullRequest", "direction", "invalid")])
    timestamp = attrgetter(f"{sort}_at")
    return sorted(
        pulls, key=lambda pull: (timestamp(pull), pull.number), reverse=direction == "desc"
    )


ROUTES: tuple[Route, ...] = (
    Route("GET", "/repos/{owner}/{repo}/pulls", list_pulls, permission=READ_PULLS),
    Route("GET", r"/repos/{owner}/{repo}/pulls/{number:\d+}", get_pull, permission=READ_PULLS),
    Route(
        "GET",
        "/repos/{owner}/{repo}/commits/{sha:.+}/pulls",
        list_commit_pulls,
        permission=READ_PULLS,
    ),
)
