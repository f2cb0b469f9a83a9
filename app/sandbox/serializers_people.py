"""JSON of users, teams in full and repository permissions."""

from __future__ import annotations

from app.sandbox.context import Urls
from app.sandbox.models import Account, Team
from app.sandbox.ops.roles import ROLE_ORDER
from app.sandbox.ops.teams import LEGACY_PERMISSIONS, team_members
from app.sandbox.serializers import Json, account_json, organization_json, team_json
from app.sandbox.state import SimulatedGitHub
from app.sandbox.timefmt import iso8601


def _owned_repositories(state: SimulatedGitHub, account: Account) -> int:
    return sum(
        repository.owner.lower() == account.login.lower()
        for repository in state.repositories.values()
    )


def public_user_json(state: SimulatedGitHub, urls: Urls, account: Account) -> Json:
    """The public view of an account: what an installation token sees of any user."""
    return account_json(urls, account) | {
        "user_view_type": "public",
        "name": None,
        "company": None,
        "blog": "",
        "location": None,
        "email": None,
        "hireable": None,
        "bio": None,
        "public_repos": _owned_repositories(state, account),
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": iso8601(account.created_at),
        "updated_at": iso8601(account.created_at),
    }


def team_organization_json(state: SimulatedGitHub, urls: Urls, account: Account) -> Json:
    return organization_json(urls, account) | {
        "has_organization_projects": True,
        "has_repository_projects": True,
        "public_repos": _owned_repositories(state, account),
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "type": "Organization",
        "created_at": iso8601(account.created_at),
        "updated_at": iso8601(account.created_at),
        "archived_at": None,
    }


def team_full_json(state: SimulatedGitHub, urls: Urls, team: Team) -> Json:
    org = state.account(team.org, "Organization")
    return team_json(state, urls, team.org, team.slug) | {
        "members_count": len(team_members(state, team)),
        "repos_count": len(team.repositories),
        "created_at": iso8601(team.created_at),
        "updated_at": iso8601(team.created_at),
        "organization": team_organization_json(state, urls, org),
    }


def collaborator_permission_json(urls: Urls, account: Account, role: str | None) -> Json:
    """``permission`` is the role's legacy name (``none`` for no access); ``role_name`` the
    role itself."""
    rank = -1 if role is None else ROLE_ORDER.index(role)
    permissions = {name: rank >= ROLE_ORDER.index(name) for name in ROLE_ORDER}
    return {
        "permission": "none" if role is None else LEGACY_PERMISSIONS[role],
        "role_name": role or "none",
        "user": account_json(urls, account)
        | {
            "permissions": {
                "pull": permissions["read"],
                "triage": permissions["triage"],
                "push": permissions["write"],
                "maintain": permissions["maintain"],
                "admin": permissions["admin"],
            },
            "role_name": role or "none",
        },
    }
