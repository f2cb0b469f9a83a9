"""paasbot's work and the time it saved, on a hand-made ledger."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.insights.bot_work import bot_work, engineer_days_per_year, minutes_saved
from app.insights.model import ActionRecord, Window

DAY = 86400.0
WEEK = Window(0, 7 * DAY)


def action(name, outcome="done", at=DAY, repo="o/a"):
    return ActionRecord(repo, name, outcome, at)


LEDGER = [
    action("label"),
    action("label"),
    action("label", "failed"),
    action("merge"),
    action("update_branch"),
    action("update_branch", "failed"),
    action("comment", at=-DAY),  # before the window: out
    action("comment", at=7 * DAY),  # at the window's end: out
]


def test_actions_by_type_and_outcome():
    work = bot_work(LEDGER, WEEK)
    assert [(a.action, dict(a.outcomes)) for a in work.actions] == [
        ("label", {"done": 2, "failed": 1}),
        ("merge", {"done": 1}),
        ("update_branch", {"done": 1, "failed": 1}),
    ]
    assert work.total == 6
    assert work.actions[0].to_json() == {
        "action": "label",
        "total": 3,
        "done": 2,
        "failed": 1,
        "outcomes": {"done": 2, "failed": 1},
    }


def test_minutes_saved_default_and_configured():
    # 4 actions done, 1 minute each -> 4 minutes
    assert bot_work(LEDGER, WEEK).minutes_saved == 4
    # merge 15, update_branch 5, label unlisted at the default of 2: 2 * 2 + 15 + 5 = 24
    work = bot_work(LEDGER, WEEK, {"merge": 15, "update_branch": 5}, default_minutes=2)
    assert work.minutes_saved == 24
    # a week of 24 minutes -> 24 * 365 / 7 = 1251.43 minutes a year / 480 = 2.607 days
    assert work.engineer_days_per_year == pytest.approx(24 * 365 / 7 / 480)
    assert work.to_json()["engineer_days_per_year"] == 2.61


def test_engineer_days_per_year():
    # 480 minutes (one day's work) in a 365-day window -> 1 engineer-day a year
    assert engineer_days_per_year(480, Window(0, 365 * DAY)) == pytest.approx(1.0)
    # 48 minutes a day for 10 days = 480 minutes -> 36.5 days a year
    assert engineer_days_per_year(480, Window(0, 10 * DAY)) == pytest.approx(36.5)
    assert engineer_days_per_year(10, Window(DAY, DAY)) is None


def test_empty_window():
    work = bot_work([], WEEK)
    assert (work.actions, work.minutes_saved, work.engineer_days_per_year) == ((), 0, 0)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.builds(
            action,
            st.sampled_from(["label", "merge", "comment"]),
            st.sampled_from(["done", "failed"]),
            st.floats(0, 7 * DAY - 1),
        ),
        max_size=30,
    ),
    st.floats(0, 60),
)
def test_minutes_are_done_actions_times_minutes(actions, minutes):
    done = sum(1 for a in actions if a.outcome == "done")
    assert minutes_saved(actions, default_minutes=minutes) == pytest.approx(done * minutes)
    assert bot_work(actions, WEEK).total == len(actions)
