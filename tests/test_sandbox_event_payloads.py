"""The webhooks the simulator's own operations publish (an actor commenting, the app commenting
through the REST API, commits, merges, labels), built as the dispatcher builds them and checked
against GitHub's payload schemas."""

from __future__ import annotations

from typing import Any

import pytest

from app.sandbox import actors_pulls
from app.sandbox.actors_repos import add_org_member
from app.sandbox.events import SimEvent
from app.sandbox.state import SimulatedGitHub
from app.sandbox.webhooks import build_payload
from tests.pull_world import (  # noqa: F401
    BOT,
    REPO,
    World,
    clock_fixture,
    simulator_state_fixture,
    world_fixture,
)
from tests.webhook_schemas import schema_errors

BASE_URL = "http://127.0.0.1:8999/api/v3"
ZERO_SHA = "0" * 40

Built = list[tuple[SimEvent, dict[str, Any]]]


@pytest.fixture
def built(world: World) -> Built:
    """Every payload built when its event is published, as the dispatcher does."""
    payloads: Built = []
    state: SimulatedGitHub = world.state
    state.subscribers.append(
        lambda event: payloads.append((event, build_payload(state, event, BASE_URL)))
    )
    return payloads


def only(built: Built, label: str) -> dict[str, Any]:
    (payload,) = payloads_of(built, label)
    return payload


def payloads_of(built: Built, label: str) -> list[dict[str, Any]]:
    found = [payload for event, payload in built if event.label == label]
    for payload in found:
        event, _, action = label.partition(".")
        errors = schema_errors(event, action or None, payload)
        assert not errors, f"{label}:\n" + "\n".join(errors)
    return found


# --- issue_comment ---------------------------------------------------------------------------


async def test_an_actor_commenting_on_a_pull_request(world: World, built: Built) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    note = actors_pulls.comment(world.state, REPO, 1, "carol", "/paasbot merge")
    payload = only(built, "issue_comment.created")
    assert payload["action"] == "created"
    assert payload["issue"]["number"] == 1
    assert payload["issue"]["pull_request"]["url"].endswith(f"/repos/{REPO}/pulls/1")
    posted = payload["comment"]
    assert (posted["id"], posted["body"], posted["user"]["login"]) == (
        note.id,
        "/paasbot merge",
        "carol",
    )
    assert posted["author_association"] == "COLLABORATOR"  # carol reads as a collaborator
    assert posted["performed_via_github_app"] is None
    assert payload["sender"]["login"] == "carol"
    assert payload["repository"]["full_name"] == REPO


async def test_the_app_commenting_through_the_api(world: World, built: Built) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    reply = await world.call("POST", f"/repos/{REPO}/issues/1/comments", {"body": "Queued"})
    assert reply.status == 201, reply.body
    payload = only(built, "issue_comment.created")
    posted = payload["comment"]
    assert (posted["id"], posted["body"], posted["user"]["login"]) == (
        reply.body["id"],
        "Queued",
        BOT,
    )
    assert posted["author_association"] == reply.body["author_association"] == "NONE"
    assert posted["performed_via_github_app"]["slug"] == "simulated-app"
    assert "pull_request" in payload["issue"]
    assert (payload["sender"]["login"], payload["sender"]["type"]) == (BOT, "Bot")


async def test_author_associations(world: World, built: Built) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    add_org_member(world.state, "acme", "erin")
    for login in ("erin", "alice", "mallory", "acme"):
        actors_pulls.comment(world.state, REPO, 1, login, f"Hello from {login}")
    associations = {
        payload["comment"]["user"]["login"]: payload["comment"]["author_association"]
        for payload in payloads_of(built, "issue_comment.created")
    }
    assert associations == {
        "erin": "MEMBER",
        "alice": "COLLABORATOR",
        "mallory": "NONE",
        "acme": "OWNER",
    }


# --- push ------------------------------------------------------------------------------------


async def test_a_commit_to_the_default_branch(world: World, built: Built) -> None:
    before = world.head()
    commit = world.commit(
        "main",
        {"docs/guide.md": "# Guide\n", "README.md": "# widgets, v2\n", "src/app.py": None},
        message="Docs",
    )
    payload = only(built, "push")
    assert (payload["ref"], payload["before"], payload["after"]) == (
        "refs/heads/main",
        before,
        commit.sha,
    )
    (pushed,) = payload["commits"]
    assert (pushed["id"], pushed["message"], pushed["distinct"]) == (commit.sha, "Docs", True)
    assert (pushed["added"], pushed["modified"], pushed["removed"]) == (
        ["docs/guide.md"],
        ["README.md"],
        ["src/app.py"],
    )
    assert payload["head_commit"] == pushed
    assert payload["repository"]["default_branch"] == "main"
    assert payload["repository"]["master_branch"] == "main"
    assert (payload["created"], payload["deleted"], payload["forced"]) == (False, False, False)


async def test_merging_a_pull_request_pushes_its_commits_and_the_merge_commit(
    world: World, built: Built
) -> None:
    first = world.commit("feature", {"a.txt": "a\n"}, message="Add a")
    second = world.commit("feature", {"a.txt": "A\n", "b.txt": "b\n"}, message="Add b")
    pull = actors_pulls.create_pull(world.state, REPO, "feature", "main", "Add a and b", "alice")
    before = world.head()
    outcome = actors_pulls.merge_pull(world.state, REPO, pull.number, "merge", by="bob")
    main_pushes = [p for p in payloads_of(built, "push") if p["ref"] == "refs/heads/main"]
    (payload,) = main_pushes
    assert (payload["before"], payload["after"]) == (before, outcome.sha)
    assert [(c["id"], c["distinct"]) for c in payload["commits"]] == [
        (first.sha, False),
        (second.sha, False),
        (outcome.sha, True),
    ]
    merge = payload["head_commit"]
    assert merge["id"] == outcome.sha
    assert merge["message"].startswith("Merge pull request #1 from acme/feature")
    assert (merge["added"], merge["modified"], merge["removed"]) == (["a.txt", "b.txt"], [], [])
    assert payload["pusher"]["name"] == "bob" and payload["sender"]["login"] == "bob"
    assert payload["repository"]["default_branch"] == "main"
    closed = only(built, "pull_request.closed")
    assert closed["pull_request"]["merged"] is True


async def test_a_squash_merge_pushes_one_commit(world: World, built: Built) -> None:
    world.commit("feature", {"a.txt": "a\n"}, message="Add a")
    world.commit("feature", {"b.txt": "b\n"}, message="Add b")
    pull = actors_pulls.create_pull(world.state, REPO, "feature", "main", "Add a and b", "alice")
    outcome = actors_pulls.merge_pull(world.state, REPO, pull.number, "squash", by="bob")
    (payload,) = [p for p in payloads_of(built, "push") if p["ref"] == "refs/heads/main"]
    (squashed,) = payload["commits"]
    assert (squashed["id"], squashed["distinct"]) == (outcome.sha, True)
    assert squashed["added"] == ["a.txt", "b.txt"]


# --- labels ----------------------------------------------------------------------------------


async def test_labeled_and_unlabeled_carry_the_label(world: World, built: Built) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    added = await world.call("POST", f"/repos/{REPO}/issues/1/labels", {"labels": ["bug", "ready"]})
    assert added.status == 200, added.body
    removed = await world.call("DELETE", f"/repos/{REPO}/issues/1/labels/bug")
    assert removed.status == 200, removed.body
    labeled = payloads_of(built, "pull_request.labeled")
    assert [(p["label"]["name"], p["label"]["color"]) for p in labeled] == [
        ("bug", "d73a4a"),
        ("ready", "ededed"),
    ]
    assert [label["name"] for label in labeled[-1]["pull_request"]["labels"]] == ["bug", "ready"]
    unlabeled = only(built, "pull_request.unlabeled")
    assert unlabeled["label"]["name"] == "bug"
    assert [label["name"] for label in unlabeled["pull_request"]["labels"]] == ["ready"]
    assert unlabeled["sender"]["login"] == BOT
    created = only(built, "label.created")
    assert (created["label"]["name"], created["label"]["default"]) == ("ready", False)
