from typing import Any

import pytest

from app.routing.plan import (
    BaseLookup,
    CoverageChange,
    HeadLookup,
    IndexRemoval,
    IndexUpsert,
    plan_routing,
)
from app.routing.subjects import SubjectKind, SubjectRef, pull_request
from app.sandbox.state import SimulatedGitHub
from app.sandbox.webhooks.payloads import build_payload
from tests.corpora import webhook_example

OWN_APP = 4242


def plan(event: str, payload: dict[str, Any]):
    return plan_routing(event, payload, own_app_id=OWN_APP)


def with_installation(payload: dict[str, Any], installation_id: int = 99) -> dict[str, Any]:
    return {**payload, "installation": {"id": installation_id}}


def test_pull_request_opened_marks_the_pr_and_indexes_its_head() -> None:
    payload = with_installation(webhook_example("pull_request", "opened"))
    routing = plan("pull_request", payload)
    repo = payload["repository"]["full_name"]
    number = payload["pull_request"]["number"]
    assert routing.subjects == [pull_request(99, repo, number)]
    assert routing.index_changes == [
        IndexUpsert(
            repo,
            number,
            payload["pull_request"]["head"]["sha"],
            payload["pull_request"]["base"]["ref"],
        )
    ]


def test_pull_request_closed_leaves_the_index() -> None:
    payload = with_installation(webhook_example("pull_request", "closed"))
    routing = plan("pull_request", payload)
    assert routing.index_changes == [
        IndexRemoval(payload["repository"]["full_name"], payload["pull_request"]["number"])
    ]
    assert len(routing.subjects) == 1


def test_status_looks_up_the_prs_whose_head_is_the_sha() -> None:
    payload = with_installation(webhook_example("status", "payload"))
    routing = plan("status", payload)
    assert routing.subjects == []
    assert routing.lookups == [HeadLookup(payload["repository"]["full_name"], payload["sha"])]


def test_check_run_marks_its_listed_prs_and_looks_up_its_head() -> None:
    payload = with_installation(webhook_example("check_run", "completed"))
    routing = plan("check_run", payload)
    repo = payload["repository"]["full_name"]
    assert routing.subjects == [pull_request(99, repo, 2)]
    assert routing.lookups == [HeadLookup(repo, payload["check_run"]["head_sha"])]


def test_paasbots_own_check_runs_do_not_wake_it_up() -> None:
    payload = with_installation(webhook_example("check_run", "completed"))
    payload["check_run"]["app"]["id"] = OWN_APP
    routing = plan("check_run", payload)
    assert routing.subjects == [] and routing.lookups == []


def test_check_run_prs_of_other_repositories_are_ignored() -> None:
    payload = with_installation(webhook_example("check_run", "completed"))
    payload["check_run"]["pull_requests"][0]["base"]["repo"]["url"] = (
        "https://x/api/v3/repos/o/other"
    )
    assert plan("check_run", payload).subjects == []


def test_push_to_a_branch_looks_up_the_prs_based_on_it() -> None:
    payload = with_installation(webhook_example("push", "with-new-branch"))
    assert payload["ref"].startswith("refs/heads/") and not payload["deleted"]
    routing = plan("push", payload)
    branch = payload["ref"].removeprefix("refs/heads/")
    # It changes no rule: only the PRs whose rules follow the base branch's head are woken.
    repo = payload["repository"]["full_name"]
    assert routing.lookups == [BaseLookup(repo, branch, every_pull=False)]


@pytest.mark.parametrize("ref, deleted", [("refs/tags/v1.0.0", False), ("refs/heads/main", True)])
def test_tag_pushes_and_branch_deletions_concern_no_pr(ref: str, deleted: bool) -> None:
    payload = {
        **with_installation(webhook_example("push", "payload")),
        "ref": ref,
        "deleted": deleted,
    }
    assert plan("push", payload).lookups == []


def test_comment_on_a_pr_marks_it_but_not_on_an_issue() -> None:
    payload = with_installation(webhook_example("issue_comment", "created"))
    payload["issue"]["pull_request"] = {"url": "https://x"}
    repo = payload["repository"]["full_name"]
    assert plan("issue_comment", payload).subjects == [
        pull_request(99, repo, payload["issue"]["number"])
    ]
    payload["issue"].pop("pull_request")
    assert plan("issue_comment", payload).subjects == []


def test_release_and_installation_subjects() -> None:
    release = with_installation(webhook_example("release", "published"))
    tag = release["release"]["tag_name"]
    repo = release["repository"]["full_name"]
    assert plan("release", release).subjects == [
        SubjectRef(SubjectKind.RELEASE, 99, repo, name=tag)
    ]
    installation = webhook_example("installation", "created")
    assert (
        plan("installation", installation).subjects[0].key
        == f"installation/{installation['installation']['id']}"
    )


def test_malformed_payloads_route_nowhere() -> None:
    for event in ("pull_request", "status", "check_run", "push", "release", "issue_comment"):
        routing = plan(event, {"repository": "not an object", "pull_request": []})
        assert routing.subjects == [] and routing.lookups == []


def test_subject_keys() -> None:
    assert pull_request(1, "acme/api", 3).key == "acme/api#3"
    assert SubjectRef(SubjectKind.RELEASE, 1, "acme/lib", name="v1.2.0").key == "acme/lib@v1.2.0"
    assert SubjectRef(SubjectKind.INSTALLATION, 5).key == "installation/5"
    assert SubjectRef(SubjectKind.REPOSITORY_INDEX, 5, "acme/api").key == "acme/api/open-pulls"


def push_to(branch: str, *commits: dict[str, list[str]], **fields: Any) -> dict[str, Any]:
    """A real push to `branch` of the repository (default branch `master`), listing `commits`,
    each given as its added/modified/removed paths."""
    payload = with_installation(webhook_example("push", "with-new-branch"))
    template = payload["commits"][0]
    listed = [
        {**template, "added": [], "modified": [], "removed": [], **changes} for changes in commits
    ]
    return {**payload, "ref": f"refs/heads/{branch}", "commits": listed, **fields}


def readme(count: int) -> list[dict[str, list[str]]]:
    return [{"modified": ["README.md"]}] * count


@pytest.mark.parametrize(
    ("commits", "touched"),
    [
        ([{"modified": [".paasbot.yml"]}], True),
        ([{"added": [".github/paasbot.yml"]}], True),
        ([{"removed": [".paasbot.yml"]}], True),
        ([{"removed": [".github/paasbot.yml"], "added": ["docs/paasbot.md"]}], True),
        ([*readme(2), {"modified": ["src/a.py", ".paasbot.yml"]}, *readme(2)], True),
        ([{"modified": ["README.md"], "added": ["src/a.py"]}], False),
        ([{"added": ["docs/.paasbot.yml", ".github/workflows/paasbot.yml"]}], False),
        ([{"modified": [".paasbot.yaml", "paasbot.yml", ".github/.paasbot.yml"]}], False),
        ([{"modified": [".PAASBOT.yml"]}], False),  # paths are case-sensitive on GitHub
        ([], False),
        (readme(19), False),
        (readme(20), True),  # GitHub lists 20 commits: the push may hold more
        (readme(35), True),
    ],
)
def test_a_push_to_the_default_branch_touching_the_config_changes_it(
    commits: list[dict[str, list[str]]], touched: bool
) -> None:
    payload = push_to("master", *commits)
    routing = plan("push", payload)
    repo = payload["repository"]["full_name"]
    assert routing.config_changes == ([repo] if touched else [])
    # A push that may change the rules wakes every PR on the branch.
    assert routing.lookups == [BaseLookup(repo, "master", every_pull=touched)]
    # Every push to the default branch makes its manifest scan stale, config or not.
    assert routing.default_branch_pushes == [repo]


def test_the_real_push_example_changes_no_configuration() -> None:
    payload = with_installation(webhook_example("push", "with-new-branch"))
    assert payload["ref"] == f"refs/heads/{payload['repository']['default_branch']}"
    assert plan("push", payload).config_changes == []
    assert plan("push", payload).default_branch_pushes == [payload["repository"]["full_name"]]
    payload["commits"][0]["added"].append(".paasbot.yml")
    assert plan("push", payload).config_changes == [payload["repository"]["full_name"]]


@pytest.mark.parametrize("commits", ["not a list", None, "missing"])
def test_a_push_whose_commits_cannot_be_read_counts_as_touching(commits: Any) -> None:
    payload = push_to("master", {"modified": ["README.md"]}, commits=commits)
    if commits == "missing":
        del payload["commits"]
    assert plan("push", payload).config_changes == [payload["repository"]["full_name"]]


def test_a_forced_push_to_the_default_branch_counts_as_touching() -> None:
    # The commits it dropped, not listed, may have changed the file.
    payload = push_to("master", {"modified": ["README.md"]}, forced=True)
    assert plan("push", payload).config_changes == [payload["repository"]["full_name"]]
    assert plan("push", push_to("master", forced=True)).config_changes != []


@pytest.mark.parametrize(
    ("ref", "fields"),
    [
        ("refs/heads/feature", {}),  # not the default branch
        ("refs/heads/master-old", {}),
        ("refs/tags/master", {}),  # a tag named like the default branch
        ("refs/heads/master", {"deleted": True}),
        ("refs/heads/master", {"repository": {"full_name": "o/r"}}),  # default branch unknown
    ],
)
def test_other_pushes_change_no_configuration(ref: str, fields: dict[str, Any]) -> None:
    payload = {**push_to("master", {"modified": [".paasbot.yml"]}, **fields), "ref": ref}
    assert plan("push", payload).config_changes == []
    assert plan("push", payload).default_branch_pushes == []


@pytest.mark.parametrize(
    ("ref", "commits", "forced", "changes"),
    [
        ("refs/heads/master", [{"modified": ["docs/CODEOWNERS"]}], False, True),
        ("refs/heads/release", [{"added": [".github/CODEOWNERS"]}], False, True),
        ("refs/heads/release", [{"removed": ["CODEOWNERS"]}], False, True),
        ("refs/heads/release", [{"modified": ["src/CODEOWNERS"]}], False, False),
        # Feature branches are force-pushed all day: only a push known to touch it counts.
        ("refs/heads/release", [{"modified": ["README.md"]}], True, False),
        ("refs/heads/release", [{"modified": [".paasbot.yml"]}], False, False),
    ],
)
def test_codeowners_changes_on_any_branch_drop_the_cached_copies(
    ref: str, commits: list[dict[str, list[str]]], forced: bool, changes: bool
) -> None:
    payload = {**push_to("master", *commits, forced=forced), "ref": ref}
    routing = plan("push", payload)
    repo = payload["repository"]["full_name"]
    assert routing.config_changes == ([repo] if changes else [])
    branch = ref.removeprefix("refs/heads/")
    assert routing.lookups == [BaseLookup(repo, branch, every_pull=changes)]


def test_a_push_to_the_org_github_repository_names_it() -> None:
    payload = push_to("main", {"modified": [".github/paasbot.yml"]})
    payload["repository"] = {
        **payload["repository"],
        "full_name": "acme/.github",
        "default_branch": "main",
    }
    assert plan("push", payload).config_changes == ["acme/.github"]


@pytest.mark.parametrize(
    ("event", "name"),
    [
        ("pull_request", "opened"),
        ("status", "payload"),
        ("check_run", "completed"),
        ("release", "published"),
        ("issue_comment", "created"),
        ("installation", "created"),
    ],
)
def test_only_pushes_change_configurations(event: str, name: str) -> None:
    payload = with_installation(webhook_example(event, name))
    assert plan(event, payload).config_changes == []
    assert plan(event, payload).default_branch_pushes == []


@pytest.mark.parametrize(
    ("branch", "changes", "touched"),
    [
        ("main", {".paasbot.yml": "dry_run: true\n"}, True),
        ("main", {".github/paasbot.yml": "rules: []\n"}, True),
        ("main", {"README.md": "# new\n"}, False),
        ("feature", {".paasbot.yml": "rules: []\n"}, False),
    ],
)
def test_the_simulators_push_webhooks(branch: str, changes: dict[str, str], touched: bool) -> None:
    state = SimulatedGitHub()
    installation = state.add_installation("acme")
    state.add_repository(installation, "widgets", files={".paasbot.yml": "rules: []\n"})
    state.published.clear()
    state.commit("acme/widgets", branch, changes)
    [push] = [event for event in state.published if event.name == "push"]
    routing = plan("push", build_payload(state, push, "http://sim.invalid/api/v3"))
    assert routing.config_changes == (["acme/widgets"] if touched else [])
    assert routing.lookups == [BaseLookup("acme/widgets", branch, every_pull=touched)]
    assert routing.default_branch_pushes == (["acme/widgets"] if branch == "main" else [])


def test_the_simulators_push_removing_the_config_changes_it() -> None:
    state = SimulatedGitHub()
    installation = state.add_installation("acme")
    state.add_repository(installation, "widgets", files={".paasbot.yml": "rules: []\n"})
    state.published.clear()
    state.commit("acme/widgets", "main", {".paasbot.yml": None})
    [push] = [event for event in state.published if event.name == "push"]
    payload = build_payload(state, push, "http://sim.invalid/api/v3")
    assert payload["commits"][0]["removed"] == [".paasbot.yml"]
    assert plan("push", payload).config_changes == ["acme/widgets"]


@pytest.mark.parametrize(
    ("event", "example", "changes"),
    [
        ("installation_repositories", "added", [CoverageChange("Codertocat/Space", True)]),
        ("installation_repositories", "removed", [CoverageChange("octocat/Hello-World", False)]),
        ("installation", "created", [CoverageChange("Codertocat/Hello-World", True)]),
        ("installation", "suspend", []),
    ],
)
def test_installation_events_say_which_repositories_it_covers(
    event: str, example: str, changes: list[CoverageChange]
) -> None:
    routing = plan(event, webhook_example(event, example))
    assert routing.coverage == changes
    assert [ref.kind for ref in routing.subjects] == [SubjectKind.INSTALLATION]
