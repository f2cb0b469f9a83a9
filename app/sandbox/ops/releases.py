"""Releases: creating them (and the tag they name) and finding them as GitHub's API does."""

from __future__ import annotations

from dataclasses import dataclass

from app.sandbox.errors import field_error, validation_failed
from app.sandbox.models import Release, Repository, repo_key
from app.sandbox.ops.refs import RefName, create_ref, read_ref, resolve_commit
from app.sandbox.state import SimulatedGitHub

RESOURCE = "Release"


@dataclass(frozen=True)
class NewRelease:
    tag_name: str
    target_commitish: str | None = None  # default: the repository's default branch
    name: str | None = None
    body: str | None = None
    draft: bool = False
    prerelease: bool = False


def create_release(
    state: SimulatedGitHub, repository: Repository, new: NewRelease, *, author: str
) -> Release:
    """A published release tags its target if the tag does not exist yet; a draft creates no
    tag until it is published."""
    if find_by_tag(state, repository, new.tag_name, drafts=True) is not None:
        raise validation_failed([field_error(RESOURCE, "tag_name", "already_exists")])
    target = new.target_commitish or repository.default_branch
    tag = RefName.tag(new.tag_name)
    target_sha = resolve_commit(state, repository, target)
    if read_ref(repository, tag) is None and target_sha is None:
        raise validation_failed([field_error(RESOURCE, "target_commitish", "invalid")])
    state.account(author)
    if not new.draft and target_sha is not None and read_ref(repository, tag) is None:
        create_ref(state, repository, tag, target_sha, sender=author)
    release = _record(state, repository, new, target, author)
    _announce(state, repository, release)
    return release


def _record(
    state: SimulatedGitHub, repository: Repository, new: NewRelease, target: str, author: str
) -> Release:
    now = state.now()
    release = Release(
        id=state.next_id(),
        repo_full_name=repository.full_name,
        tag_name=new.tag_name,
        name=new.name,
        body=new.body,
        draft=new.draft,
        prerelease=new.prerelease,
        target_commitish=target,
        author=author,
        created_at=now,
        published_at=None if new.draft else now,
    )
    state.releases[release.id] = release
    return release


def _announce(state: SimulatedGitHub, repository: Repository, release: Release) -> None:
    state.publish("release", "created", repository, release.author, release)
    if release.draft:
        return
    state.publish("release", "published", repository, release.author, release)
    action = "prereleased" if release.prerelease else "released"
    state.publish("release", action, repository, release.author, release)


def releases_in(state: SimulatedGitHub, repository: Repository, *, drafts: bool) -> list[Release]:
    """Newest first."""
    key = repo_key(repository.full_name)
    found = [
        release
        for release in state.releases.values()
        if repo_key(release.repo_full_name) == key and (drafts or not release.draft)
    ]
    return sorted(found, key=lambda release: (release.created_at, release.id), reverse=True)


def latest_release(state: SimulatedGitHub, repository: Repository) -> Release | None:
    """The most recently created release that is neither a draft nor a prerelease."""
    candidates = releases_in(state, repository, drafts=False)
    return next((release for release in candidates if not release.prerelease), None)


def find_by_tag(
    state: SimulatedGitHub, repository: Repository, tag: str, *, drafts: bool
) -> Release | None:
    candidates = releases_in(state, repository, drafts=drafts)
    return next((release for release in candidates if release.tag_name == tag), None)
