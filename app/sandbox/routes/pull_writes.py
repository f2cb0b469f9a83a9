"""Pull request endpoints that create and edit pull requests, and their files and commits."""

from __future__ import annotations

from aiohttp import web

from app.sandbox.context import RequestContext, context
from app.sandbox.errors import json_response, read_json_object
from app.sandbox.models import PullRequest
from app.sandbox.ops.access import bot_login, require_pull
from app.sandbox.ops.diffs import pull_diff
from app.sandbox.ops.pulls import PullEdit, create_pull, edit_pull
from app.sandbox.pagination import paginate
from app.sandbox.routes.body_fields import BodyReader
from app.sandbox.routing import Permission, Route
from app.sandbox.serializers import pull_json
from app.sandbox.serializers_git import commit_json, diff_entry_json

READ_PULLS = Permission("pull_requests", "read")
WRITE_PULLS = Permission("pull_requests", "write")
RESOURCE = "PullRequest"
# GitHub lists at most this many files and commits of a pull request.
MAX_FILES = 3000
MAX_COMMITS = 250


def requested_pull(ctx: RequestContext, request: web.Request) -> PullRequest:
    return require_pull(
        ctx.state, ctx.require_repository().full_name, int(request.match_info["number"])
    )


async def create(request: web.Request) -> web.Response:
    ctx = context(request)
    reader = BodyReader(await read_json_object(request), RESOURCE)
    title, head, base = reader.required("title"), reader.required("head"), reader.required("base")
    body = reader.string("body")
    draft = reader.boolean("draft")
    reader.done()
    pull = create_pull(
        ctx.state,
        ctx.require_repository().full_name,
        head,
        base,
        title,
        bot_login(ctx.state),
        draft=draft,
        body=body,
    )
    created = pull_json(ctx.state, ctx.urls, pull)
    return json_response(created, status=201, headers={"Location": created["url"]})


async def update(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = requested_pull(ctx, request)
    reader = BodyReader(await read_json_object(request), RESOURCE)
    edit = PullEdit(
        title=reader.string("title"),
        body=reader.string("body"),
        state=reader.string("state"),
        base=reader.string("base"),
    )
    reader.done()
    edited = edit_pull(
        ctx.state, pull.repo_full_name, pull.number, edit, sender=bot_login(ctx.state)
    )
    return json_response(pull_json(ctx.state, ctx.urls, edited))


async def list_files(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = requested_pull(ctx, request)
    diff = pull_diff(ctx.state, pull)
    files = [] if diff is None else diff.files[:MAX_FILES]
    page, headers = paginate(files, request.query, request.url)
    repository = ctx.require_repository()
    body = [diff_entry_json(ctx.urls, repository, pull.head_sha, file) for file in page]
    return json_response(body, headers=headers)


async def list_commits(request: web.Request) -> web.Response:
    ctx = context(request)
    pull = requested_pull(ctx, request)
    diff = pull_diff(ctx.state, pull)
    commits = [] if diff is None else diff.commits[:MAX_COMMITS]
    page, headers = paginate(commits, request.query, request.url)
    repository = ctx.require_repository()
    body = [commit_json(ctx.state, ctx.urls, repository, commit) for commit in page]
    return json_response(body, headers=headers)


PULL = r"/repos/{owner}/{repo}/pulls/{number:\d+}"

ROUTES: tuple[Route, ...] = (
    Route("POST", "/repos/{owner}/{repo}/pulls", create, permission=WRITE_PULLS),
    Route("PATCH", PULL, update, permission=WRITE_PULLS),
    Route("GET", f"{PULL}/files", list_files, permission=READ_PULLS),
    Route("GET", f"{PULL}/commits", list_commits, permission=READ_PULLS),
)
