"""The servers the benchmarks load, run in their own process: paasbot's intake (workers off, so the
intake benchmark's figure is the intake's own), a bare aiohttp handler that only answers 202, and
(`full`, for bench/scale.py) a whole paasbot (intake and workers) configured by the environment as
in production (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, GHE_HOST, DATABASE_URL, COALESCE_SECONDS,
REDELIVERY_INTERVAL_SECONDS for its redelivery sweeper...),
on a database migrated beforehand, which exits when the process that started it is gone."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator

from aiohttp import web


def bare_app() -> web.Application:
    async def accept(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"status": "ok"}, status=202)

    app = web.Application()
    app.router.add_post("/api/github/webhooks", accept)
    return app


def paasbot_app(database_url: str, secret: str) -> web.Application:
    from app.sandbox.keys import new_app_key_pem
    from app.service import Paasbot
    from app.settings import load_settings
    from app.store.migrate import upgrade
    from app.web.server import create_web_app

    upgrade(database_url)
    settings = load_settings(
        {
            "APP_ID": "1",
            "PRIVATE_KEY": new_app_key_pem(),
            "WEBHOOK_SECRET": secret,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "warning",
        }
    )
    return create_web_app(Paasbot(settings), run_workers=False)


def full_app(backoff_base_seconds: float) -> web.Application:
    from app.logs import configure_logging
    from app.service import Paasbot
    from app.settings import load_settings
    from app.store.queue import QueuePolicy
    from app.web.server import create_web_app

    settings = load_settings()
    configure_logging(settings.log_level)
    policy = QueuePolicy(
        coalesce_seconds=settings.coalesce_seconds,
        lease_seconds=settings.lease_seconds,
        backoff_base_seconds=backoff_base_seconds,
    )
    app = create_web_app(Paasbot(settings, queue_policy=policy))
    app.cleanup_ctx.append(_exit_with_parent)
    return app


async def _exit_with_parent(_app: web.Application) -> AsyncIterator[None]:
    """An orphan (its benchmark killed hard) must not keep working on a dropped database."""
    parent = os.getppid()

    async def watch() -> None:
        while True:
            await asyncio.sleep(1.0)
            if os.getppid() != parent:
                os._exit(3)

    task = asyncio.create_task(watch())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["bare", "paasbot", "full"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--secret", default="bench-secret")
    parser.add_argument("--backoff", type=float, default=0.05, help="full: retry backoff base")
    args = parser.parse_args()
    if args.mode == "bare":
        app = bare_app()
    elif args.mode == "full":
        app = full_app(args.backoff)
    else:
        url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
        app = paasbot_app(url, args.secret)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
