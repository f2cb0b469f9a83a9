"""`PullRequestFacts`: the value of every attribute on pull requests served by the simulator over
real HTTP, what each costs in API calls, and the pure reductions behind them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.engine.attributes import ATTRIBUTES, Scope
from app.engine.conditions import attributes_used, evaluate, parse_tree
from app.engine.permissions import PermissionCache
from app.engine.pull_facts import (
    PROVIDED,
    PULL_ATTRIBUTES,
    FactNeeds,
    FactNotPrepared,
    PullRequestFacts,
    ReviewerState,
    check_run_state,
    check_states,
    file_names,
    from_fork,
    from_pull,
    needs_of,
    reduce_reviews,
    status_state,
)
from app.engine.snapshot import PullRequestSnapshot
from app.engine.teams import TeamCache, TeamDirectory
from app.github.client import InstallationAPI
from app.sandbox.actors_pulls import (
    add_assignees,
    add_labels,
    dismiss_review,
    request_reviewers,
    review,
)
from app.sandbox.actors_repos import post_status
from app.sandbox.models import CheckRunPatch, PullRequest
from app.sandbox.ops.pulls import create_pull
from tests.facts_world import (  # noqa: F401
    APP_PY,
    REPO,
    CallLog,
    World,
    api_fixture,
    clock_fixture,
    github_fixture,
    log_fixture,
    simulator_state_fixture,
    world_fixture,
)

# Those GitHub answers (the coverage figures are computed by paasbot and provided).
PR_ATTRIBUTES = {a.name for a in ATTRIBUTES if a.scope is Scope.PULL_REQUEST} - PROVIDED
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def facts_for(
    api: InstallationAPI,
    number: int,
    *,
    sender: str | None = None,
    permissions: PermissionCache | None = None,
    teams: TeamCache | None = None,
) -> PullRequestFacts:
    return PullRequestFacts(
        PullRequestSnapshot(api, REPO, number),
        sender=sender,
        teams=TeamDirectory(api, teams),
        permissions=permissions or PermissionCache(),
        mergeability_wait=0,
    )


def at(epoch: float) -> datetime:
    return datetime.fromtimestamp(int(epoch), UTC)


# A realistic pull request


def open_busy_pull(world: World) -> PullRequest:
    """alice's PR of two commits (+3 -1 in two files), labelled, assigned, reviewed by people of
    every role, with statuses and check runs on its head, two commits behind main."""
    state = world.state
    world.commit("feature", {"src/app.py": APP_PY.replace("line 1\n", "") + "line 11\n"})
    world.commit("feature", {"docs/guide.md": "Read me.\nThen me.\n"})
    pull = create_pull(state, REPO, "feature", "main", "Add a guide", "alice")
    add_labels(state, REPO, pull.number, ["api", "ready"], sender="alice")
    add_assignees(state, REPO, pull.number, ["bob", "carol"], sender="alice")
    _review(world, pull)
    request_reviewers(state, REPO, pull.number, ["gina"], ["reviewers"], sender="alice")
    _post_checks(world, pull.head_sha)
    world.commit("main", {"CHANGELOG.md": "one\n"})
    world.commit("main", {"CHANGELOG.md": "two\n"})
    return pull


def _review(world: World, pull: PullRequest) -> None:
    state, number = world.state, pull.number
    for login, event in [
        ("bob", "APPROVE"),  # write; a later comment does not cancel it
        ("erin", "REQUEST_CHANGES"),  # maintain
        ("carol", "APPROVE"),  # read: does not count
        ("dave", "REQUEST_CHANGES"),  # an organisation member who reads: does not count
        ("tom", "COMMENT"),  # triage
        ("frank", "APPROVE"),  # write, dismissed below
        ("root", "REQUEST_CHANGES"),  # admin, who approves later
        ("bob", "COMMENT"),
        ("root", "APPROVE"),
    ]:
        world.clock.advance(1)
        review(state, REPO, number, login, event, f"{event.lower()} by {login}")
    frank = next(item for item in pull.reviews if item.user == "frank")
    dismiss_review(state, REPO, number, frank.id, "stale", sender="root")


def _post_checks(world: World, sha: str) -> None:
    state = world.state
    for context, status in [
        ("ci/lint", "success"),
        ("ci/test", "pending"),
        ("ci/test", "failure"),
        ("ci/docs", "error"),
        ("deploy", "pending"),
    ]:
        world.clock.advance(1)
        post_status(state, REPO, sha, context, status)
    for name, patch in [
        ("build", CheckRunPatch(conclusion="success")),
        ("unit", CheckRunPatch(conclusion="failure")),
        ("unit", CheckRunPatch(conclusion="success")),  # the re-run that counts
        ("e2e", CheckRunPatch(status="in_progress")),
        ("flaky", CheckRunPatch(conclusion="timed_out")),
        ("cancel-me", CheckRunPatch(conclusion="cancelled")),
        ("needs-action", CheckRunPatch(conclusion="action_required")),
        ("optional", CheckRunPatch(conclusion="neutral")),
        ("skip-me", CheckRunPatch(conclusion="skipped")),
        ("paasbot", CheckRunPatch(conclusion="failure")),  # the summary itself: left out
    ]:
        world.clock.advance(1)
        state.create_check_run(REPO, name, sha, patch)


@pytest.fixture
def busy(world: World) -> PullRequest:
    return open_busy_pull(world)


def expected_values(pull: PullRequest) -> dict[str, Any]:
    return {
        "base": "main",
        "head": "feature",
        "author": "alice",
        "title": "Add a guide",
        "body": "",
        "sender": "bob",
        "milestone": None,
        "repository": REPO,
        "label": ["api", "ready"],
        "files": ["docs/guide.md", "src/app.py"],
        "assignee": ["bob", "carol"],
        "approved-reviews-by": ["bob", "root"],
        "changes-requested-reviews-by": ["erin"],
        "commented-reviews-by": ["bob", "tom"],
        "review-requested": ["gina", "@acme/reviewers"],
        "check-success": ["build", "ci/lint", "unit"],
        "check-failure": ["cancel-me", "ci/docs", "ci/test", "flaky", "needs-action"],
        "check-pending": ["deploy", "e2e"],
        "check-neutral": ["optional"],
        "check-skipped": ["skip-me"],
        "number": pull.number,
        "#commits": 2,
        "#commits-behind": 2,
        "additions": 3,
        "deletions": 1,
        "changed-lines": 4,
        "draft": False,
        "conflict": False,
        "from-fork": False,
        "merged": False,
        "closed": False,
        "locked": False,
        "created-at": at(pull.created_at),
        "updated-at": at(pull.updated_at),
    }


def pull_path(number: int, tail: str = "") -> str:
    return f"GET /repos/{REPO}/pulls/{number}{tail}"


def permission_calls(*logins: str) -> list[str]:
    return [f"GET /repos/{REPO}/collaborators/{login}/permission" for login in logins]


async def test_every_attribute_of_a_busy_pull(
    api: InstallationAPI, busy: PullRequest, log: CallLog
) -> None:
    facts = facts_for(api, busy.number, sender="bob")
    await facts.prepare(PR_ATTRIBUTES, {"acme/backend"})
    assert facts.prepared_values() == expected_values(busy)
    assert {name: facts.value(name) for name in PR_ATTRIBUTES} == expected_values(busy)
    assert facts.members("acme/backend") == {"bob", "erin"}
    assert facts.value("tag") is None
    assert facts.value("prerelease") is None
    sha = busy.head_sha
    assert sorted(log.calls()) == sorted(
        [
            pull_path(busy.number),
            pull_path(busy.number, "/reviews"),
            pull_path(busy.number, "/files"),
            f"GET /repos/{REPO}/commits/{sha}/status",
            f"GET /repos/{REPO}/commits/{sha}/check-runs",
            f"GET /repos/{REPO}/compare/main...{sha}",
            "GET /orgs/acme/teams/backend/members",
            *permission_calls("bob", "carol", "dave", "erin", "root"),
        ]
    )


async def test_preparing_again_costs_nothing(
    api: InstallationAPI, busy: PullRequest, log: CallLog
) -> None:
    facts = facts_for(api, busy.number)
    await facts.prepare(PR_ATTRIBUTES, {"acme/backend"})
    log.reset()
    await facts.prepare(PR_ATTRIBUTES, {"acme/backend", "@acme/Backend"})
    assert await facts.value_of("title") == "Add a guide"
    assert log.calls() == []


async def test_the_permission_cache_is_shared_across_evaluations(
    api: InstallationAPI, busy: PullRequest, log: CallLog
) -> None:
    permissions, teams = PermissionCache(), TeamCache()
    await facts_for(api, busy.number, permissions=permissions, teams=teams).prepare(
        {"approved-reviews-by"}, {"acme/backend"}
    )
    log.reset()
    later = facts_for(api, busy.number, permissions=permissions, teams=teams)
    await later.prepare({"approved-reviews-by"}, {"acme/backend"})
    assert later.value("approved-reviews-by") == ["bob", "root"]
    assert log.calls() == [pull_path(busy.number, "/reviews")]


# What each attribute costs

PULL_ONLY = sorted(PULL_ATTRIBUTES - {"#files"})


@pytest.mark.parametrize("name", PULL_ONLY)
async def test_a_pull_attribute_costs_the_pull_fetch(
    api: InstallationAPI, busy: PullRequest, log: CallLog, name: str
) -> None:
    facts = facts_for(api, busy.number)
    await facts.prepare({name})
    assert facts.value(name) == expected_values(busy)[name]
    assert log.calls() == [pull_path(busy.number)]


@pytest.mark.parametrize(
    ("names", "calls"),
    [
        ({"sender", "tag", "prerelease"}, []),
        ({"files"}, ["/files"]),
        ({"commented-reviews-by"}, ["/reviews"]),
        ({"approved-reviews-by"}, ["/reviews", "bob", "carol", "root"]),
        ({"changes-requested-reviews-by"}, ["/reviews", "dave", "erin"]),
        ({"check-success", "check-failure"}, ["", "status", "check-runs"]),
        ({"#commits-behind"}, ["", "compare"]),
    ],
)
async def test_what_other_attributes_cost(
    api: InstallationAPI,
    busy: PullRequest,
    log: CallLog,
    names: set[str],
    calls: list[str],
) -> None:
    facts = facts_for(api, busy.number, sender="bob")
    await facts.prepare(names)
    for name in names - {"tag", "prerelease"}:
        assert facts.value(name) == expected_values(busy)[name]
    sha, number = busy.head_sha, busy.number
    paths = {
        "": pull_path(number),
        "/files": pull_path(number, "/files"),
        "/reviews": pull_path(number, "/reviews"),
        "status": f"GET /repos/{REPO}/commits/{sha}/status",
        "check-runs": f"GET /repos/{REPO}/commits/{sha}/check-runs",
        "compare": f"GET /repos/{REPO}/compare/main...{sha}",
    }
    expected = [paths.get(call) or permission_calls(call)[0] for call in calls]
    assert sorted(log.calls()) == sorted(expected)


async def test_counting_files_does_not_list_them(
    api: InstallationAPI, busy: PullRequest, log: CallLog
) -> None:
    tree = parse_tree(["#files>=2", "title~=guide"])
    needs = needs_of([tree])
    assert needs == FactNeeds(
        frozenset({"files", "title"}), frozenset({"files"}), frozenset(), frozenset({"files"})
    )
    facts = facts_for(api, busy.number)
    await facts.prepare_for(needs)
    assert evaluate(tree, facts, NOW).holds
    assert (facts.count("files"), facts.value("#files")) == (2, 2)
    assert facts.prepared_values() == {"sender": None, "#files": 2, "title": "Add a guide"}
    assert log.calls() == [pull_path(busy.number)]
    await facts.prepare({"files"})
    assert facts.value("files") == ["docs/guide.md", "src/app.py"]
    assert log.calls() == [pull_path(busy.number), pull_path(busy.number, "/files")]


async def test_counted_and_read_files_are_listed(
    api: InstallationAPI, busy: PullRequest, log: CallLog
) -> None:
    tree = parse_tree(["#files>=2", "files~=^docs/"])
    facts = facts_for(api, busy.number)
    await facts.prepare_for(needs_of([tree]))
    assert evaluate(tree, facts, NOW).holds
    # `#files` is GitHub's changed_files (a rename is one file), from the pull.
    assert facts.count("files") == 2
    assert sorted(log.calls()) == sorted([pull_path(busy.number), pull_path(busy.number, "/files")])


async def test_a_rule_set_evaluated_from_github(api: InstallationAPI, busy: PullRequest) -> None:
    rules = {
        "ready": ["#approved-reviews-by>=2", "check-success=ci/lint", "-conflict", "-draft"],
        "blocked": ["#changes-requested-reviews-by=0"],
        "backend approved": ["approved-reviews-by=@acme/backend"],
        "ops approved": ["approved-reviews-by=@acme/ops"],
        "team asked": ["review-requested=@acme/reviewers"],
        "fresh": ["#commits-behind=0"],
        "small": ["changed-lines<10", "#files<=2", "created-at>1 day ago"],
        "from bob": ["sender=BOB", "author=@acme/backend"],
    }
    trees = {name: parse_tree(conditions) for name, conditions in rules.items()}
    needs = needs_of(trees.values())
    assert needs.attributes == set().union(*(attributes_used(t) for t in trees.values()))
    assert needs.teams == {"acme/backend", "acme/ops", "acme/reviewers"}
    facts = facts_for(api, busy.number, sender="bob")
    await facts.prepare_for(needs)
    held = {
        name for name, tree in trees.items() if evaluate(tree, facts, at(busy.created_at)).holds
    }
    assert held == {"ready", "backend approved", "team asked", "small"}
    assert facts.missing_teams == ["acme/ops"]


# Pull requests in other states


async def test_a_conflicting_pull(api: InstallationAPI, world: World, log: CallLog) -> None:
    world.commit("clash", {"README.md": "# gadgets\n"})
    pull = create_pull(world.state, REPO, "clash", "main", "Rename", "alice", draft=True)
    world.commit("main", {"README.md": "# widgets!\n"})
    facts = facts_for(api, pull.number)
    await facts.prepare({"conflict", "draft", "#commits-behind"})
    assert (facts.value("conflict"), facts.value("draft")) == (True, True)
    assert facts.value("#commits-behind") == 1
    assert log.calls() == [
        pull_path(pull.number),
        f"GET /repos/{REPO}/compare/main...{pull.head_sha}",
    ]


async def test_mergeability_still_computed_is_fetched_again_once(
    api: InstallationAPI, world: World, log: CallLog
) -> None:
    pull = world.state.open_pull(REPO, "Ghost", head_sha="a" * 40, head_ref="ghost")
    facts = facts_for(api, pull.number)
    await facts.prepare({"title"})
    assert (await facts.snapshot.pull())["mergeable"] is None
    await facts.prepare({"conflict"})
    assert facts.value("conflict") is False, "unknown is taken as no conflict"
    await facts.prepare({"conflict", "draft"})
    assert log.calls() == [pull_path(pull.number)] * 2


async def test_a_known_mergeability_is_not_fetched_again(
    api: InstallationAPI, busy: PullRequest, log: CallLog
) -> None:
    facts = facts_for(api, busy.number)
    await facts.prepare({"conflict"})
    assert facts.value("conflict") is False
    assert log.calls() == [pull_path(busy.number)]


async def test_merged_closed_and_locked(api: InstallationAPI, world: World) -> None:
    merged = world.open_pull("one", {"a.txt": "a\n"})
    world.state.close_pull(REPO, merged.number, merged=True)
    closed = world.open_pull("two", {"b.txt": "b\n"})
    world.state.close_pull(REPO, closed.number)
    locked = world.open_pull("three", {"c.txt": "c\n"})
    locked.locked = True
    names = {"merged", "closed", "locked", "conflict"}
    seen = {}
    for pull in (merged, closed, locked):
        facts = facts_for(api, pull.number)
        await facts.prepare(names)
        seen[pull.head_ref] = {name: facts.value(name) for name in sorted(names)}
    assert seen == {
        "one": {"closed": True, "conflict": False, "locked": False, "merged": True},
        "two": {"closed": True, "conflict": False, "locked": False, "merged": False},
        "three": {"closed": False, "conflict": False, "locked": True, "merged": False},
    }


async def test_a_body_and_no_reviews(api: InstallationAPI, world: World) -> None:
    world.commit("quiet", {"q.txt": "q\n"})
    pull = create_pull(world.state, REPO, "quiet", "main", "Quiet", "bob", body="Why: because")
    facts = facts_for(api, pull.number)
    names = {"body", "approved-reviews-by", "commented-reviews-by", "review-requested", "label"}
    await facts.prepare(names)
    assert facts.prepared_values() == {
        "sender": None,
        "body": "Why: because",
        "approved-reviews-by": [],
        "commented-reviews-by": [],
        "review-requested": [],
        "label": [],
    }


# Misuse


async def test_unprepared_facts_are_a_programming_error(
    api: InstallationAPI, busy: PullRequest
) -> None:
    facts = facts_for(api, busy.number)
    await facts.prepare({"title"})
    with pytest.raises(FactNotPrepared, match="'files' was not prepared"):
        facts.value("files")
    with pytest.raises(FactNotPrepared, match="'#files' was not prepared"):
        facts.value("#files")
    with pytest.raises(FactNotPrepared, match="'acme/backend' was not prepared"):
        facts.members("acme/backend")
    with pytest.raises(FactNotPrepared):
        evaluate(parse_tree("label=api"), facts, NOW)
    with pytest.raises(ValueError, match="unknown attribute 'labels'"):
        facts.value("labels")
    with pytest.raises(ValueError, match="unknown attribute 'labels'"):
        await facts.prepare({"labels"})


# Pure reductions


def rv(login: str, state: str) -> dict[str, Any]:
    return {"user": {"login": login}, "state": state}


@pytest.mark.parametrize(
    ("reviews", "standing"),
    [
        ([rv("bob", "APPROVED")], ("APPROVED", False)),
        ([rv("bob", "APPROVED"), rv("bob", "COMMENTED")], ("APPROVED", True)),
        ([rv("bob", "COMMENTED"), rv("bob", "APPROVED")], ("APPROVED", True)),
        ([rv("bob", "APPROVED"), rv("bob", "CHANGES_REQUESTED")], ("CHANGES_REQUESTED", False)),
        ([rv("bob", "CHANGES_REQUESTED"), rv("bob", "APPROVED")], ("APPROVED", False)),
        ([rv("bob", "DISMISSED")], (None, False)),
        ([rv("bob", "APPROVED"), rv("bob", "DISMISSED")], (None, False)),
        ([rv("bob", "DISMISSED"), rv("bob", "APPROVED")], ("APPROVED", False)),
        (
            [rv("bob", "CHANGES_REQUESTED"), rv("bob", "DISMISSED"), rv("bob", "COMMENTED")],
            (None, True),
        ),
        ([rv("bob", "COMMENTED")], (None, True)),
        ([rv("bob", "PENDING")], (None, False)),
        ([rv("bob", "APPROVED"), rv("BOB", "CHANGES_REQUESTED")], ("CHANGES_REQUESTED", False)),
    ],
)
def test_reduce_reviews(reviews: list[dict[str, Any]], standing: tuple[str | None, bool]) -> None:
    assert reduce_reviews(reviews) == [ReviewerState("bob", *standing)]


def test_reduce_reviews_keeps_the_order_reviewers_came_in() -> None:
    reviews = [rv("zed", "COMMENTED"), rv("amy", "APPROVED"), rv("zed", "APPROVED")]
    reviews.append({"user": None, "state": "APPROVED"})  # a deleted account
    assert reduce_reviews(reviews) == [
        ReviewerState("zed", "APPROVED", True),
        ReviewerState("amy", "APPROVED", False),
    ]


@pytest.mark.parametrize(
    ("state", "check"),
    [
        ("success", "success"),
        ("failure", "failure"),
        ("error", "failure"),
        ("pending", "pending"),
        ("exploded", None),
        (None, None),
    ],
)
def test_status_state(state: str | None, check: str | None) -> None:
    assert status_state(state) == check


@pytest.mark.parametrize(
    ("status", "conclusion", "check"),
    [
        ("queued", None, "pending"),
        ("in_progress", None, "pending"),
        ("waiting", None, "pending"),
        ("requested", None, "pending"),
        ("pending", None, "pending"),
        ("completed", "success", "success"),
        ("completed", "failure", "failure"),
        ("completed", "timed_out", "failure"),
        ("completed", "cancelled", "failure"),
        ("completed", "action_required", "failure"),
        ("completed", "startup_failure", "failure"),
        ("completed", "neutral", "neutral"),
        ("completed", "skipped", "skipped"),
        ("completed", "stale", "pending"),
        ("completed", "something_new", None),
        ("completed", None, None),
    ],
)
def test_check_run_state(status: str, conclusion: str | None, check: str | None) -> None:
    assert check_run_state({"status": status, "conclusion": conclusion}) == check


def run(run_id: int, name: str, started: str, conclusion: str | None) -> dict[str, Any]:
    status = "in_progress" if conclusion is None else "completed"
    return {
        "id": run_id,
        "name": name,
        "started_at": started,
        "status": status,
        **({"conclusion": conclusion}),
    }


def status(status_id: int, context: str, updated: str, state: str) -> dict[str, Any]:
    return {"id": status_id, "context": context, "updated_at": updated, "state": state}


def test_check_states_take_the_latest_of_each_name() -> None:
    statuses = [
        status(2, "ci", "2030-01-01T00:00:02Z", "failure"),
        status(1, "ci", "2030-01-01T00:00:01Z", "success"),
        status(3, "Lint", "2030-01-01T00:00:01Z", "success"),
        status(4, "odd", "2030-01-01T00:00:01Z", "unheard-of"),
    ]
    runs = [
        run(10, "build", "2030-01-01T00:00:05Z", "success"),
        run(9, "build", "2030-01-01T00:00:09Z", None),  # started later: it counts
        run(11, "test", "2030-01-01T00:00:05Z", "failure"),
        run(12, "test", "2030-01-01T00:00:05Z", "success"),  # same start, higher id
        run(13, "paasbot", "2030-01-01T00:00:05Z", "failure"),
        run(14, "ci", "2030-01-01T00:00:05Z", "success"),  # a status context too
    ]
    assert check_states(statuses, runs) == {
        "success": ["ci", "Lint", "test"],
        "failure": ["ci"],
        "pending": ["build"],
        "neutral": [],
        "skipped": [],
    }


def test_check_states_leave_out_paasbots_own_check_runs() -> None:
    ours = {**run(20, "ready-to-merge", "2030-01-01T00:00:05Z", "failure"), "app": {"id": 7}}
    theirs = {**run(21, "build", "2030-01-01T00:00:05Z", "success"), "app": {"id": 8}}
    states = check_states([], [ours, theirs], own_app_id=7)
    assert (states["success"], states["failure"]) == (["build"], [])
    assert check_states([], [ours, theirs])["failure"] == ["ready-to-merge"]


def test_file_names_give_both_names_of_a_rename() -> None:
    files = [
        {"filename": "src/new.py", "previous_filename": "src/old.py", "status": "renamed"},
        {"filename": "README.md", "status": "modified"},
        {"filename": "src/old.py", "status": "added"},
    ]
    assert file_names(files) == ["src/old.py", "src/new.py", "README.md"]


BASE = {"ref": "main", "repo": {"full_name": "acme/widgets", "owner": {"login": "acme"}}}


@pytest.mark.parametrize(
    ("head", "forked"),
    [
        ({"ref": "x", "repo": {"full_name": "acme/widgets"}}, False),
        ({"ref": "x", "repo": {"full_name": "ACME/Widgets"}}, False),
        ({"ref": "x", "repo": {"full_name": "mallory/widgets"}}, True),
        ({"ref": "x", "repo": None}, True),  # the fork was deleted
    ],
)
def test_from_fork(head: dict[str, Any], forked: bool) -> None:
    assert from_fork({"head": head, "base": BASE}) is forked


@pytest.mark.parametrize(
    ("name", "pull", "value"),
    [
        ("milestone", {"milestone": {"title": "v2"}}, "v2"),
        ("milestone", {"milestone": None}, None),
        ("body", {"body": None}, ""),
        ("merged", {"merged_at": "2030-01-01T00:00:00Z"}, True),  # a list item has no `merged`
        ("merged", {"merged": False, "merged_at": None}, False),
        ("conflict", {"mergeable": None}, False),
        ("conflict", {"mergeable": False}, True),
        ("changed-lines", {"additions": 5, "deletions": 7}, 12),
        (
            "created-at",
            {"created_at": "2030-01-01T10:00:00Z"},
            datetime(2030, 1, 1, 10, tzinfo=UTC),
        ),
        ("updated-at", {"updated_at": "2030-01-01T10:00:00"}, datetime(2030, 1, 1, 10, tzinfo=UTC)),
        ("review-requested", {"base": BASE, "requested_teams": [{"slug": "ops"}]}, ["@acme/ops"]),
    ],
)
def test_from_pull(name: str, pull: dict[str, Any], value: Any) -> None:
    assert from_pull(name, pull) == value


def test_needs_of() -> None:
    trees = [
        parse_tree(["-draft", "#files>1", "#commits>1", "#label=0"]),
        parse_tree({"any": ["label=a", {"not": "approved-reviews-by=@acme/backend"}]}),
        parse_tree("review-requested=@Acme/ops"),
    ]
    assert needs_of(trees) == FactNeeds(
        attributes=frozenset(
            {"draft", "files", "#commits", "label", "approved-reviews-by", "review-requested"}
        ),
        count_only=frozenset({"files"}),
        teams=frozenset({"acme/backend", "Acme/ops"}),
        counted=frozenset({"files", "label"}),
    )
    assert needs_of([]) == FactNeeds()


async def test_coverage_figures_are_provided_not_fetched(
    api: InstallationAPI, busy: PullRequest, log: CallLog
) -> None:
    facts = facts_for(api, busy.number)
    await facts.prepare({"coverage-patch"})
    assert facts.value("coverage-patch") is None, "not provided yet"
    facts.provide({"coverage-patch": 81.5, "coverage-project": None})
    assert (facts.value("coverage-patch"), facts.value("coverage-project")) == (81.5, None)
    assert log.calls() == []
    with pytest.raises(ValueError, match="fetched from GitHub"):
        facts.provide({"title": "x"})
