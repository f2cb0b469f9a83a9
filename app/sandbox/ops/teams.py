"""Organisation membership, teams (nested through their parent) and repository roles."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.sandbox.models import Team, repo_key
from app.sandbox.state import SimulatedGitHub

# A role's legacy permission, the only kind the ``permission`` field knows.
LEGACY_PERMISSIONS = {
    "admin": "admin",
    "maintain": "write",
    "write": "write",
    "triage": "read",
    "read": "read",
}
ORG_ROLES = ("member", "admin")


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", name.lower()).strip("-")


def add_org_member(state: SimulatedGitHub, org: str, login: str, role: str = "member") -> None:
    """Makes `login` a member of `org`; with ``role="admin"`` an owner of it, who is admin on
    every repository of the organisation."""
    if role not in ORG_ROLES:
        raise ValueError(f"unknown organisation role {role!r}")
    state.account(org, "Organization")
    state.account(login)
    state.org_members.setdefault(org.lower(), set()).add(login.lower())
    if role == "admin":
        state.org_owners.setdefault(org.lower(), set()).add(login.lower())


def is_org_member(state: SimulatedGitHub, org: str, login: str) -> bool:
    return login.lower() in state.org_members.get(org.lower(), set())


def is_org_owner(state: SimulatedGitHub, org: str, login: str) -> bool:
    return login.lower() in state.org_owners.get(org.lower(), set())


def grant_team_access(state: SimulatedGitHub, org: str, slug: str, repo: str, role: str) -> Team:
    """Gives the team `role` (read, triage, write, maintain or admin) on the repository, which
    its members and the members of its child teams then have."""
    team = find_team(state, org, slug)
    if team is None:
        raise KeyError(f"no team {org}/{slug}")
    if role not in LEGACY_PERMISSIONS:
        raise ValueError(f"unknown role {role!r}")
    team.repositories[repo_key(state.repository(repo).full_name)] = role
    return team


def add_team(
    state: SimulatedGitHub,
    org: str,
    slug: str,
    members: Iterable[str] = (),
    parent: str | None = None,
    *,
    name: str | None = None,
) -> Team:
    """A team of `org` (whose members become members of the organisation), nested under the
    team `parent` if given."""
    parent_team = None if parent is None else find_team(state, org, parent)
    if parent is not None and parent_team is None:
        raise KeyError(f"no team {org}/{parent}")
    team = Team(
        id=state.next_id(),
        org=state.account(org, "Organization").login,
        slug=slugify(slug),
        name=name or slug,
        members=list(members),
        parent_slug=None if parent_team is None else parent_team.slug,
        created_at=state.now(),
    )
    for login in team.members:
        add_org_member(state, org, login)
    state.teams[(org.lower(), team.slug)] = team
    return team


def find_team(state: SimulatedGitHub, org: str, slug: str) -> Team | None:
    return state.teams.get((org.lower(), slug.lower()))


def teams_of(state: SimulatedGitHub, org: str) -> list[Team]:
    """Sorted by name, as GitHub lists them."""
    found = [team for (team_org, _), team in state.teams.items() if team_org == org.lower()]
    return sorted(found, key=lambda team: team.name.lower())


def child_teams(state: SimulatedGitHub, team: Team) -> list[Team]:
    return [child for child in teams_of(state, team.org) if child.parent_slug == team.slug]


def team_members(state: SimulatedGitHub, team: Team) -> list[str]:
    """The team's members and, as GitHub counts them, the members of its child teams."""
    logins: dict[str, str] = {}
    pending = [team]
    while pending:
        current = pending.pop(0)
        for login in current.members:
            logins.setdefault(login.lower(), login)
        pending.extend(child_teams(state, current))
    return list(logins.values())
