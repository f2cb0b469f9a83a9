"""The redelivery sweeper: at start and every `REDELIVERY_INTERVAL_SECONDS`, reads the app
webhook's delivery log with the app's JWT and asks GitHub to redeliver what failed and paasbot
never stored (the selection is `app/worker/redelivery.py`'s).

A sweep that fails (GitHub or the database unreachable) logs a warning and the next one reads
from where the last good one left off, so nothing that failed meanwhile is skipped. Several
replicas sweep independently: a delivery redelivered twice is stored once (the intake dedups by
delivery id), the redelivery cap counts GitHub's own log, and the interval is jittered so that
replicas drift apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.github.client import GitHubApp
from app.logs import fields, log_context
from app.metrics import Metrics
from app.store.db import Database
from app.store.deliveries import stored_delivery_ids
from app.worker.redelivery import (
    AskedRedelivery,
    HookAttempt,
    SweepPolicy,
    failed_events,
    forget_settled,
    to_redeliver,
    window_start,
)

log = logging.getLogger(__name__)
PER_PAGE = 100
# A sweep stuck on an unreachable GitHub or database gives up after this long at least.
MIN_SWEEP_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class SweepResult:
    listed: int
    failed: int
    asked: int
    exhausted: int


class RedeliverySweeper:
    def __init__(
        self,
        github: GitHubApp,
        db: Database,
        policy: SweepPolicy,
        *,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.metrics = metrics
        self.github = github
        self.db = db
        self.policy = policy
        self.clock = clock
        self._newest_seen: float | None = None
        self._asked: dict[str, AskedRedelivery] = {}
        self._reported_exhausted: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="paasbot-redelivery-sweeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        timeout = max(MIN_SWEEP_TIMEOUT_SECONDS, self.policy.interval_seconds)
        while True:
            try:
                await asyncio.wait_for(self.sweep(), timeout)
                self._count_sweep("ok")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._count_sweep("failed")
                log.warning(
                    "redelivery sweep failed; trying again at the next one",
                    extra=fields(reason=f"{type(exc).__name__}: {exc}"[:300]),
                )
            jitter = random.uniform(0.9, 1.1)  # noqa: S311 (replicas drift apart)
            await asyncio.sleep(self.policy.interval_seconds * jitter)

    async def sweep(self) -> SweepResult:
        """One pass: list, select, check paasbot's store, ask for redeliveries."""
        attempts, since = await self._list_window()
        retryable, exhausted = failed_events(attempts, since, self.policy)
        now = self.clock()
        self._report_exhausted(exhausted, now)
        stored: set[str] = set()
        if retryable:
            async with self.db.reader() as conn:
                stored = await stored_delivery_ids(conn, [a.guid for a in retryable])
        chosen = to_redeliver(retryable, stored, self._asked, now, self.policy)
        asked = 0
        for attempt in chosen:
            asked += await self._redeliver(attempt, now)
        if attempts:
            newest = max(a.delivered_at for a in attempts)
            self._newest_seen = max(newest, self._newest_seen or newest)
        self._asked = forget_settled(self._asked, now, self.policy)
        result = SweepResult(len(attempts), len(retryable) + len(exhausted), asked, len(exhausted))
        if result.failed:
            log.info("redelivery sweep", extra=fields(**vars(result)))
        return result

    async def _list_window(self) -> tuple[list[HookAttempt], float]:
        """GitHub's attempts, newest first, back to the window's start (or `max_pages`)."""
        api = self.github.as_app()
        attempts: list[HookAttempt] = []
        since: float | None = None
        items = api.getiter(f"/app/hook/deliveries?per_page={PER_PAGE}", jwt=self.github.jwt.get())
        async for item in items:
            attempt = HookAttempt.from_json(item)
            if since is None:
                since = window_start(self._newest_seen, attempt.delivered_at, self.policy)
            if attempt.delivered_at < since:
                break
            attempts.append(attempt)
            if len(attempts) >= PER_PAGE * self.policy.max_pages:
                log.warning(
                    "redelivery sweep stopped at its page limit before the window's start",
                    extra=fields(pages=self.policy.max_pages),
                )
                break
        await items.aclose()
        return attempts, 0.0 if since is None else since

    async def _redeliver(self, attempt: HookAttempt, now: float) -> int:
        with log_context(delivery=attempt.guid):
            try:
                await self.github.as_app().post(
                    "/app/hook/deliveries/{delivery_id}/attempts",
                    url_vars={"delivery_id": str(attempt.id)},
                    data={},
                    jwt=self.github.jwt.get(),
                )
            except Exception as exc:
                self._count("refused")
                log.warning(
                    "redelivery refused",
                    extra=fields(attempt=attempt.id, reason=f"{type(exc).__name__}: {exc}"[:300]),
                )
                return 0
            self._asked[attempt.guid] = AskedRedelivery(attempt.id, now)
            self._count("asked")
            log.info(
                "redelivery asked",
                extra=fields(
                    attempt=attempt.id,
                    event=attempt.event,
                    action=attempt.action,
                    failed_with=attempt.status_code,
                ),
            )
            return 1

    def _report_exhausted(self, exhausted: list[HookAttempt], now: float) -> None:
        keep = self.policy.margin_seconds + self.policy.awaiting_seconds
        self._reported_exhausted = {
            guid: at for guid, at in self._reported_exhausted.items() if now - at < keep
        }
        for attempt in exhausted:
            if attempt.guid in self._reported_exhausted:
                continue
            self._reported_exhausted[attempt.guid] = now
            self._count("exhausted")
            with log_context(delivery=attempt.guid):
                log.warning(
                    "delivery failed after every redelivery allowed; redeliver it by hand",
                    extra=fields(
                        event=attempt.event,
                        action=attempt.action,
                        redeliveries=self.policy.max_redeliveries,
                        failed_with=attempt.status_code,
                    ),
                )

    def _count(self, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.redelivery(outcome)

    def _count_sweep(self, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.redelivery_sweep(outcome)
