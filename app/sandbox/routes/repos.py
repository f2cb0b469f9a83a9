"""Repository, topics, branch and branch protection endpoints, and the repositories an
installation token reaches."""

from __future__ import annotations

from aiohttp import web

from app.sandbox.context import RequestContext, context
from app.sandbox.errors import ApiError, json_response, read_json_object
from app.sandbox.models import BranchProtection, Repository
from app.sandbox.ops.topics import replace_topics
from app.sandbox.pagination import PageRequest, paginate
from app.sandbox.routes.inputs import invalid_request, required
from app.sandbox.routing import Permission, Route
from app.sandbox.serializers_repos import (
    branch_json,
    checks_enabled,
    full_repository_json,
    protection_json,
    short_branch_json,
    status_check_policy_json,
)
from app.sandbox.state import SimulatedGitHub

READ_METADATA = Permission("metadata", "read")
READ_CONTENTS = Permission("contents", "read")
READ_ADMINISTRATION = Permission("administration", "read")
WRITE_ADMINISTRATION = Permission("administration", "write")

# A branch name may contain slashes; the protection sub-resources are matched first.
BRANCH = "{branch:(?!.*/protection(?:/|$)).+}"
PROTECTED_BRANCH = "{branch:.+}"


async def get_repository(request: web.Request) -> web.Response:
    ctx = context(request)
    return json_response(full_repository_json(ctx.state, ctx.urls, ctx.require_repository()))


async def list_installation_repositories(request: web.Request) -> web.Response:
    """The repositories the token reaches: its installation's, or those it was restricted to
    when it was issued; oldest first. The list is inside an object, so the page and the
    ``Link`` header are built apart."""
    ctx = context(request)
    reachable = _reachable_repositories(ctx)
    page = PageRequest.from_query(request.query)
    link = page.link_header(request.url, len(reachable))
    installation = ctx.state.installations[ctx.require_grant().installation_id]
    body = {
        "total_count": len(reachable),
        "repository_selection": installation.repository_selection,
        "repositories": [
            full_repository_json(ctx.state, ctx.urls, repository)
            for repository in page.slice(reachable)
        ],
    }
    return json_response(body, headers={"Link": link} if link else None)


def _reachable_repositories(ctx: RequestContext) -> list[Repository]:
    grant = ctx.require_grant()
    reachable = [
        repository
        for repository in ctx.state.repositories.values()
        if ctx.state.token_covers(grant, repository)
    ]
    return sorted(reachable, key=lambda repository: repository.id)


async def get_topics(request: web.Request) -> web.Response:
    return json_response({"names": list(context(request).require_repository().topics)})


async def put_topics(request: web.Request) -> web.Response:
    """Replaces every topic (``[]`` clears them); GitHub saves them in lower case."""
    ctx = context(request)
    names = required(await read_json_object(request), "names", list)
    if not all(isinstance(name, str) for name in names):
        raise invalid_request("For 'properties/names', every item must be a string.")
    return json_response({"names": replace_topics(ctx.require_repository(), names)})


async def list_branches(request: web.Request) -> web.Response:
    """Sorted by name; ``protected=true|false`` filters on protection."""
    ctx = context(request)
    repository = ctx.require_repository()
    wanted = request.query.get("protected")
    branches = [
        (name, sha)
        for name, sha in sorted(repository.branches.items())
        if wanted is None or (name in repository.protections) == (wanted == "true")
    ]
    page, headers = paginate(branches, request.query, request.url)
    body = [short_branch_json(ctx.urls, repository, name, sha) for name, sha in page]
    return json_response(body, headers=headers)


async def get_branch(request: web.Request) -> web.Response:
    ctx = context(request)
    repository = ctx.require_repository()
    branch = _existing_branch(ctx.state, repository, request.match_info["branch"])
    return json_response(branch_json(ctx.state, ctx.urls, repository, branch))


async def get_protection(request: web.Request) -> web.Response:
    ctx = context(request)
    repository = ctx.require_repository()
    branch = request.match_info["branch"]
    protection = _protection(repository, branch)
    return json_response(protection_json(ctx.urls, repository, branch, protection))


async def get_required_status_checks(request: web.Request) -> web.Response:
    ctx = context(request)
    repository = ctx.require_repository()
    branch = request.match_info["branch"]
    protection = _protection(repository, branch)
    if not checks_enabled(protection):
        raise ApiError(404, "Required status checks not enabled")
    return json_response(status_check_policy_json(ctx.urls, repository, branch, protection))


def _existing_branch(state: SimulatedGitHub, repository: Repository, name: str) -> str:
    """Branches pointing at made-up SHAs (a test shortcut) have no commit to show."""
    sha = repository.branches.get(name)
    if sha is None or not state.git.has_commit(sha):
        raise ApiError(404, "Branch not found")
    return name


def _protection(repository: Repository, branch: str) -> BranchProtection:
    if branch not in repository.branches:
        raise ApiError(404, "Branch not found")
    protection = repository.protections.get(branch)
    if protection is None:
        raise ApiError(404, "Branch not protected")
    return protection


ROUTES: tuple[Route, ...] = (
    Route("GET", "/installation/repositories", list_installation_repositories),
    Route("GET", "/repos/{owner}/{repo}", get_repository, permission=READ_METADATA),
    Route("GET", "/repos/{owner}/{repo}/topics", get_topics, permission=READ_METADATA),
    Route("PUT", "/repos/{owner}/{repo}/topics", put_topics, permission=WRITE_ADMINISTRATION),
    Route("GET", "/repos/{owner}/{repo}/branches", list_branches, permission=READ_CONTENTS),
    Route(
        "GET",
        f"/repos/{{owner}}/{{repo}}/branches/{PROTECTED_BRANCH}/protection",
        get_protection,
        permission=READ_ADMINISTRATION,
    ),
    Route(
        "GET",
        f"/repos/{{owner}}/{{repo}}/branches/{PROTECTED_BRANCH}/protection/required_status_checks",
        get_required_status_checks,
        permission=READ_ADMINISTRATION,
    ),
    Route(
        "GET",
        f"/repos/{{owner}}/{{repo}}/branches/{BRANCH}",
        get_branch,
        permission=READ_CONTENTS,
    ),
)
