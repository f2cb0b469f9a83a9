"""A dependent's bump PRs through the API: finding the ones that exist (and whether a person
pushed to them), writing the bump as one commit on its branch with the git data API, opening the
PR, and closing an older one it supersedes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gidgethub import BadRequest
from gidgethub.abc import GitHubAPI

from app.bumps.dependent_plan import FileEdit
from app.bumps.existing import PullInfo
from app.bumps.pr_text import find_marker
from app.github import git_writes
from app.github.git_writes import BranchTaken as BranchTaken

BRANCH_PREFIX = "paasbot/bump-"
TRAILER = "Paasbot-Bump"
MAX_OPEN_PULLS_READ = 1000


def trailer(package: str, version: str) -> str:
    """The last line of paasbot's bump commit: how it knows later that nobody pushed since."""
    return f"{TRAILER}: {package} {version}"


def commit_message(package: str, version: str, source: str) -> str:
    return (
        f"Bump {package} to {version}\n\n"
        f"{source} released {version}.\n\n"
        f"{trailer(package, version)}\n"
    )


async def find_bump_pulls(
    api: GitHubAPI, repository: str, package: str, branch: str
) -> list[PullInfo]:
    """The open PRs that may be paasbot's bumps of `package` (by their branch), and every PR
    (any state) from this version's `branch`, each with whether its head is paasbot's commit."""
    owner = repository.split("/")[0]
    found: dict[int, dict[str, Any]] = {}
    async for pull in api.getiter(
        "/repos/{+repository}/pulls?state=open&per_page=100",
        url_vars={"repository": repository},
    ):
        if len(found) >= MAX_OPEN_PULLS_READ:
            break
        if (pull.get("head") or {}).get("ref", "").startswith(BRANCH_PREFIX):
            found[pull["number"]] = pull
    async for pull in api.getiter(
        "/repos/{+repository}/pulls?state=all&per_page=100&head={head}",
        url_vars={"repository": repository, "head": f"{owner}:{branch}"},
    ):
        found[pull["number"]] = pull
    return [await _pull_info(api, repository, pull, package) for pull in found.values()]


async def _pull_info(
    api: GitHubAPI, repository: str, pull: dict[str, Any], package: str
) -> PullInfo:
    head, base = pull.get("head") or {}, pull.get("base") or {}
    marker = find_marker(pull.get("body"))
    ours = False
    if marker is not None and marker.package == package and pull.get("state") == "open":
        ours = await is_paasbot_commit(api, repository, head["sha"], package, marker.version)
    return PullInfo(
        number=pull["number"],
        state=pull.get("state", "open"),
        merged=bool(pull.get("merged_at")),
        head_ref=head.get("ref", ""),
        head_repo=(head.get("repo") or {}).get("full_name"),
        base_repo=(base.get("repo") or {}).get("full_name") or repository,
        author_type=(pull.get("user") or {}).get("type", "User"),
        body=pull.get("body"),
        html_url=pull.get("html_url", ""),
        head_is_ours=ours,
        labels=tuple(str(label.get("name")) for label in pull.get("labels") or ()),
    )


async def is_paasbot_commit(
    api: GitHubAPI, repository: str, sha: str, package: str, version: str
) -> bool:
    last = await git_writes.last_line_of_commit(api, repository, sha)
    return last == trailer(package, version)


async def write_bump_commit(
    api: GitHubAPI,
    repository: str,
    base_commit: str,
    base_tree: str,
    edits: Sequence[FileEdit],
    message: str,
) -> str:
    """One commit on top of `base_commit` changing the edited files; returns its sha."""
    files = {edit.path: edit.text for edit in edits}
    return await git_writes.write_commit(api, repository, base_commit, base_tree, files, message)


async def point_branch(
    api: GitHubAPI, repository: str, branch: str, sha: str, package: str, version: str
) -> None:
    """Creates the bump's branch, or moves the one a crashed attempt left (see point_branch)."""

    async def is_ours(head: str) -> bool:
        return await is_paasbot_commit(api, repository, head, package, version)

    await git_writes.point_branch(api, repository, branch, sha, is_ours)


async def open_pull(
    api: GitHubAPI, repository: str, branch: str, base: str, title: str, body: str
) -> dict[str, Any]:
    return await api.post(
        "/repos/{+repository}/pulls",
        url_vars={"repository": repository},
        data={"title": title, "head": branch, "base": base, "body": body},
    )


async def add_labels(
    api: GitHubAPI, repository: str, number: int, labels: Sequence[str], has: Sequence[str] = ()
) -> None:
    """Adds those of `labels` the PR does not have (`has`)."""
    labels = [label for label in labels if label.lower() not in {h.lower() for h in has}]
    if labels:
        await api.post(
            "/repos/{+repository}/issues/{number}/labels",
            url_vars={"repository": repository, "number": str(number)},
            data={"labels": list(labels)},
        )


async def close_superseded(
    api: GitHubAPI,
    repository: str,
    old: PullInfo,
    new_number: int,
    version: str,
    *,
    maybe_said: bool = False,
) -> None:
    """Says which PR replaces `old`, closes it and deletes its branch (paasbot made both).
    `maybe_said`: an earlier attempt may have posted the comment already (its answer lost):
    the comments are read first, so it is never posted twice."""
    url_vars = {"repository": repository, "number": str(old.number)}
    body = f"Superseded by #{new_number}, which bumps to {version}."
    if not (maybe_said and await _has_comment(api, url_vars, body)):
        await api.post(
            "/repos/{+repository}/issues/{number}/comments", url_vars=url_vars, data={"body": body}
        )
    await api.patch(
        "/repos/{+repository}/pulls/{number}",
        url_vars={"repository": repository, "number": str(old.number)},
        data={"state": "closed"},
    )
    try:
        await api.delete(
            "/repos/{+repository}/git/refs/{+ref}",
            url_vars={"repository": repository, "ref": f"heads/{old.head_ref}"},
        )
    except BadRequest as error:
        # Already deleted (by a person, or by the repository's auto-delete setting).
        if error.status_code not in (404, 422):
            raise


async def _has_comment(api: GitHubAPI, url_vars: dict[str, str], body: str) -> bool:
    async for comment in api.getiter(
        "/repos/{+repository}/issues/{number}/comments?per_page=100", url_vars=url_vars
    ):
        if comment.get("body") == body:
            return True
    return False
