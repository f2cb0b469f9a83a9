"""What a subject handler may use, and what it answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.engine.services import EngineServices
from app.github.client import GitHubApp
from app.routing.apply import Router
from app.store.db import Database
from app.store.queue import Claim, WorkQueue


@dataclass(frozen=True)
class WorkContext:
    db: Database
    queue: WorkQueue
    router: Router
    github: GitHubApp
    engine: EngineServices

    def now(self) -> float:
        return self.queue.clock()


@dataclass(frozen=True)
class Outcome:
    """How an evaluation ended: a short word for the ledger and a line for humans."""

    status: str
    detail: str | None = None


Handler = Callable[[Claim, WorkContext], Awaitable[Outcome]]
