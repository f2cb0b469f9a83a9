"""The ledger end to end, paasbot against the simulator: a PR opened, reviewed with changes
requested, approved and merged, then deployed; the ledger's rows say so (lifecycle times, size,
review rounds, first commit, the deployment, the label action paasbot took, the repository's
team), and no table holds a login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from app.insights.ledger_facts import parse_time
from app.insights.model import DeploymentRecord, Window
from app.sandbox import SimulatedGitHub
from app.sandbox.actors_pulls import review
from app.sandbox.actors_repos import add_collaborator, add_team, grant_team_access
from app.sandbox.models import DEFAULT_PERMISSIONS
from app.sandbox.ops.deployments import create_deployment, create_deployment_status
from app.sandbox.ops.merging import merge_pull
from app.sandbox.timefmt import iso8601
from app.store.ledger import load_actions, load_deployments, load_pulls, teams_of
from app.store.tables import action_ledger, deployments, pull_lifecycle, pull_reviews
from app.store.tables import repository_teams as teams_table

REPO = "acme/shop"
CONFIG = """
rules:
  - name: Mark approved
    if: ["#approved-reviews-by>=1"]
    do:
      label: {toggle: [approved]}
"""
ALL = Window(0, 4_000_000_000)


def world() -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    permissions = {**DEFAULT_PERMISSIONS, "administration": "read"}
    installation = state.add_installation("acme", permissions=permissions)
    state.add_repository(installation, "shop", files={".paasbot.yml": CONFIG, "README.md": "#\n"})
    for login in ("alice", "bob"):
        add_collaborator(state, REPO, login, "write")
    add_team(state, "acme", "platform", ["bob"])
    add_team(state, "acme", "readers", ["carol"])
    grant_team_access(state, "acme", "platform", REPO, "maintain")
    grant_team_access(state, "acme", "readers", REPO, "read")
    return state


def seconds(moment: float) -> float | None:
    """A time as GitHub's ISO 8601 (whole seconds) carries it."""
    return parse_time(iso8601(moment))


async def test_a_pull_requests_life_and_a_deployment_fill_the_ledger(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    async with stage_for(state) as stage:
        first = state.commit(REPO, "feature", {"src/a.py": "a = 1\nb = 2\n"}, author="alice")
        state.commit(REPO, "feature", {"src/b.py": "c = 3\n"}, author="alice")
        pull = state.open_pull(REPO, "Add a and b", head_ref="feature", author="alice")
        await stage.settle()
        changes = review(state, REPO, pull.number, "bob", "REQUEST_CHANGES", "please")
        await stage.settle()
        review(state, REPO, pull.number, "alice", "COMMENT", "done")  # the author's own
        approval = review(state, REPO, pull.number, "bob", "APPROVE", "ok")
        await stage.settle()
        merged = merge_pull(state, REPO, pull.number, by="bob")
        await stage.settle()
        deployment = create_deployment(
            state, state.repository(REPO), "main", creator="ci", environment="production"
        )
        create_deployment_status(state, deployment, "in_progress", creator="ci")
        create_deployment_status(state, deployment, "success", creator="ci")
        await stage.settle()

        async with stage.bot.db.reader() as conn:
            (record,) = await load_pulls(conn, [REPO], ALL)
            deployed = await load_deployments(conn, None, ALL)
            actions = await load_actions(conn, None, ALL)
            teams = await teams_of(conn)
            tables = {
                table.name: [tuple(row) for row in await conn.execute(select(table))]
                for table in (pull_lifecycle, pull_reviews, deployments, action_ledger,
                              teams_table)
            }  # fmt: skip

    done = state.pull(REPO, pull.number)
    assert (record.repository, record.number, record.base) == (REPO, pull.number, "main")
    assert record.opened_at == seconds(pull.created_at)
    assert record.ready_at == seconds(pull.created_at)
    assert record.first_review_at == seconds(changes.submitted_at)
    assert record.approved_at == seconds(approval.submitted_at)
    assert record.merged_at == seconds(done.merged_at or 0)
    assert record.closed_at is None
    assert record.merge_sha == done.merge_commit_sha == merged.sha
    assert record.first_commit_at == seconds(first.author.timestamp)
    assert (record.additions, record.deletions, record.changed_files) == (3, 0, 2)
    assert record.review_rounds == 2  # one round of changes, then the approval
    assert record.by_bot is False
    statuses = deployment.statuses
    assert deployed == [
        DeploymentRecord(REPO, deployment.id, "production", deployment.sha, status.state,
                         seconds(status.created_at) or 0)
        for status in statuses
    ]  # fmt: skip
    assert [(a.action, a.outcome, a.rule) for a in actions] == [("label", "done", "Mark approved")]
    assert teams == {"platform": {REPO}}
    text = repr(tables)
    for login in ("alice", "bob", "carol", "ci"):
        assert f"'{login}'" not in text, f"{login} is stored in the ledger"
