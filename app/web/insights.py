"""The insights dashboard (``/insights``) and its JSON API (``/api/insights``).

Both show only repositories the viewer can see: a logged-in user's (``app/web/auth.py``: the
repositories both they and the app could see at login), or every repository for the read-only
bearer token INSIGHTS_TOKEN (API only). Scope: the organisation (everything visible), one
repository (``?repository=owner/name``), or a team (``?team=slug``: its visible repositories);
window: the last 30, 90 or 365 days (``?days=``). The figures are ``compute_insights``' over the
ledger (``app/store/ledger.py``); people are never shown."""

from __future__ import annotations

import hmac
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from app.insights.delivery import DEFAULT_PRODUCTION_NAMES
from app.insights.model import ActionRecord, DeploymentRecord, PullRecord, Window
from app.insights.scope import (
    Insights,
    InsightsOptions,
    Scope,
    compute_insights,
    for_repositories,
    organisation,
)
from app.store.ledger import load_actions, load_deployments, load_pulls, teams_of
from app.web.auth import LOGIN, current_session
from app.web.insights_chart import hours_text, merge_time_chart

WINDOWS = (30, 90, 365)
DEFAULT_DAYS = 90
DAY = 86400.0
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Viewer:
    name: str  # a login, or "token"
    repositories: frozenset[str] | None  # None: every repository (INSIGHTS_TOKEN)

    def sees(self, repository: str) -> bool:
        return self.repositories is None or repository.lower() in self.repositories


@dataclass(frozen=True)
class Query:
    repository: str | None
    team: str | None
    days: int


@dataclass(frozen=True)
class Ledger:
    pulls: list[PullRecord]
    deployments: list[DeploymentRecord]
    actions: list[ActionRecord]


def add_insights_routes(app: web.Application) -> None:
    app.router.add_get("/insights", insights_page)
    app.router.add_get("/api/insights", insights_api)


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("app.web", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["hours"] = hours_text
    environment.filters["percent"] = lambda v: "no data" if v is None else f"{100 * v:.1f}%"
    environment.filters["number"] = lambda v, d=2: "no data" if v is None else f"{v:.{d}f}"
    return environment


TEMPLATES = _environment()


def parse_query(query: Any) -> Query:
    raw_days = query.get("days", "").strip() or str(DEFAULT_DAYS)
    if not raw_days.isdigit() or int(raw_days) not in WINDOWS:
        raise Refused(400, f"days must be one of {', '.join(map(str, WINDOWS))}, got {raw_days!r}")
    repository = query.get("repository", "").strip().lower() or None
    team = query.get("team", "").strip() or None
    return Query(repository, team, int(raw_days))


async def _visible_teams(request: web.Request, viewer: Viewer) -> dict[str, set[str]]:
    """team -> its repositories the viewer can see (teams with none left out)."""
    async with request.app[LOGIN].db.reader() as conn:
        teams = await teams_of(conn)
    visible = {team: {name for name in names if viewer.sees(name)} for team, names in teams.items()}
    return {team: names for team, names in visible.items() if names}


def scope_for(viewer: Viewer, query: Query, teams: dict[str, set[str]]) -> Scope:
    if query.repository is not None and not viewer.sees(query.repository):
        raise Refused(404, f"No repository {query.repository!r} among the repositories you can see")
    if query.team is not None and query.team not in teams:
        raise Refused(404, f"No team {query.team!r} with a repository you can see")
    if query.repository is not None:
        if query.team is not None and query.repository not in teams[query.team]:
            raise Refused(404, f"Team {query.team!r} has no repository {query.repository!r}")
        return for_repositories([query.repository])
    if query.team is not None:
        return Scope("team", name=query.team, repositories=frozenset(teams[query.team]))
    if viewer.repositories is None:
        return organisation()
    return Scope("organisation", repositories=viewer.repositories)


def options_for(request: web.Request) -> InsightsOptions:
    settings = request.app[LOGIN].settings
    return InsightsOptions(
        production_environments=DEFAULT_PRODUCTION_NAMES,
        minutes_per_action=dict(settings.insights_minutes_per_action),
        default_minutes=settings.insights_default_minutes,
    )


async def load_ledger(
    request: web.Request, repositories: Collection[str] | None, window: Window
) -> Ledger:
    async with request.app[LOGIN].db.reader() as conn:
        return Ledger(
            await load_pulls(conn, repositories, window),
            await load_deployments(conn, repositories, window),
            await load_actions(conn, repositories, window),
        )


def window_of(request: web.Request, days: int) -> Window:
    now = request.app[LOGIN].clock()
    return Window(now - days * DAY, now)


async def compute(
    request: web.Request, viewer: Viewer, query: Query
) -> tuple[Insights, Ledger, dict[str, set[str]]]:
    teams = await _visible_teams(request, viewer)
    scope = scope_for(viewer, query, teams)
    window = window_of(request, query.days)
    ledger = await load_ledger(request, scope.repositories, window)
    insights = compute_insights(
        ledger.pulls, ledger.deployments, ledger.actions, window, scope, options_for(request)
    )
    return insights, ledger, teams


# --- the JSON API --------------------------------------------------------------------------------


def _json_error(status: int, message: str) -> web.Response:
    headers = dict(SECURITY_HEADERS)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="paasbot insights"'
    return web.json_response({"message": message}, status=status, headers=headers)


async def api_viewer(request: web.Request) -> Viewer:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        token = request.app[LOGIN].settings.insights_token
        if scheme.lower() != "bearer" or not value.strip():
            raise Refused(401, "Send Authorization: Bearer <INSIGHTS_TOKEN>")
        if token is None:
            raise Refused(401, "No bearer token is accepted here (INSIGHTS_TOKEN is not set)")
        if not hmac.compare_digest(value.strip().encode(), token.encode()):
            raise Refused(401, "The bearer token is not the insights token")
        return Viewer("token", None)
    session = await current_session(request)
    if session is None:
        raise Refused(
            401, "Log in at /login (session cookie) or send Authorization: Bearer <INSIGHTS_TOKEN>"
        )
    if not session.repositories:
        raise Refused(403, f"{session.login} cannot see any repository paasbot is installed on")
    return Viewer(session.login, session.repositories)


async def insights_api(request: web.Request) -> web.Response:
    try:
        viewer = await api_viewer(request)
        insights, _, _ = await compute(request, viewer, parse_query(request.query))
    except Refused as refused:
        return _json_error(refused.status, refused.message)
    return web.json_response(insights.to_json(), headers=SECURITY_HEADERS)


# --- the pages -----------------------------------------------------------------------------------


def _html(status: int, text: str) -> web.Response:
    return web.Response(
        status=status, text=text, content_type="text/html", headers=SECURITY_HEADERS
    )


def _error_page(status: int, message: str, login: str | None) -> web.Response:
    return _html(
        status, TEMPLATES.get_template("insights_error.html").render(message=message, login=login)
    )


def _link(**params: object) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return "/insights" + ("?" + urlencode(kept) if kept else "")


async def insights_page(request: web.Request) -> web.StreamResponse:
    session = await current_session(request)
    if session is None:
        raise web.HTTPFound("/login?next=" + quote(request.path_qs, safe=""))
    if not session.repositories:
        return _error_page(
            403,
            f"{session.login} cannot see any repository paasbot is installed on. Ask for access "
            "to a repository, then log in again.",
            session.login,
        )
    viewer = Viewer(session.login, session.repositories)
    try:
        query = parse_query(request.query)
        insights, ledger, teams = await compute(request, viewer, query)
    except Refused as refused:
        return _error_page(refused.status, refused.message, session.login)
    rows = _repository_rows(request, insights, ledger)
    text = TEMPLATES.get_template("insights.html").render(
        login=session.login,
        query=query,
        windows=WINDOWS,
        repositories=sorted(session.repositories),
        teams=sorted(teams),
        team_repositories=sorted(teams.get(query.team or "", ())),
        insights=insights,
        figures=insights.to_json(),
        chart=merge_time_chart(insights.merge_time),
        rows=rows,
        link=_link,
        title=_title(insights.scope, query),
    )
    return _html(200, text)


def _title(scope: Scope, query: Query) -> str:
    if query.repository is not None:
        return f"Repository {query.repository}"
    if query.team is not None:
        return f"Team {query.team}"
    return "Organisation overview"


def _repository_rows(
    request: web.Request, insights: Insights, ledger: Ledger
) -> list[dict[str, Any]]:
    """Per repository of the scope (several): merged PRs, median time to merge, deployments per
    week and bot actions, from the ledger already loaded."""
    names = sorted(
        {r.repository for r in ledger.pulls}
        | {r.repository for r in ledger.deployments}
        | {r.repository for r in ledger.actions}
    )
    if insights.scope.kind == "repositories" or len(names) < 1:
        return []
    options = options_for(request)
    rows = []
    for name in names:
        one = compute_insights(
            ledger.pulls, ledger.deployments, ledger.actions, insights.window, [name], options
        )
        rows.append(
            {
                "name": name,
                "merged": one.merge_time.overall.count,
                "median_hours": one.merge_time.overall.median_hours,
                "per_week": one.delivery.deployment_frequency.per_week,
                "actions": one.bot_work.total,
            }
        )
    return rows
