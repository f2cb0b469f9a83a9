"""The work queue: subjects marked dirty by deliveries, claimed by workers under a lease.

- A mark is an upsert: fifty events about one PR bump one row's version fifty times.
- The first event of an idle subject is due at once; after an evaluation, the subject stays quiet
  for `coalesce_seconds`, so the events of a burst are taken together by the next evaluation.
- A claim takes a lease. Completion, failure and rescheduling are fenced by the lease token, so a
  worker whose lease expired (and whose subject another worker took) cannot overwrite the state.
- On PostgreSQL the claim is `FOR UPDATE SKIP LOCKED` and a mark sends a NOTIFY.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import and_, case, func, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.metrics import QueueDepth
from app.routing.subjects import SubjectKind, SubjectRef
from app.store.db import Database
from app.store.dialect import insert_for
from app.store.tables import evaluations, subject_events, subject_failures, subjects

NOTIFY_CHANNEL = "paasbot_work"
MAX_EVENTS_PER_CLAIM = 1000

Clock = Callable[[], float]


@dataclass(frozen=True)
class SubjectEvent:
    id: int
    delivery_id: str
    event: str
    action: str | None


@dataclass(frozen=True)
class EventLink:
    """A delivery that marked a subject."""

    subject_id: int
    delivery_id: str
    event: str
    action: str | None


@dataclass(frozen=True)
class Claim:
    subject_id: int
    key: str
    ref: SubjectRef
    lease_token: str
    claimed_version: int
    attempts: int
    events_total: int
    events: tuple[SubjectEvent, ...]
    claimed_at: float
    # Whether another subject was claimable when this one was claimed (another worker may go).
    more_waiting: bool = True

    @property
    def last_event_id(self) -> int:
        return max((e.id for e in self.events), default=0)


@dataclass(frozen=True)
class QueuePolicy:
    coalesce_seconds: float = 1.0
    lease_seconds: float = 60.0
    max_attempts: int = 8
    backoff_base_seconds: float = 2.0
    backoff_cap_seconds: float = 600.0


class WorkQueue:
    def __init__(
        self, db: Database, policy: QueuePolicy | None = None, clock: Clock = time.time
    ) -> None:
        self.db = db
        self.policy = policy or QueuePolicy()
        self.clock = clock
        # This process's workers claim one at a time: woken together by new work, the first
        # takes it and the others see at once (without a write) that nothing is left.
        self._claiming = asyncio.Lock()

    async def mark(
        self,
        conn: AsyncConnection,
        ref: SubjectRef,
        *,
        delivery_id: str,
        event: str,
        action: str | None,
    ) -> int:
        """Marks a subject dirty inside the caller's transaction; returns its id."""
        subject_id = await self.upsert(conn, ref)
        await self.add_events(conn, [EventLink(subject_id, delivery_id, event, action)])
        return subject_id

    async def upsert(self, conn: AsyncConnection, ref: SubjectRef) -> int:
        """The subject-row half of a mark; `add_events` must follow in the same transaction."""
        subject_id = await self._upsert_subject(conn, ref, self.clock())
        if self.db.is_postgres:
            await conn.execute(text(f"SELECT pg_notify('{NOTIFY_CHANNEL}', '')"))
        return subject_id

    async def add_events(self, conn: AsyncConnection, links: list[EventLink]) -> None:
        if not links:
            return
        now = self.clock()
        await conn.execute(
            insert(subject_events),
            [
                {
                    "subject_id": link.subject_id,
                    "delivery_id": link.delivery_id,
                    "event": link.event,
                    "action": link.action,
                    "created_at": now,
                }
                for link in links
            ],
        )

    async def _upsert_subject(self, conn: AsyncConnection, ref: SubjectRef, now: float) -> int:
        stmt = insert_for(conn, subjects).values(
            key=ref.key,
            kind=ref.kind.value,
            installation_id=ref.installation_id,
            repository=ref.repository,
            number=ref.number,
            name=ref.name,
            version=1,
            done_version=0,
            due_at=now,
            attempts=0,
            events_total=1,
            evaluations=0,
            last_event_id=0,
            created_at=now,
            updated_at=now,
        )
        c = subjects.c
        idle_due = case((c.quiet_until > now, c.quiet_until), else_=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=[c.key],
            set_={
                "version": c.version + 1,
                "events_total": c.events_total + 1,
                "installation_id": func.coalesce(stmt.excluded.installation_id, c.installation_id),
                "due_at": case((c.due_at.is_(None), idle_due), else_=c.due_at),
                "updated_at": now,
            },
        ).returning(c.id)
        return (await conn.execute(stmt)).scalar_one()

    async def event_counts(self, subject_id: int) -> dict[str, int]:
        """How many events of each kind (`event.action`) the subject has received in all."""
        e = subject_events.c
        async with self.db.reader() as conn:
            rows = await conn.execute(
                select(e.event, e.action, func.count())
                .where(e.subject_id == subject_id)
                .group_by(e.event, e.action)
            )
            return {
                f"{event}.{action}" if action else event: count for event, action, count in rows
            }

    async def keys_marked_by(self, conn: AsyncConnection, delivery_id: str) -> set[str]:
        rows = await conn.execute(
            select(subjects.c.key)
            .join(subject_events, subject_events.c.subject_id == subjects.c.id)
            .where(subject_events.c.delivery_id == delivery_id)
        )
        return set(rows.scalars())

    async def claim(self, worker: str) -> Claim | None:
        async with self._claiming:
            return await self._claim(worker)

    async def _claim(self, worker: str) -> Claim | None:
        now = self.clock()
        c = subjects.c
        claimable = and_(
            c.due_at.is_not(None),
            c.due_at <= now,
            or_(c.lease_until.is_(None), c.lease_until < now),
        )
        candidate = select(c.id).where(claimable).order_by(c.due_at).limit(1)
        if self.db.is_postgres:
            candidate = candidate.with_for_update(skip_locked=True)
        # Looked for first without the write lock: idle workers woken together would otherwise
        # queue up behind SQLite's single writer (and PostgreSQL's row locks) for nothing.
        async with self.db.reader() as conn:
            waiting = len((await conn.execute(select(c.id).where(claimable).limit(2))).all())
        if not waiting:
            return None
        token = f"{worker}/{uuid.uuid4().hex[:12]}"
        stmt = (
            update(subjects)
            .where(c.id == candidate.scalar_subquery(), claimable)
            .values(
                lease_owner=token,
                lease_until=now + self.policy.lease_seconds,
                claimed_version=c.version,
            )
            .returning(*subjects.c)
        )
        async with self.db.transaction() as conn:
            row = (await conn.execute(stmt)).mappings().first()
            if row is None:
                return None
            events = await self._events_after(conn, row["id"], row["last_event_id"])
        return replace(_claim_from_row(row, token, events, now), more_waiting=waiting > 1)

    async def _events_after(
        self, conn: AsyncConnection, subject_id: int, after_id: int
    ) -> tuple[SubjectEvent, ...]:
        e = subject_events.c
        rows = await conn.execute(
            select(e.id, e.delivery_id, e.event, e.action)
            .where(e.subject_id == subject_id, e.id > after_id)
            .order_by(e.id)
            .limit(MAX_EVENTS_PER_CLAIM)
        )
        return tuple(SubjectEvent(*row) for row in rows)

    async def renew(self, claim: Claim) -> bool:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(subjects)
                .where(_fenced(claim))
                .values(lease_until=self.clock() + self.policy.lease_seconds)
            )
        return result.rowcount == 1

    async def complete(
        self, claim: Claim, *, outcome: str, api_calls: int = 0, detail: str | None = None
    ) -> bool:
        """Records the evaluation; a subject marked again meanwhile stays pending (quietly)."""
        now = self.clock()
        quiet_until = now + self.policy.coalesce_seconds
        c = subjects.c
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(subjects)
                .where(_fenced(claim))
                .values(
                    done_version=claim.claimed_version,
                    due_at=case((c.version > claim.claimed_version, quiet_until), else_=None),
                    quiet_until=quiet_until,
                    lease_owner=None,
                    lease_until=None,
                    attempts=0,
                    last_error=None,
                    evaluations=c.evaluations + 1,
                    last_event_id=case(
                        (c.last_event_id > claim.last_event_id, c.last_event_id),
                        else_=claim.last_event_id,
                    ),
                    updated_at=now,
                )
            )
            if result.rowcount != 1:
                return False
            await self._record_evaluation(conn, claim, outcome, api_calls, detail, now)
        return True

    async def fail(self, claim: Claim, error: str, *, api_calls: int = 0) -> float | None:
        """Schedules a retry with exponential backoff and jitter; returns its time, or None when
        the subject has used its attempts (it waits for its next event then)."""
        now = self.clock()
        attempt = claim.attempts + 1
        gave_up = attempt >= self.policy.max_attempts
        retry_at = None if gave_up else now + self._backoff(attempt)
        async with self.db.transaction() as conn:
            values = self._give_up_values(claim, now) if gave_up else {"due_at": retry_at}
            result = await conn.execute(
                update(subjects)
                .where(_fenced(claim))
                .values(
                    **values,
                    attempts=0 if gave_up else attempt,
                    last_error=error[:4000],
                    lease_owner=None,
                    lease_until=None,
                    updated_at=now,
                )
            )
            if result.rowcount != 1:
                return None
            await conn.execute(
                insert(subject_failures).values(
                    subject_id=claim.subject_id,
                    attempt=attempt,
                    error=error[:4000],
                    gave_up=int(gave_up),
                    failed_at=now,
                    retry_at=retry_at,
                )
            )
            outcome = "gave_up" if gave_up else "failed"
            await self._record_evaluation(conn, claim, outcome, api_calls, error[:4000], now)
        return retry_at

    def _give_up_values(self, claim: Claim, now: float) -> dict[str, Any]:
        c = subjects.c
        quiet_until = now + self.policy.coalesce_seconds
        return {
            "done_version": claim.claimed_version,
            "due_at": case((c.version > claim.claimed_version, quiet_until), else_=None),
            "quiet_until": quiet_until,
        }

    async def reschedule(self, claim: Claim, at: float, reason: str, *, api_calls: int = 0) -> bool:
        """Puts the subject back, due at `at`, without counting an attempt (rate limits, a
        propagation's PRs-per-minute); the calls it made are recorded as a `rescheduled` run."""
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(subjects)
                .where(_fenced(claim))
                .values(due_at=at, lease_owner=None, lease_until=None, last_error=reason[:4000])
            )
            if result.rowcount != 1:
                return False
            await self._record_evaluation(
                conn, claim, "rescheduled", api_calls, reason[:4000], self.clock()
            )
        return True

    async def next_due(self) -> float | None:
        """When a subject next becomes claimable: the earliest due time of the unleased ones, or
        the end of a lease that would hand its subject over."""
        now = self.clock()
        c = subjects.c
        unleased = or_(c.lease_until.is_(None), c.lease_until < now)
        async with self.db.reader() as conn:
            due = await conn.scalar(
                select(func.min(c.due_at)).where(c.due_at.is_not(None), unleased)
            )
            lease_end = await conn.scalar(
                select(func.min(c.lease_until)).where(c.due_at.is_not(None), c.lease_until >= now)
            )
        candidates = [t for t in (due, lease_end) if t is not None]
        return min(candidates) if candidates else None

    async def due_depth(self) -> QueueDepth:
        """For the metrics: due subjects no worker holds, per kind, and the oldest due time.
        One grouped query over the due_at index."""
        now = self.clock()
        c = subjects.c
        unleased = or_(c.lease_until.is_(None), c.lease_until < now)
        query = (
            select(c.kind, func.count(), func.min(c.due_at))
            .where(c.due_at.is_not(None), c.due_at <= now, unleased)
            .group_by(c.kind)
        )
        async with self.db.reader() as conn:
            rows = (await conn.execute(query)).all()
        return QueueDepth(
            due={kind: count for kind, count, _ in rows},
            oldest_due_at={kind: oldest for kind, _, oldest in rows if oldest is not None},
        )

    def _backoff(self, attempt: int) -> float:
        ceiling = min(
            self.policy.backoff_cap_seconds, self.policy.backoff_base_seconds * 2**attempt
        )
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 (jitter, not crypto)

    async def _record_evaluation(
        self,
        conn: AsyncConnection,
        claim: Claim,
        outcome: str,
        api_calls: int,
        detail: str | None,
        now: float,
    ) -> None:
        await conn.execute(
            insert(evaluations).values(
                subject_id=claim.subject_id,
                worker=claim.lease_token,
                started_at=claim.claimed_at,
                finished_at=now,
                outcome=outcome,
                events=len(claim.events),
                api_calls=api_calls,
                detail=detail,
            )
        )


def _fenced(claim: Claim) -> Any:
    return and_(subjects.c.id == claim.subject_id, subjects.c.lease_owner == claim.lease_token)


def _claim_from_row(row: Any, token: str, events: tuple[SubjectEvent, ...], now: float) -> Claim:
    ref = SubjectRef(
        kind=SubjectKind(row["kind"]),
        installation_id=row["installation_id"],
        repository=row["repository"],
        number=row["number"],
        name=row["name"],
    )
    return Claim(
        subject_id=row["id"],
        key=row["key"],
        ref=ref,
        lease_token=token,
        claimed_version=row["claimed_version"],
        attempts=row["attempts"],
        events_total=row["events_total"],
        events=events,
        claimed_at=now,
    )
