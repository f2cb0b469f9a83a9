"""Deployments: listing and creating them, listing and creating their statuses (each status
created is a `deployment_status` webhook)."""

from __future__ import annotations

from aiohttp import web

from app.sandbox.context import context
from app.sandbox.errors import json_response, not_found, read_json_object
from app.sandbox.models import Deployment
from app.sandbox.ops.access import bot_login
from app.sandbox.ops.deployments import (
    RESOURCE,
    STATUS_RESOURCE,
    create_deployment,
    create_deployment_status,
    deployments_in,
    find_deployment,
)
from app.sandbox.pagination import paginate
from app.sandbox.routes.body_fields import BodyReader
from app.sandbox.routing import Permission, Route
from app.sandbox.serializers_deployments import deployment_json, deployment_status_json

READ_DEPLOYMENTS = Permission("deployments", "read")
WRITE_DEPLOYMENTS = Permission("deployments", "write")
DEPLOYMENTS = "/repos/{owner}/{repo}/deployments"
STATUSES = DEPLOYMENTS + r"/{deployment_id:\d+}/statuses"


def _deployment(request: web.Request) -> Deployment:
    ctx = context(request)
    found = find_deployment(
        ctx.state, ctx.require_repository(), int(request.match_info["deployment_id"])
    )
    if found is None:
        raise not_found()
    return found


async def list_deployments(request: web.Request) -> web.Response:
    ctx = context(request)
    query = request.query
    found = deployments_in(
        ctx.state,
        ctx.require_repository(),
        sha=query.get("sha"),
        ref=query.get("ref"),
        task=query.get("task"),
        environment=query.get("environment"),
    )
    page, headers = paginate(found, query, request.url)
    return json_response([deployment_json(ctx.state, ctx.urls, d) for d in page], headers=headers)


async def post_deployment(request: web.Request) -> web.Response:
    ctx = context(request)
    fields = BodyReader(await read_json_object(request), RESOURCE)
    ref = fields.required("ref")
    environment = fields.string("environment") or "production"
    task = fields.string("task") or "deploy"
    description = fields.string("description")
    fields.done()
    deployment = create_deployment(
        ctx.state, ctx.require_repository(), ref, creator=bot_login(ctx.state),
        environment=environment, task=task, description=description,
    )  # fmt: skip
    created = deployment_json(ctx.state, ctx.urls, deployment)
    return json_response(created, status=201)


async def list_statuses(request: web.Request) -> web.Response:
    ctx = context(request)
    deployment = _deployment(request)
    newest_first = list(reversed(deployment.statuses))
    page, headers = paginate(newest_first, request.query, request.url)
    body = [deployment_status_json(ctx.state, ctx.urls, deployment, s) for s in page]
    return json_response(body, headers=headers)


async def post_status(request: web.Request) -> web.Response:
    ctx = context(request)
    deployment = _deployment(request)
    fields = BodyReader(await read_json_object(request), STATUS_RESOURCE)
    state = fields.required("state")
    environment = fields.string("environment")
    description = fields.string("description") or ""
    log_url = fields.string("log_url") or fields.string("target_url") or ""
    environment_url = fields.string("environment_url") or ""
    fields.done()
    status = create_deployment_status(
        ctx.state, deployment, state, creator=bot_login(ctx.state), environment=environment,
        description=description, log_url=log_url, environment_url=environment_url,
    )  # fmt: skip
    return json_response(
        deployment_status_json(ctx.state, ctx.urls, deployment, status), status=201
    )


ROUTES: tuple[Route, ...] = (
    Route("GET", DEPLOYMENTS, list_deployments, permission=READ_DEPLOYMENTS),
    Route("POST", DEPLOYMENTS, post_deployment, permission=WRITE_DEPLOYMENTS),
    Route("GET", STATUSES, list_statuses, permission=READ_DEPLOYMENTS),
    Route("POST", STATUSES, post_status, permission=WRITE_DEPLOYMENTS),
)
