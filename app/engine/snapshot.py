"""A pull request's facts, fetched lazily (only what is asked for) and once per evaluation.

Each accessor makes its API call(s) the first time it is awaited and remembers the answer for the
life of the snapshot; callers that await the same accessor concurrently share one request. A
failed fetch is not remembered, so a later call tries again. The head SHA and base ref used by
the per-commit accessors come from the pull itself (fetched first if need be).

Reviews, statuses, check runs and `commits behind` may be reused from the previous evaluation
(`reuse`, see `app/engine/carried_facts.py`); they are answered in the slim form that is kept, so
an evaluation reads the same fields whether they came from GitHub or from its memory. The files
of a head are the same for every evaluation of it: a shared cache may hold them (`files_cache`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

import gidgethub
from gidgethub.abc import GitHubAPI

from app.engine.carried_facts import (
    CHECK_RUNS,
    COMMITS_BEHIND,
    PULL,
    REVIEWS,
    STATUSES,
    Carried,
    slim,
)

Json = dict[str, Any]

PER_PAGE = 100
_PULL = "/repos/{+repository}/pulls/{number}"
_COMPARE = "/repos/{+repository}/compare/{basehead}"
FilesCache = MutableMapping[tuple[str, int, str, str], list[Json]]
# Larger file lists (up to 3,000 files with their patches) are read each time, not held.
MAX_FILES_CACHED = 300


class PullRequestSnapshot:
    def __init__(
        self,
        api: GitHubAPI,
        repository: str,
        number: int,
        *,
        files_cache: FilesCache | None = None,
    ) -> None:
        self.api = api
        self.repository = repository
        self.number = number
        self._fetches: dict[str, asyncio.Future[Any]] = {}
        self._files_cache = files_cache
        self._carried: dict[str, Carried] = {}
        self._known: dict[str, Carried] = {}
        self._now: float | None = None

    # Reuse between evaluations

    def reuse(self, carried: Mapping[str, Carried], now: float) -> None:
        """Families the previous evaluation read that nothing has changed since (their keys
        are checked when they are asked for); `now` dates what this snapshot reads."""
        self._carried, self._now = dict(carried), now

    def forget(self, *families: str) -> None:
        """Families this evaluation changed itself (a label, a review request): the next one
        reads them again rather than trust what this one read before writing."""
        for family in families:
            self._carried.pop(family, None)
            self._known.pop(family, None)

    def changed(self, *families: str) -> None:
        """Families just written (a check run): read again by this evaluation too."""
        self.forget(*families)
        for family in families:
            self._fetches.pop(family, None)

    @property
    def reusing(self) -> bool:
        return self._now is not None

    def was_asked(self, name: str) -> bool:
        """Whether this evaluation asked for `name` (an accessor's name: `commits_behind`)."""
        return name in self._fetches

    def carried_forward(self) -> dict[str, Carried]:
        """The families this snapshot read, reused or was given and did not need, for the next
        evaluation (only once `reuse` was called: a snapshot that does not keep its reads keeps
        none)."""
        return {**self._carried, **self._known}

    # The pull itself

    async def pull(self) -> Json:
        """`GET /repos/{repo}/pulls/{number}`."""
        return await self._once(
            "pull", lambda: self._family(PULL, str(self.number), self._fetch_pull)
        )

    async def refresh_pull(self) -> Json:
        """Fetch the pull again (e.g. while GitHub still computes `mergeable`); `pull()` then
        answers the new copy."""
        self._fetches.pop("pull", None)
        self._carried.pop(PULL, None)
        return await self.pull()

    async def head_sha(self) -> str:
        return (await self.pull())["head"]["sha"]

    async def base_ref(self) -> str:
        return (await self.pull())["base"]["ref"]

    async def is_open(self) -> bool:
        return (await self.pull())["state"] == "open"

    # What hangs off the pull

    async def reviews(self) -> list[Json]:
        """`GET /repos/{repo}/pulls/{number}/reviews`, every page, oldest first."""
        return await self._once(
            "reviews",
            lambda: self._family(REVIEWS, str(self.number), lambda: self._list(f"{_PULL}/reviews")),
        )

    async def files(self) -> list[Json]:
        """`GET /repos/{repo}/pulls/{number}/files`, every page."""
        return await self._once("files", self._fetch_files)

    async def review_comments(self) -> list[Json]:
        """`GET /repos/{repo}/pulls/{number}/comments` (inline review comments), every page."""
        return await self._once("review_comments", lambda: self._list(f"{_PULL}/comments"))

    async def issue_comments(self) -> list[Json]:
        """`GET /repos/{repo}/issues/{number}/comments`, every page, oldest first."""
        url = "/repos/{+repository}/issues/{number}/comments"
        return await self._once("issue_comments", lambda: self._list(url))

    # What hangs off the head commit

    async def combined_statuses(self) -> list[Json]:
        """The latest commit status of each context on the head SHA:
        `GET /repos/{repo}/commits/{sha}/status`, every page of its `statuses`."""
        return await self._once("statuses", self._fetch_statuses)

    async def check_runs(self) -> list[Json]:
        """The check runs on the head SHA: `GET /repos/{repo}/commits/{sha}/check-runs`, every
        page of its `check_runs`."""
        return await self._once("check_runs", self._fetch_check_runs)

    async def refresh_check_runs(self) -> list[Json]:
        """The check runs on the head SHA read again (e.g. after this evaluation wrote some)."""
        self._fetches.pop("check_runs", None)
        self._carried.pop(CHECK_RUNS, None)
        return await self.check_runs()

    async def commits_behind(self) -> int | None:
        """How many commits the base branch has that the head lacks:
        `GET /repos/{repo}/compare/{base ref}...{head sha}` → `behind_by`. None when GitHub
        finds no common ancestor (404)."""
        return await self._once("commits_behind", self._fetch_commits_behind)

    # Fetching

    async def _once(self, key: str, fetch: Callable[[], Awaitable[Any]]) -> Any:
        future = self._fetches.get(key)
        if future is None or _failed(future):
            future = asyncio.ensure_future(fetch())
            self._fetches[key] = future
        return await asyncio.shield(future)

    def _url_vars(self, **extra: str) -> dict[str, str]:
        return {"repository": self.repository, "number": str(self.number), **extra}

    async def _fetch_pull(self) -> Json:
        return await self.api.getitem(_PULL, url_vars=self._url_vars())

    async def _list(self, url: str, *, key: str | None = None, **url_vars: str) -> list[Json]:
        """Every item of a paginated list (`key`: the list inside a wrapping object)."""
        items = self.api.getiter(
            url + "{?per_page}",
            url_vars=self._url_vars(per_page=str(PER_PAGE), **url_vars),
            iterable_key=key,
        )
        return [item async for item in items]

    async def _family(
        self, family: str, family_key: str, fetch: Callable[[], Awaitable[Any]]
    ) -> Any:
        """A family's value: reused when the previous evaluation's was read for the same key,
        else fetched (and kept, slim, for the next evaluation)."""
        carried = self._carried.get(family)
        if carried is not None and carried.key == family_key:
            self._known[family] = carried
            return carried.value
        value = slim(family, await fetch())
        if self._now is not None:
            self._known[family] = Carried(family_key, self._now, value)
        return value

    async def _fetch_files(self) -> list[Json]:
        if self._files_cache is None:
            return await self._list(f"{_PULL}/files")
        key = (self.repository.lower(), self.number, await self.base_ref(), await self.head_sha())
        found = self._files_cache.get(key)
        if found is None:
            # A PR's files are the diff from where its head left the base branch: a new push
            # to the base branch does not change them, a new head or base branch does.
            found = await self._list(f"{_PULL}/files")
            if len(found) <= MAX_FILES_CACHED:
                self._files_cache[key] = found
        return list(found)

    async def _fetch_statuses(self) -> list[Json]:
        url = "/repos/{+repository}/commits/{sha}/status"
        sha = await self.head_sha()
        fetch = lambda: self._list(url, key="statuses", sha=sha)  # noqa: E731
        return await self._family(STATUSES, sha, fetch)

    async def _fetch_check_runs(self) -> list[Json]:
        url = "/repos/{+repository}/commits/{sha}/check-runs"
        sha = await self.head_sha()
        fetch = lambda: self._list(url, key="check_runs", sha=sha)  # noqa: E731
        return await self._family(CHECK_RUNS, sha, fetch)

    async def _fetch_commits_behind(self) -> int | None:
        basehead = f"{await self.base_ref()}...{await self.head_sha()}"
        return await self._family(COMMITS_BEHIND, basehead, lambda: self._compare(basehead))

    async def _compare(self, basehead: str) -> int | None:
        url_vars = self._url_vars(basehead=basehead)
        try:
            comparison = await self.api.getitem(_COMPARE, url_vars=url_vars)
        except gidgethub.BadRequest as error:
            if error.status_code == 404:
                return None
            raise
        return int(comparison["behind_by"])


def _failed(future: asyncio.Future[Any]) -> bool:
    return future.done() and (future.cancelled() or future.exception() is not None)
