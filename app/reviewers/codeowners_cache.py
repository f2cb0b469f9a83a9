"""CODEOWNERS files by repository and branch, kept in memory until a push changes one.

The router bumps a repository's generation (the counter its configuration uses, which every
replica reads from the database) when a push to any branch is known to add, change or remove a
CODEOWNERS path (on the default branch, also when the push cannot say: forced, or over 20
commits); a file is also read again after `max_age` seconds. Without this, every evaluation of every
PR read the file (a 304 at best)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cachetools import LRUCache
from gidgethub.abc import GitHubAPI

from app.reviewers.codeowners_source import CodeOwnersFile, load_codeowners
from app.store.config_generations import generations
from app.store.db import Database


@dataclass(frozen=True)
class _Cached:
    found: CodeOwnersFile | None
    generation: int
    read_at: float


@dataclass
class CodeOwnersCache:
    db: Database
    clock: Callable[[], float]
    max_age: float = 600.0
    _cache: LRUCache[tuple[str, str], _Cached] = field(
        default_factory=lambda: LRUCache(maxsize=4096)
    )

    async def load(self, api: GitHubAPI, repository: str, ref: str) -> CodeOwnersFile | None:
        key = (repository.lower(), ref)
        generation = await self._generation(repository)
        cached = self._cache.get(key)
        if (
            cached is not None
            and cached.generation == generation
            and self.clock() - cached.read_at <= self.max_age
        ):
            return cached.found
        found = await load_codeowners(api, repository, ref)
        self._cache[key] = _Cached(found, generation, self.clock())
        return found

    async def _generation(self, repository: str) -> int:
        async with self.db.reader() as conn:
            return (await generations(conn, [repository]))[repository]
