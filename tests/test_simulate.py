"""`paasbot simulate`'s core: a PR evaluated exactly as the worker would, over real HTTP against
the simulator, on SQLite and PostgreSQL, with nothing written to GitHub or the database."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from app.actions.base import PullTarget
from app.engine.permissions import PermissionCache
from app.engine.pull_evaluation import PullEvaluation, Wakeup
from app.engine.services import EngineServices
from app.engine.simulate import (
    ReadOnlyDatabase,
    SimulationRefused,
    SimulationWrite,
    installation_of,
    read_only_api,
    report_text,
    simulate_pull,
)
from app.engine.snapshot import PullRequestSnapshot
from app.engine.teams import TeamCache
from app.github.client import ClientPolicy, GitHubApp
from app.merging.protection import ProtectionCache
from app.sandbox import SimulatedGitHub
from app.sandbox.actors_pulls import remove_requested_reviewers, review
from app.sandbox.actors_repos import add_collaborator
from app.store.db import Database
from app.store.merge_queue import QueueEntry, join_queue, queue_as_if_joined
from app.store.tables import metadata
from tests.sim_fixtures import Simulator

REPO = "acme/api"
CONFIG = """\
rules:
  - name: Merge approved
    if: ["#approved-reviews-by>=1", -draft]
    do:
      merge: {method: squash}
  - name: Label docs
    if: ["files~=^docs/"]
    do:
      label: {add: [documentation]}
  - name: Reviewers
    do:
      request_reviews: {users: [bob, carol]}
  - name: Welcome
    on: [pull_request.opened]
    do:
      comment: {body: "Hi"}
"""
FAST = ClientPolicy(retry_base_seconds=0.01, retry_cap_seconds=0.02)
WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@pytest.fixture
def simulator_state() -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    state.add_repository(
        installation, "api", files={".paasbot.yml": CONFIG, "src/app.py": "print(0)\n"}
    )
    state.add_repository(installation, "bare", files={"README.md": "# bare\n"})
    for login in ("alice", "bob", "carol"):
        add_collaborator(state, REPO, login, "write")
    return state


@pytest.fixture
async def github(simulator: Simulator) -> AsyncIterator[GitHubApp]:
    async with aiohttp.ClientSession() as session:
        yield GitHubApp(
            session,
            base_url=simulator.base_url,
            app_id=simulator.state.app_id,
            private_key=simulator.state.private_key_pem,
            policy=FAST,
        )


def open_pull(state: SimulatedGitHub, repo: str = REPO, branch: str = "docs") -> Any:
    state.commit(repo, branch, {f"docs/{branch}.md": "Read me.\n"}, author="alice")
    return state.open_pull(repo, f"Document {branch}", head_ref=branch)


def writes(state: SimulatedGitHub, since: int) -> list[str]:
    """Writes to GitHub since request `since` (minting an installation token changes nothing)."""
    return [
        f"{record.method} {record.path}"
        for record in state.requests[since:]
        if record.method in WRITES and not record.path.startswith("/app/")
    ]


async def database_rows(db: Database) -> dict[str, list[str]]:
    """Every row of every table, to compare before and after."""
    rows: dict[str, list[str]] = {}
    async with db.reader() as conn:
        for table in metadata.sorted_tables:
            found = await conn.execute(select(table))
            rows[table.name] = sorted(repr(tuple(row)) for row in found)
    return rows


async def evaluate_for_real(
    github: GitHubApp, db: Database, state: SimulatedGitHub, pull: Any
) -> None:
    """What the worker does for the PR (it writes: check runs, labels, memory, queue...)."""
    api = github.installation(await installation_of(github, REPO))
    snapshot = PullRequestSnapshot(api, REPO, pull.number)
    target = PullTarget(
        api,
        db,
        snapshot,
        REPO,
        pull.number,
        await snapshot.head_sha(),
        TeamCache(),
        PermissionCache(),
        ProtectionCache(),
    )
    services = EngineServices.create(db, time.time, state.app_id)
    evaluation = PullEvaluation(
        target, services, db, f"{REPO}#{pull.number}", Wakeup(), time.time()
    )
    await evaluation.run()


def rule(answer: dict[str, Any], name: str) -> dict[str, Any]:
    return next(found for found in answer["rules"] if found["name"] == name)


def action(answer: dict[str, Any], rule_name: str, action_name: str) -> dict[str, Any]:
    return next(a for a in rule(answer, rule_name)["actions"] if a["action"] == action_name)


async def test_a_simulation_says_what_each_rule_would_do_and_writes_nothing(
    simulator: Simulator, github: GitHubApp, db: Database
) -> None:
    state = simulator.state
    pull = open_pull(state)
    review(state, REPO, pull.number, "bob", "APPROVE", "ok")
    since, rows = len(state.requests), await database_rows(db)

    simulation = await simulate_pull(github, db, REPO, pull.number, own_app_id=state.app_id)

    assert writes(state, since) == []
    assert await database_rows(db) == rows
    assert state.check_runs_for(REPO, pull.head_sha) == []
    answer = simulation.as_json()
    assert answer["config"] == {
        "source": "live",
        "files": [".paasbot.yml"],
        "valid": True,
        "problems": [],
        "dry_run": False,
    }
    merge = rule(answer, "Merge approved")
    assert merge["matched"] is True
    assert merge["conditions"][0] == {
        "condition": "#approved-reviews-by>=1",
        "holds": True,
        "attribute": "#approved-reviews-by",
        "value": 1,
    }
    merging = action(answer, "Merge approved", "merge")
    assert merging["changes"] == [f"merge #{pull.number} (squash) at {pull.head_sha[:12]}"]
    assert "position 1 of 1" in merging["detail"]
    assert action(answer, "Label docs", "label")["changes"] == ["add `documentation`"]
    # bob approved already: only carol is asked
    assert action(answer, "Reviewers", "request_reviews")["changes"] == ["request @carol"]
    welcome = rule(answer, "Welcome")
    assert welcome["matched"] is False and welcome["woken"] is False
    assert action(answer, "Welcome", "comment")["status"] == "skipped"
    summary = answer["summary"]
    assert summary["name"] == "paasbot" and summary["conclusion"] == "neutral"
    assert summary["title"] == "3 of 4 rules match"
    assert "### ✅ Merge approved" in summary["markdown"]
    assert "add `documentation`" in summary["markdown"]
    text = report_text(simulation)
    assert "[MATCH] Label docs" in text and "would: add `documentation`" in text
    assert "[NOT WOKEN] Welcome" in text
    assert '✓ files~=^docs/  (files: ["docs/docs.md"])' in text
    assert "✓ -draft  (draft: false)" in text


async def test_the_summary_is_the_one_a_real_evaluation_writes(
    simulator: Simulator, github: GitHubApp, db: Database
) -> None:
    state = simulator.state
    pull = open_pull(state)
    simulation = await simulate_pull(github, db, REPO, pull.number, own_app_id=state.app_id)
    await evaluate_for_real(github, db, state, pull)
    written = [run for run in state.check_runs_for(REPO, pull.head_sha) if run.name == "paasbot"]
    assert len(written) == 1 and simulation.summary is not None
    assert written[0].output["title"] == simulation.summary.title
    assert written[0].output["summary"] == simulation.summary.summary


async def test_after_real_evaluations_a_simulation_changes_no_memory_queue_or_ledger(
    simulator: Simulator, github: GitHubApp, db: Database
) -> None:
    """The PR has memory, a merge queue place and review requests in the ledger; one reviewer
    is no longer requested, which a real evaluation would settle in the ledger."""
    state = simulator.state
    pull = open_pull(state)
    review(state, REPO, pull.number, "alice", "COMMENT", "self")
    await evaluate_for_real(github, db, state, pull)  # asks bob and carol
    review(state, REPO, pull.number, "bob", "APPROVE", "ok")  # now matches the merge rule
    remove_requested_reviewers(state, REPO, pull.number, ["carol"], sender="alice")
    since, rows = len(state.requests), await database_rows(db)
    assert any("bob" in row for row in rows["review_requests"])

    simulation = await simulate_pull(github, db, REPO, pull.number, own_app_id=state.app_id)

    assert writes(state, since) == []
    assert await database_rows(db) == rows
    answer = simulation.as_json()
    assert action(answer, "Merge approved", "merge")["changes"][0].startswith(
        f"merge #{pull.number}"
    )
    assert action(answer, "Label docs", "label")["changes"] == []  # labelled by the real run


async def test_the_queue_position_is_the_one_joining_would_give(
    simulator: Simulator, github: GitHubApp, db: Database
) -> None:
    state = simulator.state
    pull = open_pull(state)
    review(state, REPO, pull.number, "bob", "APPROVE", "ok")
    async with db.transaction() as conn:
        await join_queue(conn, REPO, 99, "main", priority=0, now=1.0)
    rows = await database_rows(db)
    simulation = await simulate_pull(github, db, REPO, pull.number, own_app_id=state.app_id)
    merging = action(simulation.as_json(), "Merge approved", "merge")
    assert merging["status"] == "waiting"
    assert merging["detail"].startswith("position 2 of 2 in the `main` merge queue")
    assert "waits for #99 to merge" in merging["detail"]
    assert merging["changes"] == []
    assert await database_rows(db) == rows


def test_queue_as_if_joined_orders_as_the_table_does() -> None:
    queue = [QueueEntry(5, "main", 0, 10.0, 10.0), QueueEntry(6, "main", 0, 20.0, 20.0)]
    assert [e.number for e in queue_as_if_joined(queue, None, 7, "main", 0, 30.0)] == [5, 6, 7]
    assert [e.number for e in queue_as_if_joined(queue, None, 7, "main", 1, 30.0)] == [7, 5, 6]
    # queued already: it keeps its place (and its time)
    kept = queue_as_if_joined(queue, queue[0], 5, "main", 0, 30.0)
    assert [(e.number, e.enqueued_at) for e in kept] == [(5, 10.0), (6, 20.0)]


async def test_a_given_configuration_is_used_instead_of_the_live_one(
    simulator: Simulator, github: GitHubApp, db: Database
) -> None:
    state = simulator.state
    pull = open_pull(state, "acme/bare")
    given = "rules:\n  - name: Tag it\n    do:\n      label: {add: [simulated]}\n"
    simulation = await simulate_pull(
        github, db, "acme/bare", pull.number, own_app_id=state.app_id, config_text=given
    )
    answer = simulation.as_json()
    assert answer["config"]["source"] == ".paasbot.yml"
    assert [found["name"] for found in answer["rules"]] == ["Tag it"]
    assert action(answer, "Tag it", "label")["changes"] == ["add `simulated`"]
    live = await simulate_pull(github, db, "acme/bare", pull.number, own_app_id=state.app_id)
    # no configuration: no rule, and no summary check (the worker writes none)
    assert live.summary is None
    assert live.as_json()["rules"] == [] and live.as_json()["summary"] is None
    assert "No summary check" in report_text(live)


async def test_a_given_configuration_with_an_error_names_its_line(
    simulator: Simulator, github: GitHubApp, db: Database
) -> None:
    state = simulator.state
    pull = open_pull(state)
    given = "rules:\n  - name: Broken\n    do:\n      label: {add: [x], colour: red}\n"
    with pytest.raises(SimulationRefused) as refused:
        await simulate_pull(
            github,
            db,
            REPO,
            pull.number,
            own_app_id=state.app_id,
            config_text=given,
            config_name="mine.yml",
        )
    assert refused.value.status == 422
    (problem,) = refused.value.problems
    assert (problem.file, problem.line) == ("mine.yml", 4)
    assert "colour" in problem.message


async def test_no_such_pull_request_and_no_installation_are_refused(
    simulator: Simulator, github: GitHubApp, db: Database
) -> None:
    with pytest.raises(SimulationRefused) as missing:
        await simulate_pull(github, db, REPO, 404, own_app_id=4242)
    assert missing.value.status == 404
    assert missing.value.message == f"{REPO} has no pull request #404"
    with pytest.raises(SimulationRefused) as elsewhere:
        await simulate_pull(github, db, "other/repo", 1, own_app_id=4242)
    assert elsewhere.value.status == 404
    assert "not installed on other/repo" in elsewhere.value.message


async def test_the_client_and_the_database_of_a_simulation_refuse_every_write(
    simulator: Simulator, github: GitHubApp, db: Database
) -> None:
    state = simulator.state
    pull = open_pull(state)
    api = read_only_api(github, await installation_of(github, REPO))
    assert (await api.getitem(f"/repos/{REPO}/pulls/{pull.number}"))["number"] == pull.number
    since = len(state.requests)
    with pytest.raises(SimulationWrite):
        await api.post(f"/repos/{REPO}/issues/{pull.number}/labels", data={"labels": ["x"]})
    assert len(state.requests) == since  # never sent
    read_only = ReadOnlyDatabase(db)
    with pytest.raises(SimulationWrite):
        async with read_only.transaction():
            pass
    async with read_only.reader() as conn:
        assert (await conn.execute(select(metadata.tables["merge_queue"]))).all() == []


async def test_a_pr_changing_the_configuration_gets_a_note_not_a_config_check(
    simulator: Simulator, github: GitHubApp, db: Database
) -> None:
    state = simulator.state
    state.commit(REPO, "config", {".paasbot.yml": "rules: [}\n"}, author="alice")
    pull = state.open_pull(REPO, "Change the rules", head_ref="config")
    since = len(state.requests)
    simulation = await simulate_pull(github, db, REPO, pull.number, own_app_id=state.app_id)
    assert writes(state, since) == []
    assert state.check_runs_for(REPO, pull.head_sha) == []
    (note,) = simulation.as_json()["notes"]
    assert note.startswith("This PR changes the configuration: the `paasbot/config` check would")
    assert "Invalid: 1 problem" in note
