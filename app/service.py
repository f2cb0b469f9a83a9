"""The composition root: settings in, a running paasbot (intake, workers, GitHub client) out."""

from __future__ import annotations

import logging

import aiohttp

from app.engine.services import EngineServices
from app.github.calls import CallCounter
from app.github.client import ClientPolicy, GitHubApp
from app.intake import Intake
from app.metrics import Metrics
from app.routing.apply import Router, RouterPolicy
from app.routing.subjects import SubjectKind
from app.settings import Settings
from app.store.db import Database
from app.store.notify import WorkListener
from app.store.queue import QueuePolicy, WorkQueue
from app.worker.context import WorkContext
from app.worker.handlers import HANDLERS
from app.worker.pool import WorkerPool
from app.worker.redelivery import SweepPolicy
from app.worker.redelivery_sweeper import RedeliverySweeper

log = logging.getLogger(__name__)


class Paasbot:
    def __init__(
        self,
        settings: Settings,
        *,
        queue_policy: QueuePolicy | None = None,
        client_policy: ClientPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        self.queue = WorkQueue(
            self.db,
            queue_policy
            or QueuePolicy(
                coalesce_seconds=settings.coalesce_seconds, lease_seconds=settings.lease_seconds
            ),
        )
        self.router = Router(self.queue, RouterPolicy(own_app_id=settings.app_id))
        self.intake = Intake(self.db, self.router)
        # This app's own registry (GET /metrics), never prometheus_client's global one.
        self.metrics = Metrics()
        self.metrics.watch_queue(self.queue.due_depth, [kind.value for kind in SubjectKind])
        self._client_policy = client_policy or ClientPolicy(
            rate_limit_reserve=settings.rate_limit_reserve
        )
        self.session: aiohttp.ClientSession | None = None
        self.github: GitHubApp | None = None
        self.pool: WorkerPool | None = None
        self._listener: WorkListener | None = None
        self.sweeper: RedeliverySweeper | None = None

    async def start(self, *, workers: bool = True) -> None:
        self.session = aiohttp.ClientSession()
        self.github = GitHubApp(
            self.session,
            base_url=self.settings.github_api_url,
            app_id=self.settings.app_id,
            private_key=self.settings.private_key,
            counter=CallCounter(observer=self.metrics.api_call),
            policy=self._client_policy,
        )
        # Deliveries stored before a crash but never routed are routed first.
        self.intake.start()
        if not workers:
            return
        engine = EngineServices.create(
            self.db,
            self.queue.clock,
            self.settings.app_id,
            carried_facts_max_age=self.settings.carried_facts_max_age,
        )
        context = WorkContext(self.db, self.queue, self.router, self.github, engine)
        self.pool = WorkerPool(
            context,
            HANDLERS,
            concurrency=self.settings.workers,
            wake=self.intake.work_available,
            metrics=self.metrics,
        )
        self.pool.start()
        if self.db.is_postgres:
            self._listener = WorkListener(
                self.settings.database_url, self.intake.work_available.set
            )
            self._listener.start()
        if self.settings.redelivery_interval_seconds > 0:
            policy = SweepPolicy(interval_seconds=self.settings.redelivery_interval_seconds)
            self.sweeper = RedeliverySweeper(self.github, self.db, policy, metrics=self.metrics)
            self.sweeper.start()
        log.info("paasbot started", extra={"fields": {"workers": self.settings.workers}})

    async def stop(self) -> None:
        if self.sweeper is not None:
            await self.sweeper.stop()
        await self.intake.stop()
        if self._listener is not None:
            await self._listener.stop()
        if self.pool is not None:
            await self.pool.stop()
        if self.session is not None:
            await self.session.close()
        await self.db.close()
