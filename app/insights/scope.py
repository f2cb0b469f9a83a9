"""Whose insights: a set of repositories, a team (its repositories), or the organisation; and
`compute_insights`, every figure for one scope and window, with its JSON form.

Repository names compare lower-case (owner/name). A team is a name in a mapping team -> its
repositories; records never name a person, so no scope can either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from app.insights.bot_work import DEFAULT_MINUTES_PER_ACTION, BotWork, bot_work
from app.insights.delivery import DEFAULT_PRODUCTION_NAMES, DeliveryMetrics, delivery_metrics
from app.insights.delivery import production_named as _production_named
from app.insights.merge_time import MergeTimeBySize, merge_time_by_size
from app.insights.model import ActionRecord, DeploymentRecord, PullRecord, Window
from app.insights.review import ReviewMetrics, review_metrics


class _InRepository(Protocol):
    @property
    def repository(self) -> str: ...


R = TypeVar("R", bound=_InRepository)


@dataclass(frozen=True)
class Scope:
    kind: str  # organisation | team | repositories
    name: str | None = None  # the team's name
    repositories: frozenset[str] | None = None  # None: every repository

    def includes(self, repository: str) -> bool:
        return self.repositories is None or repository.lower() in self.repositories

    def select(self, records: Iterable[R]) -> list[R]:
        return [r for r in records if self.includes(r.repository)]

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "name": self.name,
            "repositories": None if self.repositories is None else sorted(self.repositories),
        }


def organisation() -> Scope:
    return Scope("organisation")


def for_repositories(names: Iterable[str]) -> Scope:
    return Scope("repositories", repositories=frozenset(n.lower() for n in names))


def for_team(teams: Mapping[str, Iterable[str]], team: str) -> Scope:
    """The team's repositories; KeyError for a team the mapping does not have."""
    if team not in teams:
        raise KeyError(f"unknown team {team!r}")
    return Scope("team", name=team, repositories=frozenset(n.lower() for n in teams[team]))


def in_repositories(records: Iterable[R], names: Iterable[str]) -> list[R]:
    return for_repositories(names).select(records)


def in_team(records: Iterable[R], teams: Mapping[str, Iterable[str]], team: str) -> list[R]:
    return for_team(teams, team).select(records)


@dataclass(frozen=True)
class InsightsOptions:
    include_bots: bool = False  # bots' PRs in merge time, lead time and review figures
    production_environments: tuple[str, ...] = DEFAULT_PRODUCTION_NAMES  # any case
    minutes_per_action: Mapping[str, float] = field(default_factory=dict)
    default_minutes: float = DEFAULT_MINUTES_PER_ACTION

    def to_json(self) -> dict[str, object]:
        return {
            "include_bots": self.include_bots,
            "production_environments": sorted(e.lower() for e in self.production_environments),
        }


@dataclass(frozen=True)
class Insights:
    window: Window
    scope: Scope
    options: InsightsOptions
    merge_time: MergeTimeBySize
    delivery: DeliveryMetrics
    review: ReviewMetrics
    bot_work: BotWork

    def to_json(self) -> dict[str, object]:
        """Plain JSON types; stable keys; hours to 2 decimals, rates to 4; None: no data."""
        return {
            "window": {
                "start": self.window.start,
                "end": self.window.end,
                "days": round((self.window.end - self.window.start) / 86400, 2),
            },
            "scope": self.scope.to_json(),
            "options": self.options.to_json(),
            "merge_time": self.merge_time.to_json(),
            "delivery": self.delivery.to_json(),
            "review": self.review.to_json(),
            "bot_work": self.bot_work.to_json(),
        }


def compute_insights(
    pulls: Iterable[PullRecord],
    deployments: Iterable[DeploymentRecord],
    actions: Iterable[ActionRecord],
    window: Window,
    repositories: Scope | Iterable[str] | None = None,
    options: InsightsOptions | None = None,
) -> Insights:
    """Every figure for the scope (a Scope, repository names, or None: the organisation)."""
    options = options or InsightsOptions()
    if repositories is None:
        scope = organisation()
    elif isinstance(repositories, Scope):
        scope = repositories
    else:
        scope = for_repositories(repositories)
    scoped_pulls = scope.select(pulls)
    return Insights(
        window=window,
        scope=scope,
        options=options,
        merge_time=merge_time_by_size(scoped_pulls, window, options.include_bots),
        delivery=delivery_metrics(
            scoped_pulls,
            scope.select(deployments),
            window,
            production=_production_named(*options.production_environments),
            include_bots=options.include_bots,
        ),
        review=review_metrics(scoped_pulls, window, options.include_bots),
        bot_work=bot_work(
            scope.select(actions), window, options.minutes_per_action, options.default_minutes
        ),
    )
