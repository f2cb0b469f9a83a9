"""Organisation teams (with their nesting) and organisation membership."""

from __future__ import annotations

from aiohttp import web

from app.sandbox.context import RequestContext, context
from app.sandbox.errors import json_response, not_found
from app.sandbox.models import Team
from app.sandbox.ops.teams import child_teams, find_team, is_org_member, team_members, teams_of
from app.sandbox.pagination import paginate
from app.sandbox.routing import Permission, Route
from app.sandbox.serializers import account_json, team_json
from app.sandbox.serializers_people import team_full_json

READ_MEMBERS = Permission("members", "read")
# GitHub asks an app for the administration permission to list a repository's teams.
READ_ADMINISTRATION = Permission("administration", "read")
# A role as the `permission` field of a repository's team names it.
ROLE_PERMISSIONS = {"read": "pull", "triage": "triage", "write": "push", "maintain": "maintain",
                    "admin": "admin"}  # fmt: skip
ROLE_ORDER = ("read", "triage", "write", "maintain", "admin")
MEMBER_ROLES = frozenset({"member", "all"})  # the simulator has no team maintainers
NOT_A_MEMBER = "User does not exist or is not a member of the organization"


def _org(ctx: RequestContext, request: web.Request) -> str:
    """An installation sees the organisation it is installed on, and no other."""
    org = request.match_info["org"]
    installation_id = None if ctx.grant is None else ctx.grant.installation_id
    installation = ctx.state.installations.get(installation_id or 0)
    if installation is None or installation.account.lower() != org.lower():
        raise not_found()
    return installation.account


def _team(ctx: RequestContext, request: web.Request) -> Team:
    team = find_team(ctx.state, _org(ctx, request), request.match_info["team_slug"])
    if team is None:
        raise not_found()
    return team


def _teams_response(ctx: RequestContext, request: web.Request, teams: list[Team]) -> web.Response:
    page, headers = paginate(teams, request.query, request.url)
    body = [team_json(ctx.state, ctx.urls, team.org, team.slug) for team in page]
    return json_response(body, headers=headers)


async def list_teams(request: web.Request) -> web.Response:
    ctx = context(request)
    return _teams_response(ctx, request, teams_of(ctx.state, _org(ctx, request)))


async def get_team(request: web.Request) -> web.Response:
    ctx = context(request)
    return json_response(team_full_json(ctx.state, ctx.urls, _team(ctx, request)))


async def list_child_teams(request: web.Request) -> web.Response:
    ctx = context(request)
    return _teams_response(ctx, request, child_teams(ctx.state, _team(ctx, request)))


async def list_team_members(request: web.Request) -> web.Response:
    ctx = context(request)
    team = _team(ctx, request)
    logins = team_members(ctx.state, team)
    if request.query.get("role", "all") not in MEMBER_ROLES:
        logins = []
    page, headers = paginate(logins, request.query, request.url)
    body = [account_json(ctx.urls, ctx.state.account(login)) for login in page]
    return json_response(body, headers=headers)


async def check_org_member(request: web.Request) -> web.Response:
    ctx = context(request)
    if not is_org_member(ctx.state, _org(ctx, request), request.match_info["username"]):
        return web.Response(status=404)
    return web.Response(status=204)


def _role_on(ctx: RequestContext, team: Team, key: str) -> str | None:
    """The team's role on the repository: its own, or the highest of its parents' (inherited)."""
    roles = []
    current: Team | None = team
    while current is not None:
        if key in current.repositories:
            roles.append(current.repositories[key])
        parent = current.parent_slug
        current = None if parent is None else find_team(ctx.state, current.org, parent)
    return max(roles, key=ROLE_ORDER.index) if roles else None


async def list_repository_teams(request: web.Request) -> web.Response:
    """`GET /repos/{owner}/{repo}/teams`: the teams with access to the repository, each with its
    role on it as `permission` (pull, triage, push, maintain, admin)."""
    ctx = context(request)
    repository = ctx.require_repository()
    key = repository.full_name.lower()
    found = [
        (team, role)
        for team in teams_of(ctx.state, repository.owner)
        if (role := _role_on(ctx, team, key)) is not None
    ]
    page, headers = paginate(found, request.query, request.url)
    body = []
    for team, role in page:
        entry = team_json(ctx.state, ctx.urls, team.org, team.slug)
        entry["permission"] = ROLE_PERMISSIONS[role]
        entry["permissions"] = {
            name: ROLE_ORDER.index(role) >= ROLE_ORDER.index(level)
            for name, level in (("pull", "read"), ("triage", "triage"), ("push", "write"),
                                ("maintain", "maintain"), ("admin", "admin"))
        }  # fmt: skip
        body.append(entry)
    return json_response(body, headers=headers)


ROUTES: tuple[Route, ...] = (
    Route(
        "GET", "/repos/{owner}/{repo}/teams", list_repository_teams, permission=READ_ADMINISTRATION
    ),
    Route("GET", "/orgs/{org}/teams", list_teams, permission=READ_MEMBERS),
    Route("GET", "/orgs/{org}/teams/{team_slug}", get_team, permission=READ_MEMBERS),
    Route(
        "GET", "/orgs/{org}/teams/{team_slug}/members", list_team_members, permission=READ_MEMBERS
    ),
    Route("GET", "/orgs/{org}/teams/{team_slug}/teams", list_child_teams, permission=READ_MEMBERS),
    Route("GET", "/orgs/{org}/members/{username}", check_org_member, permission=READ_MEMBERS),
)
