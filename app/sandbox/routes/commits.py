"""Commits as the REST API shows them: a branch's history, one commit, two compared."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from app.sandbox.context import RequestContext, context
from app.sandbox.errors import ApiError, json_response, not_found
from app.sandbox.git import Commit
from app.sandbox.ops.history import commit_files, compare, log
from app.sandbox.ops.refs import resolve_commit
from app.sandbox.pagination import paginate
from app.sandbox.routes.inputs import invalid_request
from app.sandbox.routing import Permission, Route
from app.sandbox.serializers_git import commit_json, comparison_json
from app.sandbox.timefmt import parse_iso8601

READ_CONTENTS = Permission("contents", "read")

# Sub-resources of a commit that other routes serve; a ref never ends with one of them here.
COMMIT_SUBRESOURCES = "status|statuses|check-runs|check-suites|pulls|comments|branches-where-head"
COMMIT_REF = f"{{ref:(?!.*/(?:{COMMIT_SUBRESOURCES})$).+}}"


async def list_commits(request: web.Request) -> web.Response:
    ctx = context(request)
    repository = ctx.require_repository()
    start = request.query.get("sha") or repository.default_branch
    head = resolve_commit(ctx.state, repository, start)
    if head is None:
        raise not_found()
    commits = _in_period(log(ctx.state, head, request.query.get("path")), request.query)
    page, headers = paginate(commits, request.query, request.url)
    body = [commit_json(ctx.state, ctx.urls, repository, commit) for commit in page]
    return json_response(body, headers=headers)


def _in_period(commits: list[Commit], query: Mapping[str, str]) -> list[Commit]:
    """``since`` and ``until`` bound the commit date (the committer's)."""
    since, until = _timestamp(query, "since"), _timestamp(query, "until")
    return [
        commit
        for commit in commits
        if (since is None or commit.committer.timestamp >= since)
        and (until is None or commit.committer.timestamp <= until)
    ]


def _timestamp(query: Mapping[str, str], key: str) -> float | None:
    raw = query.get(key)
    if raw is None:
        return None
    parsed = parse_iso8601(raw)
    if parsed is None:
        raise invalid_request(f"{key} must be an ISO 8601 timestamp.")
    return parsed


async def get_commit(request: web.Request) -> web.Response:
    ctx = context(request)
    repository = ctx.require_repository()
    ref = request.match_info["ref"]
    sha = resolve_commit(ctx.state, repository, ref)
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {ref}")
    commit = ctx.state.git.commits[sha]
    files = commit_files(ctx.state, commit)
    return json_response(commit_json(ctx.state, ctx.urls, repository, commit, files))


async def compare_commits(request: web.Request) -> web.Response:
    """``BASE...HEAD``, each a commit-ish, optionally ``owner:``-qualified."""
    ctx = context(request)
    basehead = request.match_info["basehead"]
    base_name, separator, head_name = basehead.partition("...")
    if not separator:
        raise not_found()
    base, head = _side(ctx, base_name), _side(ctx, head_name)
    found = compare(ctx.state, base, head)
    if found is None:
        raise ApiError(404, f"No common ancestor between {base_name} and {head_name}.")
    repository = ctx.require_repository()
    return json_response(comparison_json(ctx.state, ctx.urls, repository, basehead, found))


def _side(ctx: RequestContext, name: str) -> str:
    """Forks are not simulated: an owner prefix must name the repository's own owner."""
    repository = ctx.require_repository()
    owner, _, ref = name.rpartition(":")
    sha = resolve_commit(ctx.state, repository, ref)
    if (owner and owner.lower() != repository.owner.lower()) or sha is None:
        raise not_found()
    return sha


ROUTES: tuple[Route, ...] = (
    Route("GET", "/repos/{owner}/{repo}/commits", list_commits, permission=READ_CONTENTS),
    Route(
        "GET",
        f"/repos/{{owner}}/{{repo}}/commits/{COMMIT_REF}",
        get_commit,
        permission=READ_CONTENTS,
    ),
    Route(
        "GET",
        "/repos/{owner}/{repo}/compare/{basehead:.+}",
        compare_commits,
        permission=READ_CONTENTS,
    ),
)
