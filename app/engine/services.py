"""The long-lived caches the rule engine shares across evaluations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cachetools import TTLCache

from app.config.loader import ConfigLoader
from app.engine.permissions import PermissionCache
from app.engine.teams import TeamCache
from app.merging.protection import ProtectionCache
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

    @classmethod
    def create(cls, db: Database, clock: Callable[[], float], own_app_id: int) -> EngineServices:
        return cls(ConfigLoader(db, clock), TeamCache(), PermissionCache(), own_app_id)
