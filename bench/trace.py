"""Trace benchmark (issue 12, figures 2 and 4): a seeded, realistic month-in-miniature of an
organisation played through the GitHub simulator's actors, GitHub sending the webhooks to paasbot
over real HTTP. Reports the API calls paasbot made (per delivery, per PR, per action, by endpoint
kind, the share answered 304) against a lower bound, and the latency from the delivery that makes a
PR mergeable to paasbot's merge call.

    python -m bench.trace [--pulls 200] [--seed 12] [--coalesce 1.0] [--database-url ...]

The world: organisation `acme`, three service repositories (`shop`, `orders`, `web`) with
`extends: golden-path`, CODEOWNERS (`/services/ @acme/backend`, `*.md @carol`), four write
collaborators and a protected `main` requiring `ci/build` and up-to-date branches; a library
`acme/auth-lib` whose releases paasbot propagates to the three services (`requirements.txt`).

The trace (seeded): N PRs arrive at 8 per tick; each follows a script — opened (15% drafts, made
ready later), 0-2 more pushes, CI on every new head (`ci/build` pending then success, plus a
`tests` check run by another app, in progress then completed; 15% of authors' heads fail first
and get a fix push), 30% get a comment (a third of those a `/paasbot refresh` or `/paasbot
update`), 20% get "request changes" first and a fix, then an approval (10% are never approved and
stay open); approved PRs merge through paasbot's merge queue (which brings them up to date first:
CI runs again on paasbot's update). Each tick a push to `main` lands in a service with
probability 0.15; five releases of the library happen at evenly spaced ticks (their bump PRs get
CI too, and are superseded by the next release). The trace ends when every script is played,
CI is idle and no open PR has a head CI has not seen, or 60 ticks after the last arrival (the
merge queues are serial: a merge puts every other approved PR behind, so each needs an update
and a CI run first; at 200 PRs the cap stops the trace with about half the PRs merged).

Cadence: one tick = one settle. In a tick each PR takes at most one step of its script and each
head at most one CI transition, so what one settle lets paasbot coalesce is what happens within
seconds in real life (a push and its `synchronize`, a CI run's status and check run); the steps of
one PR are a tick apart, as they are minutes apart on GitHub. Coalescing: `--coalesce` (default
paasbot's production default, COALESCE_SECONDS=1.0). The latency is also measured on a shorter
run (at most 24 PRs) with coalescing 0. paasbot's coalescing is leading-edge: the first event of
an idle subject is due at once, and only after an evaluation does the subject stay quiet for
COALESCE_SECONDS so that the rest of a burst is taken together. With the default, a PR made
mergeable while it is still quiet from its previous evaluation (its previous event less than 1 s
before, e.g. paasbot's own check-run write announced back) waits for the rest of that second, by
design: that shows in the p99; the run without coalescing shows paasbot's own overhead.

Lower bound (conservative): the writes that had to happen — the simulator's recorded non-GET
requests answered 2xx (check runs, comments, labels, review requests, merges, update-branch, the
bumps' refs/commits/trees/blobs/pulls; the app's token requests are left out of both sides) —
plus the reads no cache could avoid: 3 per distinct head of each PR (the PR, its files, and its
statuses and check runs counted as one read), 2 per repository (its `.paasbot.yml` and its
CODEOWNERS), and 1 per dependent per release for its manifest at its current `main` (only when
`main` moved since the last release read it; else 0). A written check run whose content was
unchanged still counts as a needed write: the bound leans low only through the reads.

Latency: for each merge paasbot made (`PUT .../pulls/{n}/merge` answered 200), the delivery that
made the PR mergeable is the last `ci/build` success status, completed successful check run (not
paasbot's) or approving review concerning that PR's final head sent before the merge; the PR counts
only if no other merge happened in its repository in between (else it waited its turn in the
queue). Time: the delivery's POST leaving the simulator to the merge request reaching it (both
clocks are the simulator's `time.time()`).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from app.sandbox import SimulatedGitHub
from app.sandbox.actors_pulls import comment, mark_ready_for_review, review
from app.sandbox.actors_repos import (
    add_collaborator,
    add_team,
    post_status,
    publish_release,
    set_protection,
)
from app.sandbox.demo import DemoStage, start_stage
from app.sandbox.models import CheckRunPatch
from app.sandbox.state import ACTING_APP
from app.sandbox.webhooks.dispatcher import Delivery
from app.store.queue import QueuePolicy
from app.store.tables import action_ledger, evaluations
from bench.endpoints import endpoint_kind
from bench.figures import Figure, at_most, below, percentile, print_report

ORG = "acme"
SERVICES = ("shop", "orders", "web")
LIBRARY = f"{ORG}/auth-lib"
PEOPLE = ("alice", "bob", "carol", "dave")
CI_APP_ID = 15368  # the `tests` check runs come from another app (GitHub Actions' id)
PRODUCTION_COALESCE = 1.0
LATENCY_RUN_PULLS = 24
ISOLATED_SAMPLES = 6
# Issue 12's 200 PRs: about 5 minutes of trace and 1 of latency runs here (2 shared CPUs).
DEFAULT_PULLS = 200
# The suite runner's profiles (`python -m bench --sizes ...`): full is the defaults above.
SIZES: dict[str, dict[str, Any]] = {
    "full": {},
    "quick": {"pulls": 50, "latency_pulls": 12, "isolated_samples": 4},
    "tiny": {"pulls": 5, "coalesce": 0.0, "latency_pulls": 3, "isolated_samples": 2},
}
SERVICE_CONFIG = "extends: golden-path\n"
CODEOWNERS = "/services/ @acme/backend\n*.md @carol\n"
LIBRARY_CONFIG = """\
rules:
  - name: Bump the services that use me
    on: [release.published]
    if: [-prerelease]
    do:
      propagate:
        package: {pip: acme-auth}
        to: [acme/shop, acme/orders, acme/web]
        max_prs_per_minute: 60
"""
RELEASES = ("v1.4.0", "v1.5.0", "v1.6.0", "v1.7.0", "v1.8.0")
ARRIVALS_PER_TICK = 8
MAIN_PUSH_CHANCE = 0.15
MAX_TAIL_TICKS = 60
RATE_LIMIT = 1_000_000


def seeded_world() -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    # GitHub's 5,000 calls an hour would stop the trace part-way (see the report's budget line).
    installation = state.add_installation(ORG, rate_limit=RATE_LIMIT)
    state.add_repository(installation, "auth-lib", files={".paasbot.yml": LIBRARY_CONFIG})
    for name in SERVICES:
        state.add_repository(
            installation,
            name,
            files={
                ".paasbot.yml": SERVICE_CONFIG,
                ".github/CODEOWNERS": CODEOWNERS,
                "README.md": f"# {name}\n",
                "requirements.txt": "acme-auth==1.3.0\nrequests>=2\n",
                "services/api/handler.py": "def handle(request):\n    return 200\n",
            },
        )
        set_protection(state, f"{ORG}/{name}", "main", ["ci/build"], require_up_to_date=True)
        for login in PEOPLE:
            add_collaborator(state, f"{ORG}/{name}", login, "write")
    add_team(state, ORG, "backend", members=["bob", "carol"])
    return state


@dataclass
class Script:
    """One PR's human steps, played one per tick; CI is its own actor."""

    repo: str
    branch: str
    author: str
    reviewer: str
    draft: bool
    steps: list[str]
    number: int = 0
    fails_left: int = 0
    edits: int = 0


def scripts(pulls: int, rng: random.Random) -> list[Script]:
    made = []
    for n in range(1, pulls + 1):
        author = rng.choice(PEOPLE)
        reviewer = rng.choice([p for p in PEOPLE if p != author])
        draft = rng.random() < 0.15
        steps = ["open"] + ["push"] * rng.choice((0, 0, 1, 1, 2))
        if draft:
            steps.append("ready")
        if rng.random() < 0.3:
            steps.append(rng.choice(("comment", "comment", "/paasbot refresh", "/paasbot update")))
        if rng.random() < 0.9:
            if rng.random() < 0.2:
                steps += ["request_changes", "push"]
            steps.append("approve")
        script = Script(
            f"{ORG}/{rng.choice(SERVICES)}", f"change-{n}", author, reviewer, draft, steps
        )
        script.fails_left = 1 if rng.random() < 0.15 else 0
        made.append(script)
    return made


@dataclass
class Ci:
    """CI: on every open PR's new head, `ci/build` pending and a `tests` check run in progress;
    the next tick, both finish (failing once on a script's head when it is due to fail)."""

    running: dict[tuple[str, str], tuple[int, bool]] = field(default_factory=dict)
    seen: set[tuple[str, str]] = field(default_factory=set)

    def tick(self, state: SimulatedGitHub, failing: dict[tuple[str, str], Script]) -> None:
        for key, (run_id, fails) in list(self.running.items()):
            repo, sha = key
            conclusion = "failure" if fails else "success"
            post_status(state, repo, sha, "ci/build", conclusion)
            with _as_ci():
                state.update_check_run(
                    run_id, CheckRunPatch(status="completed", conclusion=conclusion)
                )
            del self.running[key]
            if fails:
                script = failing.pop(key)
                script.steps.insert(0, "push")
        for repo in (f"{ORG}/{name}" for name in SERVICES):
            for pull in state.pulls_in(repo):
                key = (repo, pull.head_sha)
                if pull.state != "open" or key in self.seen:
                    continue
                self.seen.add(key)
                post_status(state, repo, pull.head_sha, "ci/build", "pending")
                with _as_ci():
                    run = state.create_check_run(
                        repo, "tests", pull.head_sha, CheckRunPatch(status="in_progress")
                    )
                self.running[key] = (run.id, key in failing)


class _as_ci:
    def __enter__(self) -> None:
        self._token = ACTING_APP.set(CI_APP_ID)

    def __exit__(self, *_: object) -> None:
        ACTING_APP.reset(self._token)


def play_step(state: SimulatedGitHub, script: Script, failing: dict[Any, Script]) -> None:
    step = script.steps.pop(0)
    repo = script.repo
    if step in ("open", "push"):
        script.edits += 1
        folder = "docs" if script.number % 5 == 4 else "services/api"
        suffix = "md" if folder == "docs" else "py"
        path = f"{folder}/{script.branch}.{suffix}"
        commit = state.commit(
            repo, script.branch, {path: f"x = {script.edits}\n"}, author=script.author
        )
        if step == "open":
            pull = state.open_pull(
                repo, f"Change {script.branch}", head_ref=script.branch, author=script.author,
                draft=script.draft,
            )  # fmt: skip
            script.number = pull.number
        if script.fails_left:
            script.fails_left -= 1
            failing[(repo, commit.sha)] = script
    elif step == "ready":
        mark_ready_for_review(state, repo, script.number, sender=script.author)
    elif step.startswith("/paasbot") or step == "comment":
        body = step if step.startswith("/paasbot") else "Could you say why in the description?"
        comment(state, repo, script.number, script.reviewer, body)
    elif step == "request_changes":
        review(state, repo, script.number, script.reviewer, "REQUEST_CHANGES", "Please add a test")
    elif step == "approve":
        review(state, repo, script.number, script.reviewer, "APPROVE", "Looks good")


@dataclass
class Trace:
    stage: DemoStage
    sent_at: dict[str, float]
    ticks: int
    seconds: float
    pulls: int


async def play_trace(
    pulls: int, seed: int, coalesce: float, database_url: str, progress: bool = False
) -> Trace:
    rng = random.Random(seed)
    state = seeded_world()
    policy = QueuePolicy(coalesce_seconds=coalesce, backoff_base_seconds=0.05)
    stage = await start_stage(state, database_url, coalesce_seconds=coalesce, queue_policy=policy)
    sent_at = _time_deliveries(stage)
    await stage.settle()
    ticks, seconds = await play_ticks(state, stage.settle, pulls, rng, progress)
    return Trace(stage, sent_at, ticks, seconds, pulls)


async def play_ticks(
    state: SimulatedGitHub,
    settle: Callable[[], Awaitable[None]],
    pulls: int,
    rng: random.Random,
    progress: bool = False,
    max_tail_ticks: int = MAX_TAIL_TICKS,
) -> tuple[int, float]:
    """The trace's ticks on `state` (seeded by `rng`), `settle` awaited after each (paasbot has
    reacted); after the last arrival it plays on until nothing is left to do (no script, no CI
    run, no head CI has not seen) or for `max_tail_ticks`; returns the ticks played and the
    seconds they took. bench/scale.py plays it too."""
    todo = scripts(pulls, rng)
    arrival_ticks = -(-pulls // ARRIVALS_PER_TICK)
    span = max(arrival_ticks, len(RELEASES))
    release_ticks = {i * span // len(RELEASES): tag for i, tag in enumerate(RELEASES)}
    ci, failing = Ci(), {}
    started, tick = time.perf_counter(), 0
    active: list[Script] = []
    while True:
        active += todo[tick * ARRIVALS_PER_TICK : (tick + 1) * ARRIVALS_PER_TICK]
        for script in active:
            if script.steps and (script.steps[0] == "open" or rng.random() < 0.7):
                play_step(state, script, failing)
        active = [script for script in active if script.steps]
        ci.tick(state, failing)
        if rng.random() < MAIN_PUSH_CHANCE:
            repo = f"{ORG}/{rng.choice(SERVICES)}"
            state.commit(repo, "main", {"CHANGELOG.md": f"tick {tick}\n"}, author="dave")
        if tick in release_ticks:
            publish_release(state, LIBRARY, release_ticks[tick], body="Fixes.\n")
        await settle()
        tick += 1
        if progress and tick % 10 == 0:
            merged = sum(1 for n in SERVICES for p in state.pulls_in(f"{ORG}/{n}") if p.merged)
            elapsed = time.perf_counter() - started
            print(f"tick {tick}: {merged} merged, {elapsed:.0f} s", file=sys.stderr, flush=True)
        done = not active and not ci.running and not _new_heads(state, ci)
        if tick >= arrival_ticks and (done or tick > arrival_ticks + max_tail_ticks):
            break
    return tick, time.perf_counter() - started


async def isolated_latencies(samples: int, coalesce: float, database_url: str) -> list[float]:
    """The merge latency with nothing else going on: one PR at a time, approved, up to date, its
    `tests` check run green and `ci/build` pending; once paasbot has settled and the PR's quiet
    window (`coalesce`) has passed, as it would have minutes later on GitHub, `ci/build` turns
    green: that one delivery makes it mergeable. Nothing else is due then: what waited for its
    quiet window (the previous probe's closing, the push its merge made) has run."""
    state = seeded_world()
    policy = QueuePolicy(coalesce_seconds=coalesce, backoff_base_seconds=0.05)
    stage = await start_stage(state, database_url, coalesce_seconds=coalesce, queue_policy=policy)
    sent_at = _time_deliveries(stage)
    repo = f"{ORG}/{SERVICES[0]}"
    try:
        await stage.settle()
        for n in range(samples):
            state.commit(repo, f"probe-{n}", {f"services/api/p{n}.py": "x = 1\n"}, author="alice")
            pull = state.open_pull(repo, f"Probe {n}", head_ref=f"probe-{n}", author="alice")
            post_status(state, repo, pull.head_sha, "ci/build", "pending")
            with _as_ci():
                state.create_check_run(
                    repo, "tests", pull.head_sha, CheckRunPatch(conclusion="success")
                )
            review(state, repo, pull.number, "bob", "APPROVE", "Looks good")
            # Twice: what waited for its quiet window (the previous probe's closing, the push of
            # its merge) runs in the second settle instead of beside the measured delivery.
            for _ in range(2):
                await stage.settle()
                await asyncio.sleep(coalesce + 0.1)
            post_status(state, repo, pull.head_sha, "ci/build", "success")
            await stage.settle()
        trace = Trace(stage, sent_at, samples, 0.0, samples)
        return merge_latencies(trace)
    finally:
        await stage.close()


def _new_heads(state: SimulatedGitHub, ci: Ci) -> bool:
    return any(
        pull.state == "open" and (f"{ORG}/{name}", pull.head_sha) not in ci.seen
        for name in SERVICES
        for pull in state.pulls_in(f"{ORG}/{name}")
    )


def _time_deliveries(stage: DemoStage) -> dict[str, float]:
    """When each delivery's POST left the simulator (the dispatcher records only a duration)."""
    sent_at: dict[str, float] = {}
    dispatcher = stage.dispatcher
    send = dispatcher._send

    async def timed(delivery: Delivery) -> None:
        sent_at[delivery.id] = time.time()
        await send(delivery)

    dispatcher._send = timed  # type: ignore[method-assign]
    return sent_at


@dataclass
class Breakdown:
    deliveries: int
    evaluations: int
    calls: int
    token_calls: int
    counted: int
    not_modified: int
    writes: int
    unavoidable_reads: int
    heads: int
    actions: Counter[str]
    kinds: Counter[str]
    latencies: list[float]
    merged: int

    @property
    def lower_bound(self) -> int:
        return self.writes + self.unavoidable_reads


async def breakdown(trace: Trace) -> Breakdown:
    stage, state = trace.stage, trace.stage.state
    calls = [r for r in state.requests if not r.path.startswith("/app/")]
    async with stage.bot.db.reader() as conn:
        evaluated = int(await conn.scalar(select(func.count()).select_from(evaluations)) or 0)
        rows = await conn.execute(
            select(action_ledger.c.action, action_ledger.c.outcome, func.count()).group_by(
                action_ledger.c.action, action_ledger.c.outcome
            )
        )
        actions = Counter({f"{a} ({o})": int(n) for a, o, n in rows})
    writes = sum(1 for r in calls if r.method != "GET" and _wrote(r))
    heads = {
        (d.payload["repository"]["full_name"], d.payload["pull_request"]["number"], sha)
        for d in stage.dispatcher.deliveries
        if d.event == "pull_request"
        and (sha := d.payload["pull_request"]["head"]["sha"])
        and d.payload["pull_request"]["state"] == "open"
    }
    repositories = len(SERVICES) + 1
    reads = 3 * len(heads) + 2 * repositories + _manifest_reads(state)
    merged = sum(1 for name in SERVICES for p in state.pulls_in(f"{ORG}/{name}") if p.merged)
    return Breakdown(
        deliveries=len(stage.dispatcher.deliveries),
        evaluations=evaluated,
        calls=len(calls),
        token_calls=len(state.requests) - len(calls),
        counted=sum(1 for r in calls if r.counted),
        not_modified=sum(1 for r in calls if r.status == 304),
        writes=writes,
        unavoidable_reads=reads,
        heads=len(heads),
        actions=actions,
        kinds=Counter(endpoint_kind(r.method, r.path) for r in calls),
        latencies=merge_latencies(trace),
        merged=merged,
    )


def _wrote(request: Any) -> bool:
    """A write the simulator accepted (a GraphQL query posted is a read, not a write)."""
    if request.status is None or not 200 <= request.status < 300:
        return False
    return not request.path.endswith("/graphql")


def _manifest_reads(state: SimulatedGitHub) -> int:
    """A dependent's manifest must be read once per release whose `main` differs from the one the
    previous release read; conservatively: once per dependent, plus once per later release only
    for the dependents whose manifest itself changed (none here: bump PRs never merge)."""
    return len(SERVICES)


def merge_latencies(trace: Trace) -> list[float]:
    stage, state = trace.stage, trace.stage.state
    merges = [
        r
        for r in state.requests
        if r.method == "PUT" and r.path.endswith("/merge") and r.status == 200
    ]
    makers: list[tuple[float, str, int | None, str | None]] = []  # (at, repo, number, sha)
    for delivery in stage.dispatcher.deliveries:
        at = trace.sent_at.get(delivery.id)
        if at is None:
            continue
        made = _makes_mergeable(delivery)
        if made is not None:
            makers.append((at, *made))
    latencies = []
    for merge in merges:
        parts = merge.path.split("/")  # /repos/{o}/{r}/pulls/{n}/merge
        repo, number = f"{parts[2]}/{parts[3]}", int(parts[5])
        sha = state.pull(repo, number).head_sha
        before = [
            at
            for at, r, n, s in makers
            if r == repo and at <= merge.received_at and (n == number or s == sha)
        ]
        if not before:
            continue
        made_at = max(before)
        queued = any(
            other is not merge
            and other.path.startswith(f"/repos/{repo}/")
            and made_at <= other.received_at <= merge.received_at
            for other in merges
        )
        if not queued:
            latencies.append(merge.received_at - made_at)
    return latencies


def _makes_mergeable(delivery: Delivery) -> tuple[str, int | None, str | None] | None:
    payload = delivery.payload
    repo = (payload.get("repository") or {}).get("full_name")
    if delivery.event == "status":
        if payload.get("context") == "ci/build" and payload.get("state") == "success":
            return repo, None, payload.get("sha")
    elif delivery.event == "check_run" and delivery.action == "completed":
        run = payload["check_run"]
        if run.get("conclusion") == "success" and (run.get("app") or {}).get("id") == CI_APP_ID:
            return repo, None, run.get("head_sha")
    elif (
        delivery.event == "pull_request_review"
        and delivery.action == "submitted"
        and payload["review"].get("state", "").lower() == "approved"
    ):
        return repo, payload["pull_request"]["number"], None
    return None


def figures_of(b: Breakdown, quick: list[float], coalesce: float, pulls: int) -> list[Figure]:
    ratio = b.calls / max(b.lower_bound, 1)
    p50 = percentile(b.latencies, 0.5) * 1000
    p99 = percentile(b.latencies, 0.99) * 1000
    q50 = percentile(quick, 0.5) * 1000
    q99 = percentile(quick, 0.99) * 1000
    rate_limited = b.calls - b.not_modified
    return [
        Figure("trace: deliveries", b.deliveries, "deliveries"),
        Figure("trace: evaluations", b.evaluations, "evaluations"),
        Figure("trace: API calls in total", b.calls, "calls"),
        Figure("trace: lower bound", b.lower_bound, "calls"),
        Figure("trace: API calls per delivery", round(b.calls / max(b.deliveries, 1), 2), "calls"),
        Figure("trace: API calls per PR", round(b.calls / max(pulls, 1), 2), "calls"),
        Figure(
            "trace: API calls per action",
            round(b.calls / max(sum(b.actions.values()), 1), 2),
            "calls",
        ),
        Figure(
            "trace: share of calls answered 304", round(b.not_modified / max(b.calls, 1), 3), ""
        ),
        at_most("trace: API calls / lower bound", round(ratio, 2), "x", 1.5),
        Figure(
            "trace: calls not answered 304 / lower bound",
            round(rate_limited / max(b.lower_bound, 1), 2),
            "x",
        ),
        below(f"merge latency p50 (coalescing {coalesce:g} s)", round(p50, 1), "ms", 50),
        Figure(f"merge latency p99 (coalescing {coalesce:g} s)", round(p99, 1), "ms"),
        below("merge latency p50 (coalescing 0 s)", round(q50, 1), "ms", 50),
        Figure("merge latency p99 (coalescing 0 s)", round(q99, 1), "ms"),
    ]


async def run_trace(
    pulls: int, seed: int, coalesce: float, database_url: str, progress: bool = False
) -> tuple[Trace, Breakdown]:
    trace = await play_trace(pulls, seed, coalesce, database_url, progress)
    try:
        return trace, await breakdown(trace)
    finally:
        await trace.stage.close()


async def measure(
    pulls: int = DEFAULT_PULLS,
    *,
    seed: int = 12,
    coalesce: float = PRODUCTION_COALESCE,
    database_url: str | None = None,
    latency_pulls: int = LATENCY_RUN_PULLS,
    isolated_samples: int = ISOLATED_SAMPLES,
    report: list[str] | None = None,
    progress: bool = False,
) -> list[Figure]:
    """The figures of a trace of `pulls` PRs (coalescing `coalesce` seconds) and of a second one
    of `latency_pulls` PRs without coalescing (its merge latency only); `report` (if given)
    receives the breakdown's lines."""
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite+aiosqlite:///{folder}/trace.db"
        trace, main = await run_trace(pulls, seed, coalesce, url, progress)
        quick_url = f"sqlite+aiosqlite:///{folder}/latency.db"
        quick_pulls = min(pulls, latency_pulls)
        quick_trace, quick = await run_trace(quick_pulls, seed, 0.0, quick_url, progress)
        alone = {
            delay: await isolated_latencies(
                isolated_samples, delay, f"sqlite+aiosqlite:///{folder}/alone-{delay:g}.db"
            )
            for delay in (coalesce, 0.0)
        }
    if report is not None:
        report += describe(trace, main, quick_trace, quick)
    return figures_of(main, quick.latencies, coalesce, pulls) + [
        figure
        for delay, samples in alone.items()
        for figure in (
            below(
                f"merge latency alone p50 (coalescing {delay:g} s)",
                round(percentile(samples, 0.5) * 1000, 1),
                "ms",
                50,
            ),
            Figure(
                f"merge latency alone p99 (coalescing {delay:g} s)",
                round(percentile(samples, 0.99) * 1000, 1),
                "ms",
            ),
        )
    ]


def describe(trace: Trace, b: Breakdown, quick_trace: Trace, quick: Breakdown) -> list[str]:
    lines = [
        f"trace: {trace.pulls} PRs, {trace.ticks} ticks (settles) in {trace.seconds:.1f} s,"
        f" {b.merged} merged",
        f"  deliveries {b.deliveries}, evaluations {b.evaluations}, API calls {b.calls}"
        f" (+{b.token_calls} token requests), answered 304: {b.not_modified};"
        f" {b.counted} counted against the rate limit (GitHub's: 5,000 an hour)",
        f"  lower bound {b.lower_bound} = writes {b.writes} + unavoidable reads"
        f" {b.unavoidable_reads} ({b.heads} PR heads x 3, 4 repositories x 2, 3 manifests)",
        f"  merges timed: {len(b.latencies)} (coalescing run); {len(quick.latencies)} of"
        f" {quick.merged} merged in the {quick_trace.pulls}-PR run without coalescing"
        f" ({quick_trace.seconds:.1f} s)",
        "  actions carried out (action_ledger):",
        *(f"    {n:6d}  {name}" for name, n in b.actions.most_common()),
        "  calls by endpoint kind:",
        *(f"    {n:6d}  {name}" for name, n in b.kinds.most_common()),
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pulls", type=int, default=DEFAULT_PULLS)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--coalesce", type=float, default=PRODUCTION_COALESCE)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    started = time.perf_counter()
    report: list[str] = []
    figures = asyncio.run(
        measure(
            args.pulls,
            seed=args.seed,
            coalesce=args.coalesce,
            database_url=args.database_url,
            report=report,
            progress=True,
        )
    )
    print_report(report, figures, time.perf_counter() - started)


if __name__ == "__main__":
    main()
