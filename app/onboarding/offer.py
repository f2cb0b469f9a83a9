"""Offering a repository paasbot: one "Configure paasbot" PR from `paasbot/configure` adding a
starter `.paasbot.yml`, unless the repository is configured already, or was offered before (its
onboarding PR, open, merged or closed, is found on GitHub whatever paasbot's records say)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gidgethub import BadRequest
from gidgethub.abc import GitHubAPI

from app.config.loader import fetch_config_file, org_defaults_repository
from app.config.problems import ConfigInvalid
from app.config.validate import parse_config_file
from app.github.git_writes import last_line_of_commit, point_branch, write_commit
from app.onboarding.detect import detect, files_to_read, has_config
from app.onboarding.starter import (
    BRANCH,
    CONFIG_PATH,
    TITLE,
    TRAILER,
    commit_message,
    pull_body,
    starter_config,
)

MAX_FILE_BYTES = 256 * 1024


@dataclass(frozen=True)
class Offer:
    """How looking at one repository ended (an onboarding status, see app/store/onboarding)."""

    status: str
    detail: str
    pull_number: int | None = None
    opened: bool = False  # paasbot opened the PR just now


@dataclass(frozen=True)
class Snapshot:
    default_branch: str
    commit_sha: str
    tree_sha: str
    paths: tuple[str, ...]


async def onboarding_enabled(api: GitHubAPI, repository: str) -> bool:
    """The organisation's switch: `onboarding: false` in its `.github` repository's file."""
    org = org_defaults_repository(repository)
    fetched = await fetch_config_file(api, org, None)
    if fetched is None or fetched.unreadable is not None:
        return True
    try:
        layer = parse_config_file(fetched.text, f"{org}:{fetched.path}")
    except ConfigInvalid:
        return True  # a broken file is reported on that repository's PRs; it switches nothing
    return layer.onboarding is not False


async def look(api: GitHubAPI, repository: str) -> Snapshot | Offer:
    """The repository's default branch as it is, or why there is nothing to offer."""
    try:
        facts = await api.getitem("/repos/{+repository}", url_vars={"repository": repository})
    except BadRequest as error:
        if error.status_code == 404:
            return Offer("skipped", "not found, or paasbot is not installed on it")
        raise
    if facts.get("archived"):
        return Offer("skipped", "archived")
    branch = facts["default_branch"]
    try:
        commit = await api.getitem(
            "/repos/{+repository}/commits/{+ref}",
            url_vars={"repository": repository, "ref": branch},
        )
    except BadRequest as error:
        if error.status_code in (404, 409):  # 409: "Git Repository is empty."
            return Offer("skipped", "empty: nothing to configure yet")
        raise
    tree_sha = commit["commit"]["tree"]["sha"]
    tree = await api.getitem(
        "/repos/{+repository}/git/trees/{sha}?recursive=1",
        url_vars={"repository": repository, "sha": tree_sha},
    )
    paths = tuple(item["path"] for item in tree.get("tree", []) if item.get("type") == "blob")
    return Snapshot(branch, commit["sha"], tree_sha, paths)


async def earlier_offer(api: GitHubAPI, repository: str) -> dict[str, Any] | None:
    """The newest PR from `paasbot/configure` that paasbot opened, in any state."""
    owner = repository.split("/")[0]
    newest: dict[str, Any] | None = None
    async for pull in api.getiter(
        "/repos/{+repository}/pulls?state=all&head={head}",
        url_vars={"repository": repository, "head": f"{owner}:{BRANCH}"},
    ):
        if (pull.get("user") or {}).get("type") == "Bot" and (
            newest is None or pull["number"] > newest["number"]
        ):
            newest = pull
    return newest


def outcome_of(pull: Mapping[str, Any]) -> Offer:
    number = int(pull["number"])
    if pull.get("merged_at"):
        return Offer("configured", f"onboarding PR #{number} was merged", number)
    if pull.get("state") == "open":
        return Offer("opened", f"onboarding PR #{number} is open", number)
    return Offer("declined", f"onboarding PR #{number} was closed without merging", number)


async def open_offer(api: GitHubAPI, repository: str, snapshot: Snapshot) -> Offer:
    """Writes the starter file on `paasbot/configure` and opens the PR."""
    texts = await _texts(api, repository, snapshot)
    facts = detect(repository, snapshot.paths, texts)
    sha = await write_commit(
        api,
        repository,
        snapshot.commit_sha,
        snapshot.tree_sha,
        {CONFIG_PATH: starter_config(facts)},
        commit_message(facts),
    )

    async def is_ours(head: str) -> bool:
        return await last_line_of_commit(api, repository, head) == TRAILER

    await point_branch(api, repository, BRANCH, sha, is_ours)
    pull = await api.post(
        "/repos/{+repository}/pulls",
        url_vars={"repository": repository},
        data={
            "title": TITLE,
            "head": BRANCH,
            "base": snapshot.default_branch,
            "body": pull_body(facts),
        },
    )
    number = int(pull["number"])
    return Offer("opened", f"onboarding PR #{number} opened", number, opened=True)


async def _texts(api: GitHubAPI, repository: str, snapshot: Snapshot) -> dict[str, str]:
    texts = {}
    for path in files_to_read(snapshot.paths):
        try:
            item = await api.getitem(
                "/repos/{+repository}/contents/{+path}?ref={ref}",
                url_vars={"repository": repository, "path": path, "ref": snapshot.commit_sha},
            )
        except BadRequest as error:
            if error.status_code == 404:
                continue
            raise
        text = _decoded(item)
        if text is not None:
            texts[path] = text
    return texts


def _decoded(item: Any) -> str | None:
    if not isinstance(item, dict) or int(item.get("size") or 0) > MAX_FILE_BYTES:
        return None
    try:
        raw = base64.b64decode("".join((item.get("content") or "").split()), validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def is_configured(snapshot: Snapshot) -> bool:
    return has_config(snapshot.paths)
