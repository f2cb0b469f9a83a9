"""The file paths of a repository at a commit, read once per evaluation and shared by the report
actions (coverage, lint) that map report paths onto them."""

from __future__ import annotations

from app.actions.base import PullTarget


async def repository_files(target: PullTarget, sha: str) -> list[str]:
    """The blob paths at `sha` (one request; GitHub truncates a tree beyond 100,000 entries)."""
    key = ("repository-files", sha)
    known = target.computed.get(key)
    if isinstance(known, list):
        return known
    tree = await target.api.getitem(
        "/repos/{+repository}/git/trees/{sha}?recursive=1",
        url_vars={"repository": target.repository, "sha": sha},
    )
    paths = [item["path"] for item in tree.get("tree", []) if item.get("type") == "blob"]
    target.computed[key] = paths
    return paths
