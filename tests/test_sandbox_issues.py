"""The issue side of pull requests on the simulator, over real HTTP: the issue, conversation
comments, labels and assignees, and the events they publish."""

from __future__ import annotations

import pytest

from app.sandbox.ops.issues import add_labels, comment
from app.sandbox.ops.pulls import create_pull
from tests.pull_world import (  # noqa: F401
    BOT,
    REPO,
    World,
    clock_fixture,
    simulator_state_fixture,
    world_fixture,
)

ISSUE = f"/repos/{REPO}/issues/1"
COMMENTS = f"/repos/{REPO}/issues/comments"


async def test_issue_of_a_pull_request(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    reply = await world.call("GET", ISSUE)
    assert reply.status == 200, reply.body
    body = reply.body
    assert (body["number"], body["title"], body["state"], body["user"]["login"]) == (
        1,
        "Change feature",
        "open",
        "alice",
    )
    assert body["pull_request"]["url"] == world.sim.url(f"/repos/{REPO}/pulls/1")
    assert body["pull_request"]["merged_at"] is None
    assert (await world.call("GET", f"/repos/{REPO}/issues/2")).status == 404


async def test_comment_lifecycle(world: World) -> None:
    pull = world.open_pull("feature", {"a.txt": "a\n"})
    world.forget_events()
    created = await world.call("POST", f"{ISSUE}/comments", {"body": "Hello"})
    assert created.status == 201, created.body
    comment_id = created.body["id"]
    assert (
        created.headers["Location"]
        == created.body["url"]
        == world.sim.url(f"{COMMENTS}/{comment_id}")
    )
    assert (created.body["body"], created.body["user"]["login"]) == ("Hello", BOT)
    assert created.body["html_url"].endswith(f"/pull/1#issuecomment-{comment_id}")
    edited = await world.call("PATCH", f"{COMMENTS}/{comment_id}", {"body": "Hello again"})
    assert (edited.status, edited.body["body"]) == (200, "Hello again")
    listed = await world.call("GET", f"{ISSUE}/comments")
    assert [item["body"] for item in listed.body] == ["Hello again"]
    assert (await world.call("GET", f"/repos/{REPO}/pulls/1")).body["comments"] == 1
    assert (await world.call("DELETE", f"{COMMENTS}/{comment_id}")).status == 204
    assert (await world.call("DELETE", f"{COMMENTS}/{comment_id}")).status == 404
    created_event, edited_event, deleted_event = world.events()
    assert (created_event.label, created_event.details["pull"]) == ("issue_comment.created", pull)
    assert edited_event.details["changes"] == {"body": {"from": "Hello"}}
    assert deleted_event.label == "issue_comment.deleted"


async def test_comments_are_paginated_oldest_first(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    for number in range(3):
        comment(world.state, REPO, 1, "bob", f"Comment {number}")
    first = await world.call("GET", f"{ISSUE}/comments?per_page=2")
    assert [item["body"] for item in first.body] == ["Comment 0", "Comment 1"]
    assert 'rel="last"' in first.headers["Link"]


async def test_comments_from_another_repository_are_not_found(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    other = world.state.add_repository(world.installation, "gadgets")
    world.state.commit("acme/gadgets", "topic", {"x.txt": "x\n"})
    create_pull(world.state, "acme/gadgets", "topic", "main", "Elsewhere", "bob")
    foreign = comment(world.state, other.full_name, 1, "bob", "Not yours")
    reply = await world.call("PATCH", f"{COMMENTS}/{foreign.id}", {"body": "Mine now"})
    assert reply.status == 404
    assert foreign.body == "Not yours"


@pytest.mark.nonconforming
async def test_a_comment_needs_a_body(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    reply = await world.call("POST", f"{ISSUE}/comments", {})
    assert reply.status == 422
    assert reply.body["errors"] == [
        {"resource": "IssueComment", "code": "missing_field", "field": "body"}
    ]


async def test_add_replace_and_remove_labels(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    world.forget_events()
    added = await world.call("POST", f"{ISSUE}/labels", {"labels": ["bug", "ready"]})
    assert added.status == 200, added.body
    assert [label["name"] for label in added.body] == ["bug", "ready"]
    again = await world.call("POST", f"{ISSUE}/labels", {"labels": ["Bug", "urgent"]})
    assert [label["name"] for label in again.body] == ["bug", "ready", "urgent"]
    replaced = await world.call("PUT", f"{ISSUE}/labels", {"labels": ["ready", "docs"]})
    assert [label["name"] for label in replaced.body] == ["ready", "docs"]
    removed = await world.call("DELETE", f"{ISSUE}/labels/ready")
    assert [label["name"] for label in removed.body] == ["docs"]
    absent = await world.call("DELETE", f"{ISSUE}/labels/ready")
    assert (absent.status, absent.body["message"]) == (404, "Label does not exist")
    labelings = [event for event in world.events() if event.name == "pull_request"]
    assert [(event.action, event.details["label"]) for event in labelings] == [
        ("labeled", "bug"),
        ("labeled", "ready"),
        ("labeled", "urgent"),
        ("unlabeled", "bug"),
        ("unlabeled", "urgent"),
        ("labeled", "docs"),
        ("unlabeled", "ready"),
    ]
    assert {event.sender for event in world.events()} == {BOT}
    pulled = await world.call("GET", f"/repos/{REPO}/pulls/1")
    assert [label["name"] for label in pulled.body["labels"]] == ["docs"]


async def test_labels_with_spaces_in_the_path(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    add_labels(world.state, REPO, 1, ["needs review"], sender="bob")
    removed = await world.call("DELETE", f"{ISSUE}/labels/needs%20review")
    assert (removed.status, removed.body) == (200, [])


async def test_assignees(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    world.forget_events()
    added = await world.call("POST", f"{ISSUE}/assignees", {"assignees": ["bob", "mallory"]})
    assert added.status == 201, added.body
    assert [user["login"] for user in added.body["assignees"]] == ["bob"]
    assert added.body["assignee"]["login"] == "bob"
    removed = await world.call("DELETE", f"{ISSUE}/assignees", {"assignees": ["bob"]})
    assert (removed.status, removed.body["assignees"], removed.body["assignee"]) == (200, [], None)
    assert [(event.action, event.details["assignee"]) for event in world.events()] == [
        ("assigned", "bob"),
        ("unassigned", "bob"),
    ]


async def test_issue_writes_accept_either_permission(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    issues_only = await world.token_with({"issues": "write"})
    reply = await world.call("POST", f"{ISSUE}/labels", {"labels": ["x"]}, token=issues_only)
    assert reply.status == 200
    read_only = await world.token_with({"issues": "read", "pull_requests": "read"})
    refused = await world.call("POST", f"{ISSUE}/labels", {"labels": ["y"]}, token=read_only)
    assert refused.status == 403
