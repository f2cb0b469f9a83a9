"""Scopes (repositories, team, organisation) and compute_insights' figures and JSON."""

import json

import pytest

from app.insights.model import ActionRecord, DeploymentRecord, PullRecord, Window
from app.insights.scope import (
    Insights,
    InsightsOptions,
    compute_insights,
    for_repositories,
    for_team,
    in_repositories,
    in_team,
    organisation,
)

H = 3600.0
DAY = 86400.0
WEEK = Window(0, 7 * DAY)
TEAMS = {"payments": {"o/pay", "O/Ledger"}, "web": {"o/site"}}


def pr(repo, number, lines, merged_after_hours, **extra):
    return PullRecord(
        repository=repo,
        number=number,
        base="main",
        opened_at=DAY,
        merged_at=DAY + merged_after_hours * H,
        additions=lines,
        **extra,
    )


PULLS = [
    pr("o/pay", 1, 5, 1, first_review_at=DAY + H / 2, review_rounds=1),  # 1h
    pr("o/ledger", 2, 40, 3, first_review_at=DAY + 2 * H, review_rounds=2),  # 3h
    pr("o/site", 3, 2000, 30),  # 30h, no review
    pr("o/site", 4, 3, 1, by_bot=True),  # a bot's: out by default
]
DEPLOYMENTS = [
    DeploymentRecord("o/pay", 1, "production", "a", "success", DAY + 4 * H),
    DeploymentRecord("o/pay", 2, "production", "b", "failure", 2 * DAY),
    DeploymentRecord("o/pay", 3, "production", "b", "success", 2 * DAY + 2 * H),
    DeploymentRecord("o/site", 4, "staging", "c", "success", 3 * DAY),
]
ACTIONS = [
    ActionRecord("o/pay", "label", "done", DAY),
    ActionRecord("o/site", "merge", "done", DAY),
    ActionRecord("o/site", "merge", "failed", DAY),
]


def test_scopes_select_records():
    assert organisation().select(PULLS) == PULLS
    assert [p.number for p in in_repositories(PULLS, ["O/Pay"])] == [1]
    assert [p.number for p in in_team(PULLS, TEAMS, "payments")] == [1, 2]
    assert in_team(ACTIONS, TEAMS, "payments") == ACTIONS[:1]
    assert for_team(TEAMS, "web").to_json() == {
        "kind": "team",
        "name": "web",
        "repositories": ["o/site"],
    }
    with pytest.raises(KeyError):
        for_team(TEAMS, "nobody")
    assert for_repositories([]).select(PULLS) == []


def test_organisation_insights():
    insights = compute_insights(PULLS, DEPLOYMENTS, ACTIONS, WEEK)
    assert isinstance(insights, Insights)
    # three PRs of 5, 40, 2000 lines merged in 1h, 3h, 30h: median 3h, p90 24.6h
    assert insights.merge_time.overall.median_hours == 3
    assert insights.merge_time.overall.p90_hours == pytest.approx(24.6)
    # o/pay: 2 production successes, 1 failure restored in 2h
    assert insights.delivery.deployment_frequency.count == 2
    assert insights.delivery.change_failure_rate.rate == pytest.approx(1 / 3)
    assert insights.delivery.time_to_restore.time.median_hours == 2
    # lead time: o/pay PR 1 opened 1d (no first commit), deployed 1d 04:00 -> 4h;
    # o/ledger and o/site report no production deployment -> merge times 3h and 30h
    assert insights.delivery.lead_time.basis == "mixed"
    assert insights.delivery.lead_time.time.median_hours == 4
    # review: waits 0.5h and 2h; 1 of 3 merged without review
    assert insights.review.time_to_first_review.median_hours == 1.25
    assert insights.review.merged_without_review.share == pytest.approx(1 / 3)
    assert insights.bot_work.minutes_saved == 2


def test_team_and_repository_insights():
    payments = compute_insights(PULLS, DEPLOYMENTS, ACTIONS, WEEK, for_team(TEAMS, "payments"))
    assert payments.merge_time.overall.count == 2
    assert payments.bot_work.minutes_saved == 1
    site = compute_insights(PULLS, DEPLOYMENTS, ACTIONS, WEEK, ["o/site"])
    assert site.scope.kind == "repositories"
    assert site.merge_time.overall.count == 1
    assert site.delivery.deployment_frequency.count == 0  # staging only
    assert site.delivery.lead_time.basis == "merge"
    assert [a.action for a in site.bot_work.actions] == ["merge"]


def test_options():
    options = InsightsOptions(
        include_bots=True,
        production_environments=("Staging",),
        minutes_per_action={"merge": 10},
    )
    site = compute_insights(PULLS, DEPLOYMENTS, ACTIONS, WEEK, ["o/site"], options)
    assert site.merge_time.overall.count == 2
    assert site.delivery.deployment_frequency.count == 1
    assert site.bot_work.minutes_saved == 10


def test_json_keys_are_stable_and_plain():
    data = compute_insights(PULLS, DEPLOYMENTS, ACTIONS, WEEK).to_json()
    assert json.loads(json.dumps(data)) == data
    assert list(data) == [
        "window",
        "scope",
        "options",
        "merge_time",
        "delivery",
        "review",
        "bot_work",
    ]
    assert data["window"] == {"start": 0, "end": 7 * DAY, "days": 7.0}
    assert data["scope"] == {"kind": "organisation", "name": None, "repositories": None}
    assert data["merge_time"]["all"] == {"count": 3, "median_hours": 3.0, "p90_hours": 24.6}
    assert [b["bucket"] for b in data["merge_time"]["buckets"]] == [
        "1-10",
        "11-50",
        "51-200",
        "201-500",
        "501-1000",
        "1001+",
    ]
    assert data["delivery"]["change_failure_rate"] == {"rate": 0.3333, "failed": 1, "count": 3}
    assert data["delivery"]["deployment_frequency"] == {"per_week": 2.0, "count": 2, "weeks": 1.0}
    assert set(data["delivery"]) == {
        "deployment_frequency",
        "lead_time",
        "change_failure_rate",
        "time_to_restore",
    }
    assert set(data["review"]) == {"time_to_first_review", "review_rounds", "merged_without_review"}
    assert data["bot_work"]["minutes_saved"] == 2.0


def test_empty_ledger_is_no_data_not_an_error():
    data = compute_insights([], [], [], WEEK).to_json()
    assert data["merge_time"]["all"]["median_hours"] is None
    assert data["delivery"]["lead_time"]["basis"] is None
    assert data["review"]["merged_without_review"]["share"] is None
