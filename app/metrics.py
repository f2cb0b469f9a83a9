"""Operations metrics in Prometheus format, on a registry the app owns (never the global default:
tests and several apps in one process do not collide).

What is counted where: deliveries at the webhook intake, evaluations by the worker pool, GitHub API
calls and rate limits by the client's call counter, actions from the executor's reports (through
`ACTIVE_METRICS`, set by the worker around an evaluation, as `CALL_TALLY` is). The queue is read
from the database when scraped (`QueueCollector`), at most once per `QUEUE_CACHE_SECONDS`.

Labels are bounded: endpoints are templates (`/repos/{owner}/{repo}/pulls/{n}`), never raw paths,
and a label value outside the expected shapes is reported as `other`."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

# Set by the worker around an evaluation: the executor's reports are counted here.
ACTIVE_METRICS: contextvars.ContextVar[Metrics | None] = contextvars.ContextVar(
    "paasbot_metrics", default=None
)

QUEUE_CACHE_SECONDS = 5.0
MAX_ENDPOINTS = 300
OTHER = "other"
# Report statuses whose changes are described but not made.
_NOT_MADE = frozenset({"would", "stopped"})
EVALUATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
# A segment after one of these names a thing (a branch, a login, a label): one template each.
_NAMED_AFTER = {
    "branches": "{branch}",
    "collaborators": "{username}",
    "commits": "{ref}",
    "compare": "{basehead}",
    "labels": "{name}",
    "members": "{username}",
    "memberships": "{username}",
    "orgs": "{org}",
    "tags": "{tag}",
    "teams": "{team_slug}",
    "users": "{username}",
}


def bounded(value: str | None, *, empty: str = "") -> str:
    """A label value from outside (an event, an action, an outcome): kept when it has the shape
    of a name, else `other`."""
    if value is None:
        return empty
    return value if _NAME.match(value) else OTHER


def endpoint_template(endpoint: str) -> str:
    """The call counter's endpoint (ids and SHAs already templated) with the segments that name
    things (branches, logins, labels, tags, refs, organisations) templated too."""
    segments = endpoint.split("/")
    for i in range(1, len(segments)):
        template = _NAMED_AFTER.get(segments[i - 1])
        if template is not None and segments[i] and not segments[i].startswith("{"):
            # /repos/{owner}/{repo}/commits/<ref>, but /repos/{owner}/{repo}/commits is the list.
            segments[i] = template
    return "/".join(segments)


@dataclass(frozen=True)
class QueueDepth:
    """Due subjects not leased by a worker, per kind, and the oldest one's due time."""

    due: Mapping[str, int]
    oldest_due_at: Mapping[str, float]


QueueReader = Callable[[], Awaitable[QueueDepth]]


class QueueCollector(Collector):
    """Queue depth and age, read from the database at scrape time. Prometheus collectors are
    synchronous and the database is not, so the `/metrics` handler awaits `refresh()` first; the
    value is cached for `ttl` seconds and concurrent scrapes share one query."""

    def __init__(
        self,
        read: QueueReader,
        kinds: Iterable[str],
        *,
        ttl: float = QUEUE_CACHE_SECONDS,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._kinds = tuple(kinds)
        self._ttl = ttl
        self._clock = clock
        self._monotonic = monotonic
        self._depth: QueueDepth | None = None
        self._read_at: float | None = None
        self._lock = asyncio.Lock()
        self.queries = 0

    async def refresh(self) -> None:
        async with self._lock:
            if self._read_at is not None and self._monotonic() - self._read_at < self._ttl:
                return
            self._read_at = self._monotonic()
            self.queries += 1
            try:
                self._depth = await self._read()
            except Exception:
                # The scrape still answers (the other metrics); the queue's series are left out.
                log.exception("reading the queue's depth for the metrics failed")
                self._depth = None

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Describing reads nothing: registering must not query the database.
        return iter(())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = self._depth
        if depth is None:
            return
        due = GaugeMetricFamily(
            "paasbot_queue_due_subjects",
            "Subjects due for evaluation and not claimed by a worker, by kind.",
            labels=["kind"],
        )
        age = GaugeMetricFamily(
            "paasbot_queue_oldest_due_age_seconds",
            "How long the oldest due, unclaimed subject has waited, by kind (0 when none waits).",
            labels=["kind"],
        )
        now = self._clock()
        for kind in sorted({*self._kinds, *depth.due}):
            due.add_metric([kind], depth.due.get(kind, 0))
            oldest = depth.oldest_due_at.get(kind)
            age.add_metric([kind], max(0.0, now - oldest) if oldest is not None else 0.0)
        yield due
        yield age


class Metrics:
    """The app's metrics and their registry."""

    def __init__(self, *, process: bool = True) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.deliveries = Counter(
            "paasbot_webhook_deliveries",
            "Webhook deliveries at the intake, by event, action and outcome "
            "(accepted, duplicate, ignored, refused).",
            ["event", "action", "outcome"],
            registry=r,
        )
        self.evaluation_seconds = Histogram(
            "paasbot_evaluation_duration_seconds",
            "Time to evaluate one claimed subject, by subject kind and outcome.",
            ["kind", "outcome"],
            buckets=EVALUATION_BUCKETS,
            registry=r,
        )
        self.api_calls = Counter(
            "paasbot_github_api_calls",
            "GitHub API calls (every attempt), by method, endpoint template and HTTP status "
            "(`error`: no answer: timeout or connection failure).",
            ["method", "endpoint", "status"],
            registry=r,
        )
        self.rate_limit_remaining = Gauge(
            "paasbot_github_rate_limit_remaining",
            "API calls left in the current rate-limit window, from the last answer's "
            "x-ratelimit-remaining, by installation (`app` for the app's own JWT calls).",
            ["installation"],
            registry=r,
        )
        self.rate_limit_reset = Gauge(
            "paasbot_github_rate_limit_reset_timestamp_seconds",
            "When the installation's rate-limit window resets (x-ratelimit-reset).",
            ["installation"],
            registry=r,
        )
        self.actions = Counter(
            "paasbot_actions",
            "Action reports of evaluated rules (one per action per evaluation), by action type "
            "and outcome (done, would, waiting, failed, skipped, stopped, unavailable); "
            "simulations are not counted.",
            ["action", "outcome"],
            registry=r,
        )
        self.action_changes = Counter(
            "paasbot_action_changes",
            "Changes actions made on GitHub (a label added, a comment posted, a merge), by action "
            "type; dry runs, flapping stops and simulations make none.",
            ["action"],
            registry=r,
        )
        self.redeliveries = Counter(
            "paasbot_webhook_redeliveries",
            "Failed webhook deliveries the redelivery sweeper handled, by outcome (asked: GitHub "
            "was asked to redeliver it; refused: GitHub refused to; exhausted: given up after "
            "every redelivery allowed).",
            ["outcome"],
            registry=r,
        )
        self.redelivery_sweeps = Counter(
            "paasbot_redelivery_sweeps",
            "Sweeps of the app webhook's delivery log, by outcome (ok, failed).",
            ["outcome"],
            registry=r,
        )
        self.queue: QueueCollector | None = None
        self._endpoints: set[str] = set()
        if process:
            ProcessCollector(registry=r)
            PlatformCollector(registry=r)
            GCCollector(registry=r)

    def watch_queue(self, read: QueueReader, kinds: Iterable[str]) -> QueueCollector:
        self.queue = QueueCollector(read, kinds)
        self.registry.register(self.queue)
        return self.queue

    async def refresh(self) -> None:
        """Reads what is read at scrape time (the queue); call before exposing."""
        if self.queue is not None:
            await self.queue.refresh()

    # -- hooks -------------------------------------------------------------------------------

    def delivery(self, event: str | None, action: str | None, outcome: str) -> None:
        self.deliveries.labels(bounded(event, empty="unknown"), bounded(action), outcome).inc()

    def redelivery(self, outcome: str) -> None:
        self.redeliveries.labels(outcome).inc()

    def redelivery_sweep(self, outcome: str) -> None:
        self.redelivery_sweeps.labels(outcome).inc()

    def evaluation(self, kind: str, outcome: str, seconds: float) -> None:
        self.evaluation_seconds.labels(bounded(kind), bounded(outcome)).observe(seconds)

    def api_call(
        self,
        installation_id: int | None,
        method: str,
        endpoint: str,
        status: int | None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        shown = self._endpoint(endpoint)
        self.api_calls.labels(
            method.upper(), shown, "error" if status is None else str(status)
        ).inc()
        if headers is not None:
            self._rate_limit(installation_id, headers)

    def action_reports(self, reports: Iterable[object]) -> None:
        for report in reports:
            action = bounded(getattr(report, "action", None))
            status = getattr(report, "status", None)
            self.actions.labels(action, bounded(status)).inc()
            changes = getattr(report, "changes", ())
            if changes and status not in _NOT_MADE:
                self.action_changes.labels(action).inc(len(changes))

    def _endpoint(self, endpoint: str) -> str:
        template = endpoint_template(endpoint)
        if template in self._endpoints:
            return template
        if len(self._endpoints) >= MAX_ENDPOINTS:
            return OTHER
        self._endpoints.add(template)
        return template

    def _rate_limit(self, installation_id: int | None, headers: Mapping[str, str]) -> None:
        remaining = _header_number(headers, "x-ratelimit-remaining")
        if remaining is None:
            return
        installation = "app" if installation_id is None else str(installation_id)
        self.rate_limit_remaining.labels(installation).set(remaining)
        reset = _header_number(headers, "x-ratelimit-reset")
        if reset is not None:
            self.rate_limit_reset.labels(installation).set(reset)


def _header_number(headers: Mapping[str, str], name: str) -> float | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        return None


def record_actions(reports: Iterable[object]) -> None:
    """The executor's hook: counts its reports on the metrics of the evaluation in progress."""
    metrics = ACTIVE_METRICS.get()
    if metrics is not None:
        metrics.action_reports(reports)
