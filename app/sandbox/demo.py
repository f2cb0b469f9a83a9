"""`paasbot demo`: the GitHub simulator and paasbot on local ports, talking real HTTP both ways.

The simulator plays GitHub Enterprise (REST API and signed webhooks); paasbot runs as it would in
production, on a SQLite file in a temporary folder. A scenario is played step by step, and after
each step the demo waits until GitHub's webhooks are delivered and paasbot has finished reacting,
then prints a timeline of both sides.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import socket
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

from app.bumps.release_summary import CHECK_NAME as PROPAGATE_CHECK
from app.github.client import ClientPolicy
from app.reports import ci_env
from app.reports.upload import OidcCredential, id_token
from app.sandbox.context import API_PREFIX
from app.sandbox.events import SimEvent
from app.sandbox.history import ShiftedClock, replay
from app.sandbox.models import CheckRun, PullRequest, RecordedRequest
from app.sandbox.month import month_start
from app.sandbox.oidc import ActionsOidc
from app.sandbox.ops.roles import repository_role
from app.sandbox.scenario import (
    DEMO_USER,
    REPOSITORY,
    ReportUpload,
    Step,
    bump_pulls,
    default_scenario,
    seed,
)
from app.sandbox.server import create_simulator_app
from app.sandbox.state import SimulatedGitHub
from app.sandbox.timefmt import iso8601
from app.sandbox.webhooks.dispatcher import WebhookDispatcher
from app.service import Paasbot
from app.settings import DEFAULT_OIDC_AUDIENCE, load_settings
from app.store.migrate import upgrade_in_thread
from app.store.queue import QueuePolicy
from app.store.tables import evaluations, subjects
from app.web.server import WEBHOOK_PATH, create_web_app

if TYPE_CHECKING:
    from app.sandbox.conformance import ConformanceChecker

APP_SLUG = "paasbot"
SETTLE_TIMEOUT_SECONDS = 30.0
DEMO_ACTIONS = ("coverage", "lint", "merge")  # whose news the timeline shows
HISTORY_SETTLE_HOURS = 24.0  # a past month: paasbot reacts once per simulated day
HISTORY_COALESCE_SECONDS = 0.0
MAX_REPEATS = 10  # rounds of a repeated step (CI on new heads) before the demo moves on
# Where a summary line's list of the merge action's changes starts.
_CHANGES_SHOWN = re.compile(r" \((?:leave the merge queue|bring #|merge #|label `|set `).*$")


@dataclass
class Timeline:
    """What happened, on both sides, in time order."""

    started: float = field(default_factory=time.time)
    lines: list[tuple[float, int, str]] = field(default_factory=list)

    def add(self, text: str, at: float | None = None) -> None:
        moment = (time.time() if at is None else at) - self.started
        self.lines.append((moment, len(self.lines), text))

    def github_event(self, event: SimEvent) -> None:
        self.add(f"  github   {describe_event(event)}", event.at)

    def paasbot_call(self, request: RecordedRequest) -> None:
        self.add(
            f"  paasbot  {request.method} {request.path} -> {request.status}", request.received_at
        )

    def in_order(self) -> list[tuple[float, str]]:
        return [(at, text) for at, _, text in sorted(self.lines)]


def describe_event(event: SimEvent) -> str:
    subject = event.subject
    number = getattr(subject, "number", None)
    where = f" #{number}" if number is not None else ""
    if event.name == "push":
        where = f" {event.details.get('ref')} {str(event.details.get('after'))[:7]}"
    elif event.name == "status":
        where = f" {getattr(subject, 'context', '')}={getattr(subject, 'state', '')}"
    elif event.name == "check_run":
        where = f" {getattr(subject, 'name', '')}"
    return f"{event.label}{where} (by {event.sender})"


@dataclass
class DemoStage:
    state: SimulatedGitHub
    bot: Paasbot
    dispatcher: WebhookDispatcher
    github_url: str
    paasbot_url: str
    runners: list[web.AppRunner]
    oidc: ActionsOidc

    async def settle(self) -> None:
        """Until webhooks are delivered, stored, routed, and no subject is pending."""
        deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
        quiet_rounds = 0
        while quiet_rounds < 2:
            if time.monotonic() > deadline:
                raise TimeoutError("paasbot did not settle; see the log lines above")
            before = (len(self.state.published), len(self.state.requests))
            await self.dispatcher.drain()
            await self.bot.intake.settle()
            pending = await self._pending_subjects()
            await asyncio.sleep(0.05 if pending else 0.02)
            after = (len(self.state.published), len(self.state.requests))
            quiet_rounds = quiet_rounds + 1 if not pending and before == after else 0

    async def _pending_subjects(self) -> int:
        async with self.bot.db.reader() as conn:
            return await conn.scalar(
                select(func.count()).select_from(subjects).where(subjects.c.due_at.is_not(None))
            )

    async def close(self) -> None:
        for runner in reversed(self.runners):
            await runner.cleanup()


@dataclass
class GitHubStage:
    """The simulator served on loopback, sending its webhooks, with paasbot's address reserved
    (bound, not yet served) so that an app can be registered with it before paasbot starts."""

    state: SimulatedGitHub
    dispatcher: WebhookDispatcher
    github_host: str
    paasbot_host: str
    runner: web.AppRunner
    oidc: ActionsOidc
    paasbot_socket: socket.socket = field(repr=False)

    @property
    def github_url(self) -> str:
        return f"http://{self.github_host}/api/v3"

    @property
    def paasbot_url(self) -> str:
        return f"http://{self.paasbot_host}"

    @property
    def webhook_url(self) -> str:
        return self.paasbot_url + WEBHOOK_PATH

    async def close(self) -> None:
        """Stops the simulator when paasbot was never started on the reserved address."""
        self.paasbot_socket.close()
        await self.runner.cleanup()


async def start_github(
    state: SimulatedGitHub,
    *,
    port: int = 0,
    github_port: int = 0,
    conformance: ConformanceChecker | None = None,
) -> GitHubStage:
    """The simulator on loopback; its built-in app's webhooks go to paasbot's reserved address
    (`port`), signed with a fresh secret; registered apps' go to their manifests' webhooks."""
    github_socket, paasbot_socket = _bind(github_port), _bind(port)
    github_host, paasbot_host = _address(github_socket), _address(paasbot_socket)
    dispatcher = WebhookDispatcher(
        state,
        f"http://{paasbot_host}{WEBHOOK_PATH}",
        secrets.token_hex(16),
        base_url=f"http://{github_host}/api/v3",
    )
    dispatcher.attach()
    oidc = ActionsOidc(state)
    simulator = create_simulator_app(state, webhook=dispatcher, conformance=conformance, oidc=oidc)
    github_runner = await _serve(github_socket, simulator)
    return GitHubStage(
        state, dispatcher, github_host, paasbot_host, github_runner, oidc, paasbot_socket
    )


async def start_paasbot(
    github: GitHubStage,
    database_url: str,
    *,
    env: Mapping[str, str] | None = None,
    coalesce_seconds: float = 0.2,
    queue_policy: QueuePolicy | None = None,
    insights_token: str | None = None,
    client_policy: ClientPolicy | None = None,
) -> DemoStage:
    """paasbot on the address `github` reserved for it, talking to the simulator.

    Without `env`, as the simulator's built-in app. With `env` (e.g. the env file `paasbot
    register` wrote: APP_ID, PRIVATE_KEY, WEBHOOK_SECRET), with those settings, except that
    GHE_HOST and GHE_PROTOCOL point at the simulator and DATABASE_URL is `database_url`
    (COALESCE_SECONDS and LOG_LEVEL default to the stage's unless `env` sets them).
    `insights_token`: INSIGHTS_TOKEN, the read-only bearer token of `/api/insights`.
    `client_policy`: the GitHub client's timeouts and retries (the fault tests shorten them)."""
    await upgrade_in_thread(database_url)
    stage_defaults = {"COALESCE_SECONDS": str(coalesce_seconds), "LOG_LEVEL": "warning"}
    if insights_token is not None:
        stage_defaults["INSIGHTS_TOKEN"] = insights_token
    if env is None:
        env = {
            "APP_ID": str(github.state.app_id),
            "PRIVATE_KEY": github.state.private_key_pem,
            "WEBHOOK_SECRET": github.dispatcher.secret,
            "GITHUB_CLIENT_ID": github.state.client_id,
            "GITHUB_CLIENT_SECRET": github.state.client_secret,
        }
    settings = load_settings(
        {
            **stage_defaults,
            **env,
            "GHE_HOST": github.github_host,
            "GHE_PROTOCOL": "http",
            "DATABASE_URL": database_url,
        }
    )
    bot = Paasbot(settings, queue_policy=queue_policy, client_policy=client_policy)
    paasbot_runner = await _serve(github.paasbot_socket, create_web_app(bot))
    return DemoStage(
        github.state,
        bot,
        github.dispatcher,
        github.github_url,
        github.paasbot_url,
        [paasbot_runner, github.runner],
        github.oidc,
    )


async def start_stage(
    state: SimulatedGitHub,
    database_url: str,
    *,
    coalesce_seconds: float = 0.2,
    queue_policy: QueuePolicy | None = None,
    port: int = 0,
    github_port: int = 0,
    conformance: ConformanceChecker | None = None,
    env: Mapping[str, str] | None = None,
    insights_token: str | None = None,
    client_policy: ClientPolicy | None = None,
) -> DemoStage:
    """The simulator (sending signed webhooks) and paasbot (talking to the simulator's API), both
    served on loopback. Used by the demo and by the end-to-end tests. `env`: paasbot's settings
    instead of the built-in app's (see `start_paasbot`)."""
    github = await start_github(state, port=port, github_port=github_port, conformance=conformance)
    try:
        return await start_paasbot(
            github,
            database_url,
            env=env,
            coalesce_seconds=coalesce_seconds,
            queue_policy=queue_policy,
            insights_token=insights_token,
            client_policy=client_policy,
        )
    except BaseException:
        await github.close()
        raise


def _bind(port: int) -> socket.socket:
    """Both sides must know each other's address before either starts: bind first."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def _address(sock: socket.socket) -> str:
    return f"127.0.0.1:{sock.getsockname()[1]}"


async def _serve(sock: socket.socket, app: web.Application) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    return runner


async def play(
    steps: list[Step], out: TextIO, *, keep_running: bool = False, workdir: Path | None = None
) -> int:
    with tempfile.TemporaryDirectory(prefix="paasbot-demo-") as temporary:
        state = SimulatedGitHub(app_id=1, app_slug=APP_SLUG, clock=ShiftedClock())
        seed(state)
        database = (workdir or Path(temporary)) / "paasbot.db"
        token = secrets.token_urlsafe(24)
        stage = await start_stage(state, f"sqlite+aiosqlite:///{database}", insights_token=token)
        try:
            return await _play_on(stage, steps, out, keep_running, token)
        finally:
            await stage.close()


async def _play_on(
    stage: DemoStage, steps: list[Step], out: TextIO, keep_running: bool, insights_token: str
) -> int:
    timeline = Timeline()
    shown_actions: dict[tuple[int, str], str] = {}
    stage.state.subscribers.append(timeline.github_event)
    seen_requests = len(stage.state.requests)
    print(
        f"GitHub simulator: {stage.github_url}\n"
        f"GitHub web view:  {stage.github_url.removesuffix(API_PREFIX)}/\n"
        f"paasbot:          {stage.paasbot_url}\n",
        file=out,
    )
    for number, step in enumerate(steps, 1):
        timeline.add(f"step {number}: {step.says}")
        if step.history is not None:
            timeline.add(f"  result   {await _play_history(stage, step, timeline)}")
            seen_requests = len(stage.state.requests)
            continue
        for _ in range(MAX_REPEATS if step.repeat else 1):
            changed = step.act(stage.state)
            if step.upload is not None:
                timeline.add(f"  ci       {await _upload(stage, step.upload(stage.state))}")
            await stage.settle()
            seen_requests = _record_bot_calls(stage.state, timeline, seen_requests)
            if not changed:
                break
        timeline.add(f"  result   {_result(stage.state, step)}")
        for line in _action_lines(stage.state, shown_actions):
            timeline.add(f"  rules    {line}")
    for at, text in timeline.in_order():
        print(f"{at * 1000:8.0f} ms  {text}", file=out)
    print(_final_summary(stage.state), file=out)
    print(_propagation_summary(stage.state, steps), file=out, end="")
    print(await _totals(stage), file=out)
    print(await _insights_block(stage, insights_token), file=out)
    if keep_running:
        visible = ", ".join(_visible_to_demo_user(stage))
        print(
            f"\nThe dashboard: {stage.paasbot_url}/insights?days=30 (log in with GitHub: the"
            f" simulator signs you in as {DEMO_USER}, who can see {visible})."
            f"\nThe JSON API: curl -H 'Authorization: Bearer {insights_token}'"
            f" '{stage.paasbot_url}/api/insights?days=30'",
            file=out,
        )
        print("\nBoth servers keep running; press Ctrl-C to stop.", file=out)
        await _wait_forever()
    return 0


async def _upload(stage: DemoStage, report: ReportUpload) -> str:
    """Posts a report to paasbot's intake as `paasbot upload` does in a GitHub Actions job: with
    the job's OIDC token, so CI stores no secret."""
    run = stage.oidc.start_run(report.repository, sha=report.sha, event_name="pull_request")
    request = ci_env.id_token_request(run.environment(stage.github_url.removesuffix(API_PREFIX)))
    assert request is not None, "the simulated job has id-token: write"
    path = f"/api/reports/{report.repository}/{report.sha}?kind={report.kind}&name={report.name}"
    async with aiohttp.ClientSession() as session:
        token = await id_token(session, OidcCredential(request, DEFAULT_OIDC_AUDIENCE))
        headers = {"Authorization": f"Bearer {token}"}
        async with session.post(
            stage.paasbot_url + path, data=report.body, headers=headers
        ) as answer:
            status = answer.status
    return f"POST {path.split('?')[0]} ({report.kind}, OIDC token of the CI job) -> {status}"


def _record_bot_calls(state: SimulatedGitHub, timeline: Timeline, seen: int) -> int:
    for request in state.requests[seen:]:
        timeline.paasbot_call(request)
    return len(state.requests)


def _result(state: SimulatedGitHub, step: Step) -> str:
    if step.release is None:
        return _check_summary(state)
    library, tag = step.release
    run = _propagate_run(state, library, tag)
    if run is None:
        return f"no {PROPAGATE_CHECK} check run on {tag} yet"
    return f'{PROPAGATE_CHECK} on {tag}: "{run.output.get("title")}"'


def _propagate_run(state: SimulatedGitHub, library: str, tag: str) -> CheckRun | None:
    sha = state.repository(library).tags.get(tag)
    runs = [run for run in state.check_runs_for(library, sha or "") if run.name == PROPAGATE_CHECK]
    return max(runs, key=lambda run: run.id) if runs else None


def _check_summary(state: SimulatedGitHub) -> str:
    runs = [run for run in state.check_runs.values() if run.name == "paasbot"]
    if not runs:
        return "no paasbot check run yet"
    latest = max(runs, key=lambda run: run.id)
    return f'paasbot check on {latest.head_sha[:7]}: "{latest.output.get("title")}"'


def _action_lines(state: SimulatedGitHub, shown: dict[tuple[int, str], str]) -> list[str]:
    """What the open PRs' summaries now say of their coverage, lint and merge actions, when it
    changed since last shown (`shown` remembers) and is not just waiting for its conditions."""
    lines = []
    for pull in sorted(state.pulls_in(REPOSITORY), key=lambda pull: pull.number):
        if pull.state != "open":
            continue
        for action, line in _summary_lines(state, pull.head_sha).items():
            text = _CHANGES_SHOWN.sub("", line)
            if "waits for the conditions" in text or shown.get((pull.number, action)) == text:
                continue
            shown[(pull.number, action)] = text
            lines.append(f"#{pull.number} {action}: {text}")
    return lines


QUIET_LINES = ("**waiting** — waits for", "**not run** — ")


def _summary_lines(state: SimulatedGitHub, sha: str) -> dict[str, str]:
    runs = [r for r in state.check_runs.values() if r.name == "paasbot" and r.head_sha == sha]
    if not runs:
        return {}
    summary = str(max(runs, key=lambda run: run.id).output.get("summary") or "")
    found = {}
    for action in DEMO_ACTIONS:
        prefix = f"- `{action}`: "
        for line in summary.splitlines():
            # A rule that leaves the action to another shows it as not run: not news.
            if line.startswith(prefix) and not any(quiet in line for quiet in QUIET_LINES):
                found[action] = line.removeprefix(prefix)
    return found


def _final_summary(state: SimulatedGitHub) -> str:
    """Where each pull request ended, and PR #1's summary check in full."""
    pulls = sorted(state.pulls_in(REPOSITORY), key=lambda pull: pull.number)
    ends = [f"#{pull.number} {_ending(pull)}" for pull in pulls]
    first = pulls[0] if pulls else None
    runs = [
        run
        for run in state.check_runs.values()
        if first is not None and run.name == "paasbot" and run.head_sha == first.head_sha
    ]
    if not runs:
        return ""
    latest = max(runs, key=lambda run: run.id)
    title, summary = latest.output.get("title"), latest.output.get("summary")
    return (
        f"\nPull requests: {', '.join(ends)}\n"
        f"\nThe paasbot check on PR #1's head now says: {title}\n\n{summary}"
    )


def _propagation_summary(state: SimulatedGitHub, steps: list[Step]) -> str:
    """The bump PRs the releases opened and how they ended, and each release's check table."""
    releases = list(dict.fromkeys(step.release for step in steps if step.release is not None))
    if not releases:
        return ""
    pulls = [pull for name in sorted(state.repositories) for pull in bump_pulls(state, name)]
    ends = [f"{pull.repo_full_name}#{pull.number} {_ending(pull)}" for pull in pulls]
    lines = [f"\nBump PRs: {', '.join(ends) or 'none'}"]
    for library, tag in releases:
        run = _propagate_run(state, library, tag)
        if run is not None:
            title, table = run.output.get("title"), run.output.get("text") or ""
            lines.append(f"\n{PROPAGATE_CHECK} on {library} {tag}: {title}\n\n{table}")
    return "\n".join(lines) + "\n"


def _ending(pull: PullRequest) -> str:
    if pull.merged:
        return "merged"
    return "open" if pull.state == "open" else "closed"


async def _totals(stage: DemoStage) -> str:
    async with stage.bot.db.reader() as conn:
        evaluated = await conn.scalar(select(func.count()).select_from(evaluations))
    delivered = len(stage.dispatcher.deliveries)
    calls = len(stage.state.requests)
    return (
        f"\n{delivered} webhooks delivered, {evaluated} evaluations, {calls} GitHub API calls "
        "made by paasbot"
    )


async def _play_history(stage: DemoStage, step: Step, timeline: Timeline) -> str:
    """Plays a step's past moments on the simulator's clock, paasbot settling once per simulated
    day (and before a PR opened that day closes). The timeline leaves their events out (they are
    dated in the past) and counts them."""
    assert step.history is not None
    clock = stage.state.clock
    assert isinstance(clock, ShiftedClock), "the demo's simulator runs on a ShiftedClock"
    delivered, calls = len(stage.dispatcher.deliveries), len(stage.state.requests)
    stage.state.subscribers.remove(timeline.github_event)
    # A simulated day's events are all there when paasbot looks: no burst to wait for.
    policy = stage.bot.queue.policy
    stage.bot.queue.policy = replace(policy, coalesce_seconds=HISTORY_COALESCE_SECONDS)
    try:
        start = month_start(time.time())
        await replay(
            stage, clock, start, step.history(stage.state), settle_every_hours=HISTORY_SETTLE_HOURS
        )
    finally:
        stage.bot.queue.policy = policy
        stage.state.subscribers.append(timeline.github_event)
    delivered = len(stage.dispatcher.deliveries) - delivered
    calls = len(stage.state.requests) - calls
    return (
        f"{delivered} webhooks delivered (dated {iso8601(start)[:10]} onwards), and paasbot made"
        f" {calls} GitHub API calls"
    )


INSIGHTS_DAYS = 30


async def _insights_block(stage: DemoStage, token: str) -> str:
    """The last 30 days as paasbot's JSON API computes them (with the demo's INSIGHTS_TOKEN)."""
    path = f"/api/insights?days={INSIGHTS_DAYS}"
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            stage.paasbot_url + path, headers={"Authorization": f"Bearer {token}"}
        ) as answer,
    ):
        if answer.status != 200:
            return f"\nInsights: GET {path} -> {answer.status}: {await answer.text()}"
        figures = await answer.json()
    return insights_text(figures, path)


def insights_text(figures: dict[str, Any], path: str) -> str:
    """The insights block the demo prints, from `/api/insights`' JSON."""
    delivery, review, bots = figures["delivery"], figures["review"], figures["bot_work"]
    lines = [
        f"\nInsights (last {INSIGHTS_DAYS} days), computed by paasbot"
        f" (GET {path} with its INSIGHTS_TOKEN):"
    ]
    for bucket in figures["merge_time"]["buckets"]:
        label = f"time to merge, {bucket['bucket']} lines:"
        lines.append(
            f"  {label:<34}{_hours(bucket['median_hours'])} median ({_prs(bucket['count'])})"
        )
    merged = figures["merge_time"]["all"]
    lines.append(
        f"  {'time to merge, all sizes:':<34}{_hours(merged['median_hours'])} median"
        f" ({_prs(merged['count'])})"
    )
    frequency = delivery["deployment_frequency"]
    lines.append(
        f"  {'deployment frequency:':<34}{_number(frequency['per_week'])} per week"
        f" ({frequency['count']} successful production deployments)"
    )
    lead = delivery["lead_time"]
    lines.append(
        f"  {'lead time for changes:':<34}{_hours(lead['median_hours'])} median,"
        f" {_hours(lead['p90_hours'])} p90 ({_prs(lead['count'])}: {lead['deployed']} to a"
        f" deployment, {lead['merge_fallback']} to their merge; {lead['not_deployed']} not"
        " deployed yet)"
    )
    failures = delivery["change_failure_rate"]
    lines.append(
        f"  {'change failure rate:':<34}{_percent(failures['rate'])}"
        f" ({failures['failed']} of {failures['count']} production deployments)"
    )
    restore = delivery["time_to_restore"]
    lines.append(
        f"  {'time to restore:':<34}{_hours(restore['median_hours'])} median"
        f" ({restore['count']} incidents restored, {restore['unrestored']} not yet)"
    )
    first = review["time_to_first_review"]
    lines.append(
        f"  {'time to first review:':<34}{_hours(first['median_hours'])} median,"
        f" {_hours(first['p90_hours'])} p90 ({_prs(first['count'])})"
    )
    kinds = ", ".join(f"{a['action']} {a['total']}" for a in bots["actions"])
    lines.append(f"  {'bot actions:':<34}{bots['total']} ({kinds or 'none'})")
    lines.append(
        f"  {'engineer time saved:':<34}{bots['minutes_saved']} minutes ="
        f" {_number(bots['engineer_days_per_year'])} engineer-days per year"
        f" ({_number(bots['default_minutes'], 0)} minute per action)"
    )
    return "\n".join(lines)


def _hours(value: float | None) -> str:
    return "no data" if value is None else f"{value:.2f} h"


def _number(value: float | None, digits: int = 2) -> str:
    return "no data" if value is None else f"{value:.{digits}f}"


def _percent(value: float | None) -> str:
    return "no data" if value is None else f"{100 * value:.1f}%"


def _prs(count: int) -> str:
    return f"{count} PR" if count == 1 else f"{count} PRs"


def _visible_to_demo_user(stage: DemoStage) -> list[str]:
    """The installed repositories the demo's user has a role on: what the dashboard shows them."""
    state = stage.state
    return sorted(
        name
        for name, repository in state.repositories.items()
        if state.installation_for(repository) is not None
        and repository_role(state, repository, DEMO_USER) is not None
    )


async def _wait_forever() -> None:
    stop = asyncio.Event()
    await stop.wait()


def run_demo(out: TextIO, *, keep_running: bool = False) -> int:
    try:
        return asyncio.run(play(default_scenario(), out, keep_running=keep_running))
    except KeyboardInterrupt:
        return 0
