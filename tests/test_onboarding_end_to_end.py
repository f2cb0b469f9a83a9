"""Onboarding end to end: installed on an organisation of five repositories, paasbot offers each
unconfigured one a "Configure paasbot" PR; merging two turns paasbot on for those two only;
closing one opts it out for good; a second installation event makes no second PR; the org's
switch turns onboarding off; the PRs-per-minute limit holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.onboarding.starter import BRANCH, MARKER
from app.sandbox import SimulatedGitHub
from app.sandbox.actors_pulls import comment, merge_pull, open_issue
from app.sandbox.actors_repos import add_collaborator, add_org_defaults_repository
from app.sandbox.demo import DemoStage
from app.sandbox.ops.issues import comments_on
from tests.e2e_world import check_runs_named

RELEASE_WORKFLOW = "on:\n  release:\n    types: [published]\njobs: {}\n"
REPOSITORIES: dict[str, dict[str, str]] = {
    "api": {".github/CODEOWNERS": "* @alice\n", "pyproject.toml": '[project]\nname = "api"\n'},
    "web": {"package.json": '{"name": "web"}\n'},
    "auth-lib": {
        "pyproject.toml": '[project]\nname = "acme-auth"\n',
        ".github/workflows/release.yml": RELEASE_WORKFLOW,
    },
    "docs": {"README.md": "# docs\n"},
    "configured": {".paasbot.yml": "extends: minimal\n", "README.md": "# configured\n"},
}


def world() -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    for name, files in REPOSITORIES.items():
        state.add_repository(installation, name, files=files)
        add_collaborator(state, f"acme/{name}", "alice", "write")
    return state


def install(state: SimulatedGitHub) -> None:
    installation = next(iter(state.installations.values()))
    repositories = [state.repository(name) for name in installation.repositories]
    state.publish("installation", "created", None, "alice", installation, repositories=repositories)


def onboarding_pulls(state: SimulatedGitHub, name: str) -> list[Any]:
    return [pull for pull in state.pulls_in(f"acme/{name}") if pull.head_ref == BRANCH]


def feature_pull(state: SimulatedGitHub, name: str) -> Any:
    repo = f"acme/{name}"
    state.commit(repo, "feature", {"src/feature.py": "x = 1\n"}, author="alice")
    return state.open_pull(repo, "A feature", head_ref="feature", author="alice")


async def installed(stage: DemoStage) -> None:
    install(stage.state)
    await stage.settle()


async def test_installing_offers_each_unconfigured_repository_one_pr_and_two_merged_turn_it_on(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    async with stage_for(state) as stage:
        await installed(stage)
        offered = {name: onboarding_pulls(state, name) for name in REPOSITORIES}
        assert {name: len(pulls) for name, pulls in offered.items()} == {
            "api": 1, "web": 1, "auth-lib": 1, "docs": 1, "configured": 0,
        }  # fmt: skip
        api = offered["api"][0]
        assert api.title == "Configure paasbot" and api.author == state.bot_login
        assert api.body.endswith(MARKER)
        text = state.git.read(api.head_sha, ".paasbot.yml")
        assert text is not None and b"extends: golden-path" in text
        assert b"enabled: false" not in text  # api has CODEOWNERS
        lib = state.git.read(offered["auth-lib"][0].head_sha, ".paasbot.yml") or b""
        assert b'#       package: "acme-auth"' in lib
        # The onboarding PR's file is validated by the paasbot/config check.
        config_checks = check_runs_named(state, "acme/api", api.head_sha, "paasbot/config")
        assert config_checks and config_checks[-1].conclusion == "success"

        for name in ("api", "web"):
            merge_pull(state, f"acme/{name}", offered[name][0].number, by="alice")
        await stage.settle()
        features = {name: feature_pull(state, name) for name in REPOSITORIES}
        await stage.settle()
        summaries = {
            name: check_runs_named(state, f"acme/{name}", pull.head_sha, "paasbot")
            for name, pull in features.items()
        }
        acting = {name for name, runs in summaries.items() if runs}
        assert acting == {"api", "web", "configured"}
        assert {"auth-lib", "docs"}.isdisjoint(acting)

        # docs says no; a second installation event offers nothing again.
        state.close_pull("acme/docs", offered["docs"][0].number)
        await stage.settle()
        before = len(state.requests)
        await installed(stage)
        assert {name: len(onboarding_pulls(state, name)) for name in REPOSITORIES} == {
            "api": 1, "web": 1, "auth-lib": 1, "docs": 1, "configured": 0,
        }  # fmt: skip
        writes = [r for r in state.requests[before:] if r.method != "GET"]
        assert [w.path for w in writes if "/pulls" in w.path or "/git/" in w.path] == []

        # Someone without write access cannot ask again; alice can.
        issue = open_issue(state, "acme/docs", "Use paasbot after all", "carol")
        comment(state, "acme/docs", issue.number, "carol", "/paasbot onboard")
        await stage.settle()
        assert len(onboarding_pulls(state, "docs")) == 1
        comment(state, "acme/docs", issue.number, "alice", "/paasbot onboard")
        await stage.settle()
        second = onboarding_pulls(state, "docs")[-1]
        assert len(onboarding_pulls(state, "docs")) == 2 and second.state == "open"
        assert [c.body for c in comments_on(state, "acme/docs", issue.number)] == [
            "/paasbot onboard",
            "@carol, only people with write access can ask paasbot to onboard.",
            "/paasbot onboard",
            f"paasbot opened #{second.number} to configure this repository.",
        ]
        # Asking where there is nothing to do says so.
        issue = open_issue(state, "acme/api", "Again?", "alice")
        comment(state, "acme/api", issue.number, "alice", "/paasbot onboard")
        await stage.settle()
        assert comments_on(state, "acme/api", issue.number)[-1].body == (
            "Nothing to do: it has a paasbot configuration file."
        )


async def test_repositories_added_later_are_offered_and_the_org_can_turn_onboarding_off(
    stage_for: Callable[..., Any],
) -> None:
    state = world()
    installation = next(iter(state.installations.values()))
    async with stage_for(state) as stage:
        add_org_defaults_repository(state, "acme", {".paasbot.yml": "onboarding: false\n"})
        await installed(stage)
        assert all(onboarding_pulls(state, name) == [] for name in REPOSITORIES)
        state.commit("acme/.github", "main", {".paasbot.yml": "onboarding: true\n"})
        new = state.add_repository(installation, "billing", files={"go.mod": "module billing\n"})
        state.publish(
            "installation_repositories", "added", None, "alice", installation,
            added=[new], removed=[],
        )  # fmt: skip
        await stage.settle()
        (billing,) = onboarding_pulls(state, "billing")
        assert "This looks like a Go project" in billing.body
