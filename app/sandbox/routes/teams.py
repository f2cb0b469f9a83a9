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


ROUTES: tuple[Route, ...] = (
    Route("GET", "/orgs/{org}/teams", list_teams, permission=READ_MEMBERS),
    Route("GET", "/orgs/{org}/teams/{team_slug}", get_team, permission=READ_MEMBERS),
    Route(
        "GET", "/orgs/{org}/teams/{team_slug}/members", list_team_members, permission=READ_MEMBERS
    ),
    Route("GET", "/orgs/{org}/teams/{team_slug}/teams", list_child_teams, permission=READ_MEMBERS),
    Route("GET", "/orgs/{org}/members/{username}", check_org_member, permission=READ_MEMBERS),
)
