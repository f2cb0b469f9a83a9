"""One commit on a branch of paasbot's own, through the git data API: a tree with the files' new
text inline, a commit on top of the base, and the branch created (or, when an earlier attempt
left it and its head is still paasbot's commit, moved). Used by bump PRs and onboarding PRs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from gidgethub import BadRequest
from gidgethub.abc import GitHubAPI


class BranchTaken(Exception):
    """The branch exists and holds a commit paasbot did not write."""


async def write_commit(
    api: GitHubAPI,
    repository: str,
    base_commit: str,
    base_tree: str,
    files: Mapping[str, str],
    message: str,
) -> str:
    """One commit on top of `base_commit` writing `files` (path -> text); returns its sha."""
    tree = await api.post(
        "/repos/{+repository}/git/trees",
        url_vars={"repository": repository},
        data={
            "base_tree": base_tree,
            "tree": [
                {"path": path, "mode": "100644", "type": "blob", "content": text}
                for path, text in files.items()
            ],
        },
    )
    commit = await api.post(
        "/repos/{+repository}/git/commits",
        url_vars={"repository": repository},
        data={"message": message, "tree": tree["sha"], "parents": [base_commit]},
    )
    return str(commit["sha"])


async def last_line_of_commit(api: GitHubAPI, repository: str, sha: str) -> str:
    """The last line of a commit's message (where paasbot writes its trailer)."""
    commit = await api.getitem(
        "/repos/{+repository}/git/commits/{sha}", url_vars={"repository": repository, "sha": sha}
    )
    lines = (commit.get("message") or "").strip().splitlines()
    return lines[-1].strip() if lines else ""


async def point_branch(
    api: GitHubAPI,
    repository: str,
    branch: str,
    sha: str,
    is_ours: Callable[[str], Awaitable[bool]],
) -> None:
    """Creates `branch` at `sha`. A branch that exists already is moved only when its head is
    paasbot's (`is_ours(head_sha)`): an attempt that crashed before its PR was opened left it.
    Anyone else's raises BranchTaken."""
    try:
        await api.post(
            "/repos/{+repository}/git/refs",
            url_vars={"repository": repository},
            data={"ref": f"refs/heads/{branch}", "sha": sha},
        )
        return
    except BadRequest as error:
        if error.status_code != 422:
            raise
    ref = await api.getitem(
        "/repos/{+repository}/git/ref/{+ref}",
        url_vars={"repository": repository, "ref": f"heads/{branch}"},
    )
    if not await is_ours(ref["object"]["sha"]):
        raise BranchTaken(f"the branch {branch} exists with commits paasbot did not write")
    await api.patch(
        "/repos/{+repository}/git/refs/{+ref}",
        url_vars={"repository": repository, "ref": f"heads/{branch}"},
        data={"sha": sha, "force": True},
    )
