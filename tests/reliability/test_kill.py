"""`kill -9` of paasbot processes during the trace (issue 13): bench/kill.py's harness with a few
kill points on a short trace (the full run, 20 kill points on 20 PRs: `python -m bench.kill`).
SQLite: one process, restarted after each kill; PostgreSQL: two replicas, the survivor takes
over (skipped locally without PostgreSQL, failed in CI). Nothing lost, nothing done twice,
nothing left pending, and the same end as the run without kills."""

from __future__ import annotations

import asyncio
import random

from app.sandbox.webhooks.dispatcher import Delivery
from bench.kill import Comparison, compare, describe, tally_deliveries
from bench.kill_points import WAYS, Kill, Killer, KillPoint, Launcher, plan_kills
from bench.scale import duplicate_count
from tests.db_fixtures import PG_ADMIN_URL

PULLS = 5
KILLS = 4
SEED = 13


def _attempt(guid: str, status: int | None, *, redelivery: bool = False) -> Delivery:
    delivery = Delivery(guid, "push", None, 1, {}, b"{}", redelivery=redelivery)
    if status is None:
        delivery.error = "ClientConnectorError: connection refused"
    else:
        delivery.status = status
    return delivery


def test_a_delivery_paasbot_never_stored_is_lost_whatever_github_was_told() -> None:
    attempts = [
        _attempt("ok", 202),
        _attempt("refused-then-redelivered", None),
        _attempt("refused-then-redelivered", 202, redelivery=True),
        _attempt("stored-but-unanswered", None),  # killed after storing, before answering
        _attempt("refused-for-good", None),
        _attempt("acknowledged-but-missing", 202),
    ]
    stored = {"ok", "refused-then-redelivered", "stored-but-unanswered"}
    tally = tally_deliveries(attempts, stored)
    assert tally.sent == 5
    assert tally.first_failed == 3
    assert tally.redelivered == 1
    assert tally.lost == ["acknowledged-but-missing", "refused-for-good"]


def test_kill_points_are_seeded_ordered_and_inside_the_trace() -> None:
    plan = plan_kills(20, 7, random.Random(1))
    assert plan == plan_kills(20, 7, random.Random(1))
    assert len(plan) == 20
    assert all(0 <= p.tick < 7 and p.way in WAYS for p in plan)
    assert plan == sorted(plan, key=lambda p: (p.tick, p.delay))


def test_what_a_kill_interrupted() -> None:
    point = KillPoint(0, 0.1, "on-merge")
    merging = Kill(point, 0, 1, 0.0, ["PUT /repos/acme/shop/pulls/3/merge"], None, ["x"])
    assert merging.mid_request and merging.mid_merge and merging.mid_evaluation
    receiving = Kill(point, 0, 1, 0.0, [], "a-delivery", [])
    assert receiving.mid_request and not receiving.mid_merge and not receiving.mid_evaluation
    idle = Kill(point, 0, 1, 0.0, [], None, [])
    assert not (idle.mid_request or idle.mid_evaluation)


def test_kill_points_of_ticks_a_run_never_reached_happen_after_its_last_tick() -> None:
    # The plan is drawn over the ticks of the run without kills; a run with them may end a tick
    # or two sooner (CI once saw 8 ticks against 9, and 3 kills of 4).
    plan = [KillPoint(0, 0.1, "timed"), KillPoint(2, 0.2, "timed"), KillPoint(8, 0.3, "timed")]
    carried_out: list[list[KillPoint]] = []
    settles: list[str] = []

    class Simulated:
        on_write = None

    launcher = Launcher(Simulated(), "", 0.0, None, {}, [])  # type: ignore[arg-type]
    killer = Killer([], launcher, None, plan, random.Random(1), True)  # type: ignore[arg-type]

    async def kill_all(points: list[KillPoint]) -> None:
        carried_out.append(list(points))

    async def settle() -> None:
        settles.append("settle")

    killer._kill_all = kill_all  # type: ignore[method-assign]

    async def run() -> None:
        settle_tick = killer.settle_with_kills(settle)
        for _ in range(3):  # before the trace, ticks 0 and 1
            await settle_tick()
        await killer.finish(settle)

    asyncio.run(run())
    assert carried_out == [[plan[0]], [plan[1], plan[2]]]
    assert len(settles) == 5  # one each, two for tick 0 (while killing, then after), one more


def _assert_survived(comparison: Comparison) -> None:
    run = comparison.killed
    report = "\n".join(describe(comparison, PULLS))
    assert len(run.kills) == KILLS, report
    # The kills must have hit work, or the test proves nothing.
    assert any(kill.mid_request or kill.mid_evaluation for kill in run.kills), report
    assert run.lost == [], report
    assert duplicate_count(run.duplicates) == 0, report
    assert run.state_duplicates == [], report
    assert run.unfinished == [], report
    assert comparison.differences == [], report


def test_sqlite_restarted_after_each_kill_loses_and_repeats_nothing() -> None:
    _assert_survived(asyncio.run(compare("sqlite", PULLS, KILLS, SEED, None)))


def test_postgresql_replica_takes_over_and_nothing_is_lost_or_repeated(postgres_url: str) -> None:
    # postgres_url: skipped without PostgreSQL locally, failed in CI; the harness makes its own
    # fresh databases next to it.
    del postgres_url
    comparison = compare("postgres", PULLS, KILLS, SEED, PG_ADMIN_URL)
    _assert_survived(asyncio.run(comparison))
