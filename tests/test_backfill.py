"""`paasbot backfill owner/repo --since` against the simulator, with the app's credentials in the
environment as `paasbot simulate` reads them: the PRs updated since then (sizes, reviews, first
commit), the deployments and their statuses, and the repository's teams fill the ledger; it
writes nothing to GitHub, and a second run changes no row (but the times rows were written)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.backfill_cli import parse_since
from app.cli import main
from app.insights.ledger_facts import parse_time
from app.insights.model import Window
from app.sandbox import SimulatedGitHub
from app.sandbox.actors_pulls import review
from app.sandbox.actors_repos import add_collaborator, add_team, grant_team_access
from app.sandbox.context import API_PREFIX
from app.sandbox.models import DEFAULT_PERMISSIONS
from app.sandbox.ops.deployments import create_deployment, create_deployment_status
from app.sandbox.ops.merging import merge_pull
from app.sandbox.timefmt import iso8601
from app.settings import SettingsError
from app.store.db import Database
from app.store.ledger import load_deployments, load_pulls, teams_of
from app.store.tables import action_ledger, deployments, pull_lifecycle, pull_reviews
from app.store.tables import repository_teams as teams_table
from tests.sim_fixtures import Simulator
from tests.test_simulate import writes

REPO = "acme/shop"
DAY = 86400.0
ALL = Window(0, 4_000_000_000)
LEDGER = (pull_lifecycle, pull_reviews, deployments, action_ledger, teams_table)
WRITTEN_AT = {"updated_at", "refreshed_at"}


def world() -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    permissions = {**DEFAULT_PERMISSIONS, "administration": "read"}
    installation = state.add_installation("acme", permissions=permissions)
    state.add_repository(installation, "shop", files={"README.md": "# shop\n"})
    for login in ("alice", "bob"):
        add_collaborator(state, REPO, login, "write")
    add_team(state, "acme", "platform", ["bob"])
    grant_team_access(state, "acme", "platform", REPO, "admin")
    return state


@pytest.fixture
def simulator_state() -> SimulatedGitHub:
    return world()


@pytest.fixture
def app_env(simulator: Simulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The app's credentials for the simulator; the database file the backfill fills."""
    host = simulator.base_url.removeprefix("http://").removesuffix(API_PREFIX)
    path = tmp_path / "paasbot.db"
    env = {
        "APP_ID": str(simulator.state.app_id),
        "PRIVATE_KEY": simulator.state.private_key_pem,
        "GHE_HOST": host,
        "GHE_PROTOCOL": "http",
        "DATABASE_URL": f"sqlite:///{path}",
        "PAASBOT_ENV_FILE": str(tmp_path / "no.env"),
    }
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return path


def history(state: SimulatedGitHub) -> dict[str, object]:
    """#1 merged after a round of changes, #2 closed unmerged, #3 an open draft, #4 last touched
    long ago; a deployment that failed then succeeded."""
    first = state.commit(REPO, "one", {"a.py": "a = 1\nb = 2\n"}, author="alice")
    one = state.open_pull(REPO, "One", head_ref="one", author="alice")
    changes = review(state, REPO, one.number, "bob", "REQUEST_CHANGES", "no")
    approval = review(state, REPO, one.number, "bob", "APPROVE", "ok")
    merge_pull(state, REPO, one.number, by="bob")
    state.commit(REPO, "two", {"b.py": "x\n"}, author="alice")
    two = state.open_pull(REPO, "Two", head_ref="two", author="alice")
    state.close_pull(REPO, two.number)
    state.commit(REPO, "three", {"c.py": "y\n"}, author="alice")
    three = state.open_pull(REPO, "Three", head_ref="three", author="alice", draft=True)
    state.commit(REPO, "four", {"d.py": "z\n"}, author="alice")
    four = state.open_pull(REPO, "Four", head_ref="four", author="alice")
    old = time.time() - 200 * DAY
    four.created_at = four.updated_at = old
    deployment = create_deployment(state, state.repository(REPO), "main", creator="ci")
    create_deployment_status(state, deployment, "failure", creator="ci")
    create_deployment_status(state, deployment, "success", creator="ci")
    return {
        "first": first, "one": one, "two": two, "three": three, "changes": changes,
        "approval": approval, "deployment": deployment,
    }  # fmt: skip


async def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = await asyncio.to_thread(main, list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


async def ledger_rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    db = Database(url)
    try:
        async with db.reader() as conn:
            return {
                table.name: sorted(
                    tuple(v for k, v in row._mapping.items() if k not in WRITTEN_AT)
                    for row in await conn.execute(select(table))
                )
                for table in LEDGER
            }
    finally:
        await db.close()


def seconds(moment: float) -> float | None:
    return parse_time(iso8601(moment))


async def test_backfill_fills_the_ledger_once_and_writes_nothing_to_github(
    simulator: Simulator, app_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = simulator.state
    made = history(state)
    since_request = len(state.requests)
    status, out, err = await run_cli(capsys, "backfill", REPO, "--since", "30d")
    assert status == 0, err
    assert writes(state, since_request) == []
    assert out.startswith(f"{REPO} since ")
    assert "3 pull requests (1 merged, 1 first commits read), 2 reviews" in out
    assert "1 deployments with 2 statuses, 1 teams" in out

    url = f"sqlite+aiosqlite:///{app_env}"
    db = Database(url)
    try:
        async with db.reader() as conn:
            pulls = {record.number: record for record in await load_pulls(conn, None, ALL)}
            deployed = await load_deployments(conn, [REPO], ALL)
            teams = await teams_of(conn)
    finally:
        await db.close()
    one = state.pull(REPO, made["one"].number)  # type: ignore[attr-defined]
    assert sorted(pulls) == [1, 2, 3]  # #4 was last updated before --since
    merged = pulls[one.number]
    assert merged.merged_at == seconds(one.merged_at)
    assert merged.first_review_at == seconds(made["changes"].submitted_at)  # type: ignore[attr-defined]
    assert merged.approved_at == seconds(made["approval"].submitted_at)  # type: ignore[attr-defined]
    assert merged.review_rounds == 2
    assert merged.first_commit_at == seconds(made["first"].author.timestamp)  # type: ignore[attr-defined]
    assert (merged.additions, merged.changed_files) == (2, 1)
    assert pulls[3].ready_at is None, "an open draft is not ready"
    assert [(d.state, d.environment) for d in deployed] == [
        ("failure", "production"),
        ("success", "production"),
    ]
    assert teams == {"platform": {REPO}}

    before = await ledger_rows(url)
    status, again, err = await run_cli(capsys, "backfill", REPO, "--since", "30d")
    assert status == 0, err
    assert await ledger_rows(url) == before
    assert "(1 merged, 0 first commits read)" in again  # read once


async def test_backfill_refusals(
    simulator: Simulator, app_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = await run_cli(capsys, "backfill", "acme/nowhere")
    assert status == 1 and "not installed on acme/nowhere" in err
    status, _, err = await run_cli(capsys, "backfill", "not-a-repository")
    assert status == 2 and "owner/repo" in err
    status, _, err = await run_cli(capsys, "backfill", REPO, "--since", "soon")
    assert status == 2 and "--since 'soon'" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [("90d", 1_000_000 - 90 * DAY), ("2w", 1_000_000 - 14 * DAY), ("36h", 1_000_000 - 36 * 3600),
     ("1970-01-02", DAY), ("1970-01-02T00:00:00+01:00", DAY - 3600)],
)  # fmt: skip
def test_since(text: str, expected: float) -> None:
    assert parse_since(text, 1_000_000) == expected


def test_since_refuses_what_is_not_a_duration_or_a_date() -> None:
    with pytest.raises(SettingsError):
        parse_since("0d", 1_000_000)
