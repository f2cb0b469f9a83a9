"""Operations metrics: the collectors and their label sets, the /metrics endpoint (bearer token,
content negotiation), and end to end through the stage: a PR evaluation shows up in every
family, and every log line of the evaluation names its delivery, installation, repository and PR.
The exposition is parsed with prometheus_client's parser, never string-matched."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from app.engine.execute import ActionReport
from app.logs import MASKER, JsonFormatter
from app.metrics import (
    ACTIVE_METRICS,
    MAX_ENDPOINTS,
    Metrics,
    QueueCollector,
    QueueDepth,
    endpoint_template,
    record_actions,
)
from app.sandbox import SimulatedGitHub
from app.sandbox.demo import DemoStage, start_github, start_paasbot
from app.settings import load_settings
from app.store.db import Database
from app.store.queue import WorkQueue
from app.web.metrics import MetricsEndpoint, add_metrics_route
from tests.e2e_world import eventually
from tests.helpers import PR, FakeClock, mark

# -- helpers ----------------------------------------------------------------------------------


def samples(text: str, name: str) -> list[Sample]:
    """The samples of one family (counters are named without `_total` by the parser)."""
    found: list[Sample] = []
    for family in text_string_to_metric_families(text):
        if family.name == name:
            found.extend(family.samples)
    return found


def exposed(metrics: Metrics) -> str:
    return generate_latest(metrics.registry).decode()


def value(text: str, sample_name: str, **labels: str) -> float | None:
    family = sample_name.removesuffix("_total").removesuffix("_count").removesuffix("_sum")
    family = family.removesuffix("_bucket")
    for sample in samples(text, family):
        if sample.name == sample_name and all(sample.labels.get(k) == v for k, v in labels.items()):
            return sample.value
    return None


# -- label sets -------------------------------------------------------------------------------


def test_endpoints_are_templates_whatever_the_names_in_the_path() -> None:
    assert (
        endpoint_template("/repos/{owner}/{repo}/branches/feature-x/protection")
        == "/repos/{owner}/{repo}/branches/{branch}/protection"
    )
    assert (
        endpoint_template("/repos/{owner}/{repo}/issues/{n}/labels/ci-green")
        == "/repos/{owner}/{repo}/issues/{n}/labels/{name}"
    )
    assert (
        endpoint_template("/repos/{owner}/{repo}/collaborators/alice/permission")
        == "/repos/{owner}/{repo}/collaborators/{username}/permission"
    )
    assert endpoint_template("/orgs/acme/teams/core/members") == (
        "/orgs/{org}/teams/{team_slug}/members"
    )
    assert endpoint_template("/repos/{owner}/{repo}/commits/main") == (
        "/repos/{owner}/{repo}/commits/{ref}"
    )
    # Already templated, and lists, are left alone.
    assert endpoint_template("/repos/{owner}/{repo}/commits/{sha}/check-runs") == (
        "/repos/{owner}/{repo}/commits/{sha}/check-runs"
    )
    assert endpoint_template("/repos/{owner}/{repo}/commits") == "/repos/{owner}/{repo}/commits"
    assert endpoint_template("/repos/{owner}/{repo}/pulls/{n}") == "/repos/{owner}/{repo}/pulls/{n}"


def test_api_calls_by_method_endpoint_and_status_with_a_bounded_endpoint_set() -> None:
    metrics = Metrics(process=False)
    metrics.api_call(7, "get", "/repos/{owner}/{repo}/pulls/{n}", 200, {})
    metrics.api_call(7, "GET", "/repos/{owner}/{repo}/pulls/{n}", 304, {})
    metrics.api_call(7, "POST", "/repos/{owner}/{repo}/check-runs", None, None)
    for i in range(MAX_ENDPOINTS + 10):
        metrics.api_call(7, "GET", f"/weird/{i}x", 200, None)
    text = exposed(metrics)
    calls = samples(text, "paasbot_github_api_calls")
    totals = {
        (s.labels["method"], s.labels["endpoint"], s.labels["status"]): s.value
        for s in calls
        if s.name.endswith("_total")
    }
    assert totals[("GET", "/repos/{owner}/{repo}/pulls/{n}", "200")] == 1
    assert totals[("GET", "/repos/{owner}/{repo}/pulls/{n}", "304")] == 1
    assert totals[("POST", "/repos/{owner}/{repo}/check-runs", "error")] == 1
    assert totals[("GET", "other", "200")] == 12  # past the cap: one series for the rest
    assert len({endpoint for _, endpoint, _ in totals}) == MAX_ENDPOINTS + 1
    assert all(set(s.labels) == {"method", "endpoint", "status"} for s in calls)


def test_rate_limit_remaining_per_installation_from_the_answers_headers() -> None:
    metrics = Metrics(process=False)
    metrics.api_call(
        7, "GET", "/x", 200, {"x-ratelimit-remaining": "4990", "x-ratelimit-reset": "9"}
    )
    metrics.api_call(7, "GET", "/x", 200, {"x-ratelimit-remaining": "4989"})
    metrics.api_call(8, "GET", "/x", 200, {"x-ratelimit-remaining": "12"})
    metrics.api_call(None, "POST", "/x", 201, {"x-ratelimit-remaining": "4999"})
    metrics.api_call(9, "GET", "/x", 200, {"x-ratelimit-remaining": "not a number"})
    text = exposed(metrics)
    assert value(text, "paasbot_github_rate_limit_remaining", installation="7") == 4989
    assert value(text, "paasbot_github_rate_limit_remaining", installation="8") == 12
    assert value(text, "paasbot_github_rate_limit_remaining", installation="app") == 4999
    assert value(text, "paasbot_github_rate_limit_remaining", installation="9") is None
    assert value(text, "paasbot_github_rate_limit_reset_timestamp_seconds", installation="7") == 9


def test_deliveries_by_event_action_and_outcome_with_bounded_values() -> None:
    metrics = Metrics(process=False)
    metrics.delivery("pull_request", "opened", "accepted")
    metrics.delivery("pull_request", "opened", "duplicate")
    metrics.delivery("push", None, "accepted")
    metrics.delivery("unknown", None, "refused")
    metrics.delivery("pull_request", "<script>" * 20, "accepted")
    text = exposed(metrics)
    name = "paasbot_webhook_deliveries_total"
    assert value(text, name, event="pull_request", action="opened", outcome="accepted") == 1
    assert value(text, name, event="pull_request", action="opened", outcome="duplicate") == 1
    assert value(text, name, event="push", action="", outcome="accepted") == 1
    assert value(text, name, event="unknown", action="", outcome="refused") == 1
    assert value(text, name, event="pull_request", action="other", outcome="accepted") == 1


def test_evaluation_latency_histogram_by_kind_and_outcome() -> None:
    metrics = Metrics(process=False)
    metrics.evaluation("pull_request", "evaluated", 0.3)
    metrics.evaluation("pull_request", "evaluated", 4.0)
    metrics.evaluation("release", "rescheduled", 0.01)
    text = exposed(metrics)
    name = "paasbot_evaluation_duration_seconds"
    assert value(text, f"{name}_count", kind="pull_request", outcome="evaluated") == 2
    assert value(text, f"{name}_sum", kind="pull_request", outcome="evaluated") == pytest.approx(
        4.3
    )
    assert value(text, f"{name}_bucket", kind="pull_request", outcome="evaluated", le="0.5") == 1
    assert value(text, f"{name}_count", kind="release", outcome="rescheduled") == 1


def test_actions_are_counted_from_reports_only_inside_an_evaluation() -> None:
    metrics = Metrics(process=False)
    reports = [
        ActionReport("r", "label", "done", "", ("add label x", "remove label y")),
        ActionReport("r", "label", "done", ""),
        ActionReport("s", "comment", "failed", "GitHub answered 422"),
        ActionReport("t", "merge", "would", "", ("merge",)),
        ActionReport("u", "comment", "stopped", "flapping", ("post a comment",)),
    ]
    record_actions(reports)  # no evaluation in progress: nowhere to count
    token = ACTIVE_METRICS.set(metrics)
    try:
        record_actions(reports)
    finally:
        ACTIVE_METRICS.reset(token)
    text = exposed(metrics)
    assert value(text, "paasbot_actions_total", action="label", outcome="done") == 2
    assert value(text, "paasbot_actions_total", action="comment", outcome="failed") == 1
    assert value(text, "paasbot_actions_total", action="merge", outcome="would") == 1
    assert value(text, "paasbot_action_changes_total", action="label") == 2
    assert value(text, "paasbot_action_changes_total", action="merge") is None, "a dry run"
    assert value(text, "paasbot_action_changes_total", action="comment") is None


def test_each_app_has_its_own_registry_and_the_global_one_is_untouched() -> None:
    first, second = Metrics(), Metrics()
    first.delivery("push", None, "accepted")
    assert value(exposed(second), "paasbot_webhook_deliveries_total", event="push") is None
    assert REGISTRY.get_sample_value("paasbot_webhook_deliveries_total") is None
    names = {family.name for family in text_string_to_metric_families(exposed(first))}
    assert "process_cpu_seconds" in names or "python_info" in names


# -- the queue, read at scrape time -----------------------------------------------------------


async def test_queue_depth_is_cached_and_concurrent_scrapes_share_one_query() -> None:
    now = [1000.0]
    ticks = [0.0]
    reads = 0

    async def read() -> QueueDepth:
        nonlocal reads
        reads += 1
        await asyncio.sleep(0.01)
        return QueueDepth(due={"pull_request": 3}, oldest_due_at={"pull_request": 940.0})

    collector = QueueCollector(
        read, ["pull_request", "release"], ttl=5.0, clock=lambda: now[0], monotonic=lambda: ticks[0]
    )
    metrics = Metrics(process=False)
    metrics.registry.register(collector)
    metrics.queue = collector
    await asyncio.gather(*(metrics.refresh() for _ in range(20)))
    assert reads == 1
    text = exposed(metrics)
    assert value(text, "paasbot_queue_due_subjects", kind="pull_request") == 3
    assert value(text, "paasbot_queue_due_subjects", kind="release") == 0
    assert value(text, "paasbot_queue_oldest_due_age_seconds", kind="pull_request") == 60
    assert value(text, "paasbot_queue_oldest_due_age_seconds", kind="release") == 0
    ticks[0] = 4.9
    await metrics.refresh()
    assert reads == 1
    ticks[0] = 5.1
    await metrics.refresh()
    assert reads == 2


async def test_a_failing_queue_read_leaves_the_queue_out_but_the_scrape_answers() -> None:
    async def read() -> QueueDepth:
        raise OSError("database down")

    metrics = Metrics(process=False)
    metrics.watch_queue(read, ["pull_request"])
    await metrics.refresh()
    text = exposed(metrics)
    assert samples(text, "paasbot_queue_due_subjects") == []
    assert any(f.name == "paasbot_actions" for f in text_string_to_metric_families(text))


async def test_the_queue_query_counts_due_unclaimed_subjects(db: Database) -> None:
    clock = FakeClock()
    queue = WorkQueue(db, clock=clock)
    await mark(db, queue, PR, delivery="d1")
    clock.advance(30)
    depth = await queue.due_depth()
    assert depth.due == {"pull_request": 1}
    assert depth.oldest_due_at["pull_request"] == pytest.approx(clock.now - 30)
    claim = await queue.claim("w1")
    assert claim is not None
    assert (await queue.due_depth()).due == {}, "a claimed subject is not waiting"


# -- the endpoint -----------------------------------------------------------------------------


def metrics_app(token: str | None) -> web.Application:
    app = web.Application()
    metrics = Metrics(process=False)
    metrics.delivery("push", None, "accepted")
    add_metrics_route(app, MetricsEndpoint(metrics, token))
    return app


async def test_metrics_token_is_required_when_set(aiohttp_client: Any) -> None:
    client = await aiohttp_client(metrics_app("s3cret-token"))
    refused = await client.get("/metrics")
    assert refused.status == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status == 401
    answer = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert answer.status == 200
    text = await answer.text()
    assert value(text, "paasbot_webhook_deliveries_total", event="push") == 1


async def test_metrics_are_open_without_a_token_in_text_format_0_0_4_or_openmetrics(
    aiohttp_client: Any,
) -> None:
    client = await aiohttp_client(metrics_app(None))
    answer = await client.get("/metrics")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    openmetrics = await client.get(
        "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
    )
    assert openmetrics.headers["Content-Type"].startswith("application/openmetrics-text")
    assert (await openmetrics.text()).rstrip().endswith("# EOF")


# -- end to end -------------------------------------------------------------------------------

REPO = "acme/api"
INSTALLATION_ID = 101
CONFIG = """
rules:
  - name: Seen
    if: ["#label>=0"]
    do:
      label: {toggle: [seen]}
"""


def seeded() -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    assert installation.id == INSTALLATION_ID
    files = {"src/app.py": "print('v0')\n", ".paasbot.yml": CONFIG}
    state.add_repository(installation, "api", files=files)
    return state


class JsonLines(logging.Handler):
    """Formats as production does, at emit time (the context variables are read then)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter(MASKER))
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def json_logs() -> Iterator[JsonLines]:
    handler = JsonLines()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def scrape(stage: DemoStage, **headers: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{stage.paasbot_url}/metrics", headers=headers) as response,
    ):
        return response.status, await response.text()


async def test_a_pr_evaluation_shows_in_metrics_and_logs(
    stage_for: Callable[[SimulatedGitHub], Any], json_logs: JsonLines
) -> None:
    async with stage_for(seeded()) as stage:
        stage.state.commit(REPO, "feature", {"src/app.py": "print('v1')\n"}, author="alice")
        pull = stage.state.open_pull(REPO, "A change", head_ref="feature")
        await stage.settle()
        await eventually(lambda: "seen" in stage.state.pull(REPO, pull.number).labels)
        status, text = await scrape(stage)
    assert status == 200
    deliveries = samples(text, "paasbot_webhook_deliveries")
    assert any(
        s.labels == {"event": "pull_request", "action": "opened", "outcome": "accepted"}
        and s.value >= 1
        for s in deliveries
        if s.name.endswith("_total")
    )
    name = "paasbot_evaluation_duration_seconds_count"
    assert (value(text, name, kind="pull_request", outcome="evaluated") or 0) >= 1
    calls = [s for s in samples(text, "paasbot_github_api_calls") if s.name.endswith("_total")]
    assert any(
        s.labels["endpoint"] == "/repos/{owner}/{repo}/pulls/{n}" and s.labels["status"] == "200"
        for s in calls
    )
    assert all(s.labels["status"].isdigit() or s.labels["status"] == "error" for s in calls)
    assert all("acme" not in s.labels["endpoint"] for s in calls), "templates, not raw paths"
    remaining = samples(text, "paasbot_github_rate_limit_remaining")
    installations = {s.labels["installation"] for s in remaining}
    assert str(INSTALLATION_ID) in installations, "the installation's rate limit is reported"
    assert all(s.value > 0 for s in remaining)
    # Two evaluations (opened, then paasbot's own label): the label is added once.
    assert (value(text, "paasbot_actions_total", action="label", outcome="done") or 0) >= 1
    assert value(text, "paasbot_action_changes_total", action="label") == 1
    assert value(text, "paasbot_queue_due_subjects", kind="pull_request") == 0
    assert value(text, "paasbot_queue_oldest_due_age_seconds", kind="pull_request") == 0
    assert {f.name for f in text_string_to_metric_families(text)} & {
        "process_cpu_seconds",
        "python_info",
    }

    evaluation = [
        line for line in json_logs.lines if line.get("subject") == f"{REPO}#{pull.number}"
    ]
    assert evaluation, "the evaluation logged"
    for line in evaluation:
        assert line.get("delivery"), line
        assert line.get("installation"), line
        assert line.get("repository") == REPO, line
        assert line.get("pull") == pull.number, line
    accepted = [line for line in json_logs.lines if line["msg"] == "delivery accepted"]
    opened = [line for line in accepted if line.get("action") == "opened"]
    assert opened and all(line.get("pull") == pull.number for line in opened)


async def test_paasbot_with_metrics_token_set_refuses_scrapes_without_it(database_url: str) -> None:
    state = seeded()
    github = await start_github(state)
    env = {
        "APP_ID": str(state.app_id),
        "PRIVATE_KEY": state.private_key_pem,
        "WEBHOOK_SECRET": github.dispatcher.secret,
        "METRICS_TOKEN": "scrape-me-0123",
    }
    try:
        stage = await start_paasbot(github, database_url, env=env)
    except BaseException:
        await github.close()
        raise
    try:
        assert (await scrape(stage))[0] == 401
        assert (await scrape(stage, Authorization="Bearer wrong"))[0] == 401
        status, text = await scrape(stage, Authorization="Bearer scrape-me-0123")
        assert status == 200
        assert samples(text, "paasbot_queue_due_subjects")
    finally:
        await stage.close()


def test_metrics_token_setting_is_read_from_the_environment() -> None:
    state = SimulatedGitHub(app_id=1, app_slug="paasbot")
    env = {"APP_ID": "1", "PRIVATE_KEY": state.private_key_pem, "WEBHOOK_SECRET": "w" * 16}
    assert load_settings(env).metrics_token is None
    assert load_settings({**env, "METRICS_TOKEN": " tok-123 "}).metrics_token == "tok-123"
    assert "tok-123" not in repr(load_settings({**env, "METRICS_TOKEN": "tok-123"}))
