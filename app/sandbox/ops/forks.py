"""Forks: a repository's copy owned by another account, pull requests from its branches, and
whether a token may push to such a pull request's head branch."""

from __future__ import annotations

from app.sandbox.models import (
    Installation,
    IssuedToken,
    PullRequest,
    Repository,
    default_labels,
    repo_key,
)
from app.sandbox.state import SimulatedGitHub

# A fork the app is not installed on: no installation covers it, no webhook is sent for it.
NOT_INSTALLED = 0
WRITE_LEVELS = ("write", "admin")


def fork_repository(
    state: SimulatedGitHub, upstream: str, owner: str, *, installation: Installation | None = None
) -> Repository:
    """A fork of `upstream` owned by `owner`, holding the upstream's default branch (GitHub copies
    only that one unless asked). With `installation`, the app is installed on the fork too."""
    source = state.repository(upstream)
    state.account(owner)
    fork = Repository(
        id=state.next_id(),
        owner=owner,
        name=source.name,
        installation_id=NOT_INSTALLED if installation is None else installation.id,
        default_branch=source.default_branch,
        private=source.private,
        branches={source.default_branch: source.branches[source.default_branch]},
        parent=source.full_name,
    )
    fork.labels = default_labels(fork.full_name)
    state.repositories[repo_key(fork.full_name)] = fork
    state.pulls[repo_key(fork.full_name)] = {}
    if installation is not None:
        installation.repositories.append(fork.full_name)
    return fork


def open_fork_pull(
    state: SimulatedGitHub,
    upstream: str,
    fork: str,
    branch: str,
    title: str,
    author: str,
    *,
    base: str = "main",
    maintainer_can_modify: bool = False,
    draft: bool = False,
) -> PullRequest:
    """Opens a PR on `upstream` from `branch` of `fork`, a fork of it."""
    head = state.repository(fork)
    if repo_key(head.parent or "") != repo_key(upstream):
        raise ValueError(f"{fork} is not a fork of {upstream}")
    if branch not in head.branches:
        raise ValueError(f"{fork} has no branch {branch!r}")
    return state.open_pull(
        upstream,
        title,
        head_ref=branch,
        base_ref=base,
        author=author,
        draft=draft,
        head_repo=head.full_name,
        maintainer_can_modify=maintainer_can_modify,
    )


def may_push_head(state: SimulatedGitHub, grant: IssuedToken, pull: PullRequest) -> bool:
    """Whether the token may move the PR's head branch. GitHub's REST reference for
    `PUT .../update-branch`: "If making a request on behalf of a GitHub App you must also have
    permissions to write the contents of the head repository"; an app that cannot gets 403
    `Resource not accessible by integration`. A fork the token does not cover is writable only
    when its owner allows edits by maintainers, which lets whoever may write the base
    repository push to the head branch."""
    if grant.permissions.get("contents") not in WRITE_LEVELS:
        return False
    if state.token_covers(grant, state.head_repository(pull)):
        return True
    return pull.maintainer_can_modify
