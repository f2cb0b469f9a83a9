"""A pull request's facts, fetched lazily (only what is asked for) and once per evaluation."""

from __future__ import annotations

from typing import Any

from gidgethub.abc import GitHubAPI


class PullRequestSnapshot:
    def __init__(self, api: GitHubAPI, repository: str, number: int) -> None:
        self.api = api
        self.repository = repository
        self.number = number
        self._pull: dict[str, Any] | None = None

    async def pull(self) -> dict[str, Any]:
        if self._pull is None:
            self._pull = await self.api.getitem(
                "/repos/{+repository}/pulls/{number}",
                url_vars={"repository": self.repository, "number": str(self.number)},
            )
        return self._pull

    async def head_sha(self) -> str:
        return (await self.pull())["head"]["sha"]

    async def base_ref(self) -> str:
        return (await self.pull())["base"]["ref"]

    async def is_open(self) -> bool:
        return (await self.pull())["state"] == "open"
