"""Review figures on a hand-made ledger."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.insights.model import PullRecord, Window
from app.insights.review import review_metrics

H = 3600.0
DAY = 86400.0
WEEK = Window(0, 7 * DAY)


def pr(number, *, opened=DAY, ready=None, review=None, rounds=0, merged=2 * DAY, bot=False):
    return PullRecord(
        repository="o/a",
        number=number,
        base="main",
        opened_at=opened,
        ready_at=ready,
        first_review_at=review,
        merged_at=merged,
        review_rounds=rounds,
        by_bot=bot,
    )


def test_known_answers():
    pulls = [
        pr(1, review=DAY + 2 * H, rounds=1),  # reviewed 2h after opening, approved at once
        pr(2, ready=DAY + 5 * H, review=DAY + 6 * H, rounds=3),  # a draft: 1h after ready
        pr(3, review=DAY + 8 * H, rounds=2),  # 8h
        pr(4),  # merged without review
        pr(5, ready=DAY + 5 * H, review=DAY + H, rounds=1),  # reviewed as a draft: 0h
        pr(6, review=DAY + H, rounds=1, merged=None),  # not merged: out
        pr(7, review=DAY + H, rounds=1, merged=8 * DAY),  # merged after the window: out
        pr(8, bot=True),  # a bot's PR: out by default
    ]
    review = review_metrics(pulls, WEEK)
    # waits [0, 1, 2, 8] hours: median 1.5h; p90 at 2.7 -> 2 + 0.7 * 6 = 6.2h
    assert review.time_to_first_review.count == 4
    assert review.time_to_first_review.median_hours == 1.5
    assert review.time_to_first_review.p90_hours == pytest.approx(6.2)
    # rounds [1, 3, 2, 1]: median 1.5, mean 7 / 4 = 1.75
    assert (review.review_rounds.count, review.review_rounds.median) == (4, 1.5)
    assert review.review_rounds.mean == 1.75
    # 1 of 5 merged PRs had no review
    assert (review.merged_without_review.unreviewed, review.merged_without_review.merged) == (1, 5)
    assert review.merged_without_review.share == 0.2
    with_bots = review_metrics(pulls, WEEK, include_bots=True)
    assert with_bots.merged_without_review.share == pytest.approx(2 / 6)


def test_a_comment_only_review_has_no_round():
    # Reviewed (commented) but neither changes requested nor approved: a first review, no round.
    review = review_metrics([pr(1, review=DAY + H, rounds=0)], WEEK)
    assert review.time_to_first_review.count == 1
    assert review.review_rounds.count == 0
    assert review.review_rounds.median is None and review.review_rounds.mean is None
    assert review.merged_without_review.share == 0.0


def test_empty_window():
    assert review_metrics([], WEEK).to_json() == {
        "time_to_first_review": {"count": 0, "median_hours": None, "p90_hours": None},
        "review_rounds": {"count": 0, "median": None, "mean": None},
        "merged_without_review": {"share": None, "unreviewed": 0, "merged": 0},
    }


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.builds(
            pr,
            st.integers(1, 1000),
            review=st.none() | st.floats(0, 7 * DAY),
            rounds=st.integers(0, 6),
            merged=st.none() | st.floats(-DAY, 8 * DAY),
        ),
        max_size=30,
    )
)
def test_share_and_rounds_stay_in_range(pulls):
    review = review_metrics(pulls, WEEK)
    share = review.merged_without_review.share
    assert share is None or 0 <= share <= 1
    rounds = review.review_rounds
    if rounds.count:
        assert 1 <= rounds.median <= 6 and 1 <= rounds.mean <= 6
    assert (review.time_to_first_review.median_hours or 0) >= 0
