"""Database outage benchmark (issue 13): PostgreSQL unreachable for 30 s while the trace of
bench/trace.py is played against one paasbot process; nothing may be lost.

    python -m bench.db_outage [--proxy | --stop-postgres] [--outage 30] [--pulls 10]
                              [--interval 1] [--lead 5] [--tick 0.3]
                              [--postgres postgresql://postgres@127.0.0.1:5432/test]

Set-up: a fresh database next to `--postgres` (migrated, dropped at the end); the GitHub simulator
in this process, seeded as the trace's world; one `python -m bench.servers full` process (intake,
workers and the redelivery sweeper, as `paasbot serve` runs them) with REDELIVERY_INTERVAL_SECONDS
`--interval`. The trace's ticks are played open-loop (`--tick` seconds apart once the simulator
has sent each tick's webhooks), so events keep coming while the database is away. `--lead`
seconds in, the database goes away for `--outage` seconds:

- `--proxy` (default): paasbot reaches PostgreSQL through a TCP proxy (bench/tcp_proxy.py) that is
  cut: new connections refused, open ones dropped. Safe while other tests use the server;
- `--stop-postgres`: the server itself is stopped and started again
  (`pg_ctlcluster --skip-systemctl-redirect <version> main stop|start`). Never while other tests
  or benchmarks use it.

Figures: deliveries sent (distinct delivery ids), attempts answered 503 while the database was
away, other failed attempts, redeliveries the sweeper asked for and that were accepted, deliveries
lost (no attempt ever answered 2xx, target 0), seconds from the database's return until
`/readyz` answers 200 and until the last refused delivery was accepted, and whether the process
lived through it without a restart.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from sqlalchemy.engine import make_url

from app.sandbox.webhooks import Delivery
from app.store.db import Database
from app.store.migrate import upgrade_in_thread
from bench.intake import POSTGRES, _create_database, _drop_database, postgres_version
from bench.scale import (
    Settler,
    balance,
    start_process,
    start_simulator,
    stop_processes,
    wait_ready,
)
from bench.tcp_proxy import CuttableProxy
from bench.trace import play_ticks, seeded_world

RECOVERY_TIMEOUT_SECONDS = 180.0


@dataclass
class Outage:
    """Takes the database away and brings it back."""

    cut: Callable[[], Awaitable[None]]
    restore: Callable[[], Awaitable[None]]


@dataclass
class Result:
    mode: str
    outage_seconds: float
    ticks: int
    sent: int
    attempts: int
    refused_503: int
    other_failures: int
    redelivered: int
    duplicates_accepted: int
    lost: int
    ready_after: float
    first_redelivery_after: float
    all_accepted_after: float
    process_alive: bool


def proxy_outage(proxy: CuttableProxy) -> Outage:
    return Outage(proxy.cut, proxy.restore)


def postgres_cluster(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action], check=True
    )


def stopped_server_outage() -> Outage:
    async def cut() -> None:
        await asyncio.to_thread(postgres_cluster, "stop")

    async def restore() -> None:
        await asyncio.to_thread(postgres_cluster, "start")

    return Outage(cut, restore)


async def ready(url: str) -> bool:
    with contextlib.suppress(aiohttp.ClientError, OSError):
        async with aiohttp.ClientSession() as http, http.get(f"{url}/readyz") as answer:
            return answer.status == 200
    return False


async def seconds_until(predicate: Callable[[], Awaitable[bool]], since: float) -> float:
    deadline = time.monotonic() + RECOVERY_TIMEOUT_SECONDS
    while not await predicate():
        if time.monotonic() > deadline:
            return float("nan")
        await asyncio.sleep(0.1)
    return time.monotonic() - since


def unaccepted(deliveries: list[Delivery]) -> set[str]:
    """Delivery ids none of whose attempts was answered 2xx (stored, or ignored on purpose)."""
    accepted = {d.id for d in deliveries if d.ok}
    return {d.id for d in deliveries if not d.pending} - accepted


async def run(args: argparse.Namespace) -> Result:
    database_url = await _create_database(args.postgres)
    folder = tempfile.TemporaryDirectory(prefix="paasbot-db-outage-")
    proxy: CuttableProxy | None = None
    processes = []
    simulator = None
    db: Database | None = None
    try:
        await upgrade_in_thread(database_url)
        bot_url = database_url
        if args.mode == "proxy":
            server = make_url(database_url)
            proxy = CuttableProxy(server.host or "127.0.0.1", server.port or 5432)
            await proxy.start()
            bot_url = server.set(host=proxy.host, port=proxy.port).render_as_string(
                hide_password=False
            )
        outage = proxy_outage(proxy) if proxy is not None else stopped_server_outage()
        state = seeded_world()
        simulator = await start_simulator(state, 1)
        env = {"REDELIVERY_INTERVAL_SECONDS": str(args.interval)}
        process = start_process(0, simulator, bot_url, 1.0, Path(folder.name), env=env)
        processes.append(process)
        await wait_ready(processes)
        balance(simulator, [process.webhook_url])
        db = Database(database_url)
        await Settler(simulator, db)()

        async def pace() -> None:
            await simulator.dispatcher.drain()
            await asyncio.sleep(args.tick)

        trace = asyncio.create_task(play_ticks(state, pace, args.pulls, random.Random(12)))
        await asyncio.sleep(args.lead)
        print(f"db_outage: database away ({args.mode}) for {args.outage:g} s", file=sys.stderr)
        await outage.cut()
        await asyncio.sleep(args.outage)
        await outage.restore()
        back, back_wall = time.monotonic(), time.time()
        url = f"http://127.0.0.1:{process.port}"
        ready_after = await seconds_until(lambda: ready(url), back)
        ticks, _seconds = await trace

        async def all_accepted() -> bool:
            await simulator.dispatcher.drain()
            return not unaccepted(simulator.dispatcher.deliveries)

        accepted_after = await seconds_until(all_accepted, back)
        await Settler(simulator, db)()
        sent = simulator.dispatcher.deliveries
        redeliveries = [d for d in sent if d.redelivery]
        accepted = Counter(d.id for d in sent if d.ok)
        return Result(
            mode=args.mode,
            outage_seconds=args.outage,
            ticks=ticks,
            sent=len({d.id for d in sent}),
            attempts=len(sent),
            refused_503=sum(1 for d in sent if d.status == 503),
            other_failures=sum(1 for d in sent if not d.ok and d.status != 503),
            redelivered=sum(1 for d in redeliveries if d.ok),
            duplicates_accepted=sum(n - 1 for n in accepted.values()),
            lost=len(unaccepted(sent)),
            ready_after=ready_after,
            first_redelivery_after=min(
                ((d.delivered_at or back_wall) - back_wall for d in redeliveries),
                default=float("nan"),
            ),
            all_accepted_after=accepted_after,
            process_alive=process.popen.poll() is None,
        )
    finally:
        stop_processes(processes)
        if simulator is not None:
            await simulator.close()
        if db is not None:
            await db.close()
        if proxy is not None:
            await proxy.close()
        await _drop_database(args.postgres, database_url)
        folder.cleanup()


def report(result: Result) -> str:
    return "\n".join(
        [
            f"database outage ({result.mode}): {result.outage_seconds:g} s, {result.ticks} ticks",
            f"  deliveries sent:           {result.sent} ({result.attempts} attempts)",
            f"  attempts answered 503:     {result.refused_503}",
            f"  other failed attempts:     {result.other_failures}",
            f"  redelivered and accepted:  {result.redelivered}"
            f" ({result.duplicates_accepted} accepted twice: stored once)",
            f"  lost:                      {result.lost} (target 0)",
            f"  /readyz 200 after return:  {result.ready_after:.1f} s",
            f"  first redelivery after:    {result.first_redelivery_after:.1f} s",
            f"  all accepted after return: {result.all_accepted_after:.1f} s",
            f"  process lived through it:  {'yes' if result.process_alive else 'NO'}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--proxy", dest="mode", action="store_const", const="proxy")
    mode.add_argument("--stop-postgres", dest="mode", action="store_const", const="stop")
    parser.set_defaults(mode="proxy")
    parser.add_argument("--outage", type=float, default=30.0, help="seconds without database")
    parser.add_argument("--pulls", type=int, default=10, help="PRs of the trace")
    parser.add_argument("--interval", type=float, default=1.0, help="REDELIVERY_INTERVAL_SECONDS")
    parser.add_argument("--lead", type=float, default=5.0, help="seconds of trace before")
    parser.add_argument("--tick", type=float, default=0.3, help="seconds between ticks")
    parser.add_argument("--postgres", default=POSTGRES, help="admin URL")
    args = parser.parse_args()
    if not asyncio.run(postgres_version(args.postgres)):
        sys.exit(f"db_outage: PostgreSQL is not reachable at {args.postgres}")
    started = time.perf_counter()
    result = asyncio.run(run(args))
    print(report(result))
    print(f"  wall time:                 {time.perf_counter() - started:.0f} s")
    sys.exit(0 if result.lost == 0 and result.process_alive else 1)


if __name__ == "__main__":
    main()
