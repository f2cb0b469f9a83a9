"""A repository's labels: list, get one, create."""

from __future__ import annotations

from aiohttp import web

from app.sandbox.context import context
from app.sandbox.errors import json_response, not_found, read_json_object
from app.sandbox.ops.access import bot_login
from app.sandbox.ops.labels import RESOURCE, create_label, find_label, labels_of
from app.sandbox.pagination import paginate
from app.sandbox.routes.body_fields import BodyReader
from app.sandbox.routes.issues import READ_ISSUES, WRITE_ISSUES
from app.sandbox.routing import Route
from app.sandbox.serializers import repository_label_json


async def list_labels(request: web.Request) -> web.Response:
    ctx = context(request)
    repository = ctx.require_repository()
    page, headers = paginate(labels_of(repository), request.query, request.url)
    body = [repository_label_json(ctx.urls, repository, label) for label in page]
    return json_response(body, headers=headers)


async def get_label(request: web.Request) -> web.Response:
    ctx = context(request)
    repository = ctx.require_repository()
    label = find_label(repository, request.match_info["name"])
    if label is None:
        raise not_found()
    return json_response(repository_label_json(ctx.urls, repository, label))


async def post_label(request: web.Request) -> web.Response:
    ctx = context(request)
    repository = ctx.require_repository()
    reader = BodyReader(await read_json_object(request), RESOURCE)
    name = reader.required("name")
    color = reader.string("color")
    description = reader.string("description")
    reader.done()
    label = create_label(
        ctx.state, repository, name, color, description, sender=bot_login(ctx.state)
    )
    body = repository_label_json(ctx.urls, repository, label)
    return json_response(body, status=201, headers={"Location": body["url"]})


LABELS = "/repos/{owner}/{repo}/labels"

ROUTES: tuple[Route, ...] = (
    Route("GET", LABELS, list_labels, permission=READ_ISSUES),
    Route("POST", LABELS, post_label, permission=WRITE_ISSUES),
    Route("GET", f"{LABELS}/{{name}}", get_label, permission=READ_ISSUES),
)
