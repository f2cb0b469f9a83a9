"""A user's role on a repository, from every source GitHub grants one through, and the
``author_association`` GitHub shows beside what they write."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from app.sandbox.models import Repository, Team, repo_key
from app.sandbox.ops.access import role_of
from app.sandbox.ops.teams import find_team, is_org_member, is_org_owner, teams_of
from app.sandbox.state import SimulatedGitHub

ROLE_ORDER = ("read", "triage", "write", "maintain", "admin")
WRITE_ROLES = frozenset({"write", "maintain", "admin"})
ORG_BASE_ROLE = "read"


def strongest(roles: Iterable[str | None]) -> str | None:
    known = [role for role in roles if role in ROLE_ORDER]
    return max(known, key=ROLE_ORDER.index, default=None)


def repository_role(state: SimulatedGitHub, repository: Repository, login: str) -> str | None:
    """The strongest of: the user's collaborator role; admin for the owning user and for owners
    of the owning organisation; the roles granted to the user's teams (a child team inherits its
    parent's); the organisation's base role (read) for its members. None: no access."""
    candidates = [role_of(repository, login), *team_roles(state, repository, login)]
    if login.lower() == repository.owner.lower() or is_org_owner(state, repository.owner, login):
        candidates.append("admin")
    if is_org_member(state, repository.owner, login):
        candidates.append(ORG_BASE_ROLE)
    return strongest(candidates)


def team_roles(state: SimulatedGitHub, repository: Repository, login: str) -> list[str]:
    """The roles on the repository of every team the user is in, directly or through a child."""
    key = repo_key(repository.full_name)
    return [
        team.repositories[key]
        for team in teams_with_member(state, repository.owner, login)
        if key in team.repositories
    ]


def teams_with_member(state: SimulatedGitHub, org: str, login: str) -> list[Team]:
    """The teams of `org` the user belongs to: those listing them, and their ancestors."""
    found: dict[str, Team] = {}
    for team in teams_of(state, org):
        if any(member.lower() == login.lower() for member in team.members):
            for ancestor in _lineage(state, team):
                found.setdefault(ancestor.slug, ancestor)
    return list(found.values())


def _lineage(state: SimulatedGitHub, team: Team) -> Iterator[Team]:
    current: Team | None = team
    seen: set[str] = set()
    while current is not None and current.slug not in seen:
        seen.add(current.slug)
        yield current
        parent = current.parent_slug
        current = None if parent is None else find_team(state, current.org, parent)


def has_access(state: SimulatedGitHub, repository: Repository, login: str) -> bool:
    """Whether the user can see the repository: any role at all."""
    return repository_role(state, repository, login) is not None


def has_write_access(state: SimulatedGitHub, repository: Repository, login: str) -> bool:
    return repository_role(state, repository, login) in WRITE_ROLES


def author_association(state: SimulatedGitHub, repository: Repository, login: str) -> str:
    """GitHub's ``author_association`` of `login` in the repository: OWNER (the owning user),
    MEMBER (of the owning organisation, owners included), COLLABORATOR (a role given on the
    repository, directly or through a team), CONTRIBUTOR (author of a merged pull request
    there), otherwise NONE."""
    if login.lower() == repository.owner.lower():
        return "OWNER"
    if is_org_member(state, repository.owner, login) or is_org_owner(
        state, repository.owner, login
    ):
        return "MEMBER"
    if role_of(repository, login) is not None or team_roles(state, repository, login):
        return "COLLABORATOR"
    if _has_contributed(state, repository, login):
        return "CONTRIBUTOR"
    return "NONE"


def _has_contributed(state: SimulatedGitHub, repository: Repository, login: str) -> bool:
    return any(
        pull.merged and pull.author.lower() == login.lower()
        for pull in state.pulls_in(repository.full_name)
    )
