"""The release handler (`app/worker/release.py`) in a running paasbot against the simulator (the
stage of `tests/e2e_world.py`, on SQLite and PostgreSQL): a repository without release rules
runs nothing and publishes no check run; a release deleted before paasbot reads it is skipped;
two propagate rules publish one check run each, named after their rule; a monorepo's rule picks
its tags with `if: [tag~=…]` and reads the version with `tag_pattern`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from app.sandbox import SimulatedGitHub
from app.sandbox.actors_repos import publish_release
from app.sandbox.demo import DemoStage
from app.store.tables import evaluations, subjects
from tests.e2e_world import check_runs_named

LIBRARY = "acme/auth-lib"
PINNED = "acme-auth==1.3.0\n"
NO_RELEASE_RULES = """
rules:
  - name: Label docs
    on: [pull_request]
    do:
      label: {add: [docs]}
"""
TWO_RULES = """
rules:
  - name: Services
    on: [release.published]
    do:
      propagate: {package: acme-auth, ecosystem: pip, to: [acme/orders, acme/payments]}
  - name: Web
    on: [release.published]
    do:
      propagate: {package: acme-auth, ecosystem: pip, to: [acme/web]}
"""
MONOREPO = r"""
rules:
  - name: Bump auth
    on: [release.published]
    if: ["tag~=^auth-"]
    do:
      propagate:
        package: acme-auth
        ecosystem: pip
        to: [acme/orders]
        tag_pattern: 'auth-(?P<version>\d+(\.\d+)*)'
"""


def world(config: str) -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    state.add_repository(installation, "auth-lib", files={".paasbot.yml": config})
    for name in ("orders", "payments", "web"):
        state.add_repository(installation, name, files={"requirements.txt": PINNED})
    return state


def bump_pulls(state: SimulatedGitHub, repo: str) -> list[Any]:
    return [pull for pull in state.pulls_in(repo) if pull.head_ref.startswith("paasbot/bump-")]


def propagate_runs(state: SimulatedGitHub, tag: str) -> list[Any]:
    sha = state.repository(LIBRARY).tags[tag]
    return [
        run
        for run in state.check_runs_for(LIBRARY, sha)
        if run.name.startswith("paasbot/propagate")
    ]


# The evaluation of events no release rule is triggered by.
CREATED_ONLY = ("no_rule", "no release rule runs on these events")


async def outcome(stage: DemoStage, tag: str) -> tuple[str, str | None]:
    """What the release subject's evaluations ended with, besides those woken only by events no
    rule runs on (`created`, `released`: how the events coalesce varies); exactly one."""
    found = await outcomes(stage, tag)
    distinct = set(found) - {CREATED_ONLY} or set(found)
    assert len(distinct) == 1, found
    return distinct.pop()


async def outcomes(stage: DemoStage, tag: str) -> list[tuple[str, str | None]]:
    """The release subject's evaluations, oldest first: (outcome, detail)."""
    async with stage.bot.db.reader() as conn:
        rows = await conn.execute(
            select(evaluations.c.outcome, evaluations.c.detail)
            .select_from(evaluations.join(subjects, subjects.c.id == evaluations.c.subject_id))
            .where(subjects.c.kind == "release", subjects.c.name == tag)
            .order_by(evaluations.c.id)
        )
        return [(outcome, detail) for outcome, detail in rows]


async def test_a_repository_without_release_rules_runs_none(
    stage_for: Callable[..., Any],
) -> None:
    state = world(NO_RELEASE_RULES)
    async with stage_for(state) as stage:
        publish_release(state, LIBRARY, "v1.4.0")
        await stage.settle()
        assert await outcome(stage, "v1.4.0") == CREATED_ONLY
        assert propagate_runs(state, "v1.4.0") == []
        assert all(bump_pulls(state, f"acme/{name}") == [] for name in ("orders", "web"))
        # The events ended the evaluation before the release was even read.
        assert not state.requests_matching("GET", f"/repos/{LIBRARY}/releases/tags/v1.4.0")


async def test_a_release_deleted_before_paasbot_reads_it_is_skipped(
    stage_for: Callable[..., Any],
) -> None:
    state = world(TWO_RULES)
    async with stage_for(state) as stage:
        release = publish_release(state, LIBRARY, "v1.4.0")
        del state.releases[release.id]
        await stage.settle()
        assert await outcome(stage, "v1.4.0") == (
            "skipped",
            "no published release v1.4.0 (deleted, or a draft)",
        )
        assert propagate_runs(state, "v1.4.0") == []
        assert bump_pulls(state, "acme/orders") == []


async def test_two_propagate_rules_publish_a_check_run_each(
    stage_for: Callable[..., Any],
) -> None:
    state = world(TWO_RULES)
    async with stage_for(state) as stage:
        publish_release(state, LIBRARY, "v1.4.0")
        await stage.settle()
        runs = {run.name: run for run in propagate_runs(state, "v1.4.0")}
        assert sorted(runs) == ["paasbot/propagate: Services", "paasbot/propagate: Web"]
        services, web = runs["paasbot/propagate: Services"], runs["paasbot/propagate: Web"]
        assert (services.conclusion, services.output["title"]) == (
            "success",
            "acme-auth 1.4.0: 2 bump PRs",
        )
        assert (web.conclusion, web.output["title"]) == ("success", "acme-auth 1.4.0: 1 bump PR")
        assert "`acme/web`" not in services.output["text"]
        for name in ("orders", "payments", "web"):
            assert [p.title for p in bump_pulls(state, f"acme/{name}")] == [
                "Bump acme-auth to 1.4.0"
            ]
        assert await outcome(stage, "v1.4.0") == (
            "propagated",
            "acme-auth 1.4.0: 2 bump PRs; acme-auth 1.4.0: 1 bump PR",
        )
        assert check_runs_named(state, LIBRARY, state.repository(LIBRARY).tags["v1.4.0"],
                                "paasbot/propagate") == []  # fmt: skip


async def test_a_monorepo_rule_picks_its_tags_and_reads_their_version(
    stage_for: Callable[..., Any],
) -> None:
    state = world(MONOREPO)
    async with stage_for(state) as stage:
        publish_release(state, LIBRARY, "billing-2.0.0")
        await stage.settle()
        assert await outcome(stage, "billing-2.0.0") == ("no_rule", "no release rule matched")
        assert propagate_runs(state, "billing-2.0.0") == []
        assert bump_pulls(state, "acme/orders") == []

        publish_release(state, LIBRARY, "auth-1.4.0")
        await stage.settle()
        [pull] = bump_pulls(state, "acme/orders")
        assert (pull.title, pull.head_ref) == (
            "Bump acme-auth to 1.4.0",
            "paasbot/bump-acme-auth-1.4.0",
        )
        assert state.git.read(pull.head_sha, "requirements.txt") == b"acme-auth==1.4.0\n"
        [run] = propagate_runs(state, "auth-1.4.0")
        assert run.name == "paasbot/propagate"
        assert (run.conclusion, run.output["title"]) == ("success", "acme-auth 1.4.0: 1 bump PR")
