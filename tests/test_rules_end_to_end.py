"""The rule engine end to end: a repository with a `.paasbot.yml`, pull requests changed by
simulated people, paasbot's label, comment and check actions and its summary, all through real
HTTP both ways."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from app.sandbox import SimulatedGitHub
from app.sandbox.actors_pulls import add_labels, comment, merge_pull, review
from app.sandbox.actors_repos import add_collaborator, add_org_defaults_repository, post_status
from app.sandbox.conformance import ConformanceChecker
from app.sandbox.demo import DemoStage
from app.sandbox.ops.issues import comments_on
from tests.e2e_world import check_runs_named, eventually, running_stage

REPO = "acme/api"
RULES = """
rules:
  - name: Welcome
    on: [pull_request.opened]
    do:
      comment: {body: "Thanks @{{ author }} for {{ title }}!"}
  - name: Needs review
    if: ["#approved-reviews-by=0"]
    do:
      comment: {body: "Waiting for a review, @{{ author }}."}
      label: {toggle: [needs-review]}
  - name: Ready
    if: ["#approved-reviews-by>=1", check-success=ci]
    do:
      check: {name: ready-to-merge, unmatched: neutral}
"""


def world(config: str | None, org_config: str | None = None) -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    files = {"src/app.py": "print('v0')\n"}
    if config is not None:
        files[".paasbot.yml"] = config
    state.add_repository(installation, "api", files=files)
    for login, role in (("alice", "write"), ("bob", "write"), ("carol", "read")):
        add_collaborator(state, REPO, login, role)
    if org_config is not None:
        add_org_defaults_repository(state, "acme", {".paasbot.yml": org_config})
    return state


@pytest.fixture
def make_stage(
    database_url: str,
    conformance_checker: ConformanceChecker | None,
    request: pytest.FixtureRequest,
) -> Callable[..., Any]:
    def make(config: str | None, org_config: str | None = None) -> Any:
        state = world(config, org_config)
        return running_stage(state, database_url, conformance_checker, request)

    return make


@pytest.fixture
async def stage(make_stage: Callable[..., Any]) -> AsyncIterator[DemoStage]:
    async with make_stage(RULES) as running:
        yield running


def open_pull(state: SimulatedGitHub, files: dict[str, str] | None = None, **kwargs: Any) -> Any:
    state.commit(REPO, "feature", files or {"src/app.py": "print('v1')\n"}, author="alice")
    return state.open_pull(REPO, "Retry charges", head_ref="feature", **kwargs)


def summary(state: SimulatedGitHub, sha: str) -> dict[str, Any]:
    runs = check_runs_named(state, REPO, sha, "paasbot")
    assert len(runs) == 1, f"one summary check run, found {len(runs)}"
    return {"conclusion": runs[0].conclusion, **runs[0].output}


def bodies(state: SimulatedGitHub, number: int) -> list[str]:
    return [entry.body for entry in comments_on(state, REPO, number)]


async def test_rules_label_comment_and_check_as_the_pr_changes(stage: DemoStage) -> None:
    state = stage.state
    pull = open_pull(state)
    await stage.settle()
    assert [body.split("\n")[0] for body in bodies(state, pull.number)] == [
        "Thanks @alice for Retry charges!",
        "Waiting for a review, @alice.",
    ]
    assert "needs-review" in state.pull(REPO, pull.number).labels
    ready = check_runs_named(state, REPO, pull.head_sha, "ready-to-merge")
    assert [run.conclusion for run in ready] == ["neutral"]
    shown = summary(state, pull.head_sha)
    assert shown["title"] == "1 of 3 rules match"
    assert "### ✅ Needs review" in shown["summary"]
    assert "✓ `#approved-reviews-by=0` — #approved-reviews-by: `0`" in shown["summary"]
    assert "✗ `check-success=ci` — check-success: *none*" in shown["summary"]

    review(state, REPO, pull.number, "bob", "APPROVE")
    post_status(state, REPO, pull.head_sha, "ci", "success")
    await stage.settle()
    assert "needs-review" not in state.pull(REPO, pull.number).labels
    ready = check_runs_named(state, REPO, pull.head_sha, "ready-to-merge")
    assert ready[-1].conclusion == "success"
    assert "✓ `check-success=ci` — check-success: `ci`" in summary(state, pull.head_sha)["summary"]

    add_labels(state, REPO, pull.number, ["unrelated"], sender="alice")
    await stage.settle()
    assert len(bodies(state, pull.number)) == 2, "comments are posted once per transition"


async def test_a_comment_fires_again_only_after_its_rule_stopped_matching(
    stage: DemoStage,
) -> None:
    state = stage.state
    pull = open_pull(state)
    await stage.settle()
    approval = review(state, REPO, pull.number, "bob", "APPROVE")
    await stage.settle()
    from app.sandbox.actors_pulls import dismiss_review

    dismiss_review(state, REPO, pull.number, approval.id, "stale", sender="alice")
    await stage.settle()
    waiting = [b for b in bodies(state, pull.number) if b.startswith("Waiting for a review")]
    assert len(waiting) == 2
    assert "needs-review" in state.pull(REPO, pull.number).labels


async def test_an_unchanged_pr_costs_no_summary_write(stage: DemoStage) -> None:
    state = stage.state
    pull = open_pull(state)
    await stage.settle()
    writes = len(state.requests_matching("PATCH", path_prefix=f"/repos/{REPO}/check-runs"))
    add_labels(state, REPO, pull.number, ["unrelated"], sender="alice")
    await stage.settle()
    after = len(state.requests_matching("PATCH", path_prefix=f"/repos/{REPO}/check-runs"))
    posts = state.requests_matching("POST", f"/repos/{REPO}/check-runs")
    assert after == writes
    assert len(posts) == 2, "the summary and ready-to-merge, each created once"


async def test_an_invalid_configuration_runs_no_rule_and_says_why(
    make_stage: Callable[..., Any],
) -> None:
    broken = "rules:\n  - name: x\n    if: [lable=bug]\n    do:\n      label: {add: [x]}\n"
    async with make_stage(broken) as stage:
        pull = open_pull(stage.state)
        await stage.settle()
        shown = summary(stage.state, pull.head_sha)
        assert shown["conclusion"] == "failure"
        assert shown["title"] == "The configuration is invalid: 1 problem"
        assert "`.paasbot.yml:3:10`: unknown attribute 'lable' (did you mean" in shown["summary"]
        assert "x" not in stage.state.pull(REPO, pull.number).labels


async def test_a_pr_changing_the_configuration_gets_it_checked_on_its_lines(
    stage: DemoStage,
) -> None:
    state = stage.state
    changed = RULES + "  - name: Broken\n    if: [base~=(]\n"
    pull = open_pull(state, {".paasbot.yml": changed})
    await stage.settle()
    (check,) = check_runs_named(state, REPO, pull.head_sha, "paasbot/config")
    assert check.conclusion == "failure"
    (annotation,) = check.annotations
    assert annotation["path"] == ".paasbot.yml"
    assert annotation["start_line"] == changed.splitlines().index("    if: [base~=(]") + 1
    assert "invalid regular expression" in annotation["message"]
    # The PR's own version never runs: the default branch's rules do.
    assert summary(state, pull.head_sha)["title"] == "1 of 3 rules match"


async def test_a_push_to_the_default_branch_changes_the_rules_at_once(stage: DemoStage) -> None:
    state = stage.state
    pull = open_pull(state)
    await stage.settle()
    assert summary(state, pull.head_sha)["title"] == "1 of 3 rules match"
    state.commit(REPO, "main", {".paasbot.yml": "rules:\n  - name: Only\n"}, author="alice")
    await stage.settle()
    assert summary(state, pull.head_sha)["title"] == "1 of 1 rules match"


async def test_comment_commands_need_write_access(stage: DemoStage) -> None:
    state = stage.state
    pull = open_pull(state)
    await stage.settle()
    refused = comment(state, REPO, pull.number, "carol", "/paasbot refresh")
    accepted = comment(state, REPO, pull.number, "alice", "/paasbot refresh")
    await stage.settle()
    assert [r.content for r in state.reactions_of(REPO, refused.id)] == ["confused"]
    assert [r.content for r in state.reactions_of(REPO, accepted.id)] == ["+1"]
    assert (
        "@carol: sorry, `/paasbot refresh` needs write access"
        in summary(state, pull.head_sha)["summary"]
    )


async def test_rules_that_fight_are_stopped(make_stage: Callable[..., Any]) -> None:
    fighting = """
rules:
  - name: Add
    if: [-label=fight]
    do: {label: {add: [fight]}}
  - name: Remove
    if: [label=fight]
    do: {label: {remove: [fight]}}
"""
    async with make_stage(fighting) as stage:
        pull = open_pull(stage.state)

        async def stopped() -> bool:
            await stage.settle()
            runs = check_runs_named(stage.state, REPO, pull.head_sha, "paasbot")
            return bool(runs) and "**stopped**" in runs[0].output["summary"]

        await eventually(stopped, within=60)
        changes = stage.state.requests_matching(
            "POST", f"/repos/{REPO}/issues/{pull.number}/labels"
        )
        assert 4 <= len(changes) <= 8


async def test_a_dry_run_changes_nothing_and_says_what_it_would_do(
    make_stage: Callable[..., Any],
) -> None:
    config = "dry_run: true\nrules:\n  - name: Tag\n    do: {label: {add: [seen]}}\n"
    async with make_stage(config) as stage:
        pull = open_pull(stage.state)
        await stage.settle()
        shown = summary(stage.state, pull.head_sha)
        assert shown["title"] == "Dry run: 1 of 1 rules match · 1 action planned"
        assert "(add `seen`)" in shown["summary"]
        assert "seen" not in stage.state.pull(REPO, pull.number).labels


async def test_org_defaults_and_a_preset_combine_with_the_repository_rules(
    make_stage: Callable[..., Any],
) -> None:
    org = "rules:\n  - name: Org label\n    do: {label: {add: [org-policy]}}\n"
    repo = "extends: minimal\nrules:\n  - name: Ask the code owners\n    enabled: false\n"
    async with make_stage(repo, org) as stage:
        pull = open_pull(stage.state, draft=True)
        await stage.settle()
        labels = stage.state.pull(REPO, pull.number).labels
        assert {"org-policy", "wip"} <= set(labels)
        shown = summary(stage.state, pull.head_sha)["summary"]
        assert "Rules from `acme/.github:.paasbot.yml`, `preset:minimal`, `.paasbot.yml`." in shown
        assert "Ask the code owners" not in shown


MERGE_RULES = """
rules:
  - name: Merge when ready
    if:
      - "#approved-reviews-by>=1"
      - "#changes-requested-reviews-by=0"
      - check-success=ci
      - -label=do-not-merge
      - -draft
"""


async def test_api_calls_per_evaluation_fresh_and_cached(make_stage: Callable[..., Any]) -> None:
    async with make_stage(MERGE_RULES) as stage:
        state = stage.state
        pull = open_pull(state)
        before = len(state.requests)
        await stage.settle()
        fresh = [r for r in state.requests[before:] if not r.path.startswith("/app")]
        mark = len(state.requests)
        comment(state, REPO, pull.number, "bob", "Looks good so far.")
        await stage.settle()
        cached = [r for r in state.requests[mark:] if not r.path.startswith("/app")]
    print(f"\nAPI calls per evaluation: fresh {len(fresh)}, cached {len(cached)}")
    for request in fresh + cached:
        print(f"  {request.method} {request.path} conditional={request.if_none_match}")
    assert not [r for r in cached if "/contents/" in r.path], "the configuration is cached"
    assert not [r for r in cached if r.method != "GET"], "nothing changed, nothing written"
    assert len(cached) < len(fresh)


async def test_a_merged_pr_is_evaluated_once_more_for_rules_on_its_closing(
    make_stage: Callable[..., Any],
) -> None:
    config = """
rules:
  - name: Thank on merge
    on: [pull_request.closed]
    if: [merged]
    do:
      comment: {body: "Merged, thanks @{{ author }}!"}
"""
    async with make_stage(config) as stage:
        state = stage.state
        pull = open_pull(state)
        await stage.settle()
        merge_pull(state, REPO, pull.number, by="alice")
        await stage.settle()
        assert [b.split("\n")[0] for b in bodies(state, pull.number)] == ["Merged, thanks @alice!"]
        comment(state, REPO, pull.number, "bob", "late remark")
        await stage.settle()
        assert len(bodies(state, pull.number)) == 2, "no evaluation after the closing one"


async def test_editing_the_shadowed_config_file_is_pointed_out(stage: DemoStage) -> None:
    state = stage.state
    pull = open_pull(state, {".github/paasbot.yml": "rules: []\n"})
    await stage.settle()
    (check,) = check_runs_named(state, REPO, pull.head_sha, "paasbot/config")
    assert check.conclusion == "success"
    assert check.output["summary"].startswith(
        "`.github/paasbot.yml` is ignored while `.paasbot.yml` exists."
    )


async def test_a_comment_on_an_event_rule_is_posted_at_each_such_event(
    make_stage: Callable[..., Any],
) -> None:
    config = """
rules:
  - name: New commits
    on: [pull_request.synchronize]
    do:
      comment: {body: "New commits on {{ head }}."}
"""
    async with make_stage(config) as stage:
        state = stage.state
        pull = open_pull(state)
        await stage.settle()
        for version in (2, 3):
            state.commit(REPO, "feature", {"src/app.py": f"print({version})\n"}, author="alice")
            await stage.settle()
        posted = [b.split("\n")[0] for b in bodies(state, pull.number)]
        assert posted == ["New commits on feature."] * 2
