"""Kill benchmark (issue 13): `kill -9` of paasbot processes at random moments of the trace of
bench/trace.py; nothing may be lost, nothing done twice, and the end must be what a run without
kills ends with.

    python -m bench.kill [--pulls 20] [--kills 20] [--seed 13] [--backend sqlite|postgres|both]
                         [--coalesce 1.0] [--postgres postgresql://postgres@127.0.0.1:5432/test]
                         [--spacing 4.0]

Each backend plays the seeded trace twice with the same seed, as bench/scale.py does (the simulator
in this process, webhooks posted round robin to whole paasbot processes, `python -m bench.servers
full`, each on its own API port so that every write is attributed): first without kills (the
expected final state, and the number of ticks the kill points are drawn over), then with them.
- sqlite: one process on a SQLite file, started again at once after each kill;
- postgres: two replicas on a fresh database behind a round-robin balancer with health checks;
  at each kill point one of the live ones dies and stays dead for a few seconds, so the other
  takes its leased subjects over (the deliveries the balancer still posts to the dead one before
  its checks fail are lost to it); it is restarted sooner when a kill point would leave none.
Kill points (bench/kill_points.py): a seeded tick and delay within it, and a way: at that instant,
or at the victim's next write (or merge) once the simulator has applied it and before it answers.

Both runs use a short queue lease (the LEASE_SECONDS setting: a killed process's subjects are
taken over when it ends; 60 s by default) and the redelivery sweeper every
REDELIVERY_INTERVAL_SECONDS: GitHub never retries a failed delivery, so a delivery posted to a
dead process is recovered only when a live one asks GitHub for it again. After each tick the
harness waits (bench/scale.py's Settler) until every delivery is acknowledged and routed and no
subject is pending, and also until every delivery that failed is in paasbot's `deliveries` table,
or REDELIVERY_GRACE_SECONDS passed since it failed (it then counts as lost).

Figures, per backend: kill points carried out (target: the number asked for), how many landed
mid-request (an API request of the victim, or a delivery to it, under way), mid-evaluation (it held
a subject's lease) and mid-merge; deliveries the simulator sent (distinct ids), those whose first
attempt failed (refused, reset, unanswered), those redelivered; lost (sent, never stored: target
0); duplicated writes (bench/scale.py's `duplicated_writes` over the request log, target 0) and
duplicates left in GitHub's state (bench/final_state.py, target 0); subjects left pending, leased or
failed, and deliveries left unrouted (target 0); differences between the final states of the two
runs (bench/final_state.py's `differences`, target 0); the wall time of each run.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from app.sandbox.webhooks.dispatcher import Delivery
from app.store.db import Database
from app.store.deliveries import MAX_ROUTE_ATTEMPTS
from app.store.migrate import upgrade_in_thread
from app.store.tables import deliveries, subjects
from bench.figures import Figure, at_most, print_report
from bench.final_state import FinalState, capture, differences, duplicates
from bench.intake import POSTGRES, _create_database, _drop_database, postgres_version
from bench.kill_points import SPACING_SECONDS, Kill, Killer, KillPoint, Launcher, plan_kills
from bench.order_free import order_free
from bench.scale import (
    Duplicate,
    Process,
    Settler,
    Simulator,
    balance,
    duplicate_count,
    duplicated_writes,
    start_simulator,
    stop_processes,
    wait_ready,
)
from bench.trace import PRODUCTION_COALESCE, play_ticks, seeded_world

DEFAULT_PULLS = 20
DEFAULT_KILLS = 20
DEFAULT_SEED = 13
BACKENDS = ("sqlite", "postgres")
SIZES: dict[str, dict[str, Any]] = {
    "full": {"pulls": DEFAULT_PULLS, "kills": DEFAULT_KILLS},
    "quick": {"pulls": 10, "kills": 10},
    "tiny": {"pulls": 3, "kills": 3, "backends": ("sqlite",)},
}
LEASE_SECONDS = 3.0
# Longer than the balancer's health checks take to drop a dead replica (as production's 60 s):
# a redelivery goes to a live one.
REDELIVERY_INTERVAL_SECONDS = 3.0
REDELIVERY_GRACE_SECONDS = 20.0


class RecoverySettler(Settler):
    """Settler, and also until every failed delivery is stored (or has waited out the grace)."""

    def __init__(self, simulator: Simulator, db: Database) -> None:
        super().__init__(simulator, db)
        self.failed_at: dict[str, float] = {}

    async def pending(self) -> int:
        return await super().pending() + len(await self.awaited())

    async def awaited(self) -> set[str]:
        now = time.monotonic()
        for delivery in self.simulator.dispatcher.deliveries:
            if not delivery.pending and not delivery.ok:
                self.failed_at.setdefault(delivery.id, now)
        acknowledged = {d.id for d in self.simulator.dispatcher.deliveries if d.ok}
        waiting = {
            guid
            for guid, at in self.failed_at.items()
            if now - at < REDELIVERY_GRACE_SECONDS and guid not in acknowledged
        }
        if not waiting:
            return set()
        return waiting - await stored_ids(self.db, waiting)


async def stored_ids(db: Database, among: set[str] | None = None) -> set[str]:
    query = select(deliveries.c.id)
    if among is not None:
        query = query.where(deliveries.c.id.in_(sorted(among)))
    async with db.reader() as conn:
        return {str(guid) for guid in (await conn.execute(query)).scalars()}


async def unfinished(db: Database) -> list[str]:
    """Subjects pending, leased or failed, and deliveries routing gave up on, one line each."""
    c, d = subjects.c, deliveries.c
    async with db.reader() as conn:
        rows = await conn.execute(
            select(c.key, c.due_at, c.lease_owner, c.last_error).where(
                or_(c.due_at.is_not(None), c.lease_owner.is_not(None), c.last_error.is_not(None))
            )
        )
        lines = [
            f"subject {key}: due {due}, lease {owner}, error {str(error)[:120]!r}"
            for key, due, owner, error in rows
        ]
        unrouted = await conn.execute(
            select(d.id).where(d.routed_at.is_(None), d.route_attempts >= MAX_ROUTE_ATTEMPTS)
        )
        lines += [f"delivery {guid}: routing gave up" for guid in unrouted.scalars()]
    return lines


@dataclass(frozen=True)
class DeliveryTally:
    sent: int  # distinct delivery ids the simulator attempted
    first_failed: int  # whose first attempt was not answered 2xx
    redelivered: int  # asked for again (by the sweeper)
    lost: list[str]  # sent, never stored by paasbot


def tally_deliveries(attempts: Sequence[Delivery], stored: set[str]) -> DeliveryTally:
    first: dict[str, bool] = {}
    for delivery in attempts:
        first.setdefault(delivery.id, delivery.ok)
    return DeliveryTally(
        sent=len(first),
        first_failed=sum(1 for ok in first.values() if not ok),
        redelivered=len({d.id for d in attempts if d.redelivery}),
        lost=sorted(set(first) - stored),
    )


@dataclass
class Run:
    backend: str
    ticks: int
    seconds: float
    final: FinalState  # order_free: what the order of evaluations may not change
    exact: FinalState  # final_state.capture, as it was
    sent: int
    first_failed: int
    redelivered: int
    lost: list[str]
    duplicates: list[Duplicate]
    state_duplicates: list[str]
    unfinished: list[str]
    lost_attempts: list[str] = field(default_factory=list)
    kills: list[Kill] = field(default_factory=list)
    restarts: int = 0
    logs: list[str] = field(default_factory=list)


async def play(
    backend: str,
    pulls: int,
    seed: int,
    plan: Sequence[KillPoint],
    admin_url: str | None,
    progress: bool = False,
    coalesce: float = PRODUCTION_COALESCE,
    spacing: float = SPACING_SECONDS,
) -> Run:
    """One run of the trace on a fresh database, with the kill points of `plan` (none: the
    fault-free run)."""
    folder = tempfile.TemporaryDirectory(prefix="paasbot-kill-")
    if backend == "sqlite":
        database_url = f"sqlite+aiosqlite:///{folder.name}/paasbot.db"
    else:
        database_url = await _create_database(str(admin_url))
    simulator: Simulator | None = None
    db: Database | None = None
    killer: Killer | None = None
    try:
        await upgrade_in_thread(database_url)
        state = seeded_world()
        count = 1 if backend == "sqlite" else 2
        simulator = await start_simulator(state, count)
        launcher = Launcher(
            simulator,
            database_url,
            coalesce,
            Path(folder.name),
            env={
                "REDELIVERY_INTERVAL_SECONDS": str(REDELIVERY_INTERVAL_SECONDS),
                "LEASE_SECONDS": str(LEASE_SECONDS),
            },
        )
        processes = [launcher.start(index) for index in range(count)]
        db = Database(database_url)
        killer = Killer(
            processes,
            launcher,
            db,
            plan,
            random.Random(seed),
            restart_at_once=count == 1,
            spacing=spacing,
        )
        await wait_ready(processes)
        balance(simulator, [p.webhook_url for p in processes], killer.routable)
        base = RecoverySettler(simulator, db)
        settle = killer.settle_with_kills(base)
        await settle()
        ticks, seconds = await play_ticks(state, settle, pulls, random.Random(seed), progress)
        await killer.finish(base)
        await base()
        return await _collect(backend, simulator, db, killer, ticks, seconds)
    finally:
        if killer is not None:
            killer.cancel()
            stop_processes(killer.processes)
        try:
            if simulator is not None:
                await simulator.close()
            if db is not None:
                await db.close()
        finally:
            if backend != "sqlite":
                await _drop_database(str(admin_url), database_url)
            folder.cleanup()


async def _collect(
    backend: str, simulator: Simulator, db: Database, killer: Killer, ticks: int, seconds: float
) -> Run:
    tally = tally_deliveries(simulator.dispatcher.deliveries, await stored_ids(db))
    return Run(
        backend=backend,
        ticks=ticks,
        seconds=seconds,
        final=order_free(simulator.state),
        exact=capture(simulator.state),
        sent=tally.sent,
        first_failed=tally.first_failed,
        redelivered=tally.redelivered,
        lost=tally.lost,
        lost_attempts=_attempts_of(simulator.dispatcher.deliveries, tally.lost),
        duplicates=duplicated_writes(simulator.writes, simulator.resets),
        state_duplicates=duplicates(simulator.state),
        unfinished=await unfinished(db),
        kills=list(killer.kills),
        restarts=killer.restarts,
        logs=[line for p in killer.processes for line in _errors(p)],
    )


def _attempts_of(attempts: Sequence[Delivery], guids: Sequence[str]) -> list[str]:
    """Each lost delivery, with every attempt the simulator made of it."""
    lines = []
    for guid in guids:
        tries = [d for d in attempts if d.id == guid]
        shown = [
            f"{d.delivered_at or 0:.1f} {d.status if d.error is None else d.error[:40]}"
            for d in tries
        ]
        event = f"{tries[0].event}.{tries[0].action}" if tries else "?"
        lines.append(f"{guid} {event}: {shown}")
    return lines


def _errors(process: Process) -> list[str]:
    return [
        f"process {process.index}: {line[:300]}"
        for line in process.tail(10_000)
        if '"level": "error"' in line or "Traceback" in line
    ]


@dataclass
class Comparison:
    clean: Run
    killed: Run
    planned: int

    @property
    def differences(self) -> list[str]:
        return differences(self.clean.final, self.killed.final)

    @property
    def exact_differences(self) -> list[str]:
        return differences(self.clean.exact, self.killed.exact)


async def compare(
    backend: str,
    pulls: int,
    kills: int,
    seed: int,
    admin_url: str | None,
    progress: bool = False,
    coalesce: float = PRODUCTION_COALESCE,
    spacing: float = SPACING_SECONDS,
) -> Comparison:
    """The fault-free run, then the run with `kills` kill points over its ticks."""
    clean = await play(backend, pulls, seed, [], admin_url, progress, coalesce)
    plan = plan_kills(kills, clean.ticks, random.Random(seed * 7919 + kills))
    killed = await play(backend, pulls, seed, plan, admin_url, progress, coalesce, spacing)
    return Comparison(clean, killed, kills)


def figures_of(comparison: Comparison) -> list[Figure]:
    run, b = comparison.killed, comparison.killed.backend
    done = len(run.kills)
    return [
        Figure(
            f"kill {b}: kill points",
            done,
            "kills",
            f">= {comparison.planned}",
            done >= comparison.planned,
        ),
        Figure(f"kill {b}: kills mid-request", sum(k.mid_request for k in run.kills), "kills"),
        Figure(
            f"kill {b}: kills mid-evaluation", sum(k.mid_evaluation for k in run.kills), "kills"
        ),
        Figure(f"kill {b}: kills mid-merge", sum(k.mid_merge for k in run.kills), "kills"),
        Figure(f"kill {b}: deliveries sent", run.sent, "deliveries"),
        Figure(f"kill {b}: deliveries failed first", run.first_failed, "deliveries"),
        Figure(f"kill {b}: deliveries redelivered", run.redelivered, "deliveries"),
        at_most(f"kill {b}: deliveries lost", len(run.lost), "deliveries", 0),
        at_most(f"kill {b}: duplicated writes", duplicate_count(run.duplicates), "writes", 0),
        at_most(f"kill {b}: duplicates in GitHub's state", len(run.state_duplicates), "", 0),
        at_most(f"kill {b}: subjects unfinished", len(run.unfinished), "", 0),
        at_most(
            f"kill {b}: differences from the run without kills", len(comparison.differences), "", 0
        ),
        Figure(f"kill {b}: wall time with kills", round(run.seconds, 1), "s"),
        Figure(f"kill {b}: wall time without kills", round(comparison.clean.seconds, 1), "s"),
    ]


def describe(comparison: Comparison, pulls: int) -> list[str]:
    clean, run = comparison.clean, comparison.killed
    lines = [
        f"{run.backend}, {pulls} PRs: without kills {clean.ticks} ticks in {clean.seconds:.1f} s;"
        f" with {len(run.kills)} kills ({run.restarts} restarts) {run.ticks} ticks in"
        f" {run.seconds:.1f} s",
        f"  deliveries sent {run.sent}, first attempt failed {run.first_failed}, redelivered"
        f" {run.redelivered}, lost {len(run.lost)} {run.lost[:5]}",
    ]
    lines += [f"  lost {line}" for line in run.lost_attempts[:20]]
    lines += [f"  kill {kill.line()}" for kill in run.kills]
    for duplicate in run.duplicates[:10]:
        lines += [f"  duplicated {line}" for line in duplicate.lines()]
    lines += [f"  in GitHub's state: {line}" for line in run.state_duplicates[:10]]
    lines += [f"  unfinished: {line}" for line in run.unfinished[:10]]
    lines += [f"  differs: {line}" for line in comparison.differences[:20]]
    if clean.duplicates or clean.state_duplicates or clean.unfinished:
        lines.append(
            f"  the run without kills itself: {duplicate_count(clean.duplicates)} duplicated"
            f" writes, {len(clean.state_duplicates)} in the state, {len(clean.unfinished)}"
            " unfinished"
        )
    lines += [f"  log: {line}" for line in run.logs[:10]]
    return lines


async def measure(
    pulls: int = DEFAULT_PULLS,
    kills: int = DEFAULT_KILLS,
    *,
    seed: int = DEFAULT_SEED,
    backends: Sequence[str] = BACKENDS,
    coalesce: float = PRODUCTION_COALESCE,
    postgres: str | None = POSTGRES,
    report: list[str] | None = None,
    progress: bool = False,
    spacing: float = SPACING_SECONDS,
) -> list[Figure]:
    """The figures of each backend (see the module's docstring); PostgreSQL's say "not measured"
    when it does not answer at `postgres` (the admin URL)."""
    figures: list[Figure] = []
    for backend in backends:
        if backend == "postgres" and (not postgres or not await postgres_version(postgres)):
            where = postgres or "no URL given"
            figures.append(
                Figure(
                    f"kill postgres: not measured (PostgreSQL not reachable: {where})", math.nan, ""
                )
            )
            continue
        if progress:
            print(f"kill: {backend}", file=sys.stderr, flush=True)
        comparison = await compare(
            backend, pulls, kills, seed, postgres, progress, coalesce, spacing
        )
        if report is not None:
            report += describe(comparison, pulls)
        figures += figures_of(comparison)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pulls", type=int, default=DEFAULT_PULLS)
    parser.add_argument("--kills", type=int, default=DEFAULT_KILLS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="both")
    parser.add_argument("--coalesce", type=float, default=PRODUCTION_COALESCE)
    parser.add_argument("--postgres", default=POSTGRES, help="admin URL")
    parser.add_argument(
        "--spacing",
        type=float,
        default=SPACING_SECONDS,
        help="seconds between kills, and of uptime before a process is killed again",
    )
    args = parser.parse_args()
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    started = time.perf_counter()
    report: list[str] = []
    figures = asyncio.run(
        measure(
            args.pulls,
            args.kills,
            seed=args.seed,
            backends=backends,
            coalesce=args.coalesce,
            postgres=args.postgres,
            report=report,
            progress=True,
            spacing=args.spacing,
        )
    )
    print_report(report, figures, time.perf_counter() - started)


if __name__ == "__main__":
    main()
