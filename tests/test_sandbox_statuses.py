"""The simulator's commit statuses and releases over real HTTP, and the Python API scripted
actors use for them."""

from __future__ import annotations

import pytest

from app.sandbox.actors_repos import post_status, publish_release
from app.sandbox.errors import ApiError
from app.sandbox.models import CommitStatus, Release
from tests.repo_world import (  # noqa: F401
    BOT,
    REPO,
    World,
    clock_fixture,
    simulator_state_fixture,
    world_fixture,
)

RELEASES = f"/repos/{REPO}/releases"


# --- statuses ------------------------------------------------------------------------------


async def test_post_status(world: World) -> None:
    sha = world.head()
    payload = {
        "state": "pending",
        "context": "ci/build",
        "description": "Building",
        "target_url": "https://ci.example.test/1",
    }
    reply = await world.call("POST", f"/repos/{REPO}/statuses/{sha}", payload)
    assert reply.status == 201, reply.body
    body = reply.body
    assert (body["state"], body["context"], body["description"]) == (
        "pending",
        "ci/build",
        "Building",
    )
    assert (body["creator"]["login"], body["target_url"]) == (BOT, "https://ci.example.test/1")
    assert reply.headers["Location"] == body["url"]
    [event] = world.events()
    assert (event.label, event.sender) == ("status", BOT)
    assert isinstance(event.subject, CommitStatus)
    assert (event.subject.sha, event.subject.state) == (sha, "pending")


async def test_post_status_defaults_and_refs(world: World) -> None:
    reply = await world.call("POST", f"/repos/{REPO}/statuses/main", {"state": "success"})
    assert reply.status == 201
    assert (reply.body["context"], reply.body["description"]) == ("default", None)
    assert world.state.statuses[0].sha == world.head()
    made_up = "a" * 40
    assert (
        await world.call("POST", f"/repos/{REPO}/statuses/{made_up}", {"state": "success"})
    ).status == 201


async def test_post_status_on_an_unknown_commit(world: World) -> None:
    reply = await world.call("POST", f"/repos/{REPO}/statuses/nope", {"state": "success"})
    assert (reply.status, reply.body["message"]) == (422, "No commit found for SHA: nope")
    assert world.events() == []


@pytest.mark.nonconforming
async def test_post_status_with_a_bad_state(world: World) -> None:
    reply = await world.call("POST", f"/repos/{REPO}/statuses/{world.head()}", {"state": "done"})
    assert (reply.status, reply.body["message"]) == (422, "Validation Failed")
    assert reply.body["errors"] == [
        {
            "resource": "Status",
            "code": "custom",
            "field": "state",
            "message": "state is not included in the list",
        }
    ]
    assert world.events() == []


async def test_statuses_need_the_statuses_permission(world: World) -> None:
    token = await world.token_with({"statuses": "read"})
    path = f"/repos/{REPO}/statuses/{world.head()}"
    assert (await world.call("POST", path, {"state": "success"}, token=token)).status == 403
    listed = await world.call("GET", f"/repos/{REPO}/commits/main/statuses", token=token)
    assert listed.status == 200


async def test_list_statuses_newest_first(world: World) -> None:
    sha = world.head()
    for state in ("pending", "success", "failure"):
        world.clock.advance(1)
        post_status(world.state, REPO, sha, "ci", state)
    reply = await world.get(f"/repos/{REPO}/commits/{sha}/statuses?per_page=2")
    assert reply.status == 200, reply.body
    assert [status["state"] for status in reply.body] == ["failure", "success"]
    assert reply.body[0]["creator"]["login"] == "ci-bot"
    assert 'rel="next"' in reply.headers["Link"]
    by_branch = await world.get(f"/repos/{REPO}/commits/main/statuses")
    assert len(by_branch.body) == 3


@pytest.mark.parametrize(
    ("posted", "expected"),
    [
        ([], "pending"),
        ([("ci", "success")], "success"),
        ([("ci", "success"), ("lint", "pending")], "pending"),
        ([("ci", "success"), ("lint", "failure")], "failure"),
        ([("ci", "pending"), ("lint", "error")], "failure"),
        ([("ci", "failure"), ("ci", "success")], "success"),
        ([("ci", "success"), ("CI", "failure")], "failure"),
    ],
)
async def test_combined_status(world: World, posted: list[tuple[str, str]], expected: str) -> None:
    sha = world.head()
    for context, state in posted:
        world.clock.advance(1)
        post_status(world.state, REPO, sha, context, state)
    reply = await world.get(f"/repos/{REPO}/commits/main/status")
    assert reply.status == 200, reply.body
    body = reply.body
    assert (body["state"], body["sha"]) == (expected, sha)
    contexts = {context.lower() for context, _ in posted}
    assert body["total_count"] == len(body["statuses"]) == len(contexts)
    assert body["repository"]["full_name"] == REPO


async def test_combined_status_keeps_the_latest_per_context(world: World) -> None:
    sha = world.head()
    for context, state in (("ci", "pending"), ("lint", "success"), ("ci", "success")):
        world.clock.advance(1)
        post_status(world.state, REPO, sha, context, state, description=f"{context} {state}")
    body = (await world.get(f"/repos/{REPO}/commits/{sha}/status")).body
    assert [(s["context"], s["state"]) for s in body["statuses"]] == [
        ("ci", "success"),
        ("lint", "success"),
    ]
    first = await world.get(f"/repos/{REPO}/commits/{sha}/status")
    etag = first.headers["ETag"]
    assert (
        await world.get(f"/repos/{REPO}/commits/{sha}/status", **{"If-None-Match": etag})
    ).status == 304
    post_status(world.state, REPO, sha, "ci", "failure")
    changed = await world.get(f"/repos/{REPO}/commits/{sha}/status", **{"If-None-Match": etag})
    assert (changed.status, changed.body["state"]) == (200, "failure")


async def test_post_status_helper_validates_and_publishes(world: World) -> None:
    status = post_status(world.state, REPO, "b" * 40, "ci", "success", creator="jenkins")
    assert (status.creator, status.context) == ("jenkins", "ci")
    assert world.events("status")[0].subject is status
    with pytest.raises(ApiError):
        post_status(world.state, REPO, "b" * 40, "ci", "green")


# --- releases ------------------------------------------------------------------------------


async def test_create_release_tags_the_target(world: World) -> None:
    target = world.commit("release/1.x", {"r.txt": "r\n"})
    world.forget_events()
    payload = {"tag_name": "v1.0.0", "target_commitish": "release/1.x", "name": "One"}
    reply = await world.call("POST", RELEASES, payload)
    assert reply.status == 201, reply.body
    body = reply.body
    assert (body["tag_name"], body["name"], body["target_commitish"]) == (
        "v1.0.0",
        "One",
        "release/1.x",
    )
    assert (body["draft"], body["prerelease"], body["author"]["login"]) == (False, False, BOT)
    assert body["published_at"] is not None
    assert reply.headers["Location"] == body["url"]
    assert world.repo.tags["v1.0.0"] == target.sha
    assert world.labels() == [
        "push",
        "create",
        "release.created",
        "release.published",
        "release.released",
    ]
    assert isinstance(world.events("release.published")[0].subject, Release)


async def test_create_release_errors(world: World) -> None:
    await world.call("POST", RELEASES, {"tag_name": "v1"})
    duplicate = await world.call("POST", RELEASES, {"tag_name": "v1"})
    assert duplicate.status == 422
    assert duplicate.body["errors"] == [
        {"resource": "Release", "code": "already_exists", "field": "tag_name"}
    ]
    bad_target = await world.call("POST", RELEASES, {"tag_name": "v2", "target_commitish": "nope"})
    assert bad_target.status == 422
    token = await world.token_with({"contents": "read"})
    assert (await world.call("POST", RELEASES, {"tag_name": "v3"}, token=token)).status == 403


@pytest.mark.nonconforming
async def test_create_release_needs_a_tag_name(world: World) -> None:
    reply = await world.call("POST", RELEASES, {"name": "Nameless"})
    assert (reply.status, reply.body["errors"]) == (
        422,
        [{"resource": "Release", "code": "missing_field", "field": "tag_name"}],
    )
    assert world.events() == []


async def test_draft_releases_create_no_tag(world: World) -> None:
    reply = await world.call("POST", RELEASES, {"tag_name": "v9", "draft": True})
    assert (reply.status, reply.body["published_at"], reply.body["tarball_url"]) == (
        201,
        None,
        None,
    )
    assert world.repo.tags == {}
    assert world.labels() == ["release.created"]
    assert (await world.get(f"{RELEASES}/tags/v9")).status == 404
    token = await world.token_with({"contents": "read"})
    visible = await world.call("GET", RELEASES, token=token)
    assert visible.body == []
    assert [r["tag_name"] for r in (await world.get(RELEASES)).body] == ["v9"]


async def test_list_latest_and_by_tag(world: World) -> None:
    for tag, prerelease in (("v1", False), ("v2", False), ("v3-rc1", True)):
        world.clock.advance(1)
        publish_release(world.state, REPO, tag, prerelease=prerelease)
    listed = await world.get(f"{RELEASES}?per_page=2")
    assert [release["tag_name"] for release in listed.body] == ["v3-rc1", "v2"]
    assert 'rel="next"' in listed.headers["Link"]
    latest = await world.get(f"{RELEASES}/latest")
    assert (latest.status, latest.body["tag_name"]) == (200, "v2")
    by_tag = await world.get(f"{RELEASES}/tags/v3-rc1")
    assert (by_tag.status, by_tag.body["prerelease"]) == (200, True)
    assert (await world.get(f"{RELEASES}/tags/v4")).status == 404


async def test_no_latest_release(world: World) -> None:
    publish_release(world.state, REPO, "v0-beta", prerelease=True)
    reply = await world.get(f"{RELEASES}/latest")
    assert (reply.status, reply.body["message"]) == (404, "Not Found")


async def test_publish_release_helper(world: World) -> None:
    world.commit("main", {"lib.py": "v2\n"})
    release = publish_release(world.state, REPO, "v2.0.0", author="maintainer")
    assert (release.author, release.target_commitish, release.name) == (
        "maintainer",
        "main",
        "v2.0.0",
    )
    assert world.repo.tags["v2.0.0"] == world.head()
    create = world.events("create")[0]
    assert (create.sender, create.details["ref_type"]) == ("maintainer", "tag")
    pre = publish_release(world.state, REPO, "v3.0.0-rc1", target="v2.0.0", prerelease=True)
    assert world.repo.tags["v3.0.0-rc1"] == world.head()
    assert world.events("release.prereleased")[0].subject is pre


async def test_a_prerelease_announces_itself_as_one(world: World) -> None:
    payload = {"tag_name": "v1.4.0-rc1", "prerelease": True}
    reply = await world.call("POST", RELEASES, payload)
    assert (reply.status, reply.body["prerelease"]) == (201, True)
    assert world.repo.tags["v1.4.0-rc1"] == world.head()
    assert world.labels() == [
        "push",
        "create",
        "release.created",
        "release.published",
        "release.prereleased",
    ]


async def test_a_release_of_an_existing_tag_keeps_its_commit(world: World) -> None:
    tagged = world.head()
    world.repo.tags["v1.4.0"] = tagged
    world.commit("main", {"later.txt": "later\n"})
    world.forget_events()
    release = publish_release(world.state, REPO, "v1.4.0")
    assert world.repo.tags["v1.4.0"] == tagged
    assert world.labels() == ["release.created", "release.published", "release.released"]
    assert world.events("release.released")[0].subject is release
    commit = await world.get(f"/repos/{REPO}/commits/v1.4.0")
    assert (commit.status, commit.body["sha"]) == (200, tagged)
