"""Onboarding an installation's pending repositories, one after the other, each outcome recorded
as soon as it is known; at most `max_per_minute` PRs a minute per installation (the rest waits:
the caller puts the installation's subject back until `continues_at`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gidgethub import BadRequest, RateLimitExceeded
from gidgethub.abc import GitHubAPI

from app.github.git_writes import BranchTaken
from app.github.pacing import WINDOW_SECONDS, PaceReached, check_pace
from app.onboarding.offer import (
    Offer,
    earlier_offer,
    is_configured,
    look,
    onboarding_enabled,
    open_offer,
    outcome_of,
)
from app.store.db import Database
from app.store.ledger import record_action
from app.store.onboarding import load, opened_since, pending, record

DEFAULT_PRS_PER_MINUTE = 10
ORGANISATION_OFF = "onboarding is off for the organisation (onboarding: false in its .github)"


@dataclass
class OnboardingRun:
    api: GitHubAPI
    db: Database
    installation_id: int
    clock: Callable[[], float]
    max_per_minute: int = DEFAULT_PRS_PER_MINUTE
    outcomes: dict[str, Offer] = field(default_factory=dict)
    continues_at: float | None = None
    _enabled: bool | None = None

    async def run(self) -> None:
        async with self.db.reader() as conn:
            repositories = await pending(conn, self.installation_id)
        for repository in repositories:
            async with self.db.reader() as conn:
                row = await load(conn, repository)
            requested = row is not None and row.requested_by is not None
            try:
                offer = await self._offer(repository, requested)
            except PaceReached as paused:
                self.continues_at = paused.at
                return
            await self._record(repository, offer)

    async def _offer(self, repository: str, requested: bool) -> Offer:
        try:
            if not requested and not await self._organisation_allows(repository):
                return Offer("skipped", ORGANISATION_OFF)
            snapshot = await look(self.api, repository)
            if isinstance(snapshot, Offer):
                return snapshot
            if is_configured(snapshot):
                return Offer("configured", "it has a paasbot configuration file")
            earlier = await earlier_offer(self.api, repository)
            if earlier is not None:
                found = outcome_of(earlier)
                # Closed unmerged: never again, unless a person asked.
                if found.status != "declined" or not requested:
                    return found
            await self._pace()
            return await open_offer(self.api, repository, snapshot)
        except BranchTaken as taken:
            return Offer("skipped", str(taken))
        except BadRequest as error:
            if isinstance(error, RateLimitExceeded):
                raise
            message = str(error.args[0]) if error.args else ""
            return Offer("failed", f"GitHub answered {error.status_code}: {message}".rstrip(": "))

    async def _organisation_allows(self, repository: str) -> bool:
        if self._enabled is None:
            self._enabled = await onboarding_enabled(self.api, repository)
        return self._enabled

    async def _pace(self) -> None:
        now = self.clock()
        async with self.db.reader() as conn:
            opened = await opened_since(conn, self.installation_id, now - WINDOW_SECONDS)
        check_pace(opened, now, self.max_per_minute)

    async def _record(self, repository: str, offer: Offer) -> None:
        self.outcomes[repository] = offer
        async with self.db.transaction() as conn:
            await record(
                conn,
                repository,
                offer.status,
                offer.detail,
                now=self.clock(),
                pull_number=offer.pull_number,
                opened=offer.opened,
            )
            if offer.opened:
                await record_action(
                    conn, repository=repository, number=offer.pull_number, action="onboard",
                    outcome="done", at=self.clock(), installation_id=self.installation_id,
                )  # fmt: skip
