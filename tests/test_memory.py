"""`PullMemory`: what the engine remembers of a pull request between evaluations, as one JSON
document (pure), and that document's trip through the database on both engines."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.engine.memory import MAX_COMMANDS_REMEMBERED, ActionMemory, PullMemory
from app.store.db import Database
from app.store.pull_memory import load_memory, save_memory

SUBJECT = "pull_request:7:acme/api#12"


def stopped_memory() -> PullMemory:
    memory = PullMemory()
    memory.set_rule_matched("Fight", True)
    memory.set_action("Fight", "label", ActionMemory({"x": 1}, [1.0, 2.0], "stopped: flapping"))
    memory.set_action("Other", "comment", ActionMemory({"posted": True}, [3.0], None))
    return memory


def test_a_new_memory_knows_nothing() -> None:
    memory = PullMemory()
    assert memory.rule_matched("Ready") is None
    assert memory.action("Ready", "label") == ActionMemory()
    assert memory.config_checked_for is None
    assert memory.config_note is None
    assert not memory.command_answered(1)


@pytest.mark.parametrize("matched", [True, False])
def test_whether_a_rule_matched_is_remembered(matched: bool) -> None:
    memory = PullMemory()
    memory.set_rule_matched("Ready", matched)
    assert memory.rule_matched("Ready") is matched
    assert memory.rule_matched("Other") is None


def test_each_action_of_each_rule_has_its_own_memory() -> None:
    memory = PullMemory()
    memory.set_action("Ready", "label", ActionMemory({"a": 1}, [5.0], None))
    memory.set_action("Ready", "comment", ActionMemory({"posted": True}))
    memory.set_action("Other", "label", ActionMemory(stopped="stopped"))
    assert memory.action("Ready", "label") == ActionMemory({"a": 1}, [5.0], None)
    assert memory.action("Ready", "comment") == ActionMemory({"posted": True})
    assert memory.action("Other", "label").stopped == "stopped"
    assert memory.action("Other", "comment") == ActionMemory()


def test_an_action_memory_read_is_a_copy_until_set_again() -> None:
    memory = PullMemory()
    memory.set_action("Ready", "label", ActionMemory({"a": 1}, [5.0]))
    read = memory.action("Ready", "label")
    read.state["a"] = 2
    read.changes.append(6.0)
    assert memory.action("Ready", "label") == ActionMemory({"a": 1}, [5.0])
    memory.set_action("Ready", "label", read)
    assert memory.action("Ready", "label") == ActionMemory({"a": 2}, [5.0, 6.0])


@pytest.mark.parametrize(
    ("kept", "rules", "actions"),
    [
        pytest.param(
            {"Fight", "Other"},
            {"Fight": True},
            {"label@Fight", "comment@Other"},
            id="all kept",
        ),
        pytest.param({"Other"}, {}, {"comment@Other"}, id="a removed rule is forgotten"),
        pytest.param(set(), {}, set(), id="no rules left"),
    ],
)
def test_keep_only_forgets_rules_that_no_longer_exist(
    kept: set[str], rules: dict[str, bool], actions: set[str]
) -> None:
    memory = stopped_memory()
    memory.keep_only(kept)
    assert memory.document["rules"] == rules
    assert set(memory.document["actions"]) == actions


def test_keep_only_works_for_rule_names_with_at_signs() -> None:
    memory = PullMemory()
    memory.set_action("Ping @acme/docs", "comment", ActionMemory({"posted": True}))
    memory.set_rule_matched("Ping @acme/docs", True)
    memory.keep_only({"Ping @acme/docs"})
    assert memory.action("Ping @acme/docs", "comment").state == {"posted": True}
    assert memory.rule_matched("Ping @acme/docs") is True


def test_keep_only_on_an_empty_memory() -> None:
    memory = PullMemory()
    memory.keep_only({"Ready"})
    assert memory.rule_matched("Ready") is None


def test_lift_stops_restarts_every_action_but_keeps_its_state() -> None:
    memory = stopped_memory()
    memory.lift_stops()
    assert memory.action("Fight", "label") == ActionMemory({"x": 1}, [], None)
    assert memory.action("Other", "comment") == ActionMemory({"posted": True}, [], None)
    assert memory.rule_matched("Fight") is True


@pytest.mark.parametrize(
    ("first", "then", "lifted"),
    [
        pytest.param("abc", "abc", False, id="same configuration: still stopped"),
        pytest.param("abc", "def", True, id="new configuration: lifted"),
    ],
)
def test_a_new_configuration_lifts_every_stop(first: str, then: str, lifted: bool) -> None:
    memory = PullMemory()
    memory.reset_if_config_changed(first)
    memory.set_action("Fight", "label", ActionMemory({}, [1.0], "stopped: flapping"))
    memory.reset_if_config_changed(then)
    remembered = memory.action("Fight", "label")
    assert (remembered.stopped is None) is lifted
    assert (remembered.changes == []) is lifted


def test_the_first_configuration_seen_is_remembered() -> None:
    memory = PullMemory()
    memory.reset_if_config_changed("abc")
    assert memory.document["config"] == "abc"


def test_answered_commands_are_remembered_up_to_a_limit() -> None:
    memory = PullMemory()
    for comment_id in range(1, MAX_COMMANDS_REMEMBERED + 11):
        memory.remember_command(comment_id)
    assert not memory.command_answered(10)
    assert memory.command_answered(11)
    assert memory.command_answered(MAX_COMMANDS_REMEMBERED + 10)
    assert len(memory.document["commands"]) == MAX_COMMANDS_REMEMBERED


def test_the_configuration_check_is_remembered_per_head_sha() -> None:
    memory = PullMemory()
    memory.set_config_checked("a" * 40, "This PR changes the configuration.")
    assert memory.config_checked_for == "a" * 40
    assert memory.config_note == "This PR changes the configuration."
    memory.set_config_checked("b" * 40, None)
    assert memory.config_checked_for == "b" * 40
    assert memory.config_note is None


def test_the_document_is_plain_json() -> None:
    memory = stopped_memory()
    memory.remember_command(99)
    memory.set_config_checked("a" * 40, None)
    document: dict[str, Any] = json.loads(json.dumps(memory.document))
    again = PullMemory(document)
    assert again.action("Fight", "label") == memory.action("Fight", "label")
    assert again.rule_matched("Fight") is True
    assert again.command_answered(99)


async def test_the_memory_survives_the_database(db: Database) -> None:
    memory = stopped_memory()
    memory.remember_command(99)
    async with db.transaction() as conn:
        await save_memory(conn, SUBJECT, memory.document, 1.0)
    async with db.reader() as conn:
        loaded = PullMemory(await load_memory(conn, SUBJECT))
    assert loaded.document == memory.document
    assert loaded.action("Fight", "label").stopped == "stopped: flapping"

    loaded.lift_stops()
    async with db.transaction() as conn:
        await save_memory(conn, SUBJECT, loaded.document, 2.0)
    async with db.reader() as conn:
        again = PullMemory(await load_memory(conn, SUBJECT))
        other = await load_memory(conn, "pull_request:7:acme/api#13")
    assert again.action("Fight", "label").stopped is None
    assert other == {}
