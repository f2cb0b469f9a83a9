"""Applies a routing plan inside the intake's transaction: index changes, lookups, marks."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.insights.ledger_facts import Fact
from app.routing.plan import BaseLookup, HeadLookup, Lookup, RoutingPlan, plan_routing
from app.routing.subjects import SubjectKind, SubjectRef, pull_request
from app.store.config_generations import bump_generations
from app.store.deliveries import StoredDelivery
from app.store.ledger import record_facts
from app.store.manifest_cache import mark_stale
from app.store.pull_index import (
    apply_index_changes,
    pulls_based_on,
    pulls_with_head,
    synced_at,
)
from app.store.queue import EventLink, WorkQueue
from app.store.uncovered import apply_coverage, is_uncovered

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RouterPolicy:
    own_app_id: int
    # A lookup that finds nothing in an index older than this lists the repository's PRs again.
    index_ttl_seconds: float = 3600.0


class Router:
    def __init__(self, queue: WorkQueue, policy: RouterPolicy) -> None:
        self.queue = queue
        self.policy = policy

    def plan(self, delivery: StoredDelivery) -> RoutingPlan:
        return plan_routing(
            delivery.event, json.loads(delivery.payload), own_app_id=self.policy.own_app_id
        )

    async def route(
        self,
        conn: AsyncConnection,
        delivery: StoredDelivery,
        plan: RoutingPlan,
        links: list[EventLink],
    ) -> list[SubjectRef]:
        """Marks every subject the delivery concerns; the event links are appended to `links`
        for the caller to insert in one statement. Returns the subjects."""
        now = self.queue.clock()
        if plan.installation_id is not None:
            if plan.coverage:
                await apply_coverage(conn, plan.installation_id, plan.coverage, now)
            elif plan.repository is not None and await is_uncovered(
                conn, plan.installation_id, plan.repository
            ):
                log.info("delivery for a repository the installation no longer covers; ignored")
                return []
        await apply_index_changes(conn, plan.installation_id, plan.index_changes, now)
        if plan.config_changes:
            await bump_generations(conn, plan.config_changes, now)
        if plan.default_branch_pushes:
            await mark_stale(conn, plan.default_branch_pushes)
        if plan.ledger:
            await _record_ledger(conn, plan.ledger, now)
        targets = list(plan.subjects)
        for lookup in plan.lookups:
            targets.extend(await self._resolve(conn, plan, lookup, allow_sync=True))
        return await self._upsert_all(conn, targets, delivery, links)

    async def route_lookups_again(
        self, conn: AsyncConnection, delivery: StoredDelivery
    ) -> list[SubjectRef]:
        """After a repository's index was listed afresh: the PRs its lookups find now that the
        delivery did not already mark."""
        plan = self.plan(delivery)
        marked = await self.queue.keys_marked_by(conn, delivery.id)
        targets: list[SubjectRef] = []
        for lookup in plan.lookups:
            found = await self._resolve(conn, plan, lookup, allow_sync=False)
            targets.extend(ref for ref in found if ref.key not in marked)
        links: list[EventLink] = []
        refs = await self._upsert_all(conn, targets, delivery, links)
        await self.queue.add_events(conn, links)
        return refs

    async def mark_head(
        self,
        conn: AsyncConnection,
        installation_id: int | None,
        repository: str,
        sha: str,
        *,
        event_id: str,
        event: str,
        action: str | None = None,
    ) -> list[SubjectRef]:
        """Marks the open PRs whose head is `sha` (as the index knows them; never lists the
        repository), for something that is not a delivery (a report upload): the event link
        carries `event_id`. Returns the PRs marked."""
        plan = RoutingPlan(installation_id, repository)
        found = await self._resolve(conn, plan, HeadLookup(repository, sha), allow_sync=False)
        refs = list(dict.fromkeys(found))
        links = [
            EventLink(await self.queue.upsert(conn, ref), event_id, event, action) for ref in refs
        ]
        await self.queue.add_events(conn, links)
        return refs

    async def _resolve(
        self, conn: AsyncConnection, plan: RoutingPlan, lookup: Lookup, *, allow_sync: bool
    ) -> list[SubjectRef]:
        numbers = await _look_up(conn, lookup)
        if allow_sync and await self._index_needs_listing(conn, lookup.repository, bool(numbers)):
            sync = SubjectRef(SubjectKind.REPOSITORY_INDEX, plan.installation_id, lookup.repository)
            return [
                sync,
                *(pull_request(plan.installation_id, lookup.repository, n) for n in numbers),
            ]
        return [pull_request(plan.installation_id, lookup.repository, n) for n in numbers]

    async def _index_needs_listing(
        self, conn: AsyncConnection, repository: str, found: bool
    ) -> bool:
        listed_at = await synced_at(conn, repository)
        if listed_at is None:
            return True
        return not found and self.queue.clock() - listed_at > self.policy.index_ttl_seconds

    async def _upsert_all(
        self,
        conn: AsyncConnection,
        targets: list[SubjectRef],
        delivery: StoredDelivery,
        links: list[EventLink],
    ) -> list[SubjectRef]:
        unique = list(dict.fromkeys(targets))
        for ref in unique:
            subject_id = await self.queue.upsert(conn, ref)
            links.append(EventLink(subject_id, delivery.id, delivery.event, delivery.action))
        return unique


async def _look_up(conn: AsyncConnection, lookup: Lookup) -> list[int]:
    if isinstance(lookup, HeadLookup):
        return await pulls_with_head(conn, lookup.repository, lookup.sha)
    assert isinstance(lookup, BaseLookup)
    return await pulls_based_on(
        conn, lookup.repository, lookup.branch, every_pull=lookup.every_pull
    )


async def _record_ledger(conn: AsyncConnection, facts: list[Fact], now: float) -> None:
    """The delivery's ledger facts, in a savepoint: should the database refuse one (a value the
    checks missed), the delivery is still routed and the deliveries after it too."""
    try:
        async with conn.begin_nested():
            await record_facts(conn, facts, now)
    except SQLAlchemyError:
        log.exception("ledger facts not recorded", extra={"facts": len(facts)})
