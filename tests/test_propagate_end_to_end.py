"""Dependency bumps end to end: a library's release opens a bump PR in each dependent (four
manifest formats), skips those already on the version or not using it, supersedes the older bump
PRs of an earlier release, survives a lost answer and a restart mid-way without a duplicate, and
a dependent's own automerge rule merges its bump PR once CI passes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete

from app.sandbox import Fault, SimulatedGitHub
from app.sandbox.actors_repos import post_status, publish_release
from app.sandbox.demo import DemoStage
from app.sandbox.webhooks.dispatcher import reserialised
from app.store.tables import propagation_targets, propagations
from tests.e2e_world import check_runs_named, eventually

LIBRARY = "acme/auth-lib"
LIBRARY_CONFIG = """
rules:
  - name: Bump the services that use me
    on: [release.published]
    if: [-prerelease]
    do:
      propagate:
        package: {pip: acme-auth, npm: "@acme/auth", gomod: github.acme.io/acme/auth}
        to: [acme/orders, acme/payments, acme/web, acme/gateway, acme/billing, acme/docs]
"""
# orders turns on golden-path's opt-in rule that merges paasbot's bump PRs once CI is green.
ORDERS_CONFIG = """
extends: golden-path
rules:
  - name: Merge dependency bumps
    enabled: true
"""
DEPENDENTS: dict[str, dict[str, str]] = {
    "orders": {
        "requirements.txt": "# services\nacme-auth==1.3.0  # pinned\nrequests>=2\n",
        ".paasbot.yml": ORDERS_CONFIG,
    },
    "payments": {
        "pyproject.toml": (
            '[project]\nname = "payments"\nversion = "0.1.0"\n'
            'dependencies = [\n    "acme-auth~=1.3.0",  # the auth client\n]\n'
        ),
    },
    "web": {
        "package.json": (
            '{\n  "name": "web",\n  "dependencies": {\n    "@acme/auth": "^1.3.0",\n'
            '    "react": "^18.2.0"\n  }\n}\n'
        ),
        "package-lock.json": "{}\n",
    },
    "gateway": {
        "go.mod": (
            "module github.acme.io/acme/gateway\n\ngo 1.22\n\n"
            "require (\n\tgithub.acme.io/acme/auth v1.3.0\n"
            "\tgolang.org/x/net v0.20.0 // indirect\n)\n"
        ),
    },
    "billing": {"requirements.txt": "acme-auth==1.4.0\n"},
    "docs": {"README.md": "# docs\n"},
}


def world() -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    state.add_repository(installation, "auth-lib", files={".paasbot.yml": LIBRARY_CONFIG})
    for name, files in DEPENDENTS.items():
        state.add_repository(installation, name, files=files)
    return state


def bump_pulls(state: SimulatedGitHub, name: str) -> list[Any]:
    return [
        pull for pull in state.pulls_in(f"acme/{name}") if pull.head_ref.startswith("paasbot/bump-")
    ]


def file_at(state: SimulatedGitHub, sha: str, path: str) -> str:
    data = state.git.read(sha, path)
    assert data is not None, f"no {path} at {sha}"
    return data.decode()


def comments_on(state: SimulatedGitHub, repo: str, number: int) -> list[str]:
    return [
        comment.body
        for comment in state.comments.values()
        if comment.repo_full_name == repo and comment.issue_number == number
    ]


def propagate_summary(state: SimulatedGitHub, tag: str) -> Any:
    sha = state.repository(LIBRARY).tags[tag]
    runs = check_runs_named(state, LIBRARY, sha, "paasbot/propagate")
    assert runs, f"no paasbot/propagate check on {tag}"
    return runs[-1]


def requested(state: SimulatedGitHub, method: str, path: str) -> bool:
    return any(r.method == method and r.path == path for r in state.requests)


async def forget_propagations(stage: DemoStage) -> None:
    async with stage.bot.db.transaction() as conn:
        await conn.execute(delete(propagation_targets))
        await conn.execute(delete(propagations))


async def release(stage: DemoStage, tag: str, **kwargs: Any) -> None:
    publish_release(stage.state, LIBRARY, tag, body=f"## {tag}\n\nFixes.\n", **kwargs)
    await stage.settle()


async def test_a_release_bumps_four_formats_skips_two_and_supersedes_the_last_bumps(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    async with stage_for(state) as stage:
        await release(stage, "v1.3.1")
        first = {name: bump_pulls(state, name) for name in DEPENDENTS}
        # payments' ~=1.3.0 already allows 1.3.1; billing pins 1.4.0 (no downgrade).
        assert {name: len(pulls) for name, pulls in first.items()} == {
            "orders": 1, "payments": 0, "web": 1, "gateway": 1, "billing": 0, "docs": 0,
        }  # fmt: skip

        await release(stage, "v1.4.0")
        for name in ("orders", "payments", "web", "gateway"):
            pulls = bump_pulls(state, name)
            opened = [pull for pull in pulls if pull.state == "open"]
            assert [pull.title for pull in opened] == ["Bump acme-auth to 1.4.0"], name
            assert opened[0].head_ref == "paasbot/bump-acme-auth-1.4.0"
            assert "dependencies" in opened[0].labels
            assert opened[0].author == state.bot_login
        for name in ("orders", "web", "gateway"):
            old = state.pull(f"acme/{name}", first[name][0].number)
            assert old.state == "closed" and not old.merged
            assert old.head_ref not in state.repository(f"acme/{name}").branches
            comments = comments_on(state, f"acme/{name}", old.number)
            assert any("Superseded by #" in body for body in comments)
        assert bump_pulls(state, "billing") == [] and bump_pulls(state, "docs") == []

        edited = {
            "orders": ("requirements.txt", "# services\nacme-auth==1.4.0  # pinned\nrequests>=2\n"),
            "payments": ("pyproject.toml", DEPENDENTS["payments"]["pyproject.toml"].replace(
                "~=1.3.0", "~=1.4.0")),
            "web": ("package.json", DEPENDENTS["web"]["package.json"].replace("^1.3.0", "^1.4.0")),
            "gateway": ("go.mod", DEPENDENTS["gateway"]["go.mod"].replace("v1.3.0", "v1.4.0")),
        }  # fmt: skip
        for name, (path, text) in edited.items():
            pull = next(p for p in bump_pulls(state, name) if p.state == "open")
            assert file_at(state, pull.head_sha, path) == text
        web = next(p for p in bump_pulls(state, "web") if p.state == "open")
        assert "`package-lock.json` needs a refresh: run `npm install`" in web.body
        assert "<!-- paasbot:bump package=acme-auth version=1.4.0 -->" in web.body

        summary = propagate_summary(state, "v1.4.0")
        assert summary.conclusion == "success"
        assert summary.output["title"] == "acme-auth 1.4.0: 4 bump PRs, 2 skipped"
        text = summary.output["text"]
        assert "| `acme/billing` | skipped | already on 1.4.0" in text
        assert "| `acme/docs` | skipped | not used" in text
        assert "supersedes #" in text

        # The release delivered again, even with paasbot's record of it gone, opens nothing:
        # GitHub's state (branch, marker, paasbot's commit) says each PR is there.
        before = {name: len(bump_pulls(state, name)) for name in DEPENDENTS}
        await forget_propagations(stage)
        published = [d for d in stage.dispatcher.deliveries if d.action == "published"][-1]
        stage.dispatcher.send_again(
            published, delivery_id=str(uuid.uuid4()), body=reserialised(published)
        )
        await stage.settle()
        assert {name: len(bump_pulls(state, name)) for name in DEPENDENTS} == before
        text = propagate_summary(state, "v1.4.0").output["text"]
        assert text.count("PR already open") == 4


async def test_a_lost_answer_and_a_restart_mid_way_open_no_second_pr(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    # GitHub opens web's PR but the answer is lost; gateway's PR request hangs until paasbot is
    # stopped (a crash), so it is never made.
    web_pulls = Fault.error(502, path_prefix="/repos/acme/web/pulls", method="POST", after=True)
    state.faults.queue(web_pulls)
    state.faults.queue(Fault.timeout(3, path_prefix="/repos/acme/gateway/pulls", method="POST"))
    async with stage_for(state, lease_seconds=2.0) as stage:
        publish_release(state, LIBRARY, "v1.4.0")
        await eventually(lambda: requested(state, "POST", "/repos/acme/gateway/pulls"))
        # paasbot dies mid-request: its workers stop where they are, the lease stays taken.
        assert stage.bot.pool is not None
        await stage.bot.pool.stop()
    assert bump_pulls(state, "gateway") == []
    assert "paasbot/bump-acme-auth-1.4.0" in state.repository("acme/gateway").branches
    assert len(bump_pulls(state, "web")) == 1
    state.faults.clear()
    async with stage_for(state, lease_seconds=2.0) as stage:
        await stage.settle()
        for name in ("orders", "payments", "web", "gateway"):
            assert len(bump_pulls(state, name)) == 1, name
        summary = propagate_summary(state, "v1.4.0")
        assert summary.output["title"] == "acme-auth 1.4.0: 4 bump PRs, 2 skipped"
        assert "| `acme/web` | PR already open" in summary.output["text"]
        # The branch the crashed attempt left was paasbot's: moved to the new commit, reused.
        branch = "/repos/acme/gateway/git/refs/heads/paasbot/bump-acme-auth-1.4.0"
        assert requested(state, "PATCH", branch)


async def test_a_dependent_merges_its_bump_pr_with_its_own_rule_once_ci_passes(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    async with stage_for(state) as stage:
        await release(stage, "v1.4.0")
        pull = bump_pulls(state, "orders")[0]
        assert not pull.merged
        post_status(state, "acme/orders", pull.head_sha, "ci/build", "success")
        await stage.settle()
        merged = state.pull("acme/orders", pull.number)
        assert merged.merged
        main = state.repository("acme/orders").branches["main"]
        assert "acme-auth==1.4.0" in file_at(state, main, "requirements.txt")
        # web has no such rule: its bump PR stays open, green or not.
        web = bump_pulls(state, "web")[0]
        post_status(state, "acme/web", web.head_sha, "ci/build", "success")
        await stage.settle()
        assert not state.pull("acme/web", web.number).merged


async def test_a_prerelease_is_not_propagated_and_a_dry_run_only_reports(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    library = state.repository(LIBRARY)
    state.commit(LIBRARY, "main", {".paasbot.yml": "dry_run: true\n" + LIBRARY_CONFIG})
    async with stage_for(state) as stage:
        await release(stage, "v1.5.0-rc.1", prerelease=True)
        assert all(bump_pulls(state, name) == [] for name in DEPENDENTS)
        sha = library.resolve_ref("refs/tags/v1.5.0-rc.1")
        assert check_runs_named(state, LIBRARY, sha, "paasbot/propagate") == []
        await release(stage, "v1.5.0")
        assert all(bump_pulls(state, name) == [] for name in DEPENDENTS)
        text = propagate_summary(state, "v1.5.0").output["text"]
        assert (
            "| `acme/orders` | skipped | dry run: would open a PR (bumped in requirements.txt)"
            in text
        )
