"""Webhooks out of the simulator: payloads that GitHub's own schemas accept, signed deliveries
sent in order over real HTTP, and paasbot's intake taking them in."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer
from sqlalchemy import select

from app.sandbox import SimulatedGitHub, create_simulator_app
from app.sandbox.apps import RegisteredApp, install_registered_app, register_from_manifest
from app.sandbox.context import API_PREFIX
from app.sandbox.events import SimEvent
from app.sandbox.models import (
    CheckRunPatch,
    CommitStatus,
    Installation,
    IssueComment,
    PullRequest,
    Release,
    Repository,
    Review,
    Team,
)
from app.sandbox.state import ACTING_APP
from app.sandbox.webhooks import WebhookDispatcher, build_payload
from app.sandbox.webhooks.dispatcher import default_hook_id
from app.service import Paasbot
from app.store.tables import deliveries, subjects
from app.web.server import WEBHOOK_PATH, create_web_app
from app.web.signature import signature_is_valid
from tests.corpora import WEBHOOK_EXAMPLES, require_corpora
from tests.helpers import FakeClock, make_settings
from tests.webhook_schemas import schema_errors

SECRET = "It's a Secret to Everybody"
ORIGIN = "http://127.0.0.1:8999"
BASE_URL = ORIGIN + API_PREFIX
ZERO_SHA = "0" * 40
WIDGETS = "acme/widgets"
BOT = "simulated-app[bot]"

VOCABULARY = (
    "pull_request.opened",
    "pull_request.synchronize",
    "pull_request.labeled",
    "pull_request.unlabeled",
    "pull_request.assigned",
    "pull_request.unassigned",
    "pull_request.review_requested",
    "pull_request.review_request_removed",
    "pull_request.edited",
    "pull_request.closed",
    "pull_request.reopened",
    "pull_request.ready_for_review",
    "pull_request.converted_to_draft",
    "pull_request_review.submitted",
    "pull_request_review.dismissed",
    "push",
    "create",
    "delete",
    "status",
    "check_run.created",
    "check_run.completed",
    "check_run.rerequested",
    "check_suite.requested",
    "check_suite.completed",
    "issue_comment.created",
    "issue_comment.edited",
    "issue_comment.deleted",
    "release.created",
    "release.published",
    "release.released",
    "release.prereleased",
    "release.edited",
    "release.deleted",
    "installation.created",
    "installation.deleted",
    "installation.suspend",
    "installation.unsuspend",
    "installation.new_permissions_accepted",
    "installation_repositories.added",
    "installation_repositories.removed",
)


# --- GitHub's schemas ------------------------------------------------------------------------


# --- a scenario publishing every event of the vocabulary -------------------------------------


@dataclass
class Scenario:
    state: SimulatedGitHub
    clock: FakeClock
    built: list[tuple[SimEvent, dict[str, Any]]] = field(default_factory=list)

    def payloads(self, label: str) -> list[dict[str, Any]]:
        return [payload for event, payload in self.built if event.label == label]


def play_everything(state: SimulatedGitHub, clock: FakeClock) -> None:
    acme, widgets = _install(state)
    pull = _pull_lifecycle(state, clock, widgets)
    _reviews(state, widgets, pull)
    _checks(state, widgets, pull)
    _comments(state, widgets, pull)
    _releases(state, widgets)
    _refs(state, widgets)
    _user_owned(state)
    state.publish("installation", "deleted", None, "alice", acme, repositories=[widgets])


def _install(state: SimulatedGitHub) -> tuple[Installation, Repository]:
    acme = state.add_installation("acme")
    widgets = state.add_repository(acme, "widgets")
    state.publish("installation", "created", None, "alice", acme, repositories=[widgets])
    gadgets = state.add_repository(acme, "gadgets")
    state.publish(
        "installation_repositories", "added", None, "alice", acme, added=[gadgets], removed=[]
    )
    acme.repositories.remove(gadgets.full_name)
    state.publish(
        "installation_repositories", "removed", None, "alice", acme, added=[], removed=[gadgets]
    )
    for action in ("suspend", "unsuspend", "new_permissions_accepted"):
        state.publish("installation", action, None, "alice", acme, repositories=[widgets])
    return acme, widgets


def _pull_lifecycle(state: SimulatedGitHub, clock: FakeClock, widgets: Repository) -> PullRequest:
    state.commit(WIDGETS, "feature", {"app.py": "print('hello')\n"}, message="Add the app")
    state.publish("create", None, widgets, "alice", ref="feature", ref_type="branch")
    pull = state.open_pull(WIDGETS, "Add the app", head_ref="feature", body="First version")
    clock.advance(60)
    state.commit(
        WIDGETS, "feature", {"app.py": "print('hello, world')\n", "README.md": None}, message="Tidy"
    )
    state.teams[("acme", "core")] = Team(id=state.next_id(), org="acme", slug="core", name="Core")
    state.teams[("acme", "reviewers")] = Team(
        id=state.next_id(), org="acme", slug="reviewers", name="Reviewers", parent_slug="core"
    )
    _toggle(state, widgets, pull, pull.labels, ("labeled", "unlabeled"), label="bug")
    _toggle(state, widgets, pull, pull.assignees, ("assigned", "unassigned"), assignee="bob")
    requests = ("review_requested", "review_request_removed")
    _toggle(state, widgets, pull, pull.requested_reviewers, requests, requested_reviewer="carol")
    _toggle(state, widgets, pull, pull.requested_teams, requests, requested_team="reviewers")
    changes = {"body": {"from": pull.body}, "title": {"from": pull.title}}
    pull.body, pull.title = "Second version", "Add the app, tidied"
    state.publish("pull_request", "edited", widgets, "alice", pull, changes=changes)
    pull.draft = True
    state.publish("pull_request", "converted_to_draft", widgets, "alice", pull)
    pull.draft = False
    state.publish("pull_request", "ready_for_review", widgets, "alice", pull)
    state.close_pull(WIDGETS, pull.number)
    state.publish("pull_request", "closed", widgets, "alice", pull)
    pull.state, pull.closed_at = "open", None
    state.publish("pull_request", "reopened", widgets, "alice", pull)
    return pull


def _toggle(
    state: SimulatedGitHub,
    repository: Repository,
    pull: PullRequest,
    values: list[str],
    actions: tuple[str, str],
    **detail: str,
) -> None:
    (value,) = detail.values()
    values.append(value)
    state.publish("pull_request", actions[0], repository, "alice", pull, **detail)
    values.remove(value)
    state.publish("pull_request", actions[1], repository, "alice", pull, **detail)


def _reviews(state: SimulatedGitHub, widgets: Repository, pull: PullRequest) -> None:
    for user, verdict, body in (("bob", "APPROVED", ""), ("carol", "CHANGES_REQUESTED", "No.")):
        review = Review(state.next_id(), user, verdict, body, pull.head_sha, state.now())
        pull.reviews.append(review)
        state.publish("pull_request_review", "submitted", widgets, user, review, pull=pull)
    review.state = "DISMISSED"
    state.publish("pull_request_review", "dismissed", widgets, "alice", review, pull=pull)


def _checks(state: SimulatedGitHub, widgets: Repository, pull: PullRequest) -> None:
    for sha in (pull.head_sha, "c" * 40):
        status = CommitStatus(
            state.next_id(), WIDGETS, sha, "ci/build", "success", "Passed", None, "ci", state.now()
        )
        state.statuses.append(status)
        state.publish("status", None, widgets, "ci", status)
    run = state.create_check_run(WIDGETS, "lint", pull.head_sha)
    suite = {
        "suite_id": run.check_suite_id,
        "head_sha": pull.head_sha,
        "head_branch": "feature",
        "app_id": state.app_id,
    }
    state.publish("check_run", "created", widgets, BOT, run)
    state.publish(
        "check_suite", "requested", widgets, "alice", **suite, status="queued", conclusion=None
    )
    output = {"title": "2 problems", "summary": "Two lines to fix"}
    state.update_check_run(run.id, CheckRunPatch(conclusion="failure", output=output))
    state.publish("check_run", "completed", widgets, BOT, run)
    state.publish(
        "check_suite", "completed", widgets, BOT, **suite, status="completed", conclusion="failure"
    )
    state.publish("check_run", "rerequested", widgets, "alice", run)


def _comments(state: SimulatedGitHub, widgets: Repository, pull: PullRequest) -> None:
    now = state.now()
    comment = IssueComment(state.next_id(), WIDGETS, pull.number, "bob", "Nice", now, now)
    state.comments[comment.id] = comment
    state.publish("issue_comment", "created", widgets, "bob", comment, pull=pull)
    previous, comment.body = comment.body, "Very nice"
    state.publish(
        "issue_comment",
        "edited",
        widgets,
        "bob",
        comment,
        pull=pull,
        changes={"body": {"from": previous}},
    )
    del state.comments[comment.id]
    state.publish("issue_comment", "deleted", widgets, "bob", comment, pull=pull)
    note = IssueComment(state.next_id(), WIDGETS, 42, BOT, "Onboarding", now, now)
    state.comments[note.id] = note
    state.publish("issue_comment", "created", widgets, BOT, note, pull=None)


def _releases(state: SimulatedGitHub, widgets: Repository) -> None:
    now = state.now()
    release = Release(
        state.next_id(), WIDGETS, "v1.0.0", None, None, True, False, "main", "alice", now, None
    )
    state.releases[release.id] = release
    state.publish("release", "created", widgets, "alice", release)
    release.draft, release.published_at = False, now
    state.publish("release", "published", widgets, "alice", release)
    state.publish("release", "released", widgets, "alice", release)
    previous, release.body = release.body, "Notes"
    changes = {"body": {"from": previous or ""}}
    state.publish("release", "edited", widgets, "alice", release, changes=changes)
    candidate = Release(
        state.next_id(), WIDGETS, "v1.1.0-rc1", "RC", "Try it", False, True, "main", "bob", now, now
    )
    state.releases[candidate.id] = candidate
    state.publish("release", "prereleased", widgets, "bob", candidate)
    del state.releases[candidate.id]
    state.publish("release", "deleted", widgets, "bob", candidate)


def _refs(state: SimulatedGitHub, widgets: Repository) -> None:
    main = widgets.branches["main"]
    widgets.tags["v1.0.0"] = main
    state.publish(
        "push", None, widgets, "alice", ref="refs/tags/v1.0.0", before=ZERO_SHA, after=main,
        commits=[], created=True, forced=False,
    )  # fmt: skip
    state.publish("create", None, widgets, "alice", ref="v1.0.0", ref_type="tag")
    head = widgets.branches.pop("feature")
    state.publish(
        "push", None, widgets, "alice", ref="refs/heads/feature", before=head, after=ZERO_SHA,
        commits=[], created=False, forced=False, deleted=True,
    )  # fmt: skip
    state.publish("delete", None, widgets, "alice", ref="feature", ref_type="branch")
    state.move_branch(widgets, "main", head, sender="alice", forced=True)


def _user_owned(state: SimulatedGitHub) -> None:
    octocat = state.add_installation("octocat", account_type="User")
    state.add_repository(octocat, "dotfiles")
    state.open_pull("octocat/dotfiles", "Tweak", head_sha="d" * 40, head_ref="tweak")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """Every payload is built when its event is published, as the dispatcher does."""
    clock = FakeClock()
    state = SimulatedGitHub(clock=clock)
    played = Scenario(state, clock)
    state.subscribers.append(
        lambda event: played.built.append((event, build_payload(state, event, BASE_URL)))
    )
    play_everything(state, clock)
    return played


# --- (a) payloads ----------------------------------------------------------------------------


@pytest.mark.parametrize("label", VOCABULARY)
def test_every_payload_validates_against_githubs_schema(scenario: Scenario, label: str) -> None:
    payloads = [(event, payload) for event, payload in scenario.built if event.label == label]
    assert payloads, f"the scenario publishes no {label}"
    for event, payload in payloads:
        errors = schema_errors(event.name, event.action, payload)
        assert not errors, f"{label}:\n" + "\n".join(errors)


# Keys of GitHub's examples that the simulator leaves out, and why.
NOT_SIMULATED = {
    ".check_run.check_suite.deployment": "no check run of the simulator runs a deployment",
}
# Objects whose keys are data (granted permissions, edited fields), not shape.
DATA_OBJECTS = frozenset({"permissions", "changes"})
# A payload carries one key or the other.
ALTERNATIVE_KEYS = {"requested_reviewer": "requested_team"}


@pytest.mark.parametrize("label", VOCABULARY)
def test_payloads_have_the_keys_of_githubs_examples(scenario: Scenario, label: str) -> None:
    """Every key that all of GitHub's examples of an event share is in the simulator's payloads
    (schemas already forbid keys GitHub does not send)."""
    examples = _examples(label)
    if not examples:
        pytest.skip(f"GitHub's examples have no {label}")
    for payload in scenario.payloads(label):
        missing = set(_missing_keys(payload, examples)) - set(NOT_SIMULATED)
        assert not missing, f"{label} lacks {sorted(missing)}"


def _examples(label: str) -> list[dict[str, Any]]:
    require_corpora()
    event, _, action = label.partition(".")
    folder = WEBHOOK_EXAMPLES / "api.github.com" / event
    pattern = f"{action}.*json" if action else "*.json"
    return [json.loads(path.read_text()) for path in sorted(folder.glob(pattern))]


def _missing_keys(ours: Any, examples: list[Any], path: str = "") -> Iterator[str]:
    if isinstance(ours, list) and ours and all(isinstance(e, list) and e for e in examples):
        yield from _missing_keys(ours[0], [example[0] for example in examples], path)
        return
    if not isinstance(ours, dict) or not all(isinstance(e, dict) for e in examples):
        return
    shared = set.intersection(*(set(example) for example in examples))
    for key in sorted(shared - DATA_OBJECTS):
        if key not in ours:
            if ALTERNATIVE_KEYS.get(key) not in ours:
                yield f"{path}.{key}"
        else:
            yield from _missing_keys(
                ours[key], [example[key] for example in examples], f"{path}.{key}"
            )


def test_the_scenario_covers_the_whole_vocabulary(scenario: Scenario) -> None:
    assert {event.label for event, _ in scenario.built} == set(VOCABULARY)


def test_repository_events_carry_installation_organization_and_sender(
    scenario: Scenario,
) -> None:
    acme = next(i for i in scenario.state.installations.values() if i.account == "acme")
    for event, payload in scenario.built:
        if event.name.startswith("installation"):
            assert "repository" not in payload and "organization" not in payload
            assert payload["installation"]["id"] == acme.id
            assert "permissions" in payload["installation"]
            continue
        owner = payload["repository"]["owner"]["login"]
        assert payload["sender"]["login"] == event.sender
        assert set(payload["installation"]) == {"id", "node_id"}
        assert ("organization" in payload) == (owner == "acme"), event.label
        if owner == "acme":
            assert payload["installation"]["id"] == acme.id
            assert payload["organization"]["login"] == "acme"


def test_payload_urls_point_at_the_simulator(scenario: Scenario) -> None:
    for event, payload in scenario.built:
        for key, value in _strings(payload):
            if key.endswith("url") or key == "href":
                assert value.startswith(ORIGIN) or value.startswith(
                    ("git://127.0.0.1:8999/", "git@127.0.0.1:")
                ), f"{event.label}: {key} = {value}"


def _strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _strings(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key)
    elif isinstance(value, str):
        yield key, value


def test_pull_request_payloads_follow_the_state(scenario: Scenario) -> None:
    (opened,) = scenario.payloads("pull_request.opened")[:1]
    assert (opened["number"], opened["pull_request"]["state"]) == (1, "open")
    # Mergeability is still being computed when `opened` goes out; later events know it.
    assert (opened["pull_request"]["mergeable"], opened["pull_request"]["mergeable_state"]) == (
        None,
        "unknown",
    )
    labeled, unlabeled = (
        scenario.payloads(f"pull_request.{a}")[0] for a in ("labeled", "unlabeled")
    )
    assert labeled["label"]["name"] == "bug"
    assert [label["name"] for label in labeled["pull_request"]["labels"]] == ["bug"]
    assert unlabeled["pull_request"]["labels"] == []
    assert labeled["pull_request"]["mergeable_state"] == "clean"
    synchronize = scenario.payloads("pull_request.synchronize")[0]
    assert (
        synchronize["after"] == synchronize["pull_request"]["head"]["sha"] != synchronize["before"]
    )
    team_request = scenario.payloads("pull_request.review_requested")[1]
    assert team_request["requested_team"]["slug"] == "reviewers"
    assert team_request["requested_team"]["parent"]["slug"] == "core"
    edited = scenario.payloads("pull_request.edited")[0]
    assert edited["changes"]["title"] == {"from": "Add the app"}
    assert edited["pull_request"]["title"] == "Add the app, tidied"
    closed = scenario.payloads("pull_request.closed")[0]["pull_request"]
    assert (closed["state"], closed["merged"]) == ("closed", False)


def test_push_payloads_list_commits_and_their_files(scenario: Scenario) -> None:
    branch_pushes = [p for p in scenario.payloads("push") if p["ref"] == "refs/heads/feature"]
    created, tidy, deleted = branch_pushes
    assert created["created"] and created["compare"].endswith(f"/commit/{created['after']}")
    assert created["commits"][0]["added"] == ["app.py"]
    assert (tidy["commits"][0]["modified"], tidy["commits"][0]["removed"]) == (
        ["app.py"],
        ["README.md"],
    )
    assert tidy["head_commit"]["id"] == tidy["after"]
    assert tidy["commits"][0]["author"]["username"] == "alice"
    assert tidy["compare"].endswith(f"/compare/{tidy['before'][:12]}...{tidy['after'][:12]}")
    assert isinstance(tidy["repository"]["created_at"], int)
    assert deleted["deleted"] and deleted["head_commit"] is None
    forced = scenario.payloads("push")[-1]
    assert forced["forced"] and forced["ref"] == "refs/heads/main"


def test_check_and_status_payloads(scenario: Scenario) -> None:
    created, completed = (scenario.payloads(f"check_run.{a}")[0] for a in ("created", "completed"))
    assert created["check_run"]["check_suite"]["status"] == "queued"
    assert created["check_run"]["pull_requests"][0]["number"] == 1
    assert completed["check_run"]["check_suite"]["conclusion"] == "failure"
    suite = scenario.payloads("check_suite.completed")[0]["check_suite"]
    assert (suite["status"], suite["conclusion"], suite["head_branch"]) == (
        "completed",
        "failure",
        "feature",
    )
    assert suite["latest_check_runs_count"] == 1
    status = scenario.payloads("status")[0]
    assert [branch["name"] for branch in status["branches"]] == ["feature"]
    assert status["commit"]["commit"]["message"] == "Tidy"
    unknown = scenario.payloads("status")[1]
    assert unknown["branches"] == [] and unknown["commit"]["sha"] == "c" * 40


def test_comment_payloads_describe_the_issue(scenario: Scenario) -> None:
    on_pull, on_issue = scenario.payloads("issue_comment.created")
    assert on_pull["issue"]["pull_request"]["url"].endswith("/pulls/1")
    assert on_pull["comment"]["html_url"].endswith(
        f"/pull/1#issuecomment-{on_pull['comment']['id']}"
    )
    assert "pull_request" not in on_issue["issue"]
    assert on_issue["comment"]["performed_via_github_app"]["slug"] == "simulated-app"


# --- (b) deliveries --------------------------------------------------------------------------


@dataclass
class Receiver:
    """A webhook endpoint on loopback that records what it gets and answers as told."""

    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    delay: float = 0.0
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append((dict(request.headers), body))
        await asyncio.sleep(self.delay)
        status = self.answers.pop(0) if self.answers else 202
        return web.json_response({"received": True}, status=status)

    @property
    def delivery_ids(self) -> list[str]:
        return [headers["X-GitHub-Delivery"] for headers, _ in self.requests]


@pytest.fixture
async def receiver(aiohttp_server: AiohttpServer) -> Receiver:
    endpoint = Receiver()
    app = web.Application()
    app.router.add_post("/hook", endpoint.handle)
    server: TestServer = await aiohttp_server(app)
    endpoint.url = str(server.make_url("/hook"))
    return endpoint


@pytest.fixture
def world() -> tuple[SimulatedGitHub, Installation]:
    state = SimulatedGitHub(clock=FakeClock())
    acme = state.add_installation("acme")
    state.add_repository(acme, "widgets")
    return state, acme


@pytest.fixture
async def dispatcher(
    world: tuple[SimulatedGitHub, Installation], receiver: Receiver
) -> AsyncIterator[WebhookDispatcher]:
    state, _ = world
    sender = WebhookDispatcher(state, receiver.url, SECRET, base_url=BASE_URL)
    sender.attach()
    await sender.start()
    yield sender
    await sender.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_deliveries_are_signed_and_sent_in_order(
    dispatcher: WebhookDispatcher, receiver: Receiver
) -> None:
    state = dispatcher.state
    state.commit(WIDGETS, "feature", {"app.py": "1\n"})
    pull = state.open_pull(WIDGETS, "Add the app", head_ref="feature")
    state.commit(WIDGETS, "feature", {"app.py": "2\n"})
    await dispatcher.drain()
    sent = [(d.event, d.action) for d in dispatcher.deliveries]
    assert sent == [
        ("push", None),
        ("pull_request", "opened"),
        ("push", None),
        ("pull_request", "synchronize"),
    ]
    assert receiver.delivery_ids == [d.id for d in dispatcher.deliveries]
    for delivery, (headers, body) in zip(dispatcher.deliveries, receiver.requests, strict=True):
        assert delivery.status == 202 and delivery.ok and delivery.duration is not None
        assert json.loads(body) == delivery.payload
        assert signature_is_valid(SECRET, body, headers["X-Hub-Signature-256"])
        sha1 = hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()
        assert headers["X-Hub-Signature"] == f"sha1={sha1}"
        assert headers["X-GitHub-Event"] == delivery.event
        assert headers["X-GitHub-Hook-ID"] == str(dispatcher.hook_id)
        assert headers["X-GitHub-Hook-Installation-Target-Type"] == "integration"
        assert headers["X-GitHub-Hook-Installation-Target-ID"] == str(state.app_id)
        assert re.fullmatch(r"GitHub-Hookshot/[0-9a-f]{7}", headers["User-Agent"])
        assert headers["Content-Type"] == "application/json"
    assert dispatcher.deliveries[1].payload["pull_request"]["id"] == pull.id


async def test_only_the_events_an_installation_subscribes_to_are_sent(
    dispatcher: WebhookDispatcher, world: tuple[SimulatedGitHub, Installation], receiver: Receiver
) -> None:
    state, acme = world
    acme.events = ["pull_request"]
    state.commit(WIDGETS, "feature", {"app.py": "1\n"})
    state.open_pull(WIDGETS, "Add the app", head_ref="feature")
    state.publish("installation", "new_permissions_accepted", None, "alice", acme)
    stranger = state.add_installation("strangers")
    outside = state.add_repository(stranger, "elsewhere")
    stranger.repositories.remove(outside.full_name)
    state.open_pull(outside.full_name, "Not ours", head_sha="e" * 40, head_ref="x")
    await dispatcher.drain()
    assert [(d.event, d.action) for d in dispatcher.deliveries] == [
        ("pull_request", "opened"),
        ("installation", "new_permissions_accepted"),
    ]
    assert len(receiver.requests) == 2


async def test_a_failed_delivery_is_recorded_and_not_retried(
    dispatcher: WebhookDispatcher, receiver: Receiver
) -> None:
    receiver.answers = [500]
    state = dispatcher.state
    state.open_pull(WIDGETS, "One", head_sha="a" * 40, head_ref="one")
    state.open_pull(WIDGETS, "Two", head_sha="b" * 40, head_ref="two")
    await dispatcher.drain()
    first, second = dispatcher.deliveries
    assert (first.status, first.ok, second.status, second.ok) == (500, False, 202, True)
    assert receiver.delivery_ids == [first.id, second.id]


async def test_an_unreachable_receiver_is_recorded_and_the_queue_moves_on(
    dispatcher: WebhookDispatcher, receiver: Receiver
) -> None:
    state = dispatcher.state
    dispatcher.url = f"http://127.0.0.1:{free_port()}/hook"
    state.open_pull(WIDGETS, "One", head_sha="a" * 40, head_ref="one")
    await dispatcher.drain()
    dispatcher.url = receiver.url
    state.open_pull(WIDGETS, "Two", head_sha="b" * 40, head_ref="two")
    await dispatcher.drain()
    refused, delivered = dispatcher.deliveries
    assert refused.status is None and "ClientConnectorError" in (refused.error or "")
    assert not refused.ok and not refused.pending
    assert delivered.ok and receiver.delivery_ids == [delivered.id]


async def test_a_slow_receiver_times_out(dispatcher: WebhookDispatcher, receiver: Receiver) -> None:
    dispatcher.timeout = 0.1
    receiver.delay = 1.0
    dispatcher.state.open_pull(WIDGETS, "One", head_sha="a" * 40, head_ref="one")
    await dispatcher.drain()
    (delivery,) = dispatcher.deliveries
    assert delivery.status is None and delivery.error == "timed out after 0.1 s"


async def test_redelivery_resends_the_same_body_under_the_same_id(
    dispatcher: WebhookDispatcher, receiver: Receiver
) -> None:
    receiver.answers = [503]
    dispatcher.state.open_pull(WIDGETS, "One", head_sha="a" * 40, head_ref="one")
    await dispatcher.drain()
    (failed,) = dispatcher.deliveries
    again = dispatcher.redeliver(failed.id)
    await dispatcher.drain()
    assert (failed.status, again.status, again.redelivery) == (503, 202, True)
    assert receiver.delivery_ids == [failed.id, failed.id]
    assert receiver.requests[0][1] == receiver.requests[1][1]
    assert dispatcher.find(failed.id) is failed
    with pytest.raises(KeyError):
        dispatcher.redeliver("no-such-delivery")


async def registered_app(
    aiohttp_server: AiohttpServer, state: SimulatedGitHub, *, hook: bool = True
) -> tuple[RegisteredApp, Receiver]:
    """An app registered by the manifest flow, subscribed to pull_request only, its webhook on
    a receiver of its own."""
    own = Receiver()
    app = web.Application()
    app.router.add_post("/theirs", own.handle)
    server: TestServer = await aiohttp_server(app)
    own.url = str(server.make_url("/theirs"))
    manifest: dict[str, Any] = {
        "name": "Other App",
        "url": "https://other.example.com",
        "default_permissions": {"pull_requests": "write"},
        "default_events": ["pull_request"],
    }
    if hook:
        manifest["hook_attributes"] = {"url": own.url}
    registered, _code = register_from_manifest(state, manifest, owner="acme")
    return registered, own


async def test_a_registered_apps_installation_is_delivered_to_its_own_webhook(
    aiohttp_server: AiohttpServer, dispatcher: WebhookDispatcher, receiver: Receiver
) -> None:
    state = dispatcher.state
    other, own = await registered_app(aiohttp_server, state)
    theirs = install_registered_app(state, other.id, "globex")
    gizmos = state.add_repository(theirs, "gizmos")
    state.publish("installation", "created", None, "alice", theirs, repositories=[gizmos])
    state.commit("globex/gizmos", "feature", {"app.py": "1\n"})  # a push: not subscribed
    state.open_pull("globex/gizmos", "Theirs", head_ref="feature")
    state.open_pull(WIDGETS, "Ours", head_sha="a" * 40, head_ref="ours")
    await dispatcher.drain()
    assert [(d.event, d.action, d.app_id) for d in dispatcher.deliveries] == [
        ("installation", "created", other.id),
        ("pull_request", "opened", other.id),
        ("pull_request", "opened", None),
    ]
    assert all(delivery.ok for delivery in dispatcher.deliveries)
    theirs_ids = [d.id for d in dispatcher.deliveries if d.app_id == other.id]
    assert own.delivery_ids == theirs_ids
    assert receiver.delivery_ids == [dispatcher.deliveries[2].id]
    assert other.webhook_secret is not None and other.webhook_secret != SECRET
    for headers, body in own.requests:
        assert signature_is_valid(other.webhook_secret, body, headers["X-Hub-Signature-256"])
        assert not signature_is_valid(SECRET, body, headers["X-Hub-Signature-256"])
        sha1 = hmac.new(other.webhook_secret.encode(), body, hashlib.sha1).hexdigest()
        assert headers["X-Hub-Signature"] == f"sha1={sha1}"
        assert headers["X-GitHub-Hook-ID"] == str(default_hook_id(other.id))
        assert headers["X-GitHub-Hook-Installation-Target-ID"] == str(other.id)
        assert json.loads(body)["installation"]["id"] == theirs.id
    installed = json.loads(own.requests[0][1])
    assert installed["installation"]["app_id"] == other.id
    assert installed["installation"]["app_slug"] == other.slug
    (ours_headers, _body) = receiver.requests[0]
    assert ours_headers["X-GitHub-Hook-Installation-Target-ID"] == str(state.app_id)
    again = dispatcher.redeliver(theirs_ids[1])
    await dispatcher.drain()
    assert again.ok and again.app_id == other.id and own.delivery_ids[-1] == theirs_ids[1]


async def test_a_registered_app_without_a_webhook_hears_nothing(
    aiohttp_server: AiohttpServer, dispatcher: WebhookDispatcher, receiver: Receiver
) -> None:
    state = dispatcher.state
    other, own = await registered_app(aiohttp_server, state, hook=False)
    theirs = install_registered_app(state, other.id, "globex")
    gizmos = state.add_repository(theirs, "gizmos")
    state.publish("installation", "created", None, "alice", theirs, repositories=[gizmos])
    state.open_pull("globex/gizmos", "Theirs", head_sha="a" * 40, head_ref="x")
    await dispatcher.drain()
    assert dispatcher.deliveries == [] and own.requests == [] and receiver.requests == []


async def test_the_simulator_app_runs_its_dispatcher(
    aiohttp_server: AiohttpServer, world: tuple[SimulatedGitHub, Installation], receiver: Receiver
) -> None:
    state, _ = world
    sender = WebhookDispatcher(state, receiver.url, SECRET)
    server = await aiohttp_server(create_simulator_app(state, webhook=sender))
    sender.base_url = str(server.make_url(API_PREFIX))
    assert sender.running and sender.on_event in state.subscribers
    state.open_pull(WIDGETS, "One", head_sha="a" * 40, head_ref="one")
    await sender.drain()
    (delivery,) = sender.deliveries
    assert delivery.ok
    assert delivery.payload["pull_request"]["url"].startswith(sender.base_url)
    await server.close()
    assert not sender.running and sender.on_event not in state.subscribers


# --- (c) paasbot's intake --------------------------------------------------------------------


async def test_paasbot_stores_and_routes_a_simulated_pull_request(
    aiohttp_server: AiohttpServer,
    database_url: str,
    private_key: str,
    world: tuple[SimulatedGitHub, Installation],
) -> None:
    bot = Paasbot(make_settings(database_url, private_key, webhook_secret=SECRET))
    server = await aiohttp_server(create_web_app(bot, run_workers=False))
    state, acme = world
    state.commit(WIDGETS, "feature", {"app.py": "print('hello')\n"})
    sender = WebhookDispatcher(state, str(server.make_url(WEBHOOK_PATH)), SECRET, base_url=BASE_URL)
    sender.attach()
    await sender.start()
    try:
        state.open_pull(WIDGETS, "Add the app", head_ref="feature")
        await sender.drain()
    finally:
        await sender.stop()
    (delivery,) = sender.deliveries
    assert delivery.status == 202, delivery.error
    await bot.intake.settle()
    async with bot.db.reader() as conn:
        stored = (await conn.execute(select(deliveries))).mappings().one()
        keys = set((await conn.execute(select(subjects.c.key))).scalars())
    assert (stored["id"], stored["event"], stored["action"]) == (
        delivery.id,
        "pull_request",
        "opened",
    )
    assert (stored["installation_id"], stored["repository"]) == (acme.id, WIDGETS)
    assert stored["routed_at"] is not None
    assert keys == {f"{WIDGETS}#1"}


def test_a_check_run_names_the_app_that_made_it() -> None:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    state.add_repository(installation, "widgets", files={"README.md": "# w\n"})
    sha = state.commit("acme/widgets", "main", {"a.py": "a = 1\n"}).sha
    state.published.clear()
    state.create_check_run("acme/widgets", "summary", sha)
    token = ACTING_APP.set(15368)
    try:
        state.create_check_run("acme/widgets", "tests", sha)
    finally:
        ACTING_APP.reset(token)
    apps = [
        build_payload(state, event, "http://sim.invalid/api/v3")["check_run"]["app"]
        for event in state.published
        if event.name == "check_run"
    ]
    assert [(app["id"], app["slug"]) for app in apps] == [(4242, "paasbot"), (15368, "app-15368")]
