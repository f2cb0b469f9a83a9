"""`PullRequestSnapshot` against the simulator over real HTTP: every accessor fetches lazily,
once, and every page."""

from __future__ import annotations

import asyncio
from typing import Any

import gidgethub
import pytest

from app.engine.carried_facts import Carried
from app.engine.snapshot import PullRequestSnapshot
from app.github.client import InstallationAPI
from app.sandbox.actors_pulls import DraftComment, comment, review
from app.sandbox.actors_repos import post_status
from app.sandbox.models import CheckRunPatch
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

PULL = f"/repos/{REPO}/pulls/1"


@pytest.fixture
def pull(world: World) -> int:
    return world.open_pull("feature", {"src/app.py": APP_PY + "line 11\n"}).number


def snapshot_of(api: InstallationAPI, number: int = 1) -> PullRequestSnapshot:
    return PullRequestSnapshot(api, REPO, number)


async def test_nothing_is_fetched_until_asked(
    api: InstallationAPI, pull: int, log: CallLog
) -> None:
    snapshot_of(api, pull)
    await asyncio.sleep(0)
    assert log.calls() == []


async def test_the_pull_is_fetched_once(
    api: InstallationAPI, world: World, pull: int, log: CallLog
) -> None:
    snapshot = snapshot_of(api, pull)
    first = await snapshot.pull()
    assert first["number"] == pull
    assert await snapshot.pull() is first
    assert await snapshot.head_sha() == world.head("feature")
    assert await snapshot.base_ref() == "main"
    assert await snapshot.is_open() is True
    assert log.calls() == [f"GET {PULL}"]


async def test_concurrent_callers_share_one_request(
    api: InstallationAPI, pull: int, log: CallLog
) -> None:
    snapshot = snapshot_of(api, pull)
    await asyncio.gather(
        snapshot.pull(), snapshot.head_sha(), snapshot.check_runs(), snapshot.combined_statuses()
    )
    await asyncio.gather(snapshot.check_runs(), snapshot.combined_statuses())
    sha = await snapshot.head_sha()
    assert sorted(log.calls()) == sorted(
        [
            f"GET {PULL}",
            f"GET /repos/{REPO}/commits/{sha}/check-runs",
            f"GET /repos/{REPO}/commits/{sha}/status",
        ]
    )


async def test_refresh_pull_fetches_again(api: InstallationAPI, pull: int, log: CallLog) -> None:
    snapshot = snapshot_of(api, pull)
    await snapshot.pull()
    await snapshot.refresh_pull()
    await snapshot.pull()
    assert log.calls() == [f"GET {PULL}", f"GET {PULL}"]


async def test_a_failed_fetch_is_tried_again(api: InstallationAPI, log: CallLog) -> None:
    snapshot = snapshot_of(api, 99)
    for _ in range(2):
        with pytest.raises(gidgethub.BadRequest) as raised:
            await snapshot.pull()
        assert raised.value.status_code == 404
    assert log.calls() == [f"GET /repos/{REPO}/pulls/99"] * 2


async def test_reviews_every_page_oldest_first(
    api: InstallationAPI, world: World, pull: int, log: CallLog
) -> None:
    for index in range(101):
        review(world.state, REPO, pull, "bob", "COMMENT", f"note {index}")
    review(world.state, REPO, pull, "erin", "APPROVE")
    snapshot = snapshot_of(api, pull)
    reviews = await snapshot.reviews()
    assert [item["body"] for item in reviews[:2]] == ["note 0", "note 1"]
    assert [(item["user"]["login"], item["state"]) for item in reviews[-1:]] == [
        ("erin", "APPROVED")
    ]
    assert len(reviews) == 102
    assert await snapshot.reviews() is reviews
    assert log.calls() == [f"GET {PULL}/reviews"] * 2, "two pages of 100"


async def test_files_every_page(api: InstallationAPI, world: World, log: CallLog) -> None:
    changes = {f"gen/{index:03}.txt": f"{index}\n" for index in range(150)}
    number = world.open_pull("many", changes).number
    snapshot = snapshot_of(api, number)
    files = await snapshot.files()
    assert [item["filename"] for item in files] == sorted(changes)
    await snapshot.files()
    assert log.calls() == [f"GET /repos/{REPO}/pulls/{number}/files"] * 2


async def test_issue_comments(api: InstallationAPI, world: World, pull: int, log: CallLog) -> None:
    comment(world.state, REPO, pull, "carol", "first")
    comment(world.state, REPO, pull, "bob", "/paasbot refresh")
    snapshot = snapshot_of(api, pull)
    comments = await snapshot.issue_comments()
    assert [(item["user"]["login"], item["body"]) for item in comments] == [
        ("carol", "first"),
        ("bob", "/paasbot refresh"),
    ]
    await snapshot.issue_comments()
    assert log.calls() == [f"GET /repos/{REPO}/issues/{pull}/comments"]


async def test_review_comments(api: InstallationAPI, world: World, pull: int, log: CallLog) -> None:
    inline = DraftComment(path="src/app.py", body="why?", line=11)
    review(world.state, REPO, pull, "carol", "COMMENT", "", comments=[inline])
    snapshot = snapshot_of(api, pull)
    comments = await snapshot.review_comments()
    assert [(item["path"], item["line"], item["body"]) for item in comments] == [
        ("src/app.py", 11, "why?")
    ]
    await snapshot.review_comments()
    assert log.calls() == [f"GET /repos/{REPO}/pulls/{pull}/comments"]


async def test_combined_statuses_are_the_latest_per_context(
    api: InstallationAPI, world: World, pull: int, log: CallLog
) -> None:
    sha = world.head("feature")
    post_status(world.state, REPO, sha, "ci/test", "pending")
    world.clock.advance(1)
    post_status(world.state, REPO, sha, "ci/test", "failure")
    post_status(world.state, REPO, sha, "ci/lint", "success")
    post_status(world.state, REPO, world.head("main"), "ci/main-only", "success")
    snapshot = snapshot_of(api, pull)
    statuses = await snapshot.combined_statuses()
    assert sorted((item["context"], item["state"]) for item in statuses) == [
        ("ci/lint", "success"),
        ("ci/test", "failure"),
    ]
    await snapshot.combined_statuses()
    assert log.calls() == [f"GET {PULL}", f"GET /repos/{REPO}/commits/{sha}/status"]


async def test_check_runs_every_page_of_the_wrapped_list(
    api: InstallationAPI, world: World, pull: int, log: CallLog
) -> None:
    sha = world.head("feature")
    done = CheckRunPatch(status="completed", conclusion="success")
    for index in range(101):
        world.state.create_check_run(REPO, f"job-{index:03}", sha, done)
    snapshot = snapshot_of(api, pull)
    runs = await snapshot.check_runs()
    assert sorted(run["name"] for run in runs) == [f"job-{index:03}" for index in range(101)]
    await snapshot.check_runs()
    check_runs = f"GET /repos/{REPO}/commits/{sha}/check-runs"
    assert log.calls() == [f"GET {PULL}", check_runs, check_runs]


async def test_commits_behind_counts_the_base_branch_commits_the_head_lacks(
    api: InstallationAPI, world: World, pull: int, log: CallLog
) -> None:
    assert await snapshot_of(api, pull).commits_behind() == 0
    world.commit("main", {"CHANGELOG.md": "one\n"})
    world.commit("main", {"CHANGELOG.md": "two\n"})
    log.reset()
    snapshot = snapshot_of(api, pull)
    assert await snapshot.commits_behind() == 2
    assert await snapshot.commits_behind() == 2
    sha = world.head("feature")
    assert log.calls() == [f"GET {PULL}", f"GET /repos/{REPO}/compare/main...{sha}"]


async def test_commits_behind_a_base_ref_with_a_slash(api: InstallationAPI, world: World) -> None:
    world.state.repository(REPO).branches["release/1.0"] = world.head("main")
    world.commit("release/1.0", {"VERSION": "1.0.1\n"})
    world.commit("fix", {"src/app.py": APP_PY + "fix\n"})
    number = create_pull(world.state, REPO, "fix", "release/1.0", "Fix", "alice").number
    assert await snapshot_of(api, number).commits_behind() == 1


async def test_commits_behind_is_none_without_a_common_ancestor(
    api: InstallationAPI, world: World
) -> None:
    made_up = world.state.open_pull(REPO, "Ghost", head_sha="a" * 40, head_ref="ghost")
    assert await snapshot_of(api, made_up.number).commits_behind() is None


# Reuse between evaluations (app/engine/carried_facts.py)


async def carried_from_one_evaluation(api: InstallationAPI, number: int) -> dict[str, Carried]:
    first = snapshot_of(api, number)
    first.reuse({}, now=100.0)
    await asyncio.gather(
        first.reviews(), first.combined_statuses(), first.check_runs(), first.commits_behind()
    )
    return first.carried_forward()


async def test_a_snapshot_reuses_what_the_previous_one_read_for_the_same_head(
    api: InstallationAPI, world: World, pull: int, log: CallLog
) -> None:
    review(world.state, REPO, pull, "bob", "APPROVE", "ok")
    post_status(world.state, REPO, world.head("feature"), "ci/build", "success")
    carried = await carried_from_one_evaluation(api, pull)
    assert set(carried) == {"pull", "reviews", "statuses", "check_runs", "commits_behind"}
    assert {entry.read_at for entry in carried.values()} == {100.0}
    log.reset()
    second = snapshot_of(api, pull)
    second.reuse(carried, now=200.0)
    reviews = await second.reviews()
    assert [(r["user"]["login"], r["state"]) for r in reviews] == [("bob", "APPROVED")]
    assert [s["context"] for s in await second.combined_statuses()] == ["ci/build"]
    assert await second.check_runs() == []
    assert await second.commits_behind() == 0
    assert await second.head_sha() == world.head("feature")
    assert log.calls() == [], "the pull too: nothing said it changed"
    # What it reused goes forward with the time it was read.
    assert {entry.read_at for entry in second.carried_forward().values()} == {100.0}


async def test_a_new_head_or_base_makes_the_kept_reads_stale(
    api: InstallationAPI, world: World, pull: int, log: CallLog
) -> None:
    carried = await carried_from_one_evaluation(api, pull)
    world.state.commit(REPO, "feature", {"src/more.py": "x = 1\n"}, author="alice")
    world.state.commit(REPO, "main", {"NEWS.md": "news\n"}, author="bob")
    del carried["pull"]  # what the `synchronize` and `push` events make stale
    log.reset()
    second = snapshot_of(api, pull)
    second.reuse(carried, now=200.0)
    await asyncio.gather(
        second.reviews(), second.combined_statuses(), second.check_runs(), second.commits_behind()
    )
    sha = world.head("feature")
    assert sorted(log.calls()) == sorted(
        [
            f"GET {PULL}",
            f"GET /repos/{REPO}/commits/{sha}/status",
            f"GET /repos/{REPO}/commits/{sha}/check-runs",
            f"GET /repos/{REPO}/compare/main...{sha}",
        ]
    ), "the reviews belong to the PR, not to its head: reused"
    assert {entry.read_at for entry in second.carried_forward().values()} == {100.0, 200.0}


async def test_refreshing_the_check_runs_never_reuses_them(
    api: InstallationAPI, pull: int, log: CallLog
) -> None:
    carried = await carried_from_one_evaluation(api, pull)
    log.reset()
    second = snapshot_of(api, pull)
    second.reuse(carried, now=200.0)
    await second.check_runs()
    await second.refresh_check_runs()
    await second.refresh_pull()
    sha = await second.head_sha()
    assert log.calls() == [f"GET /repos/{REPO}/commits/{sha}/check-runs", f"GET {PULL}"]


async def test_a_snapshot_without_reuse_keeps_nothing(api: InstallationAPI, pull: int) -> None:
    snapshot = snapshot_of(api, pull)
    await snapshot.reviews()
    assert snapshot.carried_forward() == {}


async def test_kept_reads_are_slim(api: InstallationAPI, world: World, pull: int) -> None:
    review(world.state, REPO, pull, "bob", "APPROVE", "ok")
    snapshot = snapshot_of(api, pull)
    [kept] = await snapshot.reviews()
    assert set(kept) <= {"id", "state", "commit_id", "submitted_at", "body", "user"}
    assert kept["user"] == {"login": "bob", "type": "User"}


async def test_a_heads_files_are_read_once_for_every_snapshot(
    api: InstallationAPI, world: World, pull: int, log: CallLog
) -> None:
    cache: dict[tuple[str, int, str, str], list[dict[str, Any]]] = {}
    for _ in range(3):
        snapshot = PullRequestSnapshot(api, REPO, pull, files_cache=cache)
        assert [f["filename"] for f in await snapshot.files()] == ["src/app.py"]
    world.state.commit(REPO, "feature", {"src/b.py": "b = 1\n"}, author="alice")
    snapshot = PullRequestSnapshot(api, REPO, pull, files_cache=cache)
    assert [f["filename"] for f in await snapshot.files()] == ["src/app.py", "src/b.py"]
    files_reads = [call for call in log.calls() if call.endswith("/files")]
    assert files_reads == [f"GET {PULL}/files"] * 2, "once per head"
