"""Reactions to issue comments on the simulator, over real HTTP and through the actor API."""

from __future__ import annotations

import pytest

from app.sandbox import actors_pulls
from app.sandbox.models import IssueComment
from app.sandbox.ops.issues import comment
from app.sandbox.ops.pulls import create_pull
from tests.pull_world import (  # noqa: F401
    BOT,
    REPO,
    World,
    clock_fixture,
    simulator_state_fixture,
    world_fixture,
)

COMMENTS = f"/repos/{REPO}/issues/comments"


def a_comment(world: World, author: str = "carol") -> IssueComment:
    world.open_pull("feature", {"a.txt": "a\n"})
    return comment(world.state, REPO, 1, author, "/paasbot merge")


async def test_a_reaction_is_created_once_per_user_and_content(world: World) -> None:
    note = a_comment(world)
    url = f"{COMMENTS}/{note.id}/reactions"
    created = await world.call("POST", url, {"content": "eyes"})
    assert created.status == 201, created.body
    body = created.body
    assert (body["content"], body["user"]["login"], body["user"]["type"]) == ("eyes", BOT, "Bot")
    assert body["node_id"] and body["created_at"].endswith("Z")
    again = await world.call("POST", url, {"content": "eyes"})
    assert (again.status, again.body) == (200, body)
    other = await world.call("POST", url, {"content": "+1"})
    assert (other.status, other.body["content"]) == (201, "+1")
    stored = world.state.reactions_of(REPO, note.id)
    assert [(reaction.user, reaction.content) for reaction in stored] == [
        (BOT, "eyes"),
        (BOT, "+1"),
    ]
    assert stored[0].id == body["id"]


async def test_reactions_are_listed_oldest_first_paginated_and_filtered(world: World) -> None:
    note = a_comment(world)
    for user, content in (("alice", "+1"), ("bob", "+1"), ("carol", "heart")):
        actors_pulls.react(world.state, REPO, note.id, user, content)
    url = f"{COMMENTS}/{note.id}/reactions"
    first = await world.call("GET", f"{url}?per_page=2")
    assert first.status == 200, first.body
    assert [item["user"]["login"] for item in first.body] == ["alice", "bob"]
    assert 'rel="next"' in first.headers["Link"]
    rest = await world.call("GET", f"{url}?per_page=2&page=2")
    assert [item["content"] for item in rest.body] == ["heart"]
    thumbs = await world.call("GET", f"{url}?content=%2B1")
    assert [item["user"]["login"] for item in thumbs.body] == ["alice", "bob"]


async def test_comments_carry_the_rollup_of_their_reactions(world: World) -> None:
    note = a_comment(world)
    actors_pulls.react(world.state, REPO, note.id, "alice", "+1")
    actors_pulls.react(world.state, REPO, note.id, "bob", "+1")
    actors_pulls.react(world.state, REPO, note.id, "bob", "rocket")
    listed = await world.call("GET", f"/repos/{REPO}/issues/1/comments")
    rollup = listed.body[0]["reactions"]
    assert rollup["url"] == world.sim.url(f"{COMMENTS}/{note.id}/reactions")
    assert (rollup["total_count"], rollup["+1"], rollup["rocket"], rollup["eyes"]) == (3, 2, 1, 0)


@pytest.mark.nonconforming
async def test_an_unknown_content_is_refused(world: World) -> None:
    note = a_comment(world)
    reply = await world.call("POST", f"{COMMENTS}/{note.id}/reactions", {"content": "tada"})
    assert reply.status == 422
    assert reply.body["errors"] == [{"resource": "Reaction", "code": "invalid", "field": "content"}]
    missing = await world.call("POST", f"{COMMENTS}/{note.id}/reactions", {})
    assert missing.status == 422
    assert world.state.reactions_of(REPO, note.id) == []


async def test_reactions_of_an_unknown_comment_are_not_found(world: World) -> None:
    a_comment(world)
    url = f"{COMMENTS}/999999/reactions"
    posted = await world.call("POST", url, {"content": "+1"})
    assert (posted.status, posted.body["message"]) == (404, "Not Found")
    assert (await world.call("GET", url)).status == 404


async def test_a_comment_of_another_repository_is_not_found(world: World) -> None:
    a_comment(world)
    world.state.add_repository(world.installation, "gadgets")
    world.state.commit("acme/gadgets", "topic", {"x.txt": "x\n"})
    create_pull(world.state, "acme/gadgets", "topic", "main", "Elsewhere", "bob")
    foreign = comment(world.state, "acme/gadgets", 1, "bob", "Not yours")
    reply = await world.call("POST", f"{COMMENTS}/{foreign.id}/reactions", {"content": "+1"})
    assert reply.status == 404
    assert world.state.reactions_of("acme/gadgets", foreign.id) == []


async def test_deleting_a_reaction_and_a_comment(world: World) -> None:
    note = a_comment(world)
    created = await world.call("POST", f"{COMMENTS}/{note.id}/reactions", {"content": "eyes"})
    url = f"{COMMENTS}/{note.id}/reactions/{created.body['id']}"
    assert (await world.call("DELETE", url)).status == 204
    assert (await world.call("DELETE", url)).status == 404
    assert world.state.reactions_of(REPO, note.id) == []
    actors_pulls.react(world.state, REPO, note.id, "alice", "heart")
    actors_pulls.delete_comment(world.state, REPO, note.id, sender="carol")
    assert world.state.reactions == {}


async def test_reactions_need_the_issues_permission(world: World) -> None:
    note = a_comment(world)
    url = f"{COMMENTS}/{note.id}/reactions"
    reader = await world.token_with({"issues": "read"})
    refused = await world.call("POST", url, {"content": "+1"}, token=reader)
    assert (refused.status, refused.body["message"]) == (
        403,
        "Resource not accessible by integration",
    )
    assert (await world.call("GET", url, token=reader)).status == 200
    writer = await world.token_with({"issues": "write"})
    assert (await world.call("POST", url, {"content": "+1"}, token=writer)).status == 201
    unrelated = await world.token_with({"contents": "read"})
    assert (await world.call("GET", url, token=unrelated)).status == 403


async def test_reactions_publish_no_event(world: World) -> None:
    note = a_comment(world)
    world.forget_events()
    await world.call("POST", f"{COMMENTS}/{note.id}/reactions", {"content": "+1"})
    assert world.events() == []
