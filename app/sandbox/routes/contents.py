"""Repository contents: reading a file or folder at a ref, and committing a file."""

from __future__ import annotations

from aiohttp import web

from app.sandbox.context import RequestContext, context
from app.sandbox.errors import ApiError, json_response, not_found, read_json_object
from app.sandbox.git import normalise_path
from app.sandbox.git_trees import BLOB_MODE, TreeEntry
from app.sandbox.ops.access import bot_login
from app.sandbox.ops.contents import FileWrite, lookup, write_file
from app.sandbox.ops.refs import resolve_commit
from app.sandbox.routes.inputs import base64_content, invalid_request, optional, required, signature
from app.sandbox.routing import Permission, Route
from app.sandbox.serializers_contents import directory_json, file_commit_json, file_json

READ_CONTENTS = Permission("contents", "read")
WRITE_CONTENTS = Permission("contents", "write")


async def get_contents(request: web.Request) -> web.Response:
    ctx = context(request)
    repository = ctx.require_repository()
    ref = request.query.get("ref") or repository.default_branch
    sha = resolve_commit(ctx.state, repository, ref)
    if sha is None:
        raise ApiError(404, f"No commit found for the ref {ref}")
    path = request.match_info.get("path", "").strip("/")
    entry = lookup(ctx.state, sha, path)
    if entry is None:
        raise not_found()
    if entry.type == "blob":
        return json_response(file_json(ctx.state, ctx.urls, repository, path, entry, ref))
    entries = ctx.state.git.tree_entries(entry.sha) or ()
    return json_response(directory_json(ctx.state, ctx.urls, repository, path, entries, ref))


async def put_contents(request: web.Request) -> web.Response:
    ctx = context(request)
    repository = ctx.require_repository()
    write = await _parse_write(ctx, request)
    commit, created = write_file(ctx.state, repository, write, sender=bot_login(ctx.state))
    entry = TreeEntry(write.path.rsplit("/", 1)[-1], BLOB_MODE, "blob", commit.tree[write.path])
    body = file_commit_json(
        ctx.state, ctx.urls, repository, write.path, entry, write.branch, commit
    )
    return json_response(body, status=201 if created else 200)


async def _parse_write(ctx: RequestContext, request: web.Request) -> FileWrite:
    body = await read_json_object(request)
    repository = ctx.require_repository()
    try:
        path = normalise_path(request.match_info["path"])
    except ValueError as exc:
        raise invalid_request(f"{request.match_info['path']} is not a valid path.") from exc
    message = required(body, "message", str)
    content = base64_content(body)
    bot = ctx.state.signature(bot_login(ctx.state))
    committer = signature(body, "committer", bot)
    return FileWrite(
        path=path,
        content=content,
        message=message,
        branch=optional(body, "branch", str) or repository.default_branch,
        expected_sha=optional(body, "sha", str),
        author=signature(body, "author", committer),
        committer=committer,
    )


ROUTES: tuple[Route, ...] = (
    Route("GET", "/repos/{owner}/{repo}/contents", get_contents, permission=READ_CONTENTS),
    Route(
        "GET", "/repos/{owner}/{repo}/contents/{path:.*}", get_contents, permission=READ_CONTENTS
    ),
    Route(
        "PUT", "/repos/{owner}/{repo}/contents/{path:.+}", put_contents, permission=WRITE_CONTENTS
    ),
)
