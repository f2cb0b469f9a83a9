"""The one quantile method of the insights: linear interpolation between closest ranks."""

import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.insights.stats import Distribution, hours, mean, median, p90, quantile


def test_empty_has_no_figures():
    assert median([]) is None
    assert p90([]) is None
    assert mean([]) is None
    assert Distribution.of_seconds([]) == Distribution(0, None, None)


def test_one_value_is_every_quantile():
    assert median([7.0]) == 7.0
    assert p90([7.0]) == 7.0


def test_known_answers():
    # [1, 2, 3, 4]: median at position 1.5 -> 2.5; p90 at 0.9 * 3 = 2.7 -> 3 + 0.7 * (4 - 3) = 3.7
    assert median([4, 1, 3, 2]) == 2.5
    assert p90([4, 1, 3, 2]) == pytest.approx(3.7)
    # 1..10: p90 at 0.9 * 9 = 8.1 -> 9 + 0.1 * 1 = 9.1
    assert p90(range(1, 11)) == pytest.approx(9.1)
    # [1, 3, 30]: median 3; p90 at 1.8 -> 3 + 0.8 * 27 = 24.6
    assert median([1, 3, 30]) == 3
    assert p90([1, 3, 30]) == pytest.approx(24.6)
    assert mean([1, 2, 6]) == 3


def test_bounds():
    assert quantile([5, 1, 9], 0) == 1
    assert quantile([5, 1, 9], 1) == 9
    with pytest.raises(ValueError):
        quantile([1], 1.5)


def test_hours_and_distribution_in_hours():
    assert hours(5400) == 1.5
    # 1h, 3h, 30h in seconds: median 3h, p90 24.6h
    figure = Distribution.of_seconds([3600, 3 * 3600, 30 * 3600])
    assert figure.count == 3
    assert figure.median_hours == 3
    assert figure.p90_hours == pytest.approx(24.6)
    assert figure.to_json() == {"count": 3, "median_hours": 3.0, "p90_hours": 24.6}


values = st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=1, max_size=50)


@settings(max_examples=200, deadline=None)
@given(values)
def test_quantiles_lie_between_min_and_max_and_in_order(xs):
    low, high = min(xs), max(xs)
    m, p = median(xs), p90(xs)
    assert m is not None and p is not None
    assert low <= m <= high
    assert low <= p <= high
    assert m <= p + 1e-6 * max(1.0, abs(p))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-1000, 1000), min_size=2, max_size=50))
def test_same_as_statistics_inclusive(xs):
    expected = statistics.quantiles(xs, n=10, method="inclusive")
    assert p90(xs) == pytest.approx(expected[8])
    assert median(xs) == pytest.approx(statistics.median(xs))
