"""Propagation benchmark: a library release propagated to N dependents through real HTTP (paasbot
and the GitHub simulator on loopback). Three dependents in four use the package (requirements.txt
pinned one version behind), one does not. Prints the GitHub API calls paasbot made for the release
(per dependent and by kind), then for the same release announced again, and the wall time.

    python -m bench.propagate [--dependents 40] [--discover] [--database-url sqlite+aiosqlite:///x.db]

With `--discover` the dependents are found by reading every repository's manifests (the first
release reads them, a second release of another version uses the cache).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from app.sandbox import SimulatedGitHub
from app.sandbox.actors_repos import publish_release
from app.sandbox.demo import DemoStage, start_stage
from app.sandbox.webhooks.dispatcher import reserialised
from app.store.queue import QueuePolicy
from app.store.tables import evaluations, subjects
from bench.endpoints import endpoint_kind
from bench.figures import Figure

LIBRARY = "acme/auth-lib"
SIZES = {"full": {"dependents": 40}, "quick": {"dependents": 12}, "tiny": {"dependents": 4}}


def library_config(dependents: int, discover: bool) -> str:
    where = "discover: true" if discover else f"to: [{', '.join(names(dependents))}]"
    return (
        "rules:\n  - name: Bump\n    on: [release.published]\n    do:\n"
        f"      propagate: {{package: acme-auth, ecosystem: pip, {where},"
        " max_prs_per_minute: 60}\n"
    )


def names(dependents: int) -> list[str]:
    return [f"acme/service-{n:03d}" for n in range(dependents)]


def seeded(dependents: int, discover: bool) -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    config = library_config(dependents, discover)
    state.add_repository(installation, "auth-lib", files={".paasbot.yml": config})
    for n, name in enumerate(names(dependents)):
        uses = n % 4 != 3
        files = {"requirements.txt": "acme-auth==1.3.0\nrequests>=2\n"} if uses else {}
        files["src/app.py"] = "print('hello')\n"
        state.add_repository(installation, name.split("/")[1], files=files)
    return state


async def release_subject_calls(stage: DemoStage) -> int:
    """The API calls of the release subjects' evaluations (the rest are the bump PRs' own
    evaluations, as for any PR)."""
    query = (
        select(func.coalesce(func.sum(evaluations.c.api_calls), 0))
        .select_from(evaluations.join(subjects, evaluations.c.subject_id == subjects.c.id))
        .where(subjects.c.kind == "release")
    )
    async with stage.bot.db.reader() as conn:
        return int(await conn.scalar(query) or 0)


def calls_since(stage: DemoStage, start: int) -> Counter[str]:
    return Counter(
        endpoint_kind(request.method, request.path)
        for request in stage.state.requests[start:]
        if not request.path.startswith("/app/")
    )


async def settle_through_pauses(stage: DemoStage, within: float = 300.0) -> None:
    """Beyond 60 PRs the propagation pauses until the next minute: settle until it is done."""
    deadline = time.monotonic() + within
    while True:
        try:
            await stage.settle()
            return
        except TimeoutError:
            if time.monotonic() > deadline:
                raise


async def release(stage: DemoStage, tag: str) -> tuple[Counter[str], float]:
    start, started = len(stage.state.requests), time.perf_counter()
    publish_release(stage.state, LIBRARY, tag)
    await settle_through_pauses(stage)
    return calls_since(stage, start), time.perf_counter() - started


async def run(
    dependents: int, discover: bool, database_url: str, supersede: bool = True
) -> dict[str, Any]:
    state = seeded(dependents, discover)
    policy = QueuePolicy(coalesce_seconds=0.2, backoff_base_seconds=0.05)
    stage = await start_stage(state, database_url, queue_policy=policy)
    try:
        await stage.settle()
        before = await release_subject_calls(stage)
        calls, seconds = await release(stage, "v1.4.0")
        own = await release_subject_calls(stage) - before
        opened = sum(
            1
            for name in names(dependents)
            for pull in state.pulls_in(name)
            if pull.head_ref.startswith("paasbot/bump-")
        )
        published = [d for d in stage.dispatcher.deliveries if d.action == "published"][-1]
        start = len(state.requests)
        stage.dispatcher.send_again(
            published, delivery_id=str(uuid.uuid4()), body=reserialised(published)
        )
        await stage.settle()
        again = sum(calls_since(stage, start).values())
        superseding, superseding_seconds = Counter[str](), 0.0
        if supersede:  # its PRs, with the first release's, reach 60 a minute: a pause
            superseding, superseding_seconds = await release(stage, "v1.5.0")
    finally:
        await stage.close()
    return {
        "dependents": dependents,
        "discover": discover,
        "opened": opened,
        "calls": calls,
        "total": sum(calls.values()),
        "seconds": seconds,
        "own": own,
        "again": again,
        "superseding": sum(superseding.values()),
        "superseding_seconds": superseding_seconds,
    }


async def measure(dependents: int = 40) -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        r = await run(dependents, False, url, supersede=False)
    where = f"propagation to {dependents} dependents"
    opened = max(r["opened"], 1)
    return [
        Figure(f"{where}: bump PRs opened", r["opened"], "PRs"),
        Figure(f"{where}: API calls per dependent", round(r["total"] / dependents, 1), "calls"),
        Figure(f"{where}: release's own calls per PR opened", round(r["own"] / opened, 1), "calls"),
        Figure(f"{where}: same release again", r["again"], "calls"),
        Figure(f"{where}: wall time", round(r["seconds"], 2), "s"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dependents", type=int, default=40)
    parser.add_argument("--discover", action="store_true")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        r = asyncio.run(run(args.dependents, args.discover, url))
    dependents, opened, total, own = r["dependents"], r["opened"], r["total"], r["own"]
    print(f"dependents: {dependents} ({opened} bump PRs opened), discover: {r['discover']}")
    print(f"release v1.4.0: {total} API calls, {total / dependents:.1f} per dependent,")
    print(f"  {total / max(opened, 1):.1f} per PR opened; {r['seconds']:.2f} s")
    print(
        f"  of which the propagation itself: {own} ({own / dependents:.1f} per dependent,"
        f" {own / max(opened, 1):.1f} per PR opened); the rest: the new PRs' evaluations"
    )
    for shape, count in r["calls"].most_common():
        print(f"  {count:5d}  {shape}")
    print(f"the same release announced again: {r['again']} API calls")
    print(
        f"release v1.5.0 (supersedes v1.4.0's PRs): {r['superseding']} API calls,"
        f" {r['superseding_seconds']:.2f} s"
    )


if __name__ == "__main__":
    main()
