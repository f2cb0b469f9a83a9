"""The four delivery (DORA) metrics over a window, from deployment statuses and merged PRs.

A deployment is the statuses sharing (repository, deployment_id). Its result is its last status
in {success, failure, error} (ties in time: the later record), and it finished at that status's
time; `inactive` (GitHub marks a superseded deployment so), `in_progress`, `queued` and `pending`
never end one, and a deployment without a final status is left out of every figure. Only
deployments to production environments count: by default an environment named production,
prod or live (any case); `production_named()` builds another predicate.

- Deployment frequency: successful production deployments that finished in the window, per
  week (window length / 7 days). Redeploying the same SHA is another deployment.
- Lead time for changes: per PR merged in the window, from its first commit (first_commit_at,
  opened_at when unknown) to the first successful production deployment of the same repository
  that finished at or after merged_at (the ledger has no commit graph: the first production
  deployment after the merge is taken to carry it). In a repository with no finished production
  deployment in the records given, the lead time is the merge time (first commit to merged):
  basis "merge". A merged PR whose repository deploys but with no deployment after the merge yet
  is counted as not deployed and left out of the median.
- Change failure rate: production deployments that finished in the window ending in failure or
  error, over all production deployments that finished in the window.
- Time to restore: per repository and environment, failures in a row make one incident, from the
  first failure's finish to the next success's finish. Incidents whose first failure finished in
  the window count; one never followed by a success is counted as unrestored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.insights.model import DeploymentRecord, PullRecord, Window
from app.insights.pulls import merged_in
from app.insights.stats import Distribution, round_or_none

FINAL_STATES = frozenset({"success", "failure", "error"})
FAILED_STATES = frozenset({"failure", "error"})
DEFAULT_PRODUCTION_NAMES: tuple[str, ...] = ("production", "prod", "live")

ProductionPredicate = Callable[[str], bool]


def production_named(*names: str) -> ProductionPredicate:
    """A predicate accepting exactly these environment names, case-insensitive."""
    wanted = frozenset(name.strip().lower() for name in names)

    def is_production(environment: str) -> bool:
        return environment.strip().lower() in wanted

    return is_production


is_production: ProductionPredicate = production_named(*DEFAULT_PRODUCTION_NAMES)


@dataclass(frozen=True)
class Deployment:
    """One deployment, summarised from its statuses."""

    repository: str
    deployment_id: int
    environment: str
    sha: str
    result: str  # success | failure | error
    finished_at: float

    @property
    def succeeded(self) -> bool:
        return self.result == "success"

    @property
    def failed(self) -> bool:
        return self.result in FAILED_STATES


def finished_deployments(
    statuses: Iterable[DeploymentRecord], production: ProductionPredicate = is_production
) -> list[Deployment]:
    """Production deployments with a final status, in order of finishing."""
    last_final: dict[tuple[str, int], DeploymentRecord] = {}
    for status in sorted(statuses, key=lambda s: s.at):  # stable: ties keep the given order
        if status.state in FINAL_STATES and production(status.environment):
            last_final[(status.repository, status.deployment_id)] = status
    deployments = [
        Deployment(s.repository, s.deployment_id, s.environment, s.sha, s.state, s.at)
        for s in last_final.values()
    ]
    deployments.sort(key=lambda d: (d.finished_at, d.repository, d.deployment_id))
    return deployments


@dataclass(frozen=True)
class DeploymentFrequency:
    count: int  # successful production deployments finished in the window
    weeks: float
    per_week: float | None  # None for an empty window

    def to_json(self) -> dict[str, object]:
        return {
            "per_week": round_or_none(self.per_week, 2),
            "count": self.count,
            "weeks": round(self.weeks, 2),
        }


@dataclass(frozen=True)
class LeadTime:
    time: Distribution  # over deployed + merge_fallback PRs
    deployed: int  # PRs measured to a production deployment
    merge_fallback: int  # PRs measured to their merge (their repository reports no deployment)
    not_deployed: int  # PRs of deploying repositories with no deployment after the merge yet

    @property
    def basis(self) -> str | None:
        """ "deployment", "merge", "mixed" (some of each), or None when nothing was measured."""
        if self.deployed and self.merge_fallback:
            return "mixed"
        if self.deployed:
            return "deployment"
        if self.merge_fallback:
            return "merge"
        return None

    def to_json(self) -> dict[str, object]:
        return {
            **self.time.to_json(),
            "basis": self.basis,
            "deployed": self.deployed,
            "merge_fallback": self.merge_fallback,
            "not_deployed": self.not_deployed,
        }


@dataclass(frozen=True)
class ChangeFailureRate:
    failed: int
    count: int  # production deployments finished in the window

    @property
    def rate(self) -> float | None:
        return self.failed / self.count if self.count else None

    def to_json(self) -> dict[str, object]:
        return {"rate": round_or_none(self.rate, 4), "failed": self.failed, "count": self.count}


@dataclass(frozen=True)
class TimeToRestore:
    time: Distribution  # over restored incidents
    unrestored: int  # incidents with no success after them (yet)

    def to_json(self) -> dict[str, object]:
        return {**self.time.to_json(), "unrestored": self.unrestored}


@dataclass(frozen=True)
class DeliveryMetrics:
    deployment_frequency: DeploymentFrequency
    lead_time: LeadTime
    change_failure_rate: ChangeFailureRate
    time_to_restore: TimeToRestore

    def to_json(self) -> dict[str, object]:
        return {
            "deployment_frequency": self.deployment_frequency.to_json(),
            "lead_time": self.lead_time.to_json(),
            "change_failure_rate": self.change_failure_rate.to_json(),
            "time_to_restore": self.time_to_restore.to_json(),
        }


def deployment_frequency(deployments: Iterable[Deployment], window: Window) -> DeploymentFrequency:
    count = sum(1 for d in deployments if d.succeeded and d.finished_at in window)
    weeks = window.weeks
    return DeploymentFrequency(count, weeks, count / weeks if weeks > 0 else None)


def lead_time(
    pulls: Iterable[PullRecord],
    deployments: Iterable[Deployment],
    window: Window,
    include_bots: bool = False,
) -> LeadTime:
    successes: dict[str, list[float]] = {}
    for deployment in deployments:
        successes.setdefault(deployment.repository, [])
        if deployment.succeeded:
            successes.setdefault(deployment.repository, []).append(deployment.finished_at)
    for times in successes.values():
        times.sort()
    durations: list[float] = []
    deployed = fallback = not_deployed = 0
    for pull in merged_in(pulls, window, include_bots):
        assert pull.merged_at is not None
        start = pull.first_commit_at if pull.first_commit_at is not None else pull.opened_at
        times = successes.get(pull.repository)
        if times is None:
            fallback += 1
            durations.append(max(0.0, pull.merged_at - start))
            continue
        after = next((t for t in times if t >= pull.merged_at), None)
        if after is None:
            not_deployed += 1
            continue
        deployed += 1
        durations.append(max(0.0, after - start))
    return LeadTime(Distribution.of_seconds(durations), deployed, fallback, not_deployed)


def change_failure_rate(deployments: Iterable[Deployment], window: Window) -> ChangeFailureRate:
    finished = [d for d in deployments if d.finished_at in window]
    return ChangeFailureRate(sum(1 for d in finished if d.failed), len(finished))


def time_to_restore(deployments: Iterable[Deployment], window: Window) -> TimeToRestore:
    timelines: dict[tuple[str, str], list[Deployment]] = {}
    for deployment in deployments:
        key = (deployment.repository, deployment.environment.lower())
        timelines.setdefault(key, []).append(deployment)
    durations: list[float] = []
    unrestored = 0
    for timeline in timelines.values():
        timeline.sort(key=lambda d: (d.finished_at, d.deployment_id))
        incident_start: float | None = None
        for deployment in timeline:
            if deployment.failed and incident_start is None:
                incident_start = deployment.finished_at
            elif deployment.succeeded and incident_start is not None:
                if incident_start in window:
                    durations.append(deployment.finished_at - incident_start)
                incident_start = None
        if incident_start is not None and incident_start in window:
            unrestored += 1
    return TimeToRestore(Distribution.of_seconds(durations), unrestored)


def delivery_metrics(
    pulls: Iterable[PullRecord],
    statuses: Iterable[DeploymentRecord],
    window: Window,
    production: ProductionPredicate = is_production,
    include_bots: bool = False,
) -> DeliveryMetrics:
    deployments = finished_deployments(statuses, production)
    return DeliveryMetrics(
        deployment_frequency=deployment_frequency(deployments, window),
        lead_time=lead_time(pulls, deployments, window, include_bots),
        change_failure_rate=change_failure_rate(deployments, window),
        time_to_restore=time_to_restore(deployments, window),
    )
