"""The issue side of pull requests: the issue itself, comments, labels and assignees. Issues
that are not pull requests are not simulated and answer 404."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from app.sandbox.context import RequestContext, context
from app.sandbox.errors import ApiError, field_error, json_response, read_json_object
from app.sandbox.models import PullRequest
from app.sandbox.ops.access import bot_login, require_pull
from app.sandbox.ops.issues import (
    add_assignees,
    add_labels,
    comment,
    comments_on,
    delete_comment,
    edit_comment,
    find_comment,
    remove_assignees,
    remove_label,
    set_labels,
)
from app.sandbox.pagination import paginate
from app.sandbox.routes.body_fields import BodyReader
from app.sandbox.routing import Permission, Route
from app.sandbox.serializers_pulls import issue_comment_json, issue_json, labels_json
from app.sandbox.timefmt import parse_iso8601


@dataclass(frozen=True)
class EitherPermission(Permission):
    """A pull request's issue side is open to the ``issues`` and the ``pull_requests``
    permission alike."""

    alternative: Permission | None = None

    def satisfied_by(self, granted: Mapping[str, str]) -> bool:
        return super().satisfied_by(granted) or (
            self.alternative is not None and self.alternative.satisfied_by(granted)
        )


READ_ISSUES = EitherPermission("issues", "read", Permission("pull_requests", "read"))
WRITE_ISSUES = EitherPermission("issues", "write", Permission("pull_requests", "write"))
RESOURCE = "Issue"


def requested_issue(ctx: RequestContext, request: web.Request) -> PullRequest:
    return require_pull(
        ctx.state, ctx.require_repository().full_name, int(request.match_info["number"])
    )


async def get_issue(request: web.Request) -> web.Response:
    ctx = context(request)
    return json_response(issue_json(ctx.state, ctx.urls, requested_issue(ctx, request)))


async def list_comments(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = requested_issue(ctx, request)
    since = _since(request.query)
    found = [
        item
        for item in comments_on(ctx.state, pull.repo_full_name, pull.number)
        if since is None or item.updated_at >= since
    ]
    page, headers = paginate(found, request.query, request.url)
    body = [issue_comment_json(ctx.state, ctx.urls, pull, item) for item in page]
    return json_response(body, headers=headers)


def _since(query: Mapping[str, str]) -> float | None:
    if "since" not in query:
        return None
    since = parse_iso8601(query["since"])
    if since is None:
        raise ApiError(422, "Validation Failed", errors=[field_error(RESOURCE, "since", "invalid")])
    return since


async def create_comment(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = requested_issue(ctx, request)
    reader = BodyReader(await read_json_object(request), "IssueComment")
    text = reader.required("body")
    reader.done()
    created = comment(ctx.state, pull.repo_full_name, pull.number, bot_login(ctx.state), text)
    body = issue_comment_json(ctx.state, ctx.urls, pull, created)
    return json_response(body, status=201, headers={"Location": body["url"]})


async def update_comment(request: web.Request) -> web.Response:
    ctx = context(request)
    repo = ctx.require_repository().full_name
    comment_id = find_comment(ctx.state, repo, int(request.match_info["comment_id"])).id
    reader = BodyReader(await read_json_object(request), "IssueComment")
    text = reader.required("body")
    reader.done()
    edited = edit_comment(ctx.state, repo, comment_id, text, sender=bot_login(ctx.state))
    pull = require_pull(ctx.state, repo, edited.issue_number)
    return json_response(issue_comment_json(ctx.state, ctx.urls, pull, edited))


async def remove_comment(request: web.Request) -> web.Response:
    ctx = context(request)
    repo = ctx.require_repository().full_name
    delete_comment(
        ctx.state, repo, int(request.match_info["comment_id"]), sender=bot_login(ctx.state)
    )
    return web.Response(status=204)


def label_names(body: object) -> list[str] | None:
    """GitHub takes ``{"labels": [...]}``, a bare array, or a single name, each label a name or
    a ``{"name": ...}`` object."""
    raw = body.get("labels") if isinstance(body, dict) else body
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list):
        return None
    names = [item.get("name") if isinstance(item, dict) else item for item in items]
    return names if all(isinstance(name, str) and name for name in names) else None


async def _labels_from(request: web.Request) -> list[str]:
    raw = await request.read()
    try:
        body: Any = json.loads(raw) if raw.strip() else {"labels": []}
    except ValueError as exc:
        raise ApiError(400, "Problems parsing JSON") from exc
    names = label_names(body)
    if names is None:
        raise ApiError(422, "Validation Failed", errors=[field_error("Label", "name", "invalid")])
    return names


async def post_labels(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = requested_issue(ctx, request)
    names = await _labels_from(request)
    add_labels(ctx.state, pull.repo_full_name, pull.number, names, sender=bot_login(ctx.state))
    return json_response(labels_json(ctx.state, ctx.urls, pull))


async def put_labels(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = requested_issue(ctx, request)
    names = await _labels_from(request)
    set_labels(ctx.state, pull.repo_full_name, pull.number, names, sender=bot_login(ctx.state))
    return json_response(labels_json(ctx.state, ctx.urls, pull))


async def delete_label(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = requested_issue(ctx, request)
    name = request.match_info["name"]
    remove_label(ctx.state, pull.repo_full_name, pull.number, name, sender=bot_login(ctx.state))
    return json_response(labels_json(ctx.state, ctx.urls, pull))


async def _assignees_from(request: web.Request, *, required: bool) -> list[str]:
    reader = BodyReader(await read_json_object(request), RESOURCE)
    logins = reader.strings("assignees", required=required)
    reader.done()
    return logins


async def post_assignees(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = requested_issue(ctx, request)
    logins = await _assignees_from(request, required=False)
    add_assignees(ctx.state, pull.repo_full_name, pull.number, logins, sender=bot_login(ctx.state))
    return json_response(issue_json(ctx.state, ctx.urls, pull), status=201)


async def delete_assignees(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = requested_issue(ctx, request)
    logins = await _assignees_from(request, required=True)
    remove_assignees(
        ctx.state, pull.repo_full_name, pull.number, logins, sender=bot_login(ctx.state)
    )
    return json_response(issue_json(ctx.state, ctx.urls, pull))


ISSUE = r"/repos/{owner}/{repo}/issues/{number:\d+}"
COMMENT = r"/repos/{owner}/{repo}/issues/comments/{comment_id:\d+}"

ROUTES: tuple[Route, ...] = (
    Route("GET", ISSUE, get_issue, permission=READ_ISSUES),
    Route("GET", f"{ISSUE}/comments", list_comments, permission=READ_ISSUES),
    Route("POST", f"{ISSUE}/comments", create_comment, permission=WRITE_ISSUES),
    Route("PATCH", COMMENT, update_comment, permission=WRITE_ISSUES),
    Route("DELETE", COMMENT, remove_comment, permission=WRITE_ISSUES),
    Route("POST", f"{ISSUE}/labels", post_labels, permission=WRITE_ISSUES),
    Route("PUT", f"{ISSUE}/labels", put_labels, permission=WRITE_ISSUES),
    Route("DELETE", f"{ISSUE}/labels/{{name}}", delete_label, permission=WRITE_ISSUES),
    Route("POST", f"{ISSUE}/assignees", post_assignees, permission=WRITE_ISSUES),
    Route("DELETE", f"{ISSUE}/assignees", delete_assignees, permission=WRITE_ISSUES),
)
