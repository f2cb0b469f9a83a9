"""Persisting the API call counts the client accumulates."""

from __future__ import annotations

from sqlalchemy import insert

from app.github.calls import CallKey, CallStats
from app.store.db import Database
from app.store.tables import api_calls


async def save_call_counts(db: Database, counts: dict[CallKey, CallStats], now: float) -> None:
    if not counts:
        return
    rows = [
        {
            "recorded_at": now,
            "installation_id": key.installation_id,
            "subject": key.subject,
            "method": key.method,
            "endpoint": key.endpoint,
            "calls": stats.calls,
            "not_modified": stats.not_modified,
            "failed": stats.failed,
        }
        for key, stats in counts.items()
    ]
    async with db.transaction() as conn:
        await conn.execute(insert(api_calls), rows)
