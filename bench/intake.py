"""Intake benchmark: p50/p99 of POST /api/github/webhooks at a fixed rate, and the saturated
throughput, for paasbot (SQLite, PostgreSQL) and a bare 202 handler measured in the same run.

    python -m bench.intake [--rate 200] [--seconds 10] [--postgres postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp

from app.web.signature import sign
from bench.figures import Figure, below

SECRET = "bench-secret"
RESULTS = Path(__file__).parent / "results"
POSTGRES = os.environ.get("PAASBOT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
SIZES = {
    "full": {"rate": 200.0, "seconds": 10.0},
    "quick": {"rate": 200.0, "seconds": 3.0},
    "tiny": {"rate": 50.0, "seconds": 0.5},
}


@dataclass
class Figures:
    server: str
    rate: float
    sent: int
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    saturated_per_s: float


def deliveries(count: int, pulls: int = 200) -> list[tuple[str, bytes]]:
    """A realistic mix: PR events, statuses and check runs spread over `pulls` PRs."""
    out = []
    for i in range(count):
        number = i % pulls + 1
        sha = f"{number:040x}"
        kind = i % 4
        if kind == 0:
            event, payload = "pull_request", _pull_request(number, sha)
        elif kind == 1:
            event, payload = "status", {**_base(), "sha": sha, "state": "success", "context": "ci"}
        elif kind == 2:
            event, payload = "pull_request_review", _pull_request(number, sha, review=True)
        else:
            event, payload = "check_run", _check_run(number, sha)
        out.append((event, json.dumps(payload).encode()))
    return out


def _base() -> dict[str, Any]:
    return {"installation": {"id": 1}, "repository": {"full_name": "acme/api", "id": 1}}


def _pull_request(number: int, sha: str, review: bool = False) -> dict[str, Any]:
    pull = {
        "number": number,
        "state": "open",
        "title": "A change " + "x" * 200,
        "body": "Description " * 100,
        "head": {"sha": sha, "ref": f"feature-{number}"},
        "base": {"ref": "main", "sha": "f" * 40},
    }
    payload = {**_base(), "action": "submitted" if review else "synchronize", "pull_request": pull}
    if review:
        payload["review"] = {"state": "approved", "user": {"login": "bob"}}
    return payload


def _check_run(number: int, sha: str) -> dict[str, Any]:
    check = {
        "head_sha": sha,
        "name": "build",
        "status": "completed",
        "conclusion": "success",
        "app": {"id": 99},
        "pull_requests": [
            {"number": number, "base": {"ref": "main", "repo": {"url": "/repos/acme/api"}}}
        ],
    }
    return {**_base(), "action": "completed", "check_run": check}


async def _send(session: aiohttp.ClientSession, url: str, event: str, body: bytes) -> float:
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(SECRET, body),
        "Content-Type": "application/json",
    }
    started = time.perf_counter()
    async with session.post(url, data=body, headers=headers) as response:
        await response.read()
        if response.status != 202:
            raise RuntimeError(f"HTTP {response.status}")
    return (time.perf_counter() - started) * 1000


async def fixed_rate(url: str, rate: float, seconds: float) -> tuple[list[float], int]:
    """Open loop: requests start on schedule whether or not earlier ones finished."""
    load = deliveries(int(rate * seconds))
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()

        async def one(i: int, event: str, body: bytes) -> None:
            nonlocal errors
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                latencies.append(await _send(session, url, event, body))
            except Exception:
                errors += 1

        await asyncio.gather(*(one(i, e, b) for i, (e, b) in enumerate(load)))
    return latencies, errors


async def saturated(url: str, seconds: float, concurrency: int = 32) -> float:
    """Closed loop: `concurrency` clients send back to back; deliveries per second."""
    load = deliveries(100_000)
    done = 0
    deadline = time.perf_counter() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def client(offset: int) -> None:
            nonlocal done
            i = offset
            while time.perf_counter() < deadline:
                event, body = load[i % len(load)]
                await _send(session, url, event, body)
                done += 1
                i += concurrency

        started = time.perf_counter()
        await asyncio.gather(*(client(k) for k in range(concurrency)))
    return done / (time.perf_counter() - started)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(mode: str, database_url: str = "") -> tuple[subprocess.Popen, str]:
    port = _free_port()
    command = [sys.executable, "-m", "bench.servers", mode, "--port", str(port), "--secret", SECRET]
    if database_url:
        command += ["--database-url", database_url]
    root = Path(__file__).resolve().parents[1]
    process = subprocess.Popen(command, cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    url = f"http://127.0.0.1:{port}/api/github/webhooks"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{mode} server did not start")


async def measure_server(
    name: str, mode: str, rate: float, seconds: float, database_url: str = ""
) -> Figures:
    process, url = _start(mode, database_url)
    try:
        await fixed_rate(url, rate, min(seconds, 1.0))  # warm-up
        latencies, errors = await fixed_rate(url, rate, seconds)
        throughput = await saturated(url, min(seconds, 5.0))
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    ordered = sorted(latencies) or [float("nan")]
    return Figures(
        server=name,
        rate=rate,
        sent=len(latencies) + errors,
        errors=errors,
        p50_ms=round(statistics.median(ordered), 2),
        p99_ms=round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
        max_ms=round(ordered[-1], 2),
        saturated_per_s=round(throughput, 1),
    )


def _fresh_postgres(admin_url: str) -> str:
    return asyncio.run(_create_database(admin_url))


async def _create_database(admin_url: str) -> str:
    """A new empty database next to `admin_url`'s; its SQLAlchemy URL."""
    import asyncpg

    name = f"paasbot_bench_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return (
        admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"
    )


async def _drop_database(admin_url: str, database_url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(admin_url)
    try:
        name = database_url.rsplit("/", 1)[1]
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def postgres_version(admin_url: str) -> str | None:
    """The server's version when PostgreSQL answers at `admin_url`, else None."""
    try:
        import asyncpg

        connection = await asyncpg.connect(admin_url, timeout=2.0)
    except Exception:
        return None
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


async def measure(
    rate: float = 200.0, seconds: float = 10.0, postgres: str | None = POSTGRES
) -> list[Figure]:
    """The suite's figures: each server's p50/p99 at `rate` and saturated throughput, paasbot's
    as a ratio of the bare handler's measured in the same run; PostgreSQL when it answers."""
    runs = [("bare", "bare", ""), ("sqlite", "paasbot", "")]
    if postgres and await postgres_version(postgres):
        runs.append(("postgresql", "paasbot", await _create_database(postgres)))
    figures: list[Figure] = []
    bare = float("nan")
    for name, mode, database_url in runs:
        try:
            result = await measure_server(name, mode, rate, seconds, database_url)
        finally:
            if database_url and postgres:
                await _drop_database(postgres, database_url)
        where = f"intake {name}"
        if mode == "bare":
            bare = result.saturated_per_s
            figures += [
                Figure(f"{where} p99 at {rate:g}/s", result.p99_ms, "ms"),
                Figure(f"{where} saturated", result.saturated_per_s, "deliveries/s"),
            ]
            continue
        ratio = round(result.saturated_per_s / bare, 3) if bare else float("nan")
        figures += [
            Figure(f"{where} p50 at {rate:g}/s", result.p50_ms, "ms"),
            below(f"{where} p99 at {rate:g}/s", result.p99_ms, "ms", 25),
            Figure(
                f"{where} errors at {rate:g}/s",
                result.errors,
                "deliveries",
                "0",
                result.errors == 0,
            ),
            Figure(f"{where} saturated", result.saturated_per_s, "deliveries/s"),
            Figure(f"{where} saturated vs bare", ratio, "ratio", ">= 0.5", bool(ratio >= 0.5)),
        ]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    runs = [("bare aiohttp 202", "bare", ""), ("paasbot sqlite", "paasbot", "")]
    if not args.no_postgres:
        runs.append(("paasbot postgresql", "paasbot", _fresh_postgres(args.postgres)))
    results = [
        asyncio.run(measure_server(name, mode, args.rate, args.seconds, url))
        for name, mode, url in runs
    ]
    bare = results[0].saturated_per_s
    print(
        f"\nintake at {args.rate:.0f} deliveries/s for {args.seconds:.0f} s (target: p99 < 25 ms; "
        "saturated throughput >= 50% of bare)"
    )
    columns = ("sent", "errors", "p50 ms", "p99 ms", "max ms", "sat/s", "vs bare")
    print(f"{'server':<22}" + "".join(f"{c:>9}" for c in columns))
    for r in results:
        ratio = r.saturated_per_s / bare if bare else float("nan")
        print(
            f"{r.server:<22}{r.sent:>9}{r.errors:>9}{r.p50_ms:>9}{r.p99_ms:>9}{r.max_ms:>9}"
            f"{r.saturated_per_s:>9}{ratio:>9.2f}"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "intake.json").write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
