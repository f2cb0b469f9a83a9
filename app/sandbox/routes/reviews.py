"""Pull request reviews, review comments and review requests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from app.sandbox.context import context
from app.sandbox.errors import json_response, read_json_object
from app.sandbox.ops.access import bot_login
from app.sandbox.ops.diff_lines import RIGHT
from app.sandbox.ops.errors import UnprocessableEntity
from app.sandbox.ops.pulls import remove_requested_reviewers, request_reviewers
from app.sandbox.ops.reviews import (
    DraftComment,
    dismiss_review,
    find_review,
    review,
    review_comments_of,
    reviews_visible_to,
)
from app.sandbox.pagination import paginate
from app.sandbox.routes.body_fields import BodyReader
from app.sandbox.routes.pull_writes import PULL, READ_PULLS, WRITE_PULLS, requested_pull
from app.sandbox.routing import Route
from app.sandbox.serializers import pull_simple_json
from app.sandbox.serializers_pulls import (
    requested_reviewers_json,
    review_comment_json,
    review_json,
)

EVENTS = frozenset({"APPROVE", "REQUEST_CHANGES", "COMMENT"})


async def list_reviews(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = requested_pull(ctx, request)
    visible = reviews_visible_to(pull, bot_login(ctx.state))
    page, headers = paginate(visible, request.query, request.url)
    body = [review_json(ctx.state, ctx.urls, pull, item) for item in page]
    return json_response(body, headers=headers)


async def create_review(request: web.Request) -> web.Response:
    """Malformed input is refused with GitHub's "simple" validation errors on this endpoint."""
    ctx = context(request)
    pull = requested_pull(ctx, request)
    body = await read_json_object(request)
    event = body.get("event")
    if event is not None and event not in EVENTS:
        raise UnprocessableEntity(f"Invalid event: {event!r}")
    submitted = review(
        ctx.state,
        pull.repo_full_name,
        pull.number,
        bot_login(ctx.state),
        event,
        _text(body, "body"),
        commit_id=_text(body, "commit_id") or None,
        comments=_draft_comments(body.get("comments")),
    )
    return json_response(review_json(ctx.state, ctx.urls, pull, submitted))


def _text(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UnprocessableEntity(f"{key} is not a string")
    return value


def _draft_comments(raw: object) -> list[DraftComment]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise UnprocessableEntity("comments is not an array of objects")
    return [_draft_comment(item) for item in raw]


def _draft_comment(item: Mapping[str, Any]) -> DraftComment:
    path, text = item.get("path"), item.get("body")
    line, position = item.get("line"), item.get("position")
    if not isinstance(path, str) or not isinstance(text, str):
        raise UnprocessableEntity("A review comment needs a path and a body")
    if not isinstance(line, int | None) or not isinstance(position, int | None):
        raise UnprocessableEntity("Line could not be resolved")
    side = item.get("side", RIGHT)
    return DraftComment(path=path, body=text, line=line, side=str(side), position=position)


async def dismiss(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = requested_pull(ctx, request)
    review_id = find_review(pull, int(request.match_info["review_id"])).id
    body = await read_json_object(request)
    message = body.get("message")
    if not isinstance(message, str) or not message:
        raise UnprocessableEntity("A dismissal needs a message")
    dismissed = dismiss_review(
        ctx.state, pull.repo_full_name, pull.number, review_id, message, sender=bot_login(ctx.state)
    )
    return json_response(review_json(ctx.state, ctx.urls, pull, dismissed))


async def list_review_comments(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = requested_pull(ctx, request)
    comments = review_comments_of(ctx.state, pull)
    page, headers = paginate(comments, request.query, request.url)
    body = [review_comment_json(ctx.state, ctx.urls, pull, comment) for comment in page]
    return json_response(body, headers=headers)


async def list_requested(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = requested_pull(ctx, request)
    return json_response(requested_reviewers_json(ctx.state, ctx.urls, pull))


async def add_requested(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = requested_pull(ctx, request)
    reader = BodyReader(await read_json_object(request), "PullRequest")
    users, teams = reader.strings("reviewers"), reader.strings("team_reviewers")
    reader.done()
    request_reviewers(
        ctx.state, pull.repo_full_name, pull.number, users, teams, sender=bot_login(ctx.state)
    )
    return json_response(pull_simple_json(ctx.state, ctx.urls, pull), status=201)


async def remove_requested(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = requested_pull(ctx, request)
    reader = BodyReader(await read_json_object(request), "PullRequest")
    users = reader.strings("reviewers", required=True)
    teams = reader.strings("team_reviewers")
    reader.done()
    remove_requested_reviewers(
        ctx.state, pull.repo_full_name, pull.number, users, teams, sender=bot_login(ctx.state)
    )
    return json_response(pull_simple_json(ctx.state, ctx.urls, pull))


REVIEW = rf"{PULL}/reviews/{{review_id:\d+}}"

ROUTES: tuple[Route, ...] = (
    Route("GET", f"{PULL}/reviews", list_reviews, permission=READ_PULLS),
    Route("POST", f"{PULL}/reviews", create_review, permission=WRITE_PULLS),
    Route("PUT", f"{REVIEW}/dismissals", dismiss, permission=WRITE_PULLS),
    Route("GET", f"{PULL}/comments", list_review_comments, permission=READ_PULLS),
    Route("GET", f"{PULL}/requested_reviewers", list_requested, permission=READ_PULLS),
    Route("POST", f"{PULL}/requested_reviewers", add_requested, permission=WRITE_PULLS),
    Route("DELETE", f"{PULL}/requested_reviewers", remove_requested, permission=WRITE_PULLS),
)
