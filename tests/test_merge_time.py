"""Time to merge by PR size, on hand-made ledgers."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.insights.merge_time import BUCKETS, bucket_of, merge_time_by_size, time_to_merge
from app.insights.model import PullRecord, Window

H = 3600.0
DAY = 86400.0
WEEK = Window(0, 7 * DAY)


def pr(number, lines, merged_after_hours, *, opened=DAY, ready=None, bot=False, repo="o/a"):
    return PullRecord(
        repository=repo,
        number=number,
        base="main",
        opened_at=opened,
        ready_at=ready,
        merged_at=None
        if merged_after_hours is None
        else (ready or opened) + merged_after_hours * H,
        additions=lines,
        deletions=0,
        by_bot=bot,
    )


def by_label(result):
    return {figure.bucket.label: figure.time_to_merge for figure in result.buckets}


def test_bucket_edges():
    assert [bucket_of(n).label for n in (0, 1, 10, 11, 50, 51, 200, 201, 500, 501, 1000)] == [
        "1-10", "1-10", "1-10", "11-50", "11-50", "51-200", "51-200",
        "201-500", "201-500", "501-1000", "501-1000",
    ]  # fmt: skip
    assert bucket_of(1001).label == "1001+"
    assert bucket_of(10**6).label == "1001+"


def test_three_sizes_three_times():
    # 5 lines in 1h, 40 lines in 3h, 2000 lines in 30h: one PR per bucket, each its own median/p90.
    result = merge_time_by_size([pr(1, 5, 1), pr(2, 40, 3), pr(3, 2000, 30)], WEEK)
    buckets = by_label(result)
    assert (buckets["1-10"].count, buckets["1-10"].median_hours, buckets["1-10"].p90_hours) == (
        1, 1.0, 1.0,
    )  # fmt: skip
    assert buckets["11-50"].median_hours == 3.0
    assert buckets["1001+"].median_hours == 30.0
    assert buckets["51-200"].count == 0 and buckets["51-200"].median_hours is None
    # all three: median 3h, p90 3 + 0.8 * 27 = 24.6h
    assert result.overall.count == 3
    assert result.overall.median_hours == 3.0
    assert result.overall.p90_hours == pytest.approx(24.6)


def test_clock_starts_when_ready():
    # Opened as a draft at day 1, ready 10h later, merged 2h after ready: 2h, not 12h.
    draft = PullRecord(
        "o/a", 1, "main", opened_at=DAY, ready_at=DAY + 10 * H, merged_at=DAY + 12 * H
    )
    assert time_to_merge(draft) == 2 * H
    never_draft = PullRecord("o/a", 2, "main", opened_at=DAY, merged_at=DAY + 12 * H)
    assert time_to_merge(never_draft) == 12 * H
    with pytest.raises(ValueError):
        time_to_merge(PullRecord("o/a", 3, "main", opened_at=DAY))


def test_window_open_and_closed_prs_and_bots():
    pulls = [
        pr(1, 5, 2),  # counted
        pr(2, 5, 4, opened=-2 * DAY),  # merged before the window: out
        pr(
            3, 5, 1, opened=7 * DAY - H
        ),  # merged at end + 0h... exactly the end: out ([start, end))
        pr(4, 5, None),  # still open: out
        pr(5, 5, 1, bot=True),  # a bot's PR: out by default
    ]
    result = merge_time_by_size(pulls, WEEK)
    assert result.overall.count == 1
    assert by_label(result)["1-10"].median_hours == 2.0
    with_bots = merge_time_by_size(pulls, WEEK, include_bots=True)
    # 2h and 1h: median 1.5h, p90 1 + 0.9 * 1 = 1.9h
    assert with_bots.overall.count == 2
    assert with_bots.overall.median_hours == 1.5
    assert with_bots.overall.p90_hours == pytest.approx(1.9)
    assert with_bots.include_bots is True


def test_empty_window():
    result = merge_time_by_size([], WEEK)
    assert [f.bucket for f in result.buckets] == list(BUCKETS)
    assert all(f.time_to_merge.count == 0 for f in result.buckets)
    assert result.to_json()["all"] == {"count": 0, "median_hours": None, "p90_hours": None}


pull_strategy = st.builds(
    lambda n, lines, start, wait, merged, bot: PullRecord(
        "o/a", n, "main", opened_at=start, merged_at=start + wait if merged else None,
        additions=lines, by_bot=bot,
    ),
    st.integers(1, 10**6), st.integers(0, 5000), st.floats(-DAY, 8 * DAY), st.floats(0, 3 * DAY),
    st.booleans(), st.booleans(),
)  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(st.lists(pull_strategy, max_size=40), st.booleans())
def test_bucket_counts_sum_to_the_merged_prs(pulls, include_bots):
    result = merge_time_by_size(pulls, WEEK, include_bots)
    merged = [p for p in pulls if p.merged_at in WEEK and (include_bots or not p.by_bot)]
    assert sum(f.time_to_merge.count for f in result.buckets) == len(merged)
    assert result.overall.count == len(merged)
