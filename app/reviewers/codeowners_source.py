"""Reading a repository's CODEOWNERS as GitHub does: `.github/CODEOWNERS`, then `CODEOWNERS`,
then `docs/CODEOWNERS`, the first found wins, from the pull request's **base** branch (a PR must
not choose its own reviewers by editing the file). A file over 3 MB is ignored, as on GitHub."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from gidgethub import BadRequest
from gidgethub.abc import GitHubAPI

from app.reviewers.codeowners import (
    CODEOWNERS_PATHS,
    MAX_BYTES,
    CodeOwners,
    CodeOwnersProblem,
    parse_codeowners,
)


@dataclass(frozen=True)
class CodeOwnersFile:
    path: str
    owners: CodeOwners


async def load_codeowners(api: GitHubAPI, repository: str, ref: str) -> CodeOwnersFile | None:
    for path in CODEOWNERS_PATHS:
        item = await _contents(api, repository, path, ref)
        if isinstance(item, dict) and item.get("type") == "file":
            return CodeOwnersFile(path, await _parsed(api, repository, item))
    return None


async def _parsed(api: GitHubAPI, repository: str, item: dict[str, Any]) -> CodeOwners:
    size = item.get("size", 0)
    if size > MAX_BYTES:
        message = f"the file is {size:,} bytes; GitHub ignores a CODEOWNERS over 3 MB"
        return CodeOwners((), (CodeOwnersProblem(1, message),))
    return parse_codeowners(await _text(api, repository, item))


async def _contents(api: GitHubAPI, repository: str, path: str, ref: str) -> Any:
    try:
        return await api.getitem(
            "/repos/{+repository}/contents/{+path}{?ref}",
            url_vars={"repository": repository, "path": path, "ref": ref},
        )
    except BadRequest as error:
        if error.status_code == 404:
            return None
        raise


async def _text(api: GitHubAPI, repository: str, item: dict[str, Any]) -> bytes:
    content = item.get("content") or ""
    if not content and item.get("size", 0):
        # The contents API leaves out files over 1 MB; the blob API has them.
        blob = await api.getitem(
            "/repos/{+repository}/git/blobs/{sha}",
            url_vars={"repository": repository, "sha": item["sha"]},
        )
        content = blob.get("content") or ""
    try:
        return base64.b64decode("".join(content.split()), validate=True)
    except (binascii.Error, ValueError):
        return b""
