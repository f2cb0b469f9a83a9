"""JSON of commit statuses (single and combined) and of releases."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from app.sandbox.context import Urls
from app.sandbox.models import CommitStatus, Release, Repository
from app.sandbox.serializers import (
    Json,
    account_json,
    avatar_url,
    legacy_node_id,
    repository_json,
)
from app.sandbox.state import SimulatedGitHub
from app.sandbox.timefmt import iso8601, optional_iso8601


def simple_status_json(state: SimulatedGitHub, urls: Urls, status: CommitStatus) -> Json:
    creator = state.account(status.creator)
    return {
        "url": urls.api(f"/repos/{status.repo_full_name}/statuses/{status.sha}"),
        "avatar_url": avatar_url(urls, creator),
        "id": status.id,
        "node_id": legacy_node_id("StatusContext", status.id),
        "state": status.state,
        "description": status.description,
        "target_url": status.target_url,
        "context": status.context,
        "created_at": iso8601(status.created_at),
        "updated_at": iso8601(status.created_at),
    }


def status_json(state: SimulatedGitHub, urls: Urls, status: CommitStatus) -> Json:
    creator = account_json(urls, state.account(status.creator))
    return simple_status_json(state, urls, status) | {"creator": creator}


def combined_status_json(
    state: SimulatedGitHub,
    urls: Urls,
    repository: Repository,
    sha: str,
    combined: str,
    latest: Sequence[CommitStatus],
    total_count: int,
) -> Json:
    api = urls.api(f"/repos/{repository.full_name}")
    return {
        "state": combined,
        "statuses": [simple_status_json(state, urls, status) for status in latest],
        "sha": sha,
        "total_count": total_count,
        "repository": repository_json(state, urls, repository),
        "commit_url": f"{api}/commits/{sha}",
        "url": f"{api}/commits/{sha}/status",
    }


def release_json(state: SimulatedGitHub, urls: Urls, release: Release) -> Json:
    api = urls.api(f"/repos/{release.repo_full_name}/releases/{release.id}")
    tag = quote(release.tag_name)
    repo_api = urls.api(f"/repos/{release.repo_full_name}")
    published = release.published_at is not None
    return {
        "url": api,
        "html_url": urls.html(f"/{release.repo_full_name}/releases/tag/{tag}"),
        "assets_url": f"{api}/assets",
        "upload_url": urls.html(
            f"/api/uploads/repos/{release.repo_full_name}/releases/{release.id}/assets"
            "{?name,label}"
        ),
        "tarball_url": f"{repo_api}/tarball/{tag}" if published else None,
        "zipball_url": f"{repo_api}/zipball/{tag}" if published else None,
        "id": release.id,
        "node_id": legacy_node_id("Release", release.id),
        "tag_name": release.tag_name,
        "target_commitish": release.target_commitish,
        "name": release.name,
        "body": release.body,
        "draft": release.draft,
        "prerelease": release.prerelease,
        "created_at": iso8601(release.created_at),
        "published_at": optional_iso8601(release.published_at),
        "author": account_json(urls, state.account(release.author)),
        "assets": [],
    }
