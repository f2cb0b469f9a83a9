"""Coalescing benchmark: 50 deliveries about one pull request within one second, through real HTTP
(paasbot served on loopback, the GitHub simulator behind it). Prints how many evaluations ran, how
many check-run writes reached GitHub (target: <= 3 evaluations) and when the evaluation that took
in the last event finished.

    python -m bench.coalesce [--deliveries 50] [--spread 1.0] [--database-url sqlite+aiosqlite:///x.db]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

from app.sandbox import SimulatedGitHub, create_simulator_app
from app.service import Paasbot
from app.settings import load_settings
from app.store.migrate import upgrade_in_thread
from app.store.tables import evaluations
from app.web.server import WEBHOOK_PATH, create_web_app
from app.web.signature import sign
from bench.figures import Figure, at_most

SECRET = "bench-secret"
SIZES = {
    "full": {"deliveries": 50, "spread": 1.0},
    "quick": {"deliveries": 50, "spread": 1.0},
    "tiny": {"deliveries": 10, "spread": 0.2},
}
HEAD = "c0ffee" + "0" * 34
# A repository without a configuration gets no summary check run: give it one rule.
CONFIG = """
rules:
  - name: Labelled
    if: ["#label>=0"]
"""


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"127.0.0.1:{port}"


def pull_request_event(installation_id: int, action: str) -> dict[str, Any]:
    return {
        "action": action,
        "installation": {"id": installation_id},
        "repository": {"full_name": "acme/api", "id": 1},
        "pull_request": {
            "number": 1,
            "state": "open",
            "head": {"sha": HEAD, "ref": "feature"},
            "base": {"ref": "main"},
        },
    }


async def run(deliveries: int, spread: float, database_url: str) -> dict[str, float]:
    state = SimulatedGitHub(app_id=7)
    installation = state.add_installation("acme")
    state.add_repository(installation, "api", files={".paasbot.yml": CONFIG})
    state.open_pull("acme/api", "A change", head_sha=HEAD, head_ref="feature")
    simulator, github_host = await serve(create_simulator_app(state))
    await upgrade_in_thread(database_url)
    settings = load_settings(
        {
            "APP_ID": "7",
            "PRIVATE_KEY": state.private_key_pem,
            "WEBHOOK_SECRET": SECRET,
            "GHE_HOST": github_host,
            "GHE_PROTOCOL": "http",
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "warning",
        }
    )
    bot = Paasbot(settings)
    paasbot, paasbot_host = await serve(create_web_app(bot))
    url = f"http://{paasbot_host}{WEBHOOK_PATH}"
    try:
        async with aiohttp.ClientSession() as session:
            started, started_wall = time.perf_counter(), time.time()
            for i in range(deliveries):
                body = json.dumps(pull_request_event(installation.id, "labeled")).encode()
                headers = {
                    "X-GitHub-Event": "pull_request",
                    "X-GitHub-Delivery": f"burst-{i}",
                    "X-Hub-Signature-256": sign(SECRET, body),
                }
                async with session.post(url, data=body, headers=headers) as response:
                    assert response.status == 202, await response.text()
                await asyncio.sleep(
                    max(0.0, started + (i + 1) * spread / deliveries - time.perf_counter())
                )
            sent_in = time.perf_counter() - started
            last_finished = await _wait_for_events(bot, deliveries)
            done_in = last_finished - started_wall
        await asyncio.sleep(settings.coalesce_seconds + 0.5)
        async with bot.db.reader() as conn:
            evaluated = await conn.scalar(select(func.count()).select_from(evaluations))
        writes = len(state.requests_matching("POST", "/repos/acme/api/check-runs")) + len(
            state.requests_matching("PATCH", path_prefix="/repos/acme/api/check-runs/")
        )
    finally:
        await paasbot.cleanup()
        await simulator.cleanup()
    return {
        "deliveries": deliveries,
        "sent_in_s": round(sent_in, 3),
        "evaluations": evaluated,
        "check_run_writes": writes,
        "last_event_evaluated_after_s": round(done_in, 3),
    }


async def measure(deliveries: int = 50, spread: float = 1.0) -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        result = await run(deliveries, spread, f"sqlite+aiosqlite:///{folder}/coalesce.db")
    burst = f"coalescing {deliveries} deliveries in {spread:g} s"
    return [
        at_most(f"{burst}: evaluations", result["evaluations"], "evaluations", 3),
        Figure(f"{burst}: check-run writes", result["check_run_writes"], "writes"),
        Figure(f"{burst}: last event evaluated after", result["last_event_evaluated_after_s"], "s"),
    ]


async def _wait_for_events(bot: Paasbot, deliveries: int) -> float:
    """When the evaluation that took in the last of the burst's events finished (the ledger's
    clock, time.time())."""
    query = select(
        func.coalesce(func.sum(evaluations.c.events), 0), func.max(evaluations.c.finished_at)
    )
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline:
        async with bot.db.reader() as conn:
            taken, finished = (await conn.execute(query)).one()
        if taken >= deliveries:
            return float(finished)
        await asyncio.sleep(0.02)
    raise RuntimeError(f"evaluations took in {taken} of {deliveries} events within 30 s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deliveries", type=int, default=50)
    parser.add_argument("--spread", type=float, default=1.0, help="seconds the burst spans")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/coalesce.db"
    figures = asyncio.run(run(args.deliveries, args.spread, url))
    print("\ncoalescing (target: <= 3 evaluations for 50 deliveries in 1 s)")
    for name, value in figures.items():
        print(f"  {name:<32}{value}")


if __name__ == "__main__":
    main()
