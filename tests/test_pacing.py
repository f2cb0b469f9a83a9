"""At most N PRs a minute per installation (app/github/pacing.py)."""

from __future__ import annotations

import pytest

from app.github.pacing import PaceReached, check_pace

NOW = 1_000.0


@pytest.mark.parametrize(
    ("opened", "limit", "until"),
    [
        pytest.param([], 1, None, id="nothing opened"),
        pytest.param([NOW - 30], 2, None, id="under the limit"),
        pytest.param([NOW - 50, NOW - 20], 2, NOW + 10, id="at the limit: the oldest's minute"),
        pytest.param([NOW - 59, NOW - 40, NOW - 1], 2, NOW + 20, id="the limit-th newest counts"),
        pytest.param([NOW - 60, NOW - 5], 2, None, id="one exactly a minute old is out"),
        pytest.param([NOW - 200, NOW - 100], 1, None, id="old ones do not count"),
    ],
)
def test_check_pace(opened: list[float], limit: int, until: float | None) -> None:
    if until is None:
        check_pace(opened, NOW, limit)
        return
    with pytest.raises(PaceReached) as paused:
        check_pace(opened, NOW, limit)
    assert paused.value.at == until
    # At that time, the next PR may go.
    check_pace(opened, until, limit)
