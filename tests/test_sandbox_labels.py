"""A repository's labels on the simulator: GitHub's defaults, labels created by being put on a
pull request, created explicitly, listed and fetched."""

from __future__ import annotations

import pytest

from app.sandbox import actors_pulls
from tests.pull_world import (  # noqa: F401
    BOT,
    REPO,
    World,
    clock_fixture,
    simulator_state_fixture,
    world_fixture,
)

LABELS = f"/repos/{REPO}/labels"
ISSUE_LABELS = f"/repos/{REPO}/issues/1/labels"
DEFAULTS = [
    "bug",
    "documentation",
    "duplicate",
    "enhancement",
    "good first issue",
    "help wanted",
    "invalid",
    "question",
    "wontfix",
]


async def test_a_new_repository_has_githubs_default_labels(world: World) -> None:
    reply = await world.call("GET", LABELS)
    assert reply.status == 200, reply.body
    assert [label["name"] for label in reply.body] == DEFAULTS
    bug = reply.body[0]
    assert (bug["color"], bug["default"], bug["description"]) == (
        "d73a4a",
        True,
        "Something isn't working",
    )
    assert reply.body[4]["url"] == world.sim.url(f"{LABELS}/good%20first%20issue")
    paged = await world.call("GET", f"{LABELS}?per_page=4&page=3")
    assert [label["name"] for label in paged.body] == ["wontfix"]
    assert 'rel="first"' in paged.headers["Link"]


async def test_labelling_with_an_unknown_name_creates_the_label(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    world.forget_events()
    reply = await world.call("POST", ISSUE_LABELS, {"labels": ["automerge", "BUG"]})
    assert reply.status == 200, reply.body
    assert [(label["name"], label["color"]) for label in reply.body] == [
        ("automerge", "ededed"),
        ("bug", "d73a4a"),
    ]
    listed = await world.call("GET", LABELS)
    automerge = next(label for label in listed.body if label["name"] == "automerge")
    assert (automerge["default"], automerge["description"]) == (False, None)
    assert automerge == reply.body[0]
    assert [(event.label, event.sender) for event in world.events()] == [
        ("label.created", BOT),
        ("pull_request.labeled", BOT),
        ("pull_request.labeled", BOT),
    ]
    assert [event.details.get("label") for event in world.events()[1:]] == ["automerge", "bug"]


async def test_replacing_labels_creates_the_unknown_ones(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    actors_pulls.add_labels(world.state, REPO, 1, ["bug"], sender="alice")
    reply = await world.call("PUT", ISSUE_LABELS, {"labels": ["queued"]})
    assert [label["name"] for label in reply.body] == ["queued"]
    assert "queued" in world.repo.labels
    assert world.state.pull(REPO, 1).labels == ["queued"]


async def test_removing_a_label_the_pull_request_lacks_is_not_found(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    actors_pulls.add_labels(world.state, REPO, 1, ["bug"], sender="alice")
    world.forget_events()
    absent = await world.call("DELETE", f"{ISSUE_LABELS}/question")
    assert (absent.status, absent.body["message"]) == (404, "Label does not exist")
    unknown = await world.call("DELETE", f"{ISSUE_LABELS}/never-heard-of-it")
    assert unknown.status == 404
    assert world.events() == []
    removed = await world.call("DELETE", f"{ISSUE_LABELS}/BUG")
    assert (removed.status, removed.body) == (200, [])
    assert "bug" in world.repo.labels  # the repository keeps its label


async def test_create_and_get_a_label(world: World) -> None:
    world.forget_events()
    body = {"name": "needs review", "color": "0E8A16", "description": "Waiting for a reviewer"}
    created = await world.call("POST", LABELS, body)
    assert created.status == 201, created.body
    assert (created.body["name"], created.body["color"], created.body["default"]) == (
        "needs review",
        "0e8a16",
        False,
    )
    assert created.headers["Location"] == created.body["url"]
    fetched = await world.call("GET", f"{LABELS}/Needs%20Review")
    assert (fetched.status, fetched.body) == (200, created.body)
    assert (await world.call("GET", f"{LABELS}/nope")).status == 404
    assert [event.label for event in world.events()] == ["label.created"]
    default_colour = await world.call("POST", LABELS, {"name": "plain"})
    assert default_colour.body["color"] == "ededed"


async def test_label_creation_refusals(world: World) -> None:
    taken = await world.call("POST", LABELS, {"name": "Bug", "color": "ffffff"})
    assert taken.status == 422
    exists = {"resource": "Label", "code": "already_exists", "field": "name"}
    assert taken.body["errors"] == [exists]
    colour = await world.call("POST", LABELS, {"name": "new", "color": "blue"})
    assert colour.status == 422
    assert colour.body["errors"] == [{"resource": "Label", "code": "invalid", "field": "color"}]
    assert "new" not in world.repo.labels


@pytest.mark.nonconforming
async def test_a_label_needs_a_name(world: World) -> None:
    reply = await world.call("POST", LABELS, {"color": "ffffff"})
    assert reply.status == 422
    assert reply.body["errors"] == [{"resource": "Label", "code": "missing_field", "field": "name"}]


async def test_labels_need_the_issues_or_pull_requests_permission(world: World) -> None:
    reader = await world.token_with({"pull_requests": "read"})
    assert (await world.call("GET", LABELS, token=reader)).status == 200
    refused = await world.call("POST", LABELS, {"name": "x"}, token=reader)
    assert refused.status == 403
    unrelated = await world.token_with({"contents": "read"})
    assert (await world.call("GET", LABELS, token=unrelated)).status == 403
