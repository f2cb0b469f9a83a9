"""GitHub misbehaving during the trace (issue 13): the seeded trace of bench/trace.py played twice,
once fault-free and once with GitHub answering a share of paasbot's calls with 500/502 or
stalling past the client's timeout; every PR must end the same, nothing done twice.

    python -m bench.faults [--pulls 200] [--seed 12] [--coalesce 1.0]
                           [--errors 0.10] [--timeouts 0.05] [--lost-answers 0.5]

Faults (the simulator's `FaultPlan`, seeded): each API call paasbot makes (token requests too) is
answered 500 or 502 with probability `errors`, and stalls for STALL_SECONDS with probability
`timeouts`; paasbot's GitHub client gives up after CLIENT_TIMEOUT_SECONDS, so a stall is a real
timeout (the simulator then drops the request without serving it). Of the errors drawn on a write
(any method but GET/HEAD), a share `lost_answers` is answered only after the write was served:
the change happened, the answer was lost, the nastiest case for duplicates (a retried comment,
review request, check run, bump PR or merge). Faults start after the world is seeded and paasbot
has settled once, and stop before the final snapshot. Both runs play on after the trace's last
arrival until nothing is left to do (DRAIN_TAIL_TICKS at most), so that their merge queues have
drained: stopped at bench/trace.py's tail cap, the slower run ends with a queue that got less far.
CI uploads a coverage and a lint report for every new head (bench/ci_reports.py), so paasbot's
`paasbot/coverage` and `paasbot/lint` check runs and their annotations are compared too.

Figures: the calls paasbot made (each attempt, token requests included) in both runs, the faults
injected by kind, the final-state differences against the fault-free run (target 0):
bench/final_state.py's snapshot as bench/order_free.py keeps it (each PR merged or not and by
whom, how many reviewers and which teams were asked, labels, comments and reactions; paasbot's
check runs on each PR's last head, with their conclusions and annotations), without what the order
of evaluations changes, which a failed evaluation retried later changes as much as a kill does
(which PR of a merge queue goes first, so how often each was updated and the commits its checks
ran on); the duplicates
(bench/final_state.py's `duplicates`, from the simulator's state, plus bench/scale.py's
`duplicated_writes`, from a log of every write the simulator served whatever it answered; target
0), the subjects that gave up (used all their attempts), and the wall time against the fault-free
run's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from sqlalchemy import func, select

from app.github.client import ClientPolicy
from app.sandbox import Fault, FaultPlan, SimulatedGitHub
from app.sandbox.context import API_PREFIX
from app.sandbox.demo import DemoStage, GitHubStage, _address, _bind, start_paasbot
from app.sandbox.oidc import ActionsOidc
from app.sandbox.server import create_simulator_app
from app.sandbox.webhooks.dispatcher import WebhookDispatcher
from app.store.queue import QueuePolicy
from app.store.tables import subject_failures
from app.web.server import WEBHOOK_PATH
from bench.ci_reports import CiReports
from bench.figures import Figure, at_most, print_report
from bench.final_state import FinalState, differences, duplicates
from bench.order_free import order_free
from bench.scale import (
    NOBODY,
    Duplicate,
    Reset,
    Write,
    _note_reset,
    duplicate_count,
    duplicated_writes,
)
from bench.trace import ORG, PRODUCTION_COALESCE, SERVICES, play_ticks, seeded_world

DEFAULT_PULLS = 200
SIZES: dict[str, dict[str, Any]] = {
    "full": {"pulls": 50},
    "quick": {"pulls": 20},
    "tiny": {"pulls": 3, "coalesce": 0.0},
}
ERROR_RATE = 0.10
TIMEOUT_RATE = 0.05
LOST_ANSWER_SHARE = 0.5
STALL_SECONDS = 1.0
# Shorter than the stall, so that a stalled call times out on paasbot's side.
CLIENT_TIMEOUT_SECONDS = 0.3
BACKOFF_BASE_SECONDS = 0.05  # the trace's QueuePolicy
# Ticks after the last arrival before the trace stops even with work left (see the doc).
DRAIN_TAIL_TICKS = 1000
_READS = frozenset({"GET", "HEAD"})


@dataclass
class TraceFaults(FaultPlan):
    """The simulator's random faults, plus lost answers: a share of the errors drawn on a write
    come after the write was served. Counts what it injected, by kind."""

    lost_answer_share: float = 0.0
    injected: Counter[str] = field(default_factory=Counter)

    def draw(self, method: str, path: str) -> Fault | None:
        fault = super().draw(method, path)
        if fault is None:
            return None
        if (
            fault.kind == "error"
            and method.upper() not in _READS
            and self.rng.random() < self.lost_answer_share
        ):
            fault = Fault.error(fault.status, after=True)
        self.injected[_kind(fault)] += 1
        return fault


def _kind(fault: Fault) -> str:
    if fault.kind == "error":
        return f"{fault.status} after the write (lost answer)" if fault.after else str(fault.status)
    return fault.kind.replace("_", " ")


@dataclass(frozen=True)
class FaultRates:
    error: float = ERROR_RATE
    timeout: float = TIMEOUT_RATE
    lost_answer_share: float = LOST_ANSWER_SHARE

    def plan(self, seed: int) -> TraceFaults:
        plan = TraceFaults(seed=seed, random_timeout_seconds=STALL_SECONDS)
        plan.lost_answer_share = self.lost_answer_share
        plan.set_rates(error=self.error, timeout=self.timeout)
        return plan


@dataclass
class Run:
    snapshot: FinalState
    found_in_state: list[str]  # bench/final_state.py's duplicates
    served_twice: list[Duplicate]  # from the log of the writes the simulator served
    calls: int
    writes_served: int
    injected: Counter[str]
    gave_up: int
    ticks: int
    seconds: float
    merged: int


async def start_recorded_github(
    state: SimulatedGitHub, writes: list[Write], resets: list[Reset]
) -> GitHubStage:
    """`app.sandbox.demo.start_github`, with every write the simulator serves logged with its
    body and the handler's own answer: innermost, so that a write whose answer a fault replaced
    is logged as served, and a call a fault stopped before the handler is not logged at all."""
    github_socket, paasbot_socket = _bind(0), _bind(0)
    github_host, paasbot_host = _address(github_socket), _address(paasbot_socket)
    dispatcher = WebhookDispatcher(
        state,
        f"http://{paasbot_host}{WEBHOOK_PATH}",
        secrets.token_hex(16),
        base_url=f"http://{github_host}{API_PREFIX}",
    )
    dispatcher.attach()
    state.subscribers.append(lambda event: _note_reset(event, resets))
    oidc = ActionsOidc(state)
    simulator = create_simulator_app(state, webhook=dispatcher, oidc=oidc)
    simulator.middlewares.append(_served_writes(writes))
    runner = web.AppRunner(simulator, access_log=None)
    await runner.setup()
    await web.SockSite(runner, github_socket).start()
    return GitHubStage(state, dispatcher, github_host, paasbot_host, runner, oidc, paasbot_socket)


def _served_writes(writes: list[Write]) -> Middleware:
    """Logs each write that reaches a handler, with its body and the handler's answer (an
    `ApiError` the handler raises is logged as 500: not a write that happened)."""

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method in _READS or not request.path.startswith(API_PREFIX):
            return await handler(request)
        raw = await request.read()  # cached: the handler reads it again
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        at, status = time.time(), 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as error:
            status = error.status
            raise
        finally:
            path = request.path.removeprefix(API_PREFIX)
            writes.append(Write(at, request.method, path, body, status, NOBODY))

    return record


async def start_fault_stage(
    state: SimulatedGitHub,
    database_url: str,
    writes: list[Write],
    resets: list[Reset],
    coalesce: float,
) -> DemoStage:
    """The simulator (logging served writes) and paasbot with a client timeout shorter than the
    fault stall and short retry pauses (the trace's queue backoff is short too)."""
    github = await start_recorded_github(state, writes, resets)
    policy = ClientPolicy(
        request_timeout_seconds=CLIENT_TIMEOUT_SECONDS,
        retry_base_seconds=0.05,
        retry_cap_seconds=0.4,
    )
    try:
        return await start_paasbot(
            github,
            database_url,
            coalesce_seconds=coalesce,
            queue_policy=QueuePolicy(
                coalesce_seconds=coalesce, backoff_base_seconds=BACKOFF_BASE_SECONDS
            ),
            client_policy=policy,
        )
    except BaseException:
        await github.close()
        raise


async def play(
    pulls: int,
    seed: int,
    coalesce: float,
    database_url: str,
    rates: FaultRates | None,
    progress: bool = False,
) -> Run:
    """The trace of `pulls` PRs, with faults at `rates` (None: fault-free), to its final state."""
    with _quiet(rates is not None):
        return await _play(pulls, seed, coalesce, database_url, rates, progress)


@contextlib.contextmanager
def _quiet(faults: bool) -> Iterator[None]:
    """Every fault is logged (a retry warns, a failed evaluation logs its traceback): thousands
    of lines that say nothing the figures do not."""
    logger = logging.getLogger("app")
    previous = logger.level
    if faults:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)


async def _play(
    pulls: int,
    seed: int,
    coalesce: float,
    database_url: str,
    rates: FaultRates | None,
    progress: bool,
) -> Run:
    state = seeded_world()
    writes: list[Write] = []
    resets: list[Reset] = []
    stage = await start_fault_stage(state, database_url, writes, resets, coalesce)
    try:
        await stage.settle()
        plan = rates.plan(seed) if rates is not None else TraceFaults(seed=seed)
        state.faults = plan
        settle = CiReports(stage).settle_with_reports(stage.settle)
        ticks, seconds = await play_ticks(
            state, settle, pulls, random.Random(seed), progress, DRAIN_TAIL_TICKS
        )
        state.faults = TraceFaults(seed=seed)
        async with stage.bot.db.reader() as conn:
            gave_up = await conn.scalar(
                select(func.count())
                .select_from(subject_failures)
                .where(subject_failures.c.gave_up == 1)
            )
    finally:
        await stage.close()
    return Run(
        snapshot=order_free(state),
        found_in_state=duplicates(state),
        served_twice=duplicated_writes(writes, resets),
        calls=len(state.requests),
        writes_served=sum(1 for w in writes if w.ok),
        injected=plan.injected,
        gave_up=int(gave_up or 0),
        ticks=ticks,
        seconds=seconds,
        merged=sum(1 for n in SERVICES for p in state.pulls_in(f"{ORG}/{n}") if p.merged),
    )


def duplicate_count_of(run: Run) -> int:
    return len(run.found_in_state) + duplicate_count(run.served_twice)


def duplicate_lines(run: Run) -> list[str]:
    return run.found_in_state + [line for d in run.served_twice for line in d.lines()]


def figures_of(clean: Run, faulty: Run, diffs: list[str]) -> list[Figure]:
    injected = sum(faulty.injected.values())
    return [
        Figure("faults: API calls, fault-free run", clean.calls, "calls"),
        Figure("faults: API calls, with faults", faulty.calls, "calls"),
        Figure("faults: faults injected", injected, "faults"),
        *(
            Figure(f"faults: injected {kind}", count, "faults")
            for kind, count in sorted(faulty.injected.items())
        ),
        at_most("faults: final-state differences", len(diffs), "lines", 0),
        at_most("faults: duplicates", duplicate_count_of(faulty), "writes", 0),
        at_most("faults: duplicates, fault-free run", duplicate_count_of(clean), "writes", 0),
        Figure("faults: subjects that gave up", faulty.gave_up, "subjects"),
        Figure("faults: wall time, fault-free run", round(clean.seconds, 1), "s"),
        Figure("faults: wall time, with faults", round(faulty.seconds, 1), "s"),
        Figure(
            "faults: wall time with faults / fault-free",
            round(faulty.seconds / max(clean.seconds, 1e-9), 2),
            "x",
        ),
    ]


def describe(pulls: int, clean: Run, faulty: Run, diffs: list[str]) -> list[str]:
    lines = [
        f"faults: {pulls} PRs; fault-free {clean.ticks} ticks in {clean.seconds:.1f} s,"
        f" {clean.merged} merged, {clean.calls} calls; with faults {faulty.ticks} ticks in"
        f" {faulty.seconds:.1f} s, {faulty.merged} merged, {faulty.calls} calls",
        "  injected: " + ", ".join(f"{k} {v}" for k, v in sorted(faulty.injected.items())),
        f"  final-state differences: {len(diffs)}",
        *(f"    {line}" for line in diffs[:20]),
        f"  duplicates: {duplicate_count_of(faulty)}",
        *(f"    {line}" for line in duplicate_lines(faulty)[:30]),
    ]
    return lines


async def measure(
    pulls: int = DEFAULT_PULLS,
    *,
    seed: int = 12,
    coalesce: float = PRODUCTION_COALESCE,
    errors: float = ERROR_RATE,
    timeouts: float = TIMEOUT_RATE,
    lost_answers: float = LOST_ANSWER_SHARE,
    report: list[str] | None = None,
    progress: bool = False,
) -> list[Figure]:
    rates = FaultRates(error=errors, timeout=timeouts, lost_answer_share=lost_answers)
    with tempfile.TemporaryDirectory() as folder:
        clean = await play(
            pulls, seed, coalesce, f"sqlite+aiosqlite:///{folder}/clean.db", None, progress
        )
        faulty = await play(
            pulls, seed, coalesce, f"sqlite+aiosqlite:///{folder}/faults.db", rates, progress
        )
    diffs = differences(clean.snapshot, faulty.snapshot)
    if report is not None:
        report += describe(pulls, clean, faulty, diffs)
    return figures_of(clean, faulty, diffs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pulls", type=int, default=DEFAULT_PULLS)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--coalesce", type=float, default=PRODUCTION_COALESCE)
    parser.add_argument("--errors", type=float, default=ERROR_RATE)
    parser.add_argument("--timeouts", type=float, default=TIMEOUT_RATE)
    parser.add_argument("--lost-answers", type=float, default=LOST_ANSWER_SHARE)
    args = parser.parse_args()
    started = time.perf_counter()
    report: list[str] = []
    figures = asyncio.run(
        measure(
            args.pulls,
            seed=args.seed,
            coalesce=args.coalesce,
            errors=args.errors,
            timeouts=args.timeouts,
            lost_answers=args.lost_answers,
            report=report,
            progress=True,
        )
    )
    print_report(report, figures, time.perf_counter() - started)


if __name__ == "__main__":
    main()
