"""`app/store/pull_memory.py` on SQLite and PostgreSQL: one JSON document per pull request."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.engine.memory import ActionMemory, PullMemory
from app.store.db import Database
from app.store.pull_memory import load_memory, save_memory
from app.store.tables import pull_memories

NOW = 1_800_000_000.0
KEY = "acme/api#12"


async def save(db: Database, document: dict[str, Any], key: str = KEY, now: float = NOW) -> None:
    async with db.transaction() as conn:
        await save_memory(conn, key, document, now)


async def load(db: Database, key: str = KEY) -> dict[str, Any]:
    async with db.reader() as conn:
        return await load_memory(conn, key)


async def test_a_pull_request_never_saved_has_an_empty_memory(db: Database) -> None:
    assert await load(db) == {}


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"rules": {"Ready": True, "Needs review": False}},
        {"commands": [1, 2, 3], "config": "abc", "config_checked": None},
        {
            "actions": {
                "label@Ready": {"state": {"added": ["ok"]}, "changes": [1.5], "stopped": None}
            }
        },
        {"note": '🎉 ünïcødé, "quotes" and \\ backslashes', "nested": [[{"a": [None]}]]},
    ],
)
async def test_a_saved_document_comes_back_as_it_was(
    db: Database, document: dict[str, Any]
) -> None:
    await save(db, document)
    assert await load(db) == document


async def test_saving_again_replaces_the_document(db: Database) -> None:
    await save(db, {"rules": {"A": True}, "commands": [1]}, now=NOW)
    await save(db, {"rules": {"B": False}}, now=NOW + 5)
    assert await load(db) == {"rules": {"B": False}}
    async with db.reader() as conn:
        rows = (await conn.execute(select(pull_memories))).mappings().all()
    assert len(rows) == 1 and rows[0]["updated_at"] == NOW + 5


async def test_memories_are_kept_per_pull_request(db: Database) -> None:
    await save(db, {"rules": {"A": True}}, key="acme/api#1")
    await save(db, {"rules": {"A": False}}, key="acme/api#2")
    await save(db, {"rules": {"A": None}}, key="acme/web#1")
    assert await load(db, "acme/api#1") == {"rules": {"A": True}}
    assert await load(db, "acme/api#2") == {"rules": {"A": False}}
    assert await load(db, "acme/web#1") == {"rules": {"A": None}}
    assert await load(db, "acme/web#2") == {}


async def test_the_stored_text_is_compact_and_stable(db: Database) -> None:
    await save(db, {"b": 1, "a": {"d": 2, "c": 3}})
    async with db.reader() as conn:
        text = await conn.scalar(select(pull_memories.c.document))
    assert text == '{"a":{"c":3,"d":2},"b":1}'


async def test_a_rolled_back_save_leaves_the_previous_memory(db: Database) -> None:
    await save(db, {"rules": {"A": True}})
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await save_memory(conn, KEY, {"rules": {"A": False}}, NOW + 1)
            raise RuntimeError("evaluation failed")
    assert await load(db) == {"rules": {"A": True}}


async def test_a_pull_memory_survives_a_round_trip(db: Database) -> None:
    memory = PullMemory()
    memory.set_rule_matched("Ready", True)
    memory.set_action("Ready", "label", ActionMemory({"added": ["ok"]}, [NOW], None))
    memory.remember_command(1001)
    memory.set_config_checked("a" * 40, "note")
    await save(db, memory.document)
    again = PullMemory(await load(db))
    assert again.rule_matched("Ready") is True
    assert again.action("Ready", "label") == ActionMemory({"added": ["ok"]}, [NOW], None)
    assert again.command_answered(1001) and not again.command_answered(1002)
    assert again.config_checked_for == "a" * 40 and again.config_note == "note"
