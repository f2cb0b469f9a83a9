"""The ledger tables on SQLite and PostgreSQL (app/store/ledger.py): facts received in any order,
or twice, leave the same rows, and the loaders give the insights' records."""

from __future__ import annotations

import itertools
from dataclasses import replace

from app.insights.ledger_facts import DeploymentFact, Fact, PullFact, ReviewFact
from app.insights.model import ActionRecord, DeploymentRecord, PullRecord, Window
from app.store.db import Database
from app.store.ledger import (
    load_actions,
    load_deployments,
    load_pulls,
    record_action,
    record_facts,
    record_first_commit,
    replace_teams,
    teams_due,
    teams_of,
)

T0 = 1_800_000_000.0
H = 3600.0
ALL = Window(T0 - 100 * H, T0 + 100 * H)

OPENED = PullFact(
    "Acme/API", 7, "main", T0, seen_at=T0, by_bot=False, ready_at=None,
    additions=10, deletions=2, changed_files=1,
)  # fmt: skip
READY = replace(OPENED, seen_at=T0 + H, ready_at=T0 + H)
PUSHED = replace(OPENED, seen_at=T0 + 2 * H, additions=40, deletions=5, changed_files=4)
REVIEW_CORE = replace(OPENED, seen_at=T0 + 3 * H, additions=None, deletions=None,
                      changed_files=None, ready_at=T0 + 3 * H)  # fmt: skip
OWN_COMMENT = ReviewFact("acme/api", 7, 1, "commented", T0 + 2.5 * H, by_author=True)
CHANGES = ReviewFact("acme/api", 7, 2, "changes_requested", T0 + 3 * H, by_author=False)
APPROVED = ReviewFact("acme/api", 7, 3, "approved", T0 + 4 * H, by_author=False)
APPROVED_AGAIN = ReviewFact("acme/api", 7, 4, "approved", T0 + 4.5 * H, by_author=False)
MERGED = replace(
    PUSHED, seen_at=T0 + 5 * H, merged_at=T0 + 5 * H, merge_sha="m" * 40, ready_at=T0 + 5 * H
)
FACTS: list[Fact] = [OPENED, READY, PUSHED, REVIEW_CORE, OWN_COMMENT, CHANGES, APPROVED,
                     APPROVED_AGAIN, MERGED]  # fmt: skip

EXPECTED = PullRecord(
    repository="acme/api",
    number=7,
    base="main",
    opened_at=T0,
    ready_at=T0 + H,
    first_review_at=T0 + 3 * H,
    approved_at=T0 + 4 * H,
    merged_at=T0 + 5 * H,
    additions=40,
    deletions=5,
    changed_files=4,
    review_rounds=2,
    merge_sha="m" * 40,
)


async def pulls_after(db: Database, facts: list[Fact]) -> list[PullRecord]:
    async with db.transaction() as conn:
        for moment, fact in enumerate(facts):
            await record_facts(conn, [fact], T0 + moment)
    async with db.reader() as conn:
        return await load_pulls(conn, None, ALL)


async def test_a_pull_requests_lifecycle_from_its_facts_in_order(db: Database) -> None:
    assert await pulls_after(db, FACTS) == [EXPECTED]


async def test_facts_out_of_order_and_twice_give_the_same_row(db: Database) -> None:
    # The merge first, the opening last, every review redelivered.
    shuffled = [MERGED, APPROVED, CHANGES, APPROVED, REVIEW_CORE, PUSHED, CHANGES, READY]
    shuffled += [OWN_COMMENT, APPROVED_AGAIN, OPENED, MERGED, PUSHED, OPENED]
    assert await pulls_after(db, shuffled) == [EXPECTED]


async def test_every_order_of_a_few_facts_gives_one_answer(db: Database) -> None:
    facts: list[Fact] = [OPENED, PUSHED, CHANGES, MERGED]
    answers = set()
    for number, order in enumerate(itertools.permutations(facts)):
        renumbered = [replace(fact, number=100 + number) for fact in order]
        (record,) = [r for r in await pulls_after(db, renumbered) if r.number == 100 + number]
        answers.add(replace(record, number=0))
    assert len(answers) == 1
    (answer,) = answers
    assert (answer.additions, answer.review_rounds, answer.approved_at) == (40, 1, None)


async def test_closed_unmerged_and_reopened(db: Database) -> None:
    closed = replace(OPENED, number=8, seen_at=T0 + H, closed_at=T0 + H)
    reopened = replace(OPENED, number=8, seen_at=T0 + 2 * H, reopened_at=T0 + 2 * H)
    closed_again = replace(OPENED, number=8, seen_at=T0 + 3 * H, closed_at=T0 + 3 * H)
    (record,) = await pulls_after(db, [reopened, closed])
    assert record.closed_at is None, "reopened after it was closed: open"
    (record,) = await pulls_after(db, [closed_again])
    assert record.closed_at == T0 + 3 * H
    merged = replace(OPENED, number=8, seen_at=T0 + 4 * H, merged_at=T0 + 4 * H)
    (record,) = await pulls_after(db, [merged])
    assert (record.closed_at, record.merged_at) == (None, T0 + 4 * H)


async def test_a_merge_is_recorded_once_and_a_bot_stays_a_bot(db: Database) -> None:
    bot = replace(OPENED, by_bot=True)
    later_merge = replace(MERGED, merged_at=T0 + 9 * H, merge_sha="n" * 40)
    (record,) = await pulls_after(db, [bot, MERGED, later_merge, OPENED])
    assert (record.merged_at, record.merge_sha, record.by_bot) == (T0 + 5 * H, "m" * 40, True)


async def test_first_commit_keeps_the_earliest(db: Database) -> None:
    await pulls_after(db, [OPENED])
    async with db.transaction() as conn:
        await record_first_commit(conn, "ACME/api", 7, T0 - 5 * H, T0)
        await record_first_commit(conn, "acme/api", 7, T0 - 2 * H, T0)
    async with db.reader() as conn:
        (record,) = await load_pulls(conn, ["acme/API"], ALL)
    assert record.first_commit_at == T0 - 5 * H


async def test_load_pulls_by_window_and_repository(db: Database) -> None:
    old_merged_now = replace(OPENED, number=1, opened_at=T0 - 50 * H, merged_at=T0 + H)
    old_open = replace(OPENED, number=2, opened_at=T0 - 50 * H, seen_at=T0 - 50 * H)
    old_closed_now = replace(OPENED, number=3, opened_at=T0 - 50 * H, closed_at=T0 + 2 * H)
    opened_now = replace(OPENED, number=4, opened_at=T0 + 3 * H)
    elsewhere = replace(OPENED, repository="acme/web", number=5)
    await pulls_after(db, [old_merged_now, old_open, old_closed_now, opened_now, elsewhere])
    window = Window(T0, T0 + 10 * H)
    async with db.reader() as conn:
        mine = await load_pulls(conn, ["Acme/Api"], window)
        everyone = await load_pulls(conn, None, window)
        nobody = await load_pulls(conn, [], window)
    assert [record.number for record in mine] == [1, 3, 4]
    assert [(r.repository, r.number) for r in everyone][-1] == ("acme/web", 5)
    assert nobody == []


async def test_deployments_are_stored_once_per_status(db: Database) -> None:
    ok = DeploymentFact("Acme/API", 9, 90, "production", "a" * 40, "success", T0 + H)
    failed = DeploymentFact("acme/api", 10, 91, "production", "b" * 40, "failure", T0)
    outside = DeploymentFact("acme/api", 8, 80, "staging", "c" * 40, "success", T0 - 99 * H)
    async with db.transaction() as conn:
        await record_facts(conn, [ok, failed, ok, outside, failed], T0)
    async with db.reader() as conn:
        found = await load_deployments(conn, None, Window(T0 - H, T0 + 2 * H))
        web = await load_deployments(conn, ["acme/web"], ALL)
    assert found == [
        DeploymentRecord("acme/api", 10, "production", "b" * 40, "failure", T0),
        DeploymentRecord("acme/api", 9, "production", "a" * 40, "success", T0 + H),
    ]
    assert web == []


async def test_actions_are_loaded_by_window(db: Database) -> None:
    async with db.transaction() as conn:
        await record_action(conn, repository="Acme/API", number=7, rule="Label", action="label",
                            outcome="done", at=T0, installation_id=3)  # fmt: skip
        await record_action(conn, repository="acme/web", action="propagate", outcome="done",
                            at=T0 + H)  # fmt: skip
        await record_action(conn, repository="acme/api", action="merge", outcome="failed",
                            at=T0 + 99 * H)  # fmt: skip
    async with db.reader() as conn:
        found = await load_actions(conn, None, Window(T0, T0 + 2 * H))
        api = await load_actions(conn, ["ACME/api"], ALL)
    assert found == [
        ActionRecord("acme/api", "label", "done", T0, "Label"),
        ActionRecord("acme/web", "propagate", "done", T0 + H),
    ]
    assert [record.action for record in api] == ["label", "merge"]


async def test_teams_are_replaced_and_read_at_most_daily(db: Database) -> None:
    async with db.reader() as conn:
        assert await teams_due(conn, "acme/api", T0)
    async with db.transaction() as conn:
        await replace_teams(conn, "Acme/API", {"platform": "admin", "readers": "pull"}, T0)
        await replace_teams(conn, "acme/web", {"platform": "push", "web": "maintain"}, T0)
        await replace_teams(conn, "acme/lonely", {"readers": "triage"}, T0)
    async with db.reader() as conn:
        assert not await teams_due(conn, "acme/api", T0 + 23 * H)
        assert not await teams_due(conn, "acme/lonely", T0 + 23 * H), "no team is an answer too"
        assert await teams_due(conn, "acme/api", T0 + 24 * H)
        assert await teams_of(conn) == {"platform": {"acme/api", "acme/web"}, "web": {"acme/web"}}
    async with db.transaction() as conn:
        await replace_teams(conn, "acme/web", {"web": "push"}, T0 + 25 * H)
    async with db.reader() as conn:
        assert await teams_of(conn) == {"platform": {"acme/api"}, "web": {"acme/web"}}
