"""Merge queue benchmark: N approved PRs on a `main` that must be up to date and green, labelled
for merging at once, merged one after the other through real HTTP (paasbot and the GitHub
simulator on loopback; a CI stand-in posts `ci/build` success on every new head). Prints the GitHub
API calls paasbot made per merged PR (by kind), the evaluations, and the wall time.

    python -m bench.merge_queue [--pulls 3] [--database-url sqlite+aiosqlite:///x.db]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from app.sandbox import SimulatedGitHub
from app.sandbox.actors_pulls import add_labels, review
from app.sandbox.actors_repos import add_collaborator, post_status, set_protection
from app.sandbox.demo import DemoStage, start_stage
from app.sandbox.ops.statuses import statuses_for
from app.store.queue import QueuePolicy
from app.store.tables import evaluations
from bench.figures import Figure

REPO = "acme/shop"
SIZES = {"full": {"pulls": 10}, "quick": {"pulls": 3}, "tiny": {"pulls": 1}}
CONFIG = """
rules:
  - name: Merge approved PRs
    if: ["#approved-reviews-by>=1", label=ship, -draft]
    do:
      merge: {method: squash}
"""


def seeded(pulls: int) -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    state.add_repository(installation, "shop", files={".paasbot.yml": CONFIG, "README.md": "#\n"})
    for login in ("alice", "bob"):
        add_collaborator(state, REPO, login, "write")
    set_protection(state, REPO, "main", ["ci/build"], require_up_to_date=True)
    for n in range(1, pulls + 1):
        state.commit(REPO, f"b{n}", {f"src/m{n}.py": f"x = {n}\n"}, author="alice")
        pull = state.open_pull(REPO, f"Change {n}", head_ref=f"b{n}")
        post_status(state, REPO, pull.head_sha, "ci/build", "success")
        review(state, REPO, pull.number, "bob", "APPROVE", "ok")
    return state


def ci_on_new_heads(state: SimulatedGitHub) -> int:
    repository = state.repository(REPO)
    fresh = [
        pull.head_sha
        for pull in state.pulls_in(REPO)
        if pull.state == "open" and not statuses_for(state, repository, pull.head_sha)
    ]
    for sha in fresh:
        post_status(state, REPO, sha, "ci/build", "success")
    return len(fresh)


async def evaluations_run(stage: DemoStage) -> int:
    async with stage.bot.db.reader() as conn:
        return int(await conn.scalar(select(func.count()).select_from(evaluations)) or 0)


async def run(pulls: int, database_url: str) -> dict[str, Any]:
    state = seeded(pulls)
    policy = QueuePolicy(coalesce_seconds=0.2, backoff_base_seconds=0.05)
    stage = await start_stage(state, database_url, queue_policy=policy)
    try:
        await stage.settle()
        start, evaluated = len(state.requests), await evaluations_run(stage)
        started = time.perf_counter()
        for number in range(1, pulls + 1):
            add_labels(state, REPO, number, ["ship"], sender="alice")
        for _ in range(4 * pulls):
            await stage.settle()
            if not ci_on_new_heads(state):
                break
        elapsed = time.perf_counter() - started
        merged = sum(1 for pull in state.pulls_in(REPO) if pull.merged)
        calls = [r for r in state.requests[start:] if not r.path.startswith("/app/")]
        return {
            "pulls": pulls,
            "merged": merged,
            "seconds": elapsed,
            "calls": len(calls),
            "evaluations": await evaluations_run(stage) - evaluated,
            "kinds": Counter(f"{r.method} {_shape(r.path)}" for r in calls),
        }
    finally:
        await stage.close()


async def measure(pulls: int = 3) -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        r = await run(pulls, f"sqlite+aiosqlite:///{folder}/bench.db")
    where = f"merge queue of {pulls}"
    return [
        Figure(f"{where}: PRs merged", r["merged"], "PRs", f"= {pulls}", r["merged"] == pulls),
        Figure(
            f"{where}: API calls per merged PR", round(r["calls"] / max(r["merged"], 1), 1), "calls"
        ),
        Figure(f"{where}: evaluations", r["evaluations"], "evaluations"),
        Figure(f"{where}: wall time", round(r["seconds"], 2), "s"),
    ]


def _shape(path: str) -> str:
    """The endpoint without numbers and SHAs, to group calls by kind."""
    parts = path.split("?")[0].split("/")
    return "/".join("{n}" if part.isdigit() or len(part) == 40 else part for part in parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pulls", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        r = asyncio.run(run(args.pulls, url))
    merged, calls = r["merged"], r["calls"]
    print(f"{merged} of {args.pulls} PRs merged in {r['seconds']:.1f} s")
    print(f"API calls: {calls} ({calls / max(merged, 1):.1f} per merged PR)")
    print(f"evaluations: {r['evaluations']}")
    for kind, count in r["kinds"].most_common(12):
        print(f"  {count:4d}  {kind}")


if __name__ == "__main__":
    main()
