"""The rule engine's memory of a pull request: one JSON document, read and written once per
evaluation."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.dialect import insert_for
from app.store.tables import pull_memories


async def load_memory(conn: AsyncConnection, subject_key: str) -> dict[str, Any]:
    c = pull_memories.c
    row = (await conn.execute(select(c.document).where(c.subject_key == subject_key))).first()
    return json.loads(row.document) if row else {}


async def save_memory(
    conn: AsyncConnection, subject_key: str, document: dict[str, Any], now: float
) -> None:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    stmt = insert_for(conn, pull_memories).values(
        subject_key=subject_key, document=text, updated_at=now
    )
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[pull_memories.c.subject_key],
            set_={"document": text, "updated_at": now},
        )
    )
