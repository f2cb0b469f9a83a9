"""The GitHub client against the simulator, over real HTTP."""

from collections.abc import AsyncIterator

import aiohttp
import gidgethub
import pytest

from app.github.calls import CURRENT_SUBJECT, CallCounter, endpoint_of
from app.github.client import ClientPolicy, GitHubApp
from app.github.errors import GitHubUnavailable, RescheduleRequired
from app.sandbox import Fault, SimulatedGitHub
from tests.helpers import FakeClock
from tests.sim_fixtures import Simulator

FAST = ClientPolicy(retry_base_seconds=0.01, retry_cap_seconds=0.02, request_timeout_seconds=0.5)


@pytest.fixture
def clock() -> FakeClock:
    import time

    return FakeClock(time.time())


@pytest.fixture
def simulator_state(clock: FakeClock) -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, clock=clock)
    installation = state.add_installation("acme")
    state.add_repository(installation, "api")
    state.open_pull("acme/api", "Add a thing", head_sha="a" * 40, head_ref="thing")
    return state


@pytest.fixture
async def github(simulator: Simulator, clock: FakeClock) -> AsyncIterator[GitHubApp]:
    async with aiohttp.ClientSession() as session:
        yield GitHubApp(
            session,
            base_url=simulator.base_url,
            app_id=simulator.state.app_id,
            private_key=simulator.state.private_key_pem,
            policy=FAST,
            clock=clock,
        )


def installation_id(simulator: Simulator) -> int:
    return next(iter(simulator.state.installations))


async def get_pull(github: GitHubApp, simulator: Simulator) -> dict:
    api = github.installation(installation_id(simulator))
    return await api.getitem(
        "/repos/{+repository}/pulls/{number}", url_vars={"repository": "acme/api", "number": "1"}
    )


def token_requests(simulator: Simulator) -> int:
    return len(simulator.state.requests_matching("POST", path_prefix="/app/installations/"))


async def test_the_installation_token_is_minted_once_and_reused(
    github: GitHubApp, simulator: Simulator
) -> None:
    for _ in range(5):
        assert (await get_pull(github, simulator))["number"] == 1
    assert token_requests(simulator) == 1


async def test_the_token_is_renewed_before_it_expires(
    github: GitHubApp, simulator: Simulator, clock: FakeClock
) -> None:
    await get_pull(github, simulator)
    clock.advance(3600 - 299)
    await get_pull(github, simulator)
    assert token_requests(simulator) == 2, "renewed five minutes before expiry"


async def test_a_revoked_token_is_replaced_once(github: GitHubApp, simulator: Simulator) -> None:
    await get_pull(github, simulator)
    simulator.state.tokens.clear()
    assert (await get_pull(github, simulator))["number"] == 1
    assert token_requests(simulator) == 2


async def test_etags_make_repeated_reads_free(github: GitHubApp, simulator: Simulator) -> None:
    first = await get_pull(github, simulator)
    budget_after_first = simulator.state.rate_budget(installation_id(simulator)).remaining
    second = await get_pull(github, simulator)
    assert second == first
    reads = simulator.state.requests_matching("GET", "/repos/acme/api/pulls/1")
    assert [r.if_none_match for r in reads] == [False, True]
    assert [r.status for r in reads] == [200, 304]
    assert simulator.state.rate_budget(installation_id(simulator)).remaining == budget_after_first
    counts = github.counter.drain()
    stats = next(s for k, s in counts.items() if k.endpoint == "/repos/{owner}/{repo}/pulls/{n}")
    assert (stats.calls, stats.not_modified) == (2, 1)


async def test_a_change_invalidates_the_etag(github: GitHubApp, simulator: Simulator) -> None:
    await get_pull(github, simulator)
    simulator.state.push_to_pull("acme/api", 1, "b" * 40)
    assert (await get_pull(github, simulator))["head"]["sha"] == "b" * 40


async def test_reads_are_retried_on_5xx(github: GitHubApp, simulator: Simulator) -> None:
    await get_pull(github, simulator)  # token first
    simulator.state.faults.queue(Fault.error(502), times=2)
    simulator.state.push_to_pull("acme/api", 1, "c" * 40)
    assert (await get_pull(github, simulator))["head"]["sha"] == "c" * 40
    statuses = [
        r.status for r in simulator.state.requests_matching("GET", "/repos/acme/api/pulls/1")
    ]
    assert statuses == [200, 502, 502, 200]


async def test_reads_give_up_after_the_attempts(github: GitHubApp, simulator: Simulator) -> None:
    await get_pull(github, simulator)
    simulator.state.faults.queue(Fault.error(500), times=FAST.read_attempts)
    with pytest.raises(gidgethub.GitHubBroken):
        await get_pull(github, simulator)


async def test_timeouts_are_retried_for_reads(github: GitHubApp, simulator: Simulator) -> None:
    await get_pull(github, simulator)
    simulator.state.faults.queue(Fault.timeout(2.0))
    assert (await get_pull(github, simulator))["number"] == 1


async def test_persistent_timeouts_surface_as_unavailable(
    github: GitHubApp, simulator: Simulator
) -> None:
    await get_pull(github, simulator)
    simulator.state.faults.queue(Fault.timeout(2.0), times=FAST.read_attempts)
    with pytest.raises(GitHubUnavailable):
        await get_pull(github, simulator)


async def test_writes_are_never_retried_blindly(github: GitHubApp, simulator: Simulator) -> None:
    api = github.installation(installation_id(simulator))
    await get_pull(github, simulator)
    simulator.state.faults.queue(Fault.error(502))
    with pytest.raises(gidgethub.GitHubBroken):
        await api.post(
            "/repos/{+repository}/check-runs",
            url_vars={"repository": "acme/api"},
            data={"name": "paasbot", "head_sha": "a" * 40},
        )
    assert len(simulator.state.requests_matching("POST", "/repos/acme/api/check-runs")) == 1
    assert simulator.state.check_runs_for("acme/api", "a" * 40) == []


async def test_writes_that_can_be_made_twice_are_retried(
    github: GitHubApp, simulator: Simulator
) -> None:
    api = github.installation(installation_id(simulator))
    await get_pull(github, simulator)
    simulator.state.faults.queue(Fault.error(502, method="POST", after=True))
    simulator.state.faults.queue(Fault.error(500, method="POST"))
    labels = await api.post(
        "/repos/{+repository}/issues/{number}/labels",
        url_vars={"repository": "acme/api", "number": "1"},
        data={"labels": ["ship"]},
    )
    assert [label["name"] for label in labels] == ["ship"]
    assert len(simulator.state.requests_matching("POST", "/repos/acme/api/issues/1/labels")) == 3


async def test_a_short_secondary_rate_limit_is_waited_out(
    github: GitHubApp, simulator: Simulator
) -> None:
    await get_pull(github, simulator)
    simulator.state.faults.queue(Fault.secondary_rate_limit(retry_after=0))
    simulator.state.push_to_pull("acme/api", 1, "d" * 40)
    assert (await get_pull(github, simulator))["head"]["sha"] == "d" * 40


async def test_a_long_secondary_rate_limit_reschedules(
    github: GitHubApp, simulator: Simulator, clock: FakeClock
) -> None:
    await get_pull(github, simulator)
    simulator.state.faults.queue(Fault.secondary_rate_limit(retry_after=120))
    with pytest.raises(RescheduleRequired) as reschedule:
        await get_pull(github, simulator)
    assert reschedule.value.at == pytest.approx(clock.now + 120)


async def test_a_secondary_rate_limit_holds_every_call_of_the_installation_until_it_ends(
    github: GitHubApp, simulator: Simulator, clock: FakeClock
) -> None:
    await get_pull(github, simulator)
    simulator.state.faults.queue(Fault.secondary_rate_limit(retry_after=120))
    with pytest.raises(RescheduleRequired):
        await get_pull(github, simulator)
    sent = len(simulator.state.requests)
    api = github.installation(installation_id(simulator))
    with pytest.raises(RescheduleRequired) as held:
        await api.getitem("/repos/{+repository}", url_vars={"repository": "acme/api"})
    assert held.value.at == pytest.approx(clock.now + 120)
    assert len(simulator.state.requests) == sent, "nothing sent while GitHub asked to wait"
    clock.advance(121)
    assert (await get_pull(github, simulator))["number"] == 1


async def test_a_spent_primary_limit_reschedules_until_the_reset(
    github: GitHubApp, simulator: Simulator, clock: FakeClock
) -> None:
    await get_pull(github, simulator)
    simulator.state.exhaust_rate_limit(installation_id(simulator), reset_in_seconds=900)
    simulator.state.push_to_pull("acme/api", 1, "e" * 40)
    with pytest.raises(RescheduleRequired) as reschedule:
        await get_pull(github, simulator)
    assert reschedule.value.at == pytest.approx(int(clock.now) + 900, abs=1)


async def test_the_reserve_stops_calls_before_the_limit(
    simulator: Simulator, clock: FakeClock
) -> None:
    budget = simulator.state.rate_budget(installation_id(simulator))
    budget.remaining = 50
    async with aiohttp.ClientSession() as session:
        github = GitHubApp(
            session,
            base_url=simulator.base_url,
            app_id=simulator.state.app_id,
            private_key=simulator.state.private_key_pem,
            policy=ClientPolicy(rate_limit_reserve=100),
            clock=clock,
        )
        await get_pull(github, simulator)
        sent = len(simulator.state.requests)
        with pytest.raises(RescheduleRequired, match="left"):
            await get_pull(github, simulator)
        assert len(simulator.state.requests) == sent, "nothing sent once the reserve is reached"


async def test_calls_are_counted_per_installation_endpoint_and_subject(
    github: GitHubApp, simulator: Simulator
) -> None:
    token = CURRENT_SUBJECT.set("acme/api#1")
    try:
        await get_pull(github, simulator)
        await get_pull(github, simulator)
    finally:
        CURRENT_SUBJECT.reset(token)
    counts = github.counter.drain()
    by_endpoint = {
        (k.method, k.endpoint, k.subject, k.installation_id): s.calls for k, s in counts.items()
    }
    assert (
        by_endpoint[
            ("GET", "/repos/{owner}/{repo}/pulls/{n}", "acme/api#1", installation_id(simulator))
        ]
        == 2
    )
    assert by_endpoint[("POST", "/app/installations/{n}/access_tokens", "acme/api#1", None)] == 1
    assert github.counter.drain() == {}


def test_endpoint_names() -> None:
    assert (
        endpoint_of("https://ghe/api/v3/repos/acme/api/pulls/12?page=2", "/api/v3")
        == "/repos/{owner}/{repo}/pulls/{n}"
    )
    assert endpoint_of(
        "https://ghe/api/v3/repos/a/b/commits/" + "f" * 40 + "/check-runs", "/api/v3"
    ) == ("/repos/{owner}/{repo}/commits/{sha}/check-runs")
    assert endpoint_of("https://ghe/api/v3/repos/a/b/contents/src/app/main.py", "/api/v3") == (
        "/repos/{owner}/{repo}/contents/{path}"
    )
    assert endpoint_of("https://api.github.com/app/installations/7/access_tokens", "") == (
        "/app/installations/{n}/access_tokens"
    )


def test_counter_totals() -> None:
    counter = CallCounter()
    counter.record(1, "GET", "/x", 200)
    counter.record(1, "GET", "/x", 304)
    counter.record(1, "GET", "/x", None)
    assert counter.total() == 3
    stats = next(iter(counter.drain().values()))
    assert (stats.calls, stats.not_modified, stats.failed) == (3, 1, 1)
