"""Scale benchmark (issue 12, figure 6): the trace of bench/trace.py played against 1, 2 and 4
paasbot processes sharing one PostgreSQL database: throughput scaling, and no duplicated writes.

    python -m bench.scale [--pulls 20] [--processes 1,2,4] [--seed 12] [--coalesce 1.0]
                          [--postgres postgresql://postgres@127.0.0.1:5432/test]

Set-up, for each N: a fresh PostgreSQL database (created next to `--postgres`, migrated once,
dropped at the end whatever happens); the GitHub simulator in this process, seeded as the trace's
world; N paasbot processes (`python -m bench.servers full`: web intake and workers, as `paasbot
serve` runs them, configured by the environment: APP_ID, PRIVATE_KEY and WEBHOOK_SECRET of the
simulator's app, GHE_HOST the simulator, DATABASE_URL the shared database, COALESCE_SECONDS the
trace's default 1.0, 4 workers each), each on its own loopback port. The simulator sends its
webhooks to the N processes round robin, as a load balancer would, one delivery at a time, in
order (as hookshot does). It serves its API on N+1 loopback ports: process i is given port i as
its GHE_HOST, so that every write is attributed to the process that made it (the payloads' URLs
name the extra port; a request arriving there is attributed to none). The trace (same seed, same
scripts, same cadence: `bench.trace.play_ticks`) waits after each tick until every delivery is
acknowledged and routed and no subject is pending, in the shared database.

Figures, per N:
- wall time of the trace (first tick to the last settle);
- deliveries/s handled: the deliveries paasbot stored (its `deliveries` table) over the wall time;
- evaluations/s: rows of the `evaluations` table over the wall time;
- scaling (N > 1): deliveries/s (and evaluations/s) with N processes over the same with 1. No
  target in the issue: reported. The trace is closed-loop (each tick waits for paasbot to settle,
  and coalescing keeps a subject quiet for 1 s after an evaluation), so its wall time is mostly
  latency, not capacity; and this machine has 2 CPUs shared by the simulator, PostgreSQL and the
  N processes: expect at most about 1x here, the figure says what more processes cost (at 50
  PRs: 0.95x with 2, 0.72x with 4; each process also keeps its own caches, so API calls grew
  from 3,455 to 3,650 and 3,894);
- duplicated writes (target 0), from the simulator's record of paasbot's non-GET requests, each
  counted once per write beyond the first:
  * merge: more than one `PUT /repos/{repo}/pulls/{n}/merge` answered 2xx for one PR;
  * review request: one reviewer (user, or `team:slug`) in the `reviewers`/`team_reviewers` of a
    2xx `POST .../pulls/{n}/requested_reviewers` while an earlier 2xx request of that reviewer on
    that PR still stood: no review submitted on the PR by that user (for a team: by anyone) and no
    `review_request_removed` for them in between (GitHub drops a request once it is answered);
  * comment: a 2xx `POST .../issues/{n}/comments` whose body equals an earlier one on that PR;
  * check run: a 2xx `POST .../check-runs` for a (repository, head SHA, name) that paasbot had
    already created, unless it carries annotations (paasbot re-creates an annotated run on
    purpose: GitHub never removes annotations) and is not within 1 s of the previous creation by
    another process;
  * update-branch: two 2xx `PUT .../pulls/{n}/update-branch` with the same `expected_head_sha`;
  * pull request: two 2xx `POST .../pulls` with the same head and base (the bumps' PRs);
- concurrent evaluations (target 0): pairs of `evaluations` rows of one subject whose
  [started_at, finished_at] intervals overlap (two workers evaluating one PR at once).

`measure(**sizes)` returns the figures (the suite's `python -m bench`); without PostgreSQL it
returns one figure saying the benchmark was not measured.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import func, select, text

from app.sandbox import SimulatedGitHub
from app.sandbox.context import API_PREFIX
from app.sandbox.demo import _address, _bind
from app.sandbox.events import SimEvent
from app.sandbox.oidc import ActionsOidc
from app.sandbox.server import create_simulator_app
from app.sandbox.webhooks.dispatcher import Delivery, WebhookDispatcher
from app.store.db import Database
from app.store.deliveries import MAX_ROUTE_ATTEMPTS
from app.store.migrate import upgrade_in_thread
from app.store.tables import deliveries, evaluations, subjects
from app.web.server import WEBHOOK_PATH
from bench.figures import Figure, at_most, print_report
from bench.intake import POSTGRES, _create_database, _drop_database, _free_port, postgres_version
from bench.trace import ORG, PRODUCTION_COALESCE, SERVICES, play_ticks, seeded_world

ROOT = Path(__file__).resolve().parents[1]
# The first 20 PRs of the trace's seeded script (three runs of the 200-PR trace would take 15
# minutes here; `--pulls 200` plays it whole).
DEFAULT_PULLS = 20
DEFAULT_PROCESSES = (1, 2, 4)
SIZES: dict[str, dict[str, Any]] = {
    "full": {"pulls": DEFAULT_PULLS, "processes": DEFAULT_PROCESSES},
    "quick": {"pulls": 10, "processes": DEFAULT_PROCESSES},
    "tiny": {"pulls": 3, "processes": (1, 2)},
}
SETTLE_TIMEOUT_SECONDS = 60.0
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0
BACKOFF_BASE_SECONDS = 0.05  # the trace's QueuePolicy
CHECK_RUN_RACE_SECONDS = 1.0
NOBODY = -1  # a request that came in on the payloads' port, not a process's own

_REPO = r"/repos/(?P<repo>[^/]+/[^/]+)"
_MERGE = re.compile(_REPO + r"/pulls/(?P<n>\d+)/merge$")
_REVIEWERS = re.compile(_REPO + r"/pulls/(?P<n>\d+)/requested_reviewers$")
_COMMENTS = re.compile(_REPO + r"/issues/(?P<n>\d+)/comments$")
_CHECK_RUNS = re.compile(_REPO + r"/check-runs$")
_UPDATE_BRANCH = re.compile(_REPO + r"/pulls/(?P<n>\d+)/update-branch$")
_PULLS = re.compile(_REPO + r"/pulls$")
_PID = re.compile(r":(\d+)")


@dataclass
class Write:
    """One non-GET request paasbot made to the simulator, as the simulator answered it."""

    at: float
    method: str
    path: str  # relative to the API root
    body: Any
    status: int
    process: int  # which paasbot process (NOBODY: not through a process's own port)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def line(self) -> str:
        return f"{self.at:.3f} process {self.process} {self.method} {self.path} -> {self.status}"


@dataclass
class Reset:
    """A review submitted (user: its author) or a review request removed (user: the reviewer,
    `team:slug` for a team): an earlier request of that reviewer no longer stands."""

    at: float
    repo: str
    number: int
    user: str
    review: bool


@dataclass
class Duplicate:
    kind: str
    what: str
    writes: list[Write]

    def lines(self) -> list[str]:
        return [f"{self.kind}: {self.what}"] + [f"    {w.line()}" for w in self.writes]


@dataclass
class Simulator:
    state: SimulatedGitHub
    dispatcher: WebhookDispatcher
    runner: web.AppRunner
    api_hosts: list[str]  # one per process
    writes: list[Write]
    calls: Counter[int]  # every request (GETs too) per process
    resets: list[Reset]
    sent_to: dict[str, int] = field(default_factory=dict)  # delivery id -> process
    # What each process has under way at this instant: its API requests ("METHOD path") and the
    # delivery being posted to it (bench/kill.py reads them when it kills a process).
    in_flight: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    delivering: dict[int, str] = field(default_factory=dict)  # process -> delivery id
    # Called with the process and the write once the simulator has applied it, before answering.
    on_write: Callable[[int, str, str], None] | None = None

    async def close(self) -> None:
        await self.runner.cleanup()


async def start_simulator(state: SimulatedGitHub, processes: int) -> Simulator:
    """The simulator served on N+1 loopback ports (the first named in payloads' URLs, then one per
    process), recording paasbot's writes with their bodies and the process that made them."""
    sockets = [_bind(0) for _ in range(processes + 1)]
    hosts = [_address(sock) for sock in sockets]
    port_of = {sock.getsockname()[1]: index - 1 for index, sock in enumerate(sockets)}
    dispatcher = WebhookDispatcher(
        state,
        "http://127.0.0.1:9/unset",  # set before each delivery: see balance()
        secrets.token_hex(16),
        base_url=f"http://{hosts[0]}{API_PREFIX}",
    )
    dispatcher.attach()
    writes: list[Write] = []
    calls: Counter[int] = Counter()
    resets: list[Reset] = []
    state.subscribers.append(lambda event: _note_reset(event, resets))
    app = create_simulator_app(state, webhook=dispatcher, oidc=ActionsOidc(state))
    runner = web.AppRunner(app, access_log=None)
    simulator = Simulator(state, dispatcher, runner, hosts[1:], writes, calls, resets)
    app.middlewares.insert(0, _recorder(simulator, port_of))
    await runner.setup()
    for sock in sockets:
        await web.SockSite(runner, sock).start()
    return simulator


def _recorder(
    simulator: Simulator, port_of: dict[int, int]
) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        process = port_of.get(sockname[1], NOBODY) if sockname else NOBODY
        simulator.calls[process] += 1
        under_way = f"{request.method} {request.path.removeprefix(API_PREFIX)}"
        simulator.in_flight[process].append(under_way)
        try:
            return await _recorded(simulator, request, handler, process)
        finally:
            simulator.in_flight[process].remove(under_way)

    return record


async def _recorded(
    simulator: Simulator, request: web.Request, handler: Any, process: int
) -> web.StreamResponse:
    if request.method in ("GET", "HEAD") or not request.path.startswith(API_PREFIX):
        return await handler(request)
    raw = await request.read()  # cached: the handler reads it again
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    at, status = time.time(), 500
    path = request.path.removeprefix(API_PREFIX)
    try:
        response = await handler(request)
        status = response.status
        if simulator.on_write is not None:
            simulator.on_write(process, request.method, path)
        return response
    except web.HTTPException as error:
        status = error.status
        raise
    finally:
        simulator.writes.append(Write(at, request.method, path, body, status, process))


def _note_reset(event: SimEvent, resets: list[Reset]) -> None:
    if event.name == "pull_request_review" and event.action == "submitted":
        pull = event.details.get("pull")
        if pull is not None and event.repository:
            resets.append(Reset(time.time(), event.repository, pull.number, event.sender, True))
    elif event.name == "pull_request" and event.action == "review_request_removed":
        details = event.details
        who = details.get("requested_reviewer") or f"team:{details.get('requested_team')}"
        if event.repository:
            resets.append(Reset(time.time(), event.repository, event.subject.number, who, False))


def balance(
    simulator: Simulator,
    webhook_urls: Sequence[str],
    routable: Callable[[int], bool] | None = None,
) -> None:
    """Round robin: each delivery goes to the next process (the dispatcher sends one at a
    time, so setting its URL just before each send is safe); with `routable`, as a load
    balancer with health checks: the next process it says may take traffic, if any."""
    dispatcher = simulator.dispatcher
    send = dispatcher._send
    turn = itertools.count()

    async def balanced(delivery: Delivery) -> None:
        first = next(turn)
        order = [(first + k) % len(webhook_urls) for k in range(len(webhook_urls))]
        index = next((i for i in order if routable is None or routable(i)), order[0])
        dispatcher.url = webhook_urls[index]
        simulator.sent_to[delivery.id] = index
        simulator.delivering[index] = delivery.id
        try:
            await send(delivery)
        finally:
            simulator.delivering.pop(index, None)

    dispatcher._send = balanced  # type: ignore[method-assign]


@dataclass
class Process:
    index: int
    popen: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"

    def tail(self, lines: int = 5) -> list[str]:
        try:
            return self.log.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return []


def start_process(
    index: int,
    simulator: Simulator,
    database_url: str,
    coalesce: float,
    folder: Path,
    *,
    port: int | None = None,
    env: Mapping[str, str] | None = None,
    arguments: Sequence[str] = (),
) -> Process:
    """Process `index` (again on `port` when it is a restart), with `env` over the defaults and
    `arguments` after bench.servers' own; its log is appended to, across restarts."""
    state = simulator.state
    port = port or _free_port()
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "APP_ID": str(state.app_id),
        "PRIVATE_KEY": state.private_key_pem,
        "WEBHOOK_SECRET": simulator.dispatcher.secret,
        "GHE_HOST": simulator.api_hosts[index],
        "GHE_PROTOCOL": "http",
        "DATABASE_URL": database_url,
        "COALESCE_SECONDS": str(coalesce),
        "LOG_LEVEL": "warning",
        "PORT": str(port),
        **(env or {}),
    }
    log = folder / f"paasbot-{index}.log"
    command = [sys.executable, "-m", "bench.servers", "full", "--port", str(port)]
    command += ["--backoff", str(BACKOFF_BASE_SECONDS), *arguments]
    with log.open("ab") as out:
        popen = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=out, stderr=out)
    return Process(index, popen, port, log)


async def wait_ready(processes: Sequence[Process]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    async with aiohttp.ClientSession() as session:
        for process in processes:
            while True:
                if process.popen.poll() is not None:
                    raise RuntimeError(
                        f"paasbot process {process.index} exited ({process.popen.returncode}):"
                        f" {' | '.join(process.tail())}"
                    )
                if time.monotonic() > deadline:
                    raise RuntimeError(f"paasbot process {process.index} did not start")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with session.get(f"http://127.0.0.1:{process.port}/healthz") as answer:
                        if answer.status == 200:
                            break
                await asyncio.sleep(0.1)


def stop_processes(processes: Sequence[Process]) -> None:
    """SIGINT (a graceful stop), then SIGKILL whatever is still there after the timeout."""
    for process in processes:
        if process.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.popen.send_signal(signal.SIGINT)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for process in processes:
        try:
            process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.popen.kill()
            process.popen.wait()


class Settler:
    """What DemoStage.settle does, across processes: until every delivery is acknowledged (each
    is stored before it is), routed, and no subject is pending in the shared database, with no
    new event or request for two rounds."""

    def __init__(self, simulator: Simulator, db: Database) -> None:
        self.simulator = simulator
        self.db = db

    async def __call__(self) -> None:
        state = self.simulator.state
        deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
        quiet_rounds = 0
        while quiet_rounds < 2:
            if time.monotonic() > deadline:
                raise TimeoutError("paasbot's processes did not settle")
            before = (len(state.published), len(state.requests))
            await self.simulator.dispatcher.drain()
            pending = await self.pending()
            await asyncio.sleep(0.05 if pending else 0.02)
            after = (len(state.published), len(state.requests))
            quiet_rounds = quiet_rounds + 1 if not pending and before == after else 0

    async def pending(self) -> int:
        d = deliveries.c
        async with self.db.reader() as conn:
            unrouted = await conn.scalar(
                select(func.count())
                .select_from(deliveries)
                .where(d.routed_at.is_(None), d.route_attempts < MAX_ROUTE_ATTEMPTS)
            )
            due = await conn.scalar(
                select(func.count()).select_from(subjects).where(subjects.c.due_at.is_not(None))
            )
        return int(unrouted or 0) + int(due or 0)


@dataclass
class Run:
    processes: int
    ticks: int
    seconds: float
    deliveries: int
    deliveries_sent: int
    deliveries_refused: int
    evaluations: int
    merged: int
    api_calls: int
    writes: int
    duplicates: list[Duplicate]
    overlaps: list[str]  # the concurrent evaluations, one line each
    per_process: list[dict[str, int]]
    unattributed_calls: int  # through the payloads' port, not a process's own
    log_lines: list[list[str]]

    @property
    def deliveries_per_second(self) -> float:
        return self.deliveries / self.seconds if self.seconds else math.nan

    @property
    def evaluations_per_second(self) -> float:
        return self.evaluations / self.seconds if self.seconds else math.nan


def duplicated_writes(writes: Sequence[Write], resets: Sequence[Reset]) -> list[Duplicate]:
    """The writes that repeated one already made (see the module's docstring), grouped."""
    found: list[Duplicate] = []
    groups: dict[tuple[str, ...], list[Write]] = defaultdict(list)
    standing: dict[tuple[str, int, str], Write] = {}
    for write in sorted((w for w in writes if w.ok), key=lambda w: w.at):
        body = write.body if isinstance(write.body, dict) else {}
        if write.method == "PUT" and (m := _MERGE.search(write.path)):
            groups[("merge", f"{m['repo']}#{m['n']}")].append(write)
        elif write.method == "PUT" and (m := _UPDATE_BRANCH.search(write.path)):
            sha = body.get("expected_head_sha")
            if sha:
                groups[("update-branch", f"{m['repo']}#{m['n']} at {sha[:7]}")].append(write)
        elif write.method == "POST" and (m := _COMMENTS.search(write.path)):
            key = f"{m['repo']}#{m['n']} {str(body.get('body'))[:60]!r}"
            groups[("comment", key)].append(write)
        elif write.method == "POST" and (m := _PULLS.search(write.path)):
            groups[
                ("pull request", f"{m['repo']} {body.get('head')} -> {body.get('base')}")
            ].append(write)
        elif write.method == "POST" and (m := _CHECK_RUNS.search(write.path)):
            key = f"{m['repo']} {str(body.get('head_sha'))[:7]} {body.get('name')!r}"
            groups[("check run", key)].append(write)
        elif write.method == "POST" and (m := _REVIEWERS.search(write.path)):
            repo, number = m["repo"], int(m["n"])
            asked = [str(r) for r in body.get("reviewers") or ()]
            asked += [f"team:{t}" for t in body.get("team_reviewers") or ()]
            for reviewer in asked:
                key = (repo, number, reviewer.lower())
                earlier = standing.get(key)
                if earlier is not None and not _reset_between(resets, key, earlier.at, write.at):
                    found.append(
                        Duplicate("review request", f"{repo}#{number} {reviewer}", [earlier, write])
                    )
                standing[key] = write
    for (kind, what), group in groups.items():
        if kind == "check run":
            group = _repeated_check_runs(group)
        if len(group) > 1:
            found.append(Duplicate(kind, what, group))
    return found


def duplicate_count(found: Sequence[Duplicate]) -> int:
    """Each write beyond the first (a review request's pair is one)."""
    return sum(1 if d.kind == "review request" else len(d.writes) - 1 for d in found)


def _reset_between(
    resets: Sequence[Reset], key: tuple[str, int, str], after: float, before: float
) -> bool:
    repo, number, reviewer = key
    for reset in resets:
        if reset.repo != repo or reset.number != number or not after <= reset.at <= before:
            continue
        if reset.user.lower() == reviewer or (reset.review and reviewer.startswith("team:")):
            return True
    return False


def _repeated_check_runs(group: list[Write]) -> list[Write]:
    """The first creation, then those that repeat it: without annotations, or annotated but
    within CHECK_RUN_RACE_SECONDS of the previous one by another process."""
    kept = group[:1]
    for previous, write in itertools.pairwise(group):
        annotated = bool(((write.body or {}).get("output") or {}).get("annotations"))
        raced = (
            write.at - previous.at < CHECK_RUN_RACE_SECONDS and write.process != previous.process
        )
        if not annotated or raced:
            kept.append(write)
    return kept


OVERLAPS = text(
    """
    SELECT s.key, a.worker, a.started_at, a.finished_at, b.worker, b.started_at, b.finished_at
    FROM evaluations a
    JOIN evaluations b ON a.subject_id = b.subject_id AND a.id < b.id
        AND a.started_at < b.finished_at AND b.started_at < a.finished_at
    JOIN subjects s ON s.id = a.subject_id
    ORDER BY a.started_at
    """
)


async def collect(
    processes: Sequence[Process],
    simulator: Simulator,
    db: Database,
    ticks: int,
    seconds: float,
) -> Run:
    state = simulator.state
    async with db.reader() as conn:
        stored = int(await conn.scalar(select(func.count()).select_from(deliveries)) or 0)
        evaluated = int(await conn.scalar(select(func.count()).select_from(evaluations)) or 0)
        workers = Counter(
            str(worker) for worker in (await conn.execute(select(evaluations.c.worker))).scalars()
        )
        overlaps = [
            f"{key}: {w1} {s1:.3f}-{f1:.3f} and {w2} {s2:.3f}-{f2:.3f}"
            for key, w1, s1, f1, w2, s2, f2 in await conn.execute(OVERLAPS)
        ]
    index_of = {process.popen.pid: process.index for process in processes}
    evaluations_by: Counter[int] = Counter()
    for worker, count in workers.items():
        pid = _PID.search(worker)
        evaluations_by[index_of.get(int(pid[1]), NOBODY) if pid else NOBODY] += count
    sent = simulator.dispatcher.deliveries
    delivered_to = Counter(simulator.sent_to.values())
    per_process = [
        {
            "deliveries": delivered_to[p.index],
            "evaluations": evaluations_by[p.index],
            "calls": simulator.calls[p.index],
            "writes": sum(1 for w in simulator.writes if w.process == p.index),
        }
        for p in processes
    ]
    return Run(
        processes=len(processes),
        ticks=ticks,
        seconds=seconds,
        deliveries=stored,
        deliveries_sent=len(sent),
        deliveries_refused=sum(1 for d in sent if not d.ok),
        evaluations=evaluated,
        merged=sum(1 for n in SERVICES for p in state.pulls_in(f"{ORG}/{n}") if p.merged),
        api_calls=sum(1 for r in state.requests if not r.path.startswith("/app/")),
        writes=len(simulator.writes),
        duplicates=duplicated_writes(simulator.writes, simulator.resets),
        overlaps=overlaps,
        per_process=per_process,
        unattributed_calls=simulator.calls[NOBODY],
        log_lines=[_logged(p) for p in processes],
    )


def _logged(process: Process) -> list[str]:
    """The process's log (warnings and errors only: LOG_LEVEL=warning)."""
    try:
        return process.log.read_text(errors="replace").splitlines()
    except OSError:
        return []


async def run_scale(
    processes: int, pulls: int, seed: int, coalesce: float, admin_url: str, progress: bool
) -> Run:
    """One trace against `processes` paasbot processes on a fresh database, dropped after."""
    database_url = await _create_database(admin_url)
    started: list[Process] = []
    simulator: Simulator | None = None
    db: Database | None = None
    folder = tempfile.TemporaryDirectory(prefix="paasbot-scale-")
    try:
        await upgrade_in_thread(database_url)
        state = seeded_world()
        simulator = await start_simulator(state, processes)
        for index in range(processes):
            started.append(
                start_process(index, simulator, database_url, coalesce, Path(folder.name))
            )
        await wait_ready(started)
        balance(simulator, [p.webhook_url for p in started])
        db = Database(database_url)
        settle = Settler(simulator, db)
        await settle()
        try:
            ticks, seconds = await play_ticks(state, settle, pulls, random.Random(seed), progress)
        except TimeoutError as error:
            tails = "; ".join(f"process {p.index}: {' | '.join(p.tail(2))}" for p in started)
            raise TimeoutError(f"{error} ({tails})") from error
        for process in started:
            if process.popen.poll() is not None:
                raise RuntimeError(f"paasbot process {process.index} died: {process.tail()}")
        return await collect(started, simulator, db, ticks, seconds)
    finally:
        stop_processes(started)
        try:
            if simulator is not None:
                await simulator.close()
            if db is not None:
                await db.close()
        finally:
            await _drop_database(admin_url, database_url)
            folder.cleanup()


def figures_of(runs: Sequence[Run]) -> list[Figure]:
    figures: list[Figure] = []
    one = next((run for run in runs if run.processes == 1), None)
    for run in runs:
        n = run.processes
        figures += [
            Figure(f"scale {n} proc: wall time", round(run.seconds, 1), "s"),
            Figure(
                f"scale {n} proc: deliveries handled", round(run.deliveries_per_second, 2), "/s"
            ),
            Figure(f"scale {n} proc: evaluations", round(run.evaluations_per_second, 2), "/s"),
        ]
        if one is not None and n != 1:
            figures += [
                Figure(
                    f"scale {n} proc: deliveries/s vs 1 proc",
                    round(run.deliveries_per_second / one.deliveries_per_second, 2),
                    "x",
                ),
                Figure(
                    f"scale {n} proc: evaluations/s vs 1 proc",
                    round(run.evaluations_per_second / one.evaluations_per_second, 2),
                    "x",
                ),
            ]
        figures += [
            at_most(
                f"scale {n} proc: duplicated writes", duplicate_count(run.duplicates), "writes", 0
            ),
            at_most(f"scale {n} proc: concurrent evaluations", len(run.overlaps), "pairs", 0),
        ]
    return figures


def describe(runs: Sequence[Run], pulls: int) -> list[str]:
    lines = []
    for run in runs:
        lines += [
            f"{run.processes} paasbot process(es), {pulls} PRs: {run.ticks} ticks in"
            f" {run.seconds:.1f} s, {run.merged} merged",
            f"  deliveries sent {run.deliveries_sent} (refused {run.deliveries_refused}), stored"
            f" {run.deliveries}; evaluations {run.evaluations}; API calls {run.api_calls}"
            f" (writes {run.writes})",
        ]
        for index, counts in enumerate(run.per_process):
            shown = ", ".join(f"{k} {v}" for k, v in counts.items())
            lines.append(f"  process {index}: {shown}")
        if run.unattributed_calls:
            lines.append(
                f"  calls through the payloads' URLs (no process): {run.unattributed_calls}"
            )
        kinds = Counter(d.kind for d in run.duplicates)
        lines.append(
            f"  duplicated writes: {duplicate_count(run.duplicates)}"
            + (f" ({', '.join(f'{k} {v}' for k, v in kinds.items())})" if kinds else "")
        )
        for duplicate in run.duplicates[:10]:
            lines += [f"    {line}" for line in duplicate.lines()]
        lines.append(f"  concurrent evaluations: {len(run.overlaps)}")
        lines += [f"    {line}" for line in run.overlaps[:10]]
        logged = sum(len(log) for log in run.log_lines)
        lines.append(f"  log lines at warning or above: {logged}")
        for index, log in enumerate(run.log_lines):
            lines += [f"    process {index}: {line[:300]}" for line in log[:3]]
    return lines


async def measure(
    pulls: int = DEFAULT_PULLS,
    processes: Sequence[int] = DEFAULT_PROCESSES,
    *,
    seed: int = 12,
    coalesce: float = PRODUCTION_COALESCE,
    postgres: str | None = POSTGRES,
    report: list[str] | None = None,
    progress: bool = False,
) -> list[Figure]:
    """The figures of the trace of `pulls` PRs against each number of `processes` (1 first, the
    reference of the scaling); one figure saying "not measured" when PostgreSQL does not answer
    at `postgres` (the admin URL)."""
    if not postgres or not await postgres_version(postgres):
        where = postgres or "no URL given"
        return [Figure(f"scale: not measured (PostgreSQL not reachable: {where})", math.nan, "")]
    runs = []
    for n in sorted(set(processes)):
        if progress:
            print(f"scale: {n} process(es)", file=sys.stderr, flush=True)
        runs.append(await run_scale(n, pulls, seed, coalesce, postgres, progress))
    if report is not None:
        report += describe(runs, pulls)
    return figures_of(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pulls", type=int, default=DEFAULT_PULLS)
    parser.add_argument("--processes", default=",".join(map(str, DEFAULT_PROCESSES)))
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--coalesce", type=float, default=PRODUCTION_COALESCE)
    parser.add_argument("--postgres", default=POSTGRES, help="admin URL")
    args = parser.parse_args()
    counts = [int(n) for n in args.processes.split(",") if n.strip()]
    started = time.perf_counter()
    report: list[str] = []
    figures = asyncio.run(
        measure(
            args.pulls,
            counts,
            seed=args.seed,
            coalesce=args.coalesce,
            postgres=args.postgres,
            report=report,
            progress=True,
        )
    )
    print_report(report, figures, time.perf_counter() - started)


if __name__ == "__main__":
    main()
