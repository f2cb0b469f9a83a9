"""Where and when bench/kill.py kills a paasbot process: a seeded plan of kill points, and the
killer that carries it out during the trace's settles and records what each kill interrupted.

A kill point is a tick of the trace, a delay after that tick's events started to be delivered, a
victim (a process up for `spacing` seconds at least, `spacing` after the last kill:
SPACING_SECONDS unless `python -m bench.kill --spacing` says otherwise; the only one on SQLite)
and a way:
- `timed`: SIGKILL at the delay, whatever the process is doing then;
- `on-write`: armed at the delay, SIGKILL when the victim's next write (a non-GET API request)
  has been applied by the simulator and before its answer goes back: the write is done, the
  process never learns it;
- `on-merge`: the same for its next `PUT .../merge`.
An armed kill whose write does not come within ARMED_WAIT_SECONDS fires anyway.

After a kill, on SQLite the process is started again at once (nothing works until it is back; the
tick's later kill points count their delay from `spacing` after it answers); on
PostgreSQL it stays dead for REPLICA_DOWNTIME_SECONDS, so the other replica must take its leased
subjects over, and it is restarted sooner when a kill point would otherwise leave none alive.
Deliveries keep going to a dead process for DETECTION_SECONDS (a load balancer's health checks),
then only to live ones (`routable`); with one process there is nowhere else to send them.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import signal
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from app.store.db import Database
from app.store.tables import subjects
from bench.scale import Process, Simulator, start_process, wait_ready

WAYS = ("timed", "on-write", "on-merge")
WAY_WEIGHTS = (0.5, 0.35, 0.15)
# Most of a tick's work (deliveries, evaluations, their writes) happens in its first second here.
KILL_WINDOW_SECONDS = 1.0
ARMED_WAIT_SECONDS = 2.0
# The least time a restarted process runs before it is killed again, and the least time between
# two kills whichever processes they hit: closer kills are a crash loop. Before the redelivery
# cap counted only answered redeliveries, kills faster than the sweeper could take them (four of
# one process within ~15 s; two replicas killed by turns every second or two) spent the 3
# redeliveries of a delivery, which was then lost.
SPACING_SECONDS = 4.0
# A load balancer's health checks take a dead replica out of rotation after this long.
DETECTION_SECONDS = 2.0
# PostgreSQL: a killed replica is started again after this long (longer than the harness's
# lease: its survivor takes its subjects over first).
REPLICA_DOWNTIME_SECONDS = 5.0


@dataclass(frozen=True)
class KillPoint:
    tick: int
    delay: float
    way: str


@dataclass
class Kill:
    """One kill as it happened: what the victim had under way at that instant."""

    point: KillPoint
    victim: int
    pid: int
    at: float
    requests: list[str]  # its API requests in flight ("METHOD path")
    delivery: str | None  # the delivery being posted to it
    leases: list[str]  # subjects it held a lease on (mid-evaluation)
    fell_back: bool = False  # an armed kill whose write did not come

    @property
    def mid_request(self) -> bool:
        return bool(self.requests) or self.delivery is not None

    @property
    def mid_evaluation(self) -> bool:
        return bool(self.leases)

    @property
    def mid_merge(self) -> bool:
        return any(r.startswith("PUT ") and r.endswith("/merge") for r in self.requests)

    def line(self) -> str:
        what = [f"{len(self.requests)} request(s) {self.requests[:3]}"] if self.requests else []
        what += ["a delivery"] if self.delivery else []
        what += [f"leases {self.leases[:3]}"] if self.leases else []
        way = self.point.way + (" (fell back)" if self.fell_back else "")
        return (
            f"tick {self.point.tick} +{self.point.delay:.2f} s {way}: process {self.victim}"
            f" (pid {self.pid}) during {', '.join(what) or 'nothing'}"
        )


def plan_kills(count: int, ticks: int, rng: random.Random) -> list[KillPoint]:
    """`count` kill points over ticks 0..ticks-1 (several may share a tick), in order."""
    points = [
        KillPoint(
            rng.randrange(max(ticks, 1)),
            round(rng.uniform(0.0, KILL_WINDOW_SECONDS), 3),
            rng.choices(WAYS, WAY_WEIGHTS)[0],
        )
        for _ in range(count)
    ]
    return sorted(points, key=lambda p: (p.tick, p.delay))


@dataclass
class Launcher:
    """Starts process `index` again on its port, as it was first started."""

    simulator: Simulator
    database_url: str
    coalesce: float
    folder: Path
    env: dict[str, str]
    arguments: list[str] = field(default_factory=list)

    def start(self, index: int, port: int | None = None) -> Process:
        return start_process(
            index,
            self.simulator,
            self.database_url,
            self.coalesce,
            self.folder,
            port=port,
            env=self.env,
            arguments=self.arguments,
        )


@dataclass
class Killer:
    """Carries out the plan during the settles of the ticks it names (see the module's doc)."""

    processes: list[Process]
    launcher: Launcher
    db: Database
    plan: Sequence[KillPoint]
    rng: random.Random
    restart_at_once: bool  # SQLite: one process, back at once
    spacing: float = SPACING_SECONDS
    kills: list[Kill] = field(default_factory=list)
    restarts: int = 0
    down_since: dict[int, float] = field(default_factory=dict)  # process -> when it died
    up_since: dict[int, float] = field(default_factory=dict)  # process -> when it answered
    last_kill: float = -math.inf
    ticks_settled: int = -1  # the last tick whose settle has started (-1: the one before the trace)
    _armed: tuple[int, KillPoint, asyncio.Future[None]] | None = None
    _restarting: asyncio.Lock = field(default_factory=asyncio.Lock)
    _timers: list[asyncio.Task[None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.launcher.simulator.on_write = self._on_write

    def up(self) -> list[Process]:
        """The processes running and answering (not one being started again)."""
        return [
            p for p in self.processes if p.popen.poll() is None and p.index not in self.down_since
        ]

    def routable(self, index: int) -> bool:
        """Process `index` as a load balancer with health checks sees it: a dead one still gets
        deliveries until its checks fail, a restarted one again once it answers."""
        since = self.down_since.get(index)
        return since is None or time.monotonic() - since < DETECTION_SECONDS

    async def restart_dead(self) -> None:
        async with self._restarting:
            dead = [p for p in self.processes if p.popen.poll() is not None]
            for process in dead:
                self.processes[process.index] = self.launcher.start(process.index, process.port)
                self.restarts += 1
            await wait_ready([self.processes[p.index] for p in dead])
            for process in dead:
                self.down_since.pop(process.index, None)
                self.up_since[process.index] = time.monotonic()

    def cancel(self) -> None:
        """No restart after this (the run is being torn down)."""
        for timer in self._timers:
            timer.cancel()

    async def finish(self, settle: Callable[[], Awaitable[None]]) -> None:
        """The kill points of ticks the run never reached, during one more settle (how many
        ticks the tail takes depends on timing: a run with kills may end a tick or two before
        the run without them that the plan was drawn over); then every process up again, as at
        the start."""
        leftover = [p for p in self.plan if p.tick > self.ticks_settled]
        if leftover:
            killing = asyncio.create_task(self._kill_all(leftover))
            try:
                await settle()
            finally:
                await killing
        await asyncio.gather(*self._timers)
        await self.restart_dead()

    def settle_with_kills(
        self, settle: Callable[[], Awaitable[None]]
    ) -> Callable[[], Awaitable[None]]:
        """`settle` for play_ticks: the first call is the one before the trace, then one per tick;
        a tick with kill points settles while they happen, then settles again."""
        calls = iter(range(-1, 1 << 30))

        async def settle_tick() -> None:
            tick = self.ticks_settled = next(calls)
            points = [p for p in self.plan if p.tick == tick]
            if not points:
                await settle()
                return
            killing = asyncio.create_task(self._kill_all(points))
            try:
                await settle()
            finally:
                await killing
            await settle()

        return settle_tick

    async def _kill_all(self, points: Sequence[KillPoint]) -> None:
        started = time.monotonic()
        for point in points:
            await asyncio.sleep(max(0.0, started + point.delay - time.monotonic()))
            await self._kill(point, await self._victim())
            if self.restart_at_once:
                await self.restart_dead()
                # The tick's next kill points count from the process being back and up for
                # `spacing`: a crash loop is not what is measured (see the doc).
                started = time.monotonic() + self.spacing - point.delay
            else:
                self._timers.append(asyncio.create_task(self._restart_later()))

    async def _victim(self) -> Process:
        """A process up for `spacing` at least, never the last live replica, and not before
        `spacing` since the last kill."""
        while True:
            if len(self.up()) < min(2, len(self.processes)):
                await self.restart_dead()
            now = time.monotonic()
            ready = [
                p for p in self.up() if now - self.up_since.get(p.index, -math.inf) >= self.spacing
            ]
            if ready and now - self.last_kill >= self.spacing:
                return self.rng.choice(ready)
            await asyncio.sleep(0.1)

    async def _restart_later(self) -> None:
        await asyncio.sleep(REPLICA_DOWNTIME_SECONDS)
        await self.restart_dead()

    async def _kill(self, point: KillPoint, victim: Process) -> None:
        fell_back = False
        if point.way != "timed":
            loop = asyncio.get_running_loop()
            fired: asyncio.Future[None] = loop.create_future()
            self._armed = (victim.index, point, fired)
            try:
                await asyncio.wait_for(asyncio.shield(fired), ARMED_WAIT_SECONDS)
            except TimeoutError:
                fell_back = True
            finally:
                self._armed = None
        if not fell_back and point.way != "timed":
            kill = self.kills[-1]  # recorded by _on_write at the instant it killed
        else:
            kill = self._record(point, victim)
            os.kill(victim.popen.pid, signal.SIGKILL)
        kill.fell_back = fell_back
        victim.popen.wait()
        self.down_since[victim.index] = self.last_kill = time.monotonic()
        kill.leases = await self._leases_of(victim.popen.pid)

    def _on_write(self, process: int, method: str, path: str) -> None:
        if self._armed is None:
            return
        index, point, fired = self._armed
        if process != index or fired.done():
            return
        if point.way == "on-merge" and not (method == "PUT" and path.endswith("/merge")):
            return
        victim = self.processes[index]
        self._record(point, victim)
        os.kill(victim.popen.pid, signal.SIGKILL)
        fired.set_result(None)

    def _record(self, point: KillPoint, victim: Process) -> Kill:
        simulator = self.launcher.simulator
        kill = Kill(
            point,
            victim.index,
            victim.popen.pid,
            time.time(),
            list(simulator.in_flight.get(victim.index, ())),
            simulator.delivering.get(victim.index),
            [],
        )
        self.kills.append(kill)
        return kill

    async def _leases_of(self, pid: int) -> list[str]:
        """Subjects whose lease a worker of `pid` held (its workers are named host:pid/n)."""
        c = subjects.c
        async with self.db.reader() as conn:
            rows = await conn.execute(
                select(c.key).where(c.lease_owner.like(f"%:{pid}/%"), c.lease_until.is_not(None))
            )
        return [str(key) for key in rows.scalars()]
