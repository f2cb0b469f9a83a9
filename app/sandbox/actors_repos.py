"""The Python API scripted actors and tests use to shape repositories, teams, statuses and
releases. It runs the same operations as the REST endpoints, so it publishes the same events.
Teams, their access and organisation membership (`add_team`, `grant_team_access`,
`add_org_member`) need no wrapping and are re-exported as they are."""

from __future__ import annotations

from collections.abc import Iterable

from app.sandbox.git import FileChanges
from app.sandbox.models import BranchProtection, CommitStatus, Release, Repository
from app.sandbox.ops.releases import NewRelease, create_release
from app.sandbox.ops.statuses import create_status
from app.sandbox.ops.teams import LEGACY_PERMISSIONS, add_org_member, add_team, grant_team_access
from app.sandbox.ops.topics import replace_topics
from app.sandbox.state import SimulatedGitHub

__all__ = [
    "ORG_DEFAULTS_REPOSITORY",
    "add_collaborator",
    "add_org_defaults_repository",
    "add_org_member",
    "add_team",
    "archive",
    "grant_team_access",
    "post_status",
    "publish_release",
    "set_protection",
    "set_topics",
]

# The repository GitHub reads an organisation's defaults from (community health files, shared
# configuration).
ORG_DEFAULTS_REPOSITORY = ".github"


def set_protection(
    sim: SimulatedGitHub,
    repo: str,
    branch: str,
    required_checks: Iterable[str] = (),
    required_approvals: int = 0,
    require_up_to_date: bool = False,
) -> BranchProtection:
    protection = BranchProtection(
        required_checks=tuple(required_checks),
        required_approvals=required_approvals,
        require_up_to_date=require_up_to_date,
    )
    sim.repository(repo).protections[branch] = protection
    return protection


def post_status(
    sim: SimulatedGitHub,
    repo: str,
    sha: str,
    context: str,
    state: str,
    creator: str = "ci-bot",
    *,
    target_url: str | None = None,
    description: str | None = None,
) -> CommitStatus:
    return create_status(
        sim,
        sim.repository(repo),
        sha,
        state,
        context=context,
        creator=creator,
        target_url=target_url,
        description=description,
    )


def publish_release(
    sim: SimulatedGitHub,
    repo: str,
    tag: str,
    target: str | None = None,
    prerelease: bool = False,
    author: str = "release-manager",
    *,
    name: str | None = None,
    body: str | None = None,
    draft: bool = False,
) -> Release:
    new = NewRelease(
        tag_name=tag,
        target_commitish=target,
        name=name if name is not None else tag,
        body=body,
        draft=draft,
        prerelease=prerelease,
    )
    return create_release(sim, sim.repository(repo), new, author=author)


def add_collaborator(sim: SimulatedGitHub, repo: str, login: str, permission: str) -> None:
    """`permission` is a role: read, triage, write, maintain or admin."""
    if permission not in LEGACY_PERMISSIONS:
        raise ValueError(f"unknown role {permission!r}")
    sim.account(login)
    sim.repository(repo).collaborators[login] = permission


def add_org_defaults_repository(
    sim: SimulatedGitHub, org: str, files: FileChanges | None = None, *, private: bool = False
) -> Repository:
    """The `.github` repository of `org`, holding `files` on its default branch, in the
    installation on the organisation (created if the app is not installed there yet)."""
    installation = next(
        (item for item in sim.installations.values() if item.account.lower() == org.lower()),
        None,
    )
    if installation is None:
        installation = sim.add_installation(org)
    return sim.add_repository(installation, ORG_DEFAULTS_REPOSITORY, private=private, files=files)


def set_topics(sim: SimulatedGitHub, repo: str, topics: Iterable[str]) -> list[str]:
    """Replaces the repository's topics as `PUT /repos/{o}/{r}/topics` does (lower-cased,
    validated: a bad name or more than 20 raise the same 422 `ApiError`)."""
    return replace_topics(sim.repository(repo), topics)


def archive(sim: SimulatedGitHub, repo: str, archived: bool = True) -> Repository:
    """Archives the repository (or unarchives it with `archived=False`): it stays readable,
    and every write through the API answers 403 `Repository was archived so is read-only.`"""
    repository = sim.repository(repo)
    repository.archived = archived
    return repository
