"""Git objects: blobs, trees and commits, created and read by SHA."""

from __future__ import annotations

from aiohttp import web

from app.sandbox.context import RequestContext, context
from app.sandbox.errors import ApiError, json_response, not_found, read_json_object
from app.sandbox.git import normalise_path
from app.sandbox.git_trees import TREE_MODE, TreeEntry, flatten
from app.sandbox.ops.access import bot_login
from app.sandbox.ops.refs import resolve_commit
from app.sandbox.ops.trees import TreeEdit, apply_edits, walk
from app.sandbox.routes.inputs import (
    decode_base64,
    invalid_request,
    optional,
    required,
    signature,
)
from app.sandbox.routing import Permission, Route
from app.sandbox.serializers import Json
from app.sandbox.serializers_git import (
    blob_json,
    git_commit_json,
    short_blob_json,
    tree_json,
)

READ_CONTENTS = Permission("contents", "read")
WRITE_CONTENTS = Permission("contents", "write")
BLOB_ENCODINGS = ("utf-8", "base64")
NO_TREE = "Tree SHA does not exist"
NO_PARENT = "Parent SHA does not exist or is not a commit object"
# The simulator keeps no file modes: executables and symlinks are stored as plain files.
BLOB_MODES = frozenset({"100644", "100755", "120000"})
SHA_OR_CONTENT = (
    "Must supply either tree.sha or tree.content. Request will be rejected if both are present."
)


def _created(body: Json, *, location: str) -> web.Response:
    return json_response(body, status=201, headers={"Location": location})


async def post_blob(request: web.Request) -> web.Response:
    ctx = context(request)
    body = await read_json_object(request)
    content = required(body, "content", str)
    encoding = optional(body, "encoding", str) or "utf-8"
    if encoding not in BLOB_ENCODINGS:
        raise invalid_request(f"encoding must be one of {', '.join(BLOB_ENCODINGS)}.")
    sha = ctx.state.git.write_blob(_decode(content, encoding))
    created = short_blob_json(ctx.urls, ctx.require_repository(), sha)
    return _created(created, location=created["url"])


def _decode(content: str, encoding: str) -> bytes:
    return content.encode() if encoding == "utf-8" else decode_base64(content)


async def get_blob(request: web.Request) -> web.Response:
    ctx = context(request)
    sha = request.match_info["file_sha"]
    data = ctx.state.git.blobs.get(sha)
    if data is None:
        raise not_found()
    return json_response(blob_json(ctx.urls, ctx.require_repository(), sha, data))


async def post_tree(request: web.Request) -> web.Response:
    ctx = context(request)
    body = await read_json_object(request)
    base_tree = optional(body, "base_tree", str)
    edits = [_parse_edit(item) for item in required(body, "tree", list)]
    sha = apply_edits(ctx.state.git, base_tree, edits)
    created = _tree_body(ctx, sha, recursive=False)
    return _created(created, location=created["url"])


def _parse_edit(item: object) -> TreeEdit:
    if not isinstance(item, dict):
        raise invalid_request(f"For 'items', {item!r} is not an object.")
    path, mode, kind = (required(item, key, str) for key in ("path", "mode", "type"))
    if not ((kind == "blob" and mode in BLOB_MODES) or (kind == "tree" and mode == TREE_MODE)):
        raise invalid_request(f"tree.mode {mode} is not valid for tree.type {kind}.")
    has_sha, content = "sha" in item, optional(item, "content", str)
    if has_sha == (content is not None) or (content is not None and kind == "tree"):
        raise invalid_request(SHA_OR_CONTENT)
    try:
        normalise_path(path)
    except ValueError as exc:
        raise invalid_request(f"tree.path {path} is not a valid path.") from exc
    return TreeEdit(path, kind, optional(item, "sha", str), content)


async def get_tree(request: web.Request) -> web.Response:
    """``recursive`` set to any value lists the whole tree, as GitHub does."""
    ctx = context(request)
    sha = _tree_sha(ctx, request.match_info["tree_sha"])
    return json_response(_tree_body(ctx, sha, recursive="recursive" in request.query))


def _tree_sha(ctx: RequestContext, name: str) -> str:
    """A tree SHA, or a commit-ish whose root tree is meant."""
    if ctx.state.git.tree_entries(name) is not None:
        return name
    commit = resolve_commit(ctx.state, ctx.require_repository(), name)
    if commit is None:
        raise not_found()
    return ctx.state.git.commits[commit].tree_sha


def _tree_body(ctx: RequestContext, sha: str, *, recursive: bool) -> Json:
    entries: list[tuple[str, TreeEntry]] = list(walk(ctx.state.git, sha, recursive=recursive))
    return tree_json(ctx.state, ctx.urls, ctx.require_repository(), sha, entries)


async def post_commit(request: web.Request) -> web.Response:
    ctx = context(request)
    body = await read_json_object(request)
    message, tree = required(body, "message", str), required(body, "tree", str)
    parents = optional(body, "parents", list) or []
    git = ctx.state.git
    if git.tree_entries(tree) is None:
        raise ApiError(422, NO_TREE)
    if not all(isinstance(parent, str) and git.has_commit(parent) for parent in parents):
        raise ApiError(422, NO_PARENT)
    author = signature(body, "author", ctx.state.signature(bot_login(ctx.state)))
    commit = git.add_commit(
        flatten(git.trees, tree),
        tuple(parents),
        message=message,
        author=author,
        committer=signature(body, "committer", author),
    )
    created = git_commit_json(ctx.urls, ctx.require_repository(), commit)
    return _created(created, location=created["url"])


async def get_commit(request: web.Request) -> web.Response:
    ctx = context(request)
    commit = ctx.state.git.commits.get(request.match_info["commit_sha"])
    if commit is None:
        raise not_found()
    return json_response(git_commit_json(ctx.urls, ctx.require_repository(), commit))


ROUTES: tuple[Route, ...] = (
    Route("POST", "/repos/{owner}/{repo}/git/blobs", post_blob, permission=WRITE_CONTENTS),
    Route("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}", get_blob, permission=READ_CONTENTS),
    Route("POST", "/repos/{owner}/{repo}/git/trees", post_tree, permission=WRITE_CONTENTS),
    Route(
        "GET", "/repos/{owner}/{repo}/git/trees/{tree_sha:.+}", get_tree, permission=READ_CONTENTS
    ),
    Route("POST", "/repos/{owner}/{repo}/git/commits", post_commit, permission=WRITE_CONTENTS),
    Route(
        "GET",
        "/repos/{owner}/{repo}/git/commits/{commit_sha}",
        get_commit,
        permission=READ_CONTENTS,
    ),
)
