"""`/paasbot merge` and `/paasbot update` beyond waking rules, on the simulator over HTTP: joining
the merge queue as asked, updating the branch, and what each says when it cannot."""

from __future__ import annotations

from app.engine.command_effects import carry_out_commands
from app.engine.commands import CommandRequest
from app.github.client import InstallationAPI
from app.store.db import Database
from app.store.merge_queue import queued_entry
from tests.action_world import (
    NOW,
    open_pull,
    sqlite_db_fixture,  # noqa: F401
    target_for,
    writes,
)
from tests.facts_world import (  # noqa: F401
    REPO,
    World,
    api_fixture,
    clock_fixture,
    github_fixture,
    simulator_state_fixture,
    world_fixture,
)
from tests.rule_helpers import rules_from

MERGE_RULE = "rules:\n  - name: Merge\n    if: [label=ship]\n    do:\n      merge: {}\n"
UPDATE_RULE = (
    "rules:\n  - name: Update\n    on: [command.update]\n    do:\n      label: {add: [x]}\n"
)
NO_RULES = "rules:\n  - name: Nothing\n    do:\n      label: {add: [x]}\n"


def asked(name: str, author: str = "bob") -> list[CommandRequest]:
    return [CommandRequest(1, author, name)]


async def test_merge_queues_the_pr_as_asked(
    api: InstallationAPI, world: World, sqlite_db: Database
) -> None:
    pull = open_pull(world)
    target = target_for(api, sqlite_db, pull)
    notes = await carry_out_commands(
        target, rules_from(MERGE_RULE), asked("merge"), dry_run=False, now=NOW
    )
    assert notes == [f"@bob asked to merge: #{pull.number} is in the `main` merge queue."]
    async with sqlite_db.reader() as conn:
        entry = await queued_entry(conn, REPO, pull.number)
    assert entry is not None and entry.requested_by == "bob"


async def test_merge_without_a_merge_rule_or_in_a_dry_run_queues_nothing(
    api: InstallationAPI, world: World, sqlite_db: Database
) -> None:
    pull = open_pull(world)
    target = target_for(api, sqlite_db, pull)
    notes = await carry_out_commands(
        target, rules_from(NO_RULES), asked("merge"), dry_run=False, now=NOW
    )
    assert notes == [
        "@bob: `/paasbot merge` needs a rule with the `merge` action in `.paasbot.yml`"
        " (its options say how to merge)."
    ]
    notes = await carry_out_commands(
        target, rules_from(MERGE_RULE), asked("merge"), dry_run=True, now=NOW
    )
    assert notes == [f"@bob asked to merge: #{pull.number} would join the `main` queue."]
    async with sqlite_db.reader() as conn:
        assert await queued_entry(conn, REPO, pull.number) is None


async def test_update_brings_a_branch_behind_up_to_date(
    api: InstallationAPI, world: World, sqlite_db: Database
) -> None:
    pull = open_pull(world)
    first_head = pull.head_sha
    world.commit("main", {"docs/other.md": "other\n"})
    start = len(world.state.requests)
    notes = await carry_out_commands(
        target_for(api, sqlite_db, pull),
        rules_from(NO_RULES),
        asked("update"),
        dry_run=False,
        now=NOW,
    )
    assert notes == ["@bob: updated the branch with `main` (1 commit(s) behind)."]
    assert writes(world.state, start) == [f"PUT /repos/{REPO}/pulls/{pull.number}/update-branch"]
    fresh = world.state.pull(REPO, pull.number)
    assert fresh.head_sha != first_head
    notes = await carry_out_commands(
        target_for(api, sqlite_db, fresh),
        rules_from(NO_RULES),
        asked("update"),
        dry_run=False,
        now=NOW,
    )
    assert notes == ["@bob: the branch is already up to date with `main`."]


async def test_update_is_left_to_rules_that_run_on_it_and_says_why_it_failed(
    api: InstallationAPI, world: World, sqlite_db: Database
) -> None:
    pull = world.open_pull("clash", {"README.md": "theirs\n"})
    world.commit("main", {"README.md": "ours\n"})
    start = len(world.state.requests)
    notes = await carry_out_commands(
        target_for(api, sqlite_db, pull),
        rules_from(UPDATE_RULE),
        asked("update"),
        dry_run=False,
        now=NOW,
    )
    assert notes == [] and writes(world.state, start) == []
    notes = await carry_out_commands(
        target_for(api, sqlite_db, pull),
        rules_from(NO_RULES),
        asked("update"),
        dry_run=False,
        now=NOW,
    )
    assert len(notes) == 1
    assert notes[0].startswith(
        "@bob: the branch could not be updated with `main`: GitHub answered 422"
    )
