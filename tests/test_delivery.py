"""The four delivery metrics on hand-made ledgers; the answers are worked out in the comments."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.insights.delivery import (
    delivery_metrics,
    finished_deployments,
    is_production,
    production_named,
)
from app.insights.model import DeploymentRecord, PullRecord, Window

H = 3600.0
DAY = 86400.0
TWO_WEEKS = Window(0, 14 * DAY)


def status(deployment_id, state, at, *, env="production", repo="o/app", sha="s1"):
    return DeploymentRecord(repo, deployment_id, env, sha, state, at)


def merged_pr(number, merged_at, *, repo="o/app", first_commit=None, opened=None, bot=False):
    return PullRecord(
        repository=repo,
        number=number,
        base="main",
        opened_at=opened if opened is not None else merged_at - H,
        first_commit_at=first_commit,
        merged_at=merged_at,
        by_bot=bot,
    )


def test_production_predicate():
    assert is_production("production") and is_production("Prod") and is_production("LIVE")
    assert not is_production("staging") and not is_production("production-eu")
    prd = production_named("prd", "Production-EU")
    assert prd("PRD") and prd("production-eu") and not prd("production")


def test_a_deployment_ends_with_its_last_final_status():
    statuses = [
        status(1, "pending", DAY),
        status(1, "in_progress", DAY + 60),
        status(1, "success", DAY + 120),
        status(1, "inactive", 2 * DAY),  # superseded later: still a success
        status(2, "failure", 3 * DAY),
        status(2, "success", 3 * DAY + H),  # retried: a success at 3d+1h
        status(3, "queued", 4 * DAY),  # never finished: left out
        status(4, "success", 5 * DAY, env="staging"),  # not production: left out
    ]
    deployments = finished_deployments(statuses)
    assert [(d.deployment_id, d.result, d.finished_at) for d in deployments] == [
        (1, "success", DAY + 120),
        (2, "success", 3 * DAY + H),
    ]


def test_deployment_frequency():
    statuses = [
        status(1, "success", 1 * DAY),
        status(2, "success", 3 * DAY),  # the same SHA again: another deployment
        status(3, "success", 4 * DAY, env="staging"),  # not production
        status(4, "success", 5 * DAY, env="LIVE", repo="o/web", sha="w1"),  # production, any case
        status(5, "failure", 6 * DAY),  # not a success
        status(6, "success", 15 * DAY),  # after the window
        status(7, "success", -DAY),  # before the window
        status(8, "in_progress", 7 * DAY),  # unfinished
    ]
    # No PR at all: deployments count on their own. 3 in 2 weeks -> 1.5 a week.
    frequency = delivery_metrics([], statuses, TWO_WEEKS).deployment_frequency
    assert (frequency.count, frequency.weeks, frequency.per_week) == (3, 2.0, 1.5)
    # Another production name: only deployment 3 ("staging") counts -> 0.5 a week.
    staging = delivery_metrics([], statuses, TWO_WEEKS, production=production_named("staging"))
    assert staging.deployment_frequency.count == 1
    assert staging.deployment_frequency.per_week == 0.5


def test_lead_time_to_the_first_production_deployment_after_the_merge():
    statuses = [
        status(1, "success", 2 * DAY + 10 * H),
        status(2, "success", 5 * DAY),
        status(3, "success", 16 * DAY),  # after the window, still ends PR F's lead time
        status(9, "success", 1 * DAY, env="staging", repo="o/lib"),  # o/lib: no production
    ]
    pulls = [
        # A: first commit 1d 00:00, merged 1d 12:00, deployed 2d 10:00 -> 34h
        merged_pr(1, DAY + 12 * H, first_commit=DAY),
        # B: first commit unknown, opened 2d 00:00, merged 2d 10:00 = deployment 1's time -> 10h
        merged_pr(2, 2 * DAY + 10 * H, opened=2 * DAY),
        # C: first commit 5d, merged 5d 01:00 (after deployment 2), deployed 16d -> 11d = 264h
        merged_pr(3, 5 * DAY + H, first_commit=5 * DAY),
        # D: o/lib never deploys to production: first commit 3d -> merged 3d 05:00 = 5h (merge)
        merged_pr(4, 3 * DAY + 5 * H, repo="o/lib", first_commit=3 * DAY),
        # E: merged before the window: out
        merged_pr(5, -DAY, first_commit=-2 * DAY),
        # a bot's PR: out by default
        merged_pr(6, DAY, first_commit=0, bot=True),
        # an open PR: out
        PullRecord("o/app", 7, "main", opened_at=DAY),
    ]
    lead = delivery_metrics(pulls, statuses, TWO_WEEKS).lead_time
    # [5, 10, 34, 264] hours: median 22h; p90 at 2.7 -> 34 + 0.7 * 230 = 195h
    assert lead.time.count == 4
    assert lead.time.median_hours == pytest.approx(22.0)
    assert lead.time.p90_hours == pytest.approx(195.0)
    assert (lead.deployed, lead.merge_fallback, lead.not_deployed) == (3, 1, 0)
    assert lead.basis == "mixed"
    with_bots = delivery_metrics(pulls, statuses, TWO_WEEKS, include_bots=True).lead_time
    # the bot's PR: first commit 0, merged 1d, deployed 2d 10:00 -> 58h
    assert with_bots.deployed == 4


def test_lead_time_not_deployed_yet_and_bases():
    statuses = [status(1, "success", 2 * DAY), status(2, "failure", 2 * DAY, repo="o/web")]
    pulls = [
        merged_pr(1, DAY, first_commit=DAY - 2 * H),  # 2d - (1d - 2h) = 26h
        merged_pr(2, 3 * DAY),  # o/app deploys, but nothing since: not deployed (yet)
        merged_pr(3, 3 * DAY, repo="o/web"),  # o/web only failed: it deploys; not deployed
    ]
    lead = delivery_metrics(pulls, statuses, TWO_WEEKS).lead_time
    assert (lead.time.count, lead.time.median_hours) == (1, 26.0)
    assert (lead.deployed, lead.merge_fallback, lead.not_deployed) == (1, 0, 2)
    assert lead.basis == "deployment"
    # No deployment anywhere: every lead time is a merge time (first commit or opened -> merged).
    merge_only = delivery_metrics(pulls, [], TWO_WEEKS).lead_time
    assert merge_only.basis == "merge"
    # merged minus first commit or opened: [2h, 1h, 1h] -> median 1h
    assert merge_only.time.median_hours == 1.0
    assert merge_only.time.count == 3


def test_change_failure_rate():
    statuses = [
        status(1, "success", DAY),
        status(2, "failure", 2 * DAY),
        status(3, "error", 3 * DAY),
        status(4, "failure", 4 * DAY),
        status(4, "success", 4 * DAY + H),  # retried to success: not a failure
        status(5, "failure", 5 * DAY, env="staging"),  # not production
        status(6, "failure", -DAY),  # finished before the window
        status(7, "pending", 6 * DAY),  # not finished
    ]
    # finished in the window: 1, 2, 3, 4; failed: 2, 3 -> 2 / 4
    rate = delivery_metrics([], statuses, TWO_WEEKS).change_failure_rate
    assert (rate.failed, rate.count, rate.rate) == (2, 4, 0.5)
    assert rate.to_json() == {"rate": 0.5, "failed": 2, "count": 4}


def test_time_to_restore():
    statuses = [
        status(1, "failure", -DAY),  # an incident that started before the window...
        status(2, "success", H),  # ...restored in it: not counted
        # o/app production: failure 2d, error 2d 03:00 (same incident), success 2d 05:00 -> 5h
        status(3, "failure", 2 * DAY),
        status(4, "error", 2 * DAY + 3 * H),
        status(5, "success", 2 * DAY + H, env="live"),  # another environment: restores nothing
        status(6, "success", 2 * DAY + 5 * H),
        # o/app production: failure 4d, success 4d 01:00 -> 1h
        status(7, "failure", 4 * DAY),
        status(8, "success", 4 * DAY + H),
        # o/web production fails at 6d and has not recovered
        status(9, "failure", 6 * DAY, repo="o/web"),
        status(10, "success", 5 * DAY, repo="o/web"),  # before the failure: restores nothing
    ]
    restore = delivery_metrics([], statuses, TWO_WEEKS).time_to_restore
    # [1h, 5h]: median 3h, p90 1 + 0.9 * 4 = 4.6h
    assert restore.time.count == 2
    assert restore.time.median_hours == 3.0
    assert restore.time.p90_hours == pytest.approx(4.6)
    assert restore.unrestored == 1


def test_empty_window_and_empty_ledger():
    empty = delivery_metrics([], [], TWO_WEEKS).to_json()
    assert empty == {
        "deployment_frequency": {"per_week": 0.0, "count": 0, "weeks": 2.0},
        "lead_time": {
            "count": 0,
            "median_hours": None,
            "p90_hours": None,
            "basis": None,
            "deployed": 0,
            "merge_fallback": 0,
            "not_deployed": 0,
        },
        "change_failure_rate": {"rate": None, "failed": 0, "count": 0},
        "time_to_restore": {"count": 0, "median_hours": None, "p90_hours": None, "unrestored": 0},
    }
    nothing = delivery_metrics([merged_pr(1, DAY)], [status(1, "success", DAY)], Window(DAY, DAY))
    assert nothing.deployment_frequency.per_week is None
    assert nothing.lead_time.time.count == 0


deployment_statuses = st.lists(
    st.builds(
        status,
        st.integers(1, 8),
        st.sampled_from(["success", "failure", "error", "inactive", "pending"]),
        st.floats(-DAY, 15 * DAY),
        env=st.sampled_from(["production", "staging", "Prod"]),
        repo=st.sampled_from(["o/app", "o/web"]),
    ),
    max_size=40,
)


@settings(max_examples=100, deadline=None)
@given(deployment_statuses)
def test_counts_hold_together(statuses):
    metrics = delivery_metrics([], statuses, TWO_WEEKS)
    rate = metrics.change_failure_rate
    assert metrics.deployment_frequency.count + rate.failed == rate.count
    assert rate.rate is None or 0 <= rate.rate <= 1
    # an incident starts with a failure: no more incidents than failed deployments
    assert metrics.time_to_restore.time.count + metrics.time_to_restore.unrestored <= rate.failed
