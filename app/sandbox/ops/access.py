"""Who may do what on a simulated repository, and the identity an installation acts as."""

from __future__ import annotations

from app.sandbox.errors import not_found
from app.sandbox.models import Account, Issue, PullRequest, Repository
from app.sandbox.state import SimulatedGitHub


def bot_login(state: SimulatedGitHub) -> str:
    """Writes made with an installation token are attributed to the app's bot user."""
    return bot_account(state).login


def bot_account(state: SimulatedGitHub) -> Account:
    return ensure_actor(state, state.bot_login)


def ensure_actor(state: SimulatedGitHub, login: str) -> Account:
    """The account of whoever acts, created as a bot for ``[bot]`` logins as on GitHub."""
    return state.account(login, "Bot" if login.endswith("[bot]") else "User")


def role_of(repository: Repository, login: str) -> str | None:
    wanted = login.lower()
    return next(
        (role for user, role in repository.collaborators.items() if user.lower() == wanted), None
    )


def team_slug(state: SimulatedGitHub, repository: Repository, slug: str) -> str | None:
    """The slug of the owning organisation's team `slug`, as GitHub spells it; None if absent."""
    team = state.teams.get((repository.owner.lower(), slug.lower()))
    return None if team is None else team.slug


def require_pull(state: SimulatedGitHub, repo: str, number: int) -> PullRequest:
    """The pull request, or GitHub's 404 when the repository has no such number."""
    pull = state.find_pull(repo, number)
    if pull is None:
        raise not_found()
    return pull


def require_issue(state: SimulatedGitHub, repo: str, number: int) -> PullRequest | Issue:
    """What an issue number names: a pull request (its issue side) or a plain issue; GitHub's
    404 when it names neither."""
    found = state.find_pull(repo, number) or state.find_issue(repo, number)
    if found is None:
        raise not_found()
    return found
