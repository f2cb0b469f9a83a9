"""Flapping: how many recent changes an action may make before it is stopped. Pure."""

from __future__ import annotations

import pytest

from app.engine.flapping import (
    FLAP_LIMIT,
    FLAP_WINDOW_SECONDS,
    flapping_message,
    is_flapping,
    recent,
    with_change,
)

NOW = 10_000.0


def test_the_limits_are_those_the_documentation_promises() -> None:
    assert FLAP_LIMIT == 6
    assert FLAP_WINDOW_SECONDS == 600.0


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        pytest.param([], [], id="nothing remembered"),
        pytest.param([NOW - 10, NOW - 5], [NOW - 10, NOW - 5], id="all recent, order kept"),
        pytest.param([NOW - 600], [NOW - 600], id="exactly at the window's edge counts"),
        pytest.param([NOW - 600.5, NOW - 1], [NOW - 1], id="just outside the window"),
        pytest.param([NOW - 3600, NOW - 900], [], id="all old"),
    ],
)
def test_recent_keeps_the_changes_within_the_window(
    history: list[float], expected: list[float]
) -> None:
    assert recent(history, NOW) == expected


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        pytest.param([], [NOW], id="first change"),
        pytest.param([NOW - 900, NOW - 60], [NOW - 60, NOW], id="old changes forgotten"),
        pytest.param(
            [NOW - 70, NOW - 60, NOW - 50, NOW - 40, NOW - 30, NOW - 20],
            [NOW - 60, NOW - 50, NOW - 40, NOW - 30, NOW - 20, NOW],
            id="no more than the limit kept",
        ),
    ],
)
def test_with_change_remembers_only_what_the_window_needs(
    history: list[float], expected: list[float]
) -> None:
    assert with_change(history, NOW) == expected
    assert len(with_change(history, NOW)) <= FLAP_LIMIT


@pytest.mark.parametrize(
    ("history", "flapping"),
    [
        pytest.param([], False, id="never changed"),
        pytest.param([NOW - 50 * i for i in range(1, 6)], False, id="five recent changes"),
        pytest.param([NOW - 50 * i for i in range(1, 7)], True, id="six recent changes"),
        pytest.param(
            [NOW - 700, *(NOW - 50 * i for i in range(1, 6))], False, id="six, one too old"
        ),
        pytest.param([NOW - 100 * i for i in range(1, 7)], True, id="six, the oldest at the edge"),
    ],
)
def test_one_more_change_after_the_limit_is_flapping(history: list[float], flapping: bool) -> None:
    assert is_flapping(history, NOW) is flapping


@pytest.mark.parametrize(
    ("interval", "changes_made"),
    [
        pytest.param(1.0, FLAP_LIMIT, id="a change a second: stopped after the limit"),
        pytest.param(100.0, FLAP_LIMIT, id="every 100 s: six fit in ten minutes"),
        pytest.param(121.0, 50, id="every 121 s: never more than five in ten minutes"),
        pytest.param(120.0, 50, id="every 120 s: the sixth back is just outside"),
    ],
)
def test_an_action_changing_the_pr_repeatedly(interval: float, changes_made: int) -> None:
    """The executor's loop: before each change, ask whether it would flap; stop if so."""
    history: list[float] = []
    made = 0
    for step in range(50):
        now = NOW + step * interval
        if is_flapping(history, now):
            break
        history = with_change(history, now)
        made += 1
    assert made == changes_made


def test_the_message_says_why_and_how_to_lift_the_stop() -> None:
    message = flapping_message(6)
    assert message.startswith("stopped: it changed this pull request 6 times in 10 minutes")
    assert "`/paasbot refresh`" in message
