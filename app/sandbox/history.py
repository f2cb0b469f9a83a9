"""Playing past moments on the simulator: its clock set back to each moment while an actor acts,
so that what GitHub records and sends (payload times, commit dates, deployment statuses) is of
that moment, then set to real time again while paasbot reacts (its tokens and JWTs are checked
against real time). Used by the demo's month of history and the insights browser test."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

HOUR = 3600.0
DAY = 24 * HOUR


class ShiftedClock:
    """Real time, or `offset` seconds away from it while a scenario plays a past moment."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass(frozen=True)
class Moment:
    """`act` at `hour` hours after the history's start; `order` breaks ties (lower first).
    `settled_first`: paasbot must have reacted to every earlier moment before this one (a PR's
    merge: paasbot saw the PR while it was open), even when reactions are grouped."""

    hour: float
    order: int
    act: Callable[[], object]
    settled_first: bool = False


class Settles(Protocol):
    async def settle(self) -> None: ...


async def replay(
    stage: Settles,
    clock: ShiftedClock,
    start: float,
    moments: Iterable[Moment],
    *,
    settle_every_hours: float | None = None,
) -> None:
    """Plays the moments in time order, each at `start + hour` on the simulator's clock, and lets
    paasbot settle after each one, or (`settle_every_hours`) once per period of that many hours
    and before a moment `settled_first` (webhooks keep their moment's times: only paasbot's
    reactions are grouped)."""
    period: float | None = None
    unsettled = False
    for moment in sorted(moments, key=lambda m: (m.hour, m.order)):
        this_period = None if settle_every_hours is None else moment.hour // settle_every_hours
        if unsettled and (this_period != period or moment.settled_first):
            await stage.settle()
        clock.offset = start + moment.hour * HOUR - time.time()
        try:
            moment.act()
        finally:
            clock.offset = 0.0
        period, unsettled = this_period, True
        if settle_every_hours is None:
            await stage.settle()
            unsettled = False
    if unsettled:
        await stage.settle()
