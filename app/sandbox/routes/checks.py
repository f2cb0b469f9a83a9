"""Check run endpoints."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from app.sandbox.context import RequestContext, context
from app.sandbox.errors import (
    field_error,
    json_response,
    not_found,
    read_json_object,
    validation_failed,
)
from app.sandbox.models import CheckRun, repo_key
from app.sandbox.pagination import paginate
from app.sandbox.routes.check_input import RESOURCE, STATUSES, parse_create, parse_update
from app.sandbox.routing import Permission, Route
from app.sandbox.serializers import check_run_json
from app.sandbox.serializers_checks import annotation_json

READ_CHECKS = Permission("checks", "read")
WRITE_CHECKS = Permission("checks", "write")
LIST_FILTERS = frozenset({"latest", "all"})


async def create_check_run(request: web.Request) -> web.Response:
    ctx = context(request)
    new = parse_create(await read_json_object(request))
    run = ctx.state.create_check_run(
        ctx.require_repository().full_name, new.name, new.head_sha, new.patch
    )
    return json_response(check_run_json(ctx.state, ctx.urls, run), status=201)


async def update_check_run(request: web.Request) -> web.Response:
    ctx = context(request)
    run = _find_run(ctx, request.match_info)
    patch = parse_update(await read_json_object(request), run)
    run = ctx.state.update_check_run(run.id, patch)
    return json_response(check_run_json(ctx.state, ctx.urls, run))


async def get_check_run(request: web.Request) -> web.Response:
    ctx = context(request)
    run = _find_run(ctx, request.match_info)
    return json_response(check_run_json(ctx.state, ctx.urls, run))


async def list_annotations(request: web.Request) -> web.Response:
    """In the order they were sent, across every request that added some."""
    ctx = context(request)
    run = _find_run(ctx, request.match_info)
    page, headers = paginate(run.annotations, request.query, request.url)
    body = [annotation_json(ctx.urls, run, annotation) for annotation in page]
    return json_response(body, headers=headers)


async def list_check_runs_for_ref(request: web.Request) -> web.Response:
    ctx = context(request)
    repository = ctx.require_repository()
    sha = repository.resolve_ref(request.match_info["ref"])
    runs = _filtered(ctx.state.check_runs_for(repository.full_name, sha), request.query)
    page, headers = paginate(runs, request.query, request.url)
    body = {
        "total_count": len(runs),
        "check_runs": [check_run_json(ctx.state, ctx.urls, run) for run in page],
    }
    return json_response(body, headers=headers)


def _find_run(ctx: RequestContext, match_info: Mapping[str, str]) -> CheckRun:
    run = ctx.state.check_runs.get(int(match_info["check_run_id"]))
    repository = ctx.require_repository()
    if run is None or repo_key(run.repo_full_name) != repo_key(repository.full_name):
        raise not_found()
    return run


def _filtered(runs: list[CheckRun], query: Mapping[str, str]) -> list[CheckRun]:
    """``filter=latest`` (the default) keeps only the most recent run of each name."""
    mode = query.get("filter", "latest")
    status = query.get("status")
    app_id = query.get("app_id")
    invalid = [
        field_error(RESOURCE, key, "invalid")
        for key, bad in (
            ("filter", mode not in LIST_FILTERS),
            ("status", status is not None and status not in STATUSES),
            ("app_id", app_id is not None and not app_id.isdigit()),
        )
        if bad
    ]
    if invalid:
        raise validation_failed(invalid)
    selected = sorted(runs, key=lambda run: run.id, reverse=True)
    if mode == "latest":
        selected = _latest_per_name(selected)
    return [
        run
        for run in selected
        if query.get("check_name", run.name) == run.name
        and (status is None or run.status == status)
        and (app_id is None or run.app_id == int(app_id))
    ]


def _latest_per_name(newest_first: list[CheckRun]) -> list[CheckRun]:
    seen: set[str] = set()
    latest: list[CheckRun] = []
    for run in newest_first:
        if run.name not in seen:
            seen.add(run.name)
            latest.append(run)
    return latest


ROUTES: tuple[Route, ...] = (
    Route("POST", "/repos/{owner}/{repo}/check-runs", create_check_run, permission=WRITE_CHECKS),
    Route(
        "PATCH",
        r"/repos/{owner}/{repo}/check-runs/{check_run_id:\d+}",
        update_check_run,
        permission=WRITE_CHECKS,
    ),
    Route(
        "GET",
        r"/repos/{owner}/{repo}/check-runs/{check_run_id:\d+}",
        get_check_run,
        permission=READ_CHECKS,
    ),
    Route(
        "GET",
        r"/repos/{owner}/{repo}/check-runs/{check_run_id:\d+}/annotations",
        list_annotations,
        permission=READ_CHECKS,
    ),
    Route(
        "GET",
        "/repos/{owner}/{repo}/commits/{ref:.+}/check-runs",
        list_check_runs_for_ref,
        permission=READ_CHECKS,
    ),
)
