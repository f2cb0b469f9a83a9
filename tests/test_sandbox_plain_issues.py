"""Plain issues (not pull requests) on the simulator, over real HTTP: opened, read, listed,
edited and closed; commented on, labelled and reacted to through the routes a pull request's
issue side uses; and the webhooks they send, checked against GitHub's schemas."""

from __future__ import annotations

import pytest

from app.sandbox.actors_pulls import close_issue, comment, open_issue, react
from app.sandbox.errors import ApiError
from app.sandbox.models import DEFAULT_EVENTS
from app.sandbox.webhooks.dispatcher import WebhookDispatcher
from tests.pull_world import (  # noqa: F401
    BOT,
    REPO,
    World,
    clock_fixture,
    simulator_state_fixture,
    world_fixture,
)
from tests.webhook_schemas import invalid_deliveries

ISSUES = f"/repos/{REPO}/issues"
COMMENTS = f"{ISSUES}/comments"


def listen(world: World, events: tuple[str, ...] = DEFAULT_EVENTS) -> WebhookDispatcher:
    """A dispatcher recording (not sending) the deliveries of an installation subscribed to
    `events`."""
    world.installation.events = list(events)
    dispatcher = WebhookDispatcher(world.state, "http://127.0.0.1:9/hook", "secret")
    dispatcher.attach()
    return dispatcher


async def test_an_issue_shares_the_numbering_of_pull_requests(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    world.forget_events()
    created = await world.call(
        "POST", ISSUES, {"title": "Onboard me", "body": "Please", "labels": ["question"]}
    )
    assert created.status == 201, created.body
    body = created.body
    assert (body["number"], body["title"], body["body"], body["state"]) == (
        2,
        "Onboard me",
        "Please",
        "open",
    )
    assert "pull_request" not in body
    assert created.headers["Location"] == body["url"] == world.sim.url(f"{ISSUES}/2")
    assert body["html_url"].endswith(f"/{REPO}/issues/2")
    assert (body["user"]["login"], [label["name"] for label in body["labels"]]) == (
        BOT,
        ["question"],
    )
    assert world.labels() == ["issues.opened", "issues.labeled"]
    fetched = await world.call("GET", f"{ISSUES}/2")
    assert (fetched.status, fetched.body["id"]) == (200, body["id"])
    assert (await world.call("GET", f"/repos/{REPO}/pulls/2")).status == 404
    assert "pull_request" in (await world.call("GET", f"{ISSUES}/1")).body
    issue = open_issue(world.state, REPO, "Another", "carol")
    assert (issue.number, issue.body) == (3, None)
    assert world.state.open_pull(REPO, "Third", head_ref="feature", author="bob").number == 4
    assert (await world.call("GET", f"/repos/{REPO}")).body["open_issues_count"] == 4


@pytest.mark.nonconforming
async def test_an_issue_needs_a_title(world: World) -> None:
    refused = await world.call("POST", ISSUES, {"body": "No title"})
    assert refused.status == 422
    assert refused.body["errors"] == [
        {"resource": "Issue", "field": "title", "code": "missing_field"}
    ]
    numbered = await world.call("POST", ISSUES, {"title": 42})
    assert (numbered.status, numbered.body["title"]) == (201, "42")


async def test_comments_on_a_plain_issue(world: World) -> None:
    issue = open_issue(world.state, REPO, "Onboard", "alice", "Please onboard")
    world.forget_events()
    created = await world.call("POST", f"{ISSUES}/{issue.number}/comments", {"body": "Hi"})
    assert created.status == 201, created.body
    comment_id = created.body["id"]
    assert created.body["html_url"].endswith(f"/issues/1#issuecomment-{comment_id}")
    assert created.body["issue_url"] == world.sim.url(f"{ISSUES}/1")
    by_alice = comment(world.state, REPO, issue.number, "alice", "/paasbot onboard")
    listed = await world.call("GET", f"{ISSUES}/1/comments")
    assert [item["body"] for item in listed.body] == ["Hi", "/paasbot onboard"]
    assert (await world.call("GET", f"{ISSUES}/1")).body["comments"] == 2
    edited = await world.call("PATCH", f"{COMMENTS}/{comment_id}", {"body": "Hello"})
    assert (edited.status, edited.body["body"]) == (200, "Hello")
    assert (await world.call("DELETE", f"{COMMENTS}/{comment_id}")).status == 204
    labels = world.labels()
    assert labels == [
        "issue_comment.created",
        "issue_comment.created",
        "issue_comment.edited",
        "issue_comment.deleted",
    ]
    for event in world.events():
        assert (event.details["pull"], event.details["issue"]) == (None, issue)
    reaction = await world.call("POST", f"{COMMENTS}/{by_alice.id}/reactions", {"content": "eyes"})
    assert reaction.status == 201, reaction.body
    react(world.state, REPO, by_alice.id, "bob", "+1")
    again = await world.call("GET", f"{ISSUES}/1/comments")
    assert again.body[0]["reactions"]["total_count"] == 2


async def test_comment_on_a_missing_number(world: World) -> None:
    with pytest.raises(ApiError):
        comment(world.state, REPO, 7, "alice", "Nobody here")
    missing = await world.call("POST", f"{ISSUES}/7/comments", {"body": "Hi"})
    assert missing.status == 404


async def test_labels_and_assignees_on_a_plain_issue(world: World) -> None:
    issue = open_issue(world.state, REPO, "Tidy", "alice")
    world.forget_events()
    added = await world.call("POST", f"{ISSUES}/1/labels", {"labels": ["bug", "chore"]})
    assert [label["name"] for label in added.body] == ["bug", "chore"]
    removed = await world.call("DELETE", f"{ISSUES}/1/labels/bug")
    assert [label["name"] for label in removed.body] == ["chore"]
    assigned = await world.call("POST", f"{ISSUES}/1/assignees", {"assignees": ["bob"]})
    assert (assigned.status, assigned.body["assignee"]["login"]) == (201, "bob")
    assert "pull_request" not in assigned.body
    assert issue.labels == ["chore"] and issue.assignees == ["bob"]
    assert world.labels() == [
        "issues.labeled",
        "label.created",
        "issues.labeled",
        "issues.unlabeled",
        "issues.assigned",
    ]


async def test_edit_close_and_reopen(world: World) -> None:
    open_issue(world.state, REPO, "Old", "alice")
    world.forget_events()
    edited = await world.call("PATCH", f"{ISSUES}/1", {"title": "New", "body": "Text"})
    assert (edited.status, edited.body["title"], edited.body["body"]) == (200, "New", "Text")
    closed = await world.call("PATCH", f"{ISSUES}/1", {"state": "closed"})
    body = closed.body
    assert (body["state"], body["state_reason"], body["closed_by"]["login"]) == (
        "closed",
        "completed",
        BOT,
    )
    assert body["closed_at"] is not None
    reopened = await world.call("PATCH", f"{ISSUES}/1", {"state": "open"})
    assert (reopened.body["state"], reopened.body["state_reason"]) == ("open", "reopened")
    assert world.labels() == ["issues.edited", "issues.closed", "issues.reopened"]
    assert world.events()[0].details["changes"] == {"title": {"from": "Old"}, "body": {"from": ""}}


@pytest.mark.nonconforming
async def test_an_unknown_state_is_refused(world: World) -> None:
    open_issue(world.state, REPO, "Old", "alice")
    invalid = await world.call("PATCH", f"{ISSUES}/1", {"state": "gone"})
    assert invalid.status == 422
    assert world.state.find_issue(REPO, 1).state == "open"


async def test_list_issues_and_pull_requests(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    world.clock.advance(1)
    open_issue(world.state, REPO, "Open", "carol", labels=("bug",))
    world.clock.advance(1)
    open_issue(world.state, REPO, "Closed", "carol")
    close_issue(world.state, REPO, 3, "alice", "not_planned")
    listed = await world.call("GET", ISSUES)
    assert listed.status == 200, listed.body
    assert [(item["number"], "pull_request" in item) for item in listed.body] == [
        (2, False),
        (1, True),
    ]
    every = await world.call("GET", f"{ISSUES}?state=all&direction=asc&per_page=2")
    assert [item["number"] for item in every.body] == [1, 2]
    assert 'rel="next"' in every.headers["Link"]
    closed = await world.call("GET", f"{ISSUES}?state=closed")
    assert [(item["number"], item["state_reason"]) for item in closed.body] == [(3, "not_planned")]
    labelled = await world.call("GET", f"{ISSUES}?labels=BUG&creator=carol")
    assert [item["number"] for item in labelled.body] == [2]


async def test_a_plain_issue_needs_the_issues_permission(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    open_issue(world.state, REPO, "Plain", "alice")
    pulls_only = await world.token_with({"pull_requests": "write", "metadata": "read"})
    assert (await world.call("GET", f"{ISSUES}/1", token=pulls_only)).status == 200
    assert (await world.call("GET", f"{ISSUES}/2", token=pulls_only)).status == 403
    refused = await world.call("POST", f"{ISSUES}/2/comments", {"body": "x"}, token=pulls_only)
    assert refused.status == 403
    assert (await world.call("POST", ISSUES, {"title": "t"}, token=pulls_only)).status == 403
    read_only = await world.token_with({"issues": "read"})
    assert (await world.call("GET", f"{ISSUES}/2", token=read_only)).status == 200
    assert (await world.call("POST", ISSUES, {"title": "t"}, token=read_only)).status == 403


async def test_webhooks_follow_the_subscription(world: World) -> None:
    """paasbot's app.yml subscribes to issue_comment, not to issues: opening the issue sends
    nothing, the comment asking for onboarding is delivered without a `pull_request` key."""
    dispatcher = listen(world)
    try:
        issue = open_issue(world.state, REPO, "Onboarding", "alice", "Please")
        note = comment(world.state, REPO, issue.number, "alice", "/paasbot onboard")
        await world.call("PATCH", f"{COMMENTS}/{note.id}", {"body": "/paasbot onboard now"})
        await world.call("DELETE", f"{COMMENTS}/{note.id}")
    finally:
        dispatcher.detach()
    deliveries = dispatcher.deliveries
    assert [(item.event, item.action) for item in deliveries] == [
        ("issue_comment", "created"),
        ("issue_comment", "edited"),
        ("issue_comment", "deleted"),
    ]
    payload = deliveries[0].payload
    assert "pull_request" not in payload["issue"]
    assert (payload["issue"]["number"], payload["issue"]["title"]) == (1, "Onboarding")
    assert payload["issue"]["body"] == "Please"
    assert payload["comment"]["body"] == "/paasbot onboard"
    assert payload["comment"]["html_url"].endswith(f"/issues/1#issuecomment-{note.id}")
    assert deliveries[1].payload["changes"] == {"body": {"from": "/paasbot onboard"}}
    assert invalid_deliveries(deliveries) == []


async def test_issues_webhooks_when_subscribed(world: World) -> None:
    dispatcher = listen(world, (*DEFAULT_EVENTS, "issues", "label"))
    try:
        created = await world.call("POST", ISSUES, {"title": "Hi", "labels": ["new-one"]})
        number = created.body["number"]
        await world.call("POST", f"{ISSUES}/{number}/assignees", {"assignees": ["bob"]})
        await world.call("DELETE", f"{ISSUES}/{number}/assignees", {"assignees": ["bob"]})
        await world.call("DELETE", f"{ISSUES}/{number}/labels/new-one")
        await world.call("PATCH", f"{ISSUES}/{number}", {"title": "Hello", "body": "Text"})
        await world.call("PATCH", f"{ISSUES}/{number}", {"state": "closed"})
        await world.call("PATCH", f"{ISSUES}/{number}", {"state": "open"})
    finally:
        dispatcher.detach()
    labels = [f"{item.event}.{item.action}" for item in dispatcher.deliveries]
    assert labels == [
        "issues.opened",
        "label.created",
        "issues.labeled",
        "issues.assigned",
        "issues.unassigned",
        "issues.unlabeled",
        "issues.edited",
        "issues.closed",
        "issues.reopened",
    ]
    assert invalid_deliveries(dispatcher.deliveries) == []
    labeled = dispatcher.deliveries[2].payload
    assert labeled["label"]["name"] == "new-one"
    assert "pull_request" not in labeled["issue"]
