"""The long-lived caches the rule engine shares across evaluations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cachetools import LRUCache, TTLCache

from app.config.loader import ConfigLoader
from app.engine.carried_facts import DEFAULT_MAX_AGE
from app.engine.permissions import PermissionCache
from app.engine.snapshot import FilesCache
from app.engine.teams import TeamCache
from app.merging.protection import ProtectionCache
from app.reviewers.codeowners_cache import CodeOwnersCache
from app.store.db import Database


@dataclass(frozen=True)
class EngineServices:
    config: ConfigLoader
    teams: TeamCache
    permissions: PermissionCache
    own_app_id: int
    protections: ProtectionCache = field(default_factory=ProtectionCache)
    # Installation id -> its repositories' names, listed for onboarding (see app/worker/onboarding).
    installation_listings: TTLCache[int, list[str]] = field(
        default_factory=lambda: TTLCache(maxsize=1024, ttl=600)
    )
    # Each PR head's files (app/engine/snapshot.py), and how long an evaluation may reuse what
    # the previous one read when no event says it changed (app/engine/carried_facts.py).
    files: FilesCache = field(default_factory=lambda: LRUCache(maxsize=256))
    carried_facts_max_age: float = DEFAULT_MAX_AGE
    codeowners: CodeOwnersCache | None = None

    @classmethod
    def create(
        cls,
        db: Database,
        clock: Callable[[], float],
        own_app_id: int,
        *,
        carried_facts_max_age: float = DEFAULT_MAX_AGE,
    ) -> EngineServices:
        return cls(
            ConfigLoader(db, clock),
            TeamCache(),
            PermissionCache(),
            own_app_id,
            carried_facts_max_age=carried_facts_max_age,
            codeowners=CodeOwnersCache(db, clock),
        )
