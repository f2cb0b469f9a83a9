"""PostgreSQL LISTEN/NOTIFY: workers of every replica wake up when work is marked anywhere."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg
from sqlalchemy.engine import make_url

from app.store.queue import NOTIFY_CHANNEL

log = logging.getLogger(__name__)
RECONNECT_SECONDS = 2.0


class WorkListener:
    """Keeps one LISTEN connection open (reconnecting when it drops) and calls `on_notify`."""

    def __init__(self, database_url: str, on_notify: Callable[[], None]) -> None:
        self._dsn = (
            make_url(database_url)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        self._on_notify = on_notify
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="paasbot-listen")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self._listen_once()
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning(
                    "LISTEN connection lost; reconnecting", extra={"fields": {"error": str(exc)}}
                )
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _listen_once(self) -> None:
        connection = await asyncpg.connect(self._dsn)
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _conn: lost.set())
        try:
            await connection.add_listener(NOTIFY_CHANNEL, lambda *_args: self._on_notify())
            # Work marked while we were not listening is found by the workers' own polling.
            self._on_notify()
            await lost.wait()
        finally:
            with contextlib.suppress(Exception):
                await connection.close()
