"""Issues: plain issues (opened, listed, edited) and every issue number's comments, labels and
assignees, a pull request's issue side included. A plain issue needs the ``issues``
permission; a pull request's issue side takes ``issues`` or ``pull_requests``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from app.sandbox.context import RequestContext, context
from app.sandbox.errors import (
    ApiError,
    field_error,
    forbidden_for_integration,
    json_response,
    read_json_object,
    validation_failed,
)
from app.sandbox.models import Issue, PullRequest
from app.sandbox.ops.access import bot_login, require_issue
from app.sandbox.ops.issues import (
    IssueEdit,
    add_assignees,
    add_labels,
    comment,
    comments_on,
    delete_comment,
    edit_comment,
    edit_issue,
    find_comment,
    open_issue,
    remove_assignees,
    remove_label,
    set_labels,
)
from app.sandbox.ops.pulls import PullEdit, edit_pull
from app.sandbox.pagination import paginate
from app.sandbox.routes.body_fields import BodyReader
from app.sandbox.routing import READ_METHODS, Permission, Route
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


def requested_issue(ctx: RequestContext, request: web.Request) -> PullRequest | Issue:
    found = require_issue(
        ctx.state, ctx.require_repository().full_name, int(request.match_info["number"])
    )
    _require_issues_permission(ctx, request, found)
    return found


def _require_issues_permission(
    ctx: RequestContext, request: web.Request, found: PullRequest | Issue
) -> None:
    """The routes let ``pull_requests`` in for a PR's issue side; a plain issue needs
    ``issues``."""
    level = "read" if request.method in READ_METHODS else "write"
    granted = ctx.require_grant().permissions
    if isinstance(found, Issue) and not Permission("issues", level).satisfied_by(granted):
        raise forbidden_for_integration()


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
    _require_issues_permission(
        ctx, request, require_issue(ctx.state, repo, _issue_of(ctx, request))
    )
    edited = edit_comment(ctx.state, repo, comment_id, text, sender=bot_login(ctx.state))
    pull = require_issue(ctx.state, repo, edited.issue_number)
    return json_response(issue_comment_json(ctx.state, ctx.urls, pull, edited))


async def remove_comment(request: web.Request) -> web.Response:
    ctx = context(request)
    repo = ctx.require_repository().full_name
    _require_issues_permission(
        ctx, request, require_issue(ctx.state, repo, _issue_of(ctx, request))
    )
    delete_comment(
        ctx.state, repo, int(request.match_info["comment_id"]), sender=bot_login(ctx.state)
    )
    return web.Response(status=204)


def _issue_of(ctx: RequestContext, request: web.Request) -> int:
    """The number of the issue the requested comment is on."""
    repo = ctx.require_repository().full_name
    return find_comment(ctx.state, repo, int(request.match_info["comment_id"])).issue_number


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


async def create_issue(request: web.Request) -> web.Response:
    ctx = context(request)
    repo = ctx.require_repository().full_name
    body = await read_json_object(request)
    reader = BodyReader(body, RESOURCE)
    title = body.get("title")
    if isinstance(title, int) and not isinstance(title, bool):
        title = str(title)  # GitHub takes a number as the title
    if not isinstance(title, str):
        reader.errors.append(field_error(RESOURCE, "title", "missing_field"))
    text = reader.string("body")
    names = label_names({"labels": body.get("labels", [])})
    if names is None:
        reader.errors.append(field_error(RESOURCE, "labels", "invalid"))
    logins = reader.strings("assignees")
    assignee = reader.string("assignee")
    reader.done()
    created = open_issue(
        ctx.state,
        repo,
        title if isinstance(title, str) else "",
        bot_login(ctx.state),
        text,
        labels=names or [],
        assignees=[*logins, *([assignee] if assignee else [])],
    )
    json_body = issue_json(ctx.state, ctx.urls, created)
    return json_response(json_body, status=201, headers={"Location": json_body["url"]})


ISSUE_STATES = ("open", "closed", "all")
SORTS = ("created", "updated", "comments")


async def list_issues(request: web.Request) -> web.Response:
    """Plain issues and pull requests alike, as GitHub lists them (the latter with their
    ``pull_request`` key): ``state``, ``labels``, ``creator``, ``assignee``, ``since``,
    ``sort`` and ``direction`` filter and order them."""
    ctx = context(request)
    repo = ctx.require_repository().full_name
    query = request.query
    wanted_state = query.get("state", "open")
    sort = query.get("sort", "created")
    direction = query.get("direction", "desc")
    if wanted_state not in ISSUE_STATES or sort not in SORTS or direction not in ("asc", "desc"):
        raise validation_failed([field_error(RESOURCE, "query", "invalid")])
    since = _since(query)
    labels = {name.strip().lower() for name in query.get("labels", "").split(",") if name.strip()}
    everything: list[PullRequest | Issue] = [
        *ctx.state.pulls_in(repo),
        *ctx.state.issues_in(repo),
    ]
    found = [
        item
        for item in everything
        if wanted_state in ("all", item.state)
        and labels <= {name.lower() for name in item.labels}
        and _matches_login(query.get("creator"), [item.author])
        and _matches_assignee(query.get("assignee"), item.assignees)
        and (since is None or item.updated_at >= since)
    ]

    def key(item: PullRequest | Issue) -> tuple[float, int]:
        if sort == "comments":
            return (len(comments_on(ctx.state, repo, item.number)), item.number)
        return (item.updated_at if sort == "updated" else item.created_at, item.number)

    found.sort(key=key, reverse=direction == "desc")
    page, headers = paginate(found, query, request.url)
    return json_response([issue_json(ctx.state, ctx.urls, item) for item in page], headers=headers)


def _matches_login(wanted: str | None, logins: list[str]) -> bool:
    return wanted is None or wanted.lower() in {login.lower() for login in logins}


def _matches_assignee(wanted: str | None, assignees: list[str]) -> bool:
    """``*`` any assignee, ``none`` none, else that login."""
    if wanted is None:
        return True
    if wanted == "*":
        return bool(assignees)
    if wanted == "none":
        return not assignees
    return _matches_login(wanted, assignees)


async def update_issue(request: web.Request) -> web.Response:
    """Title, body, state and state_reason of a plain issue, or of a pull request through its
    issue side (``state_reason`` then has no effect)."""
    ctx = context(request)
    found = requested_issue(ctx, request)
    reader = BodyReader(await read_json_object(request), RESOURCE)
    title = reader.string("title")
    text = reader.string("body")
    new_state = reader.string("state")
    reason = reader.string("state_reason")
    reader.done()
    repo, sender = found.repo_full_name, bot_login(ctx.state)
    if isinstance(found, PullRequest):
        edit_pull(ctx.state, repo, found.number, PullEdit(title, text, new_state), sender=sender)
    else:
        edit = IssueEdit(title, text, new_state, reason)
        edit_issue(ctx.state, repo, found.number, edit, sender=sender)
    return json_response(issue_json(ctx.state, ctx.urls, found))


ISSUES = r"/repos/{owner}/{repo}/issues"
ISSUE = r"/repos/{owner}/{repo}/issues/{number:\d+}"
COMMENT = r"/repos/{owner}/{repo}/issues/comments/{comment_id:\d+}"

ROUTES: tuple[Route, ...] = (
    Route("GET", ISSUES, list_issues, permission=Permission("issues", "read")),
    Route("POST", ISSUES, create_issue, permission=Permission("issues", "write")),
    Route("GET", ISSUE, get_issue, permission=READ_ISSUES),
    Route("PATCH", ISSUE, update_issue, permission=WRITE_ISSUES),
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
