"""`app/engine/command_answers.py`: comment commands answered through the simulator over real
HTTP, with write access checked by `PermissionCache` and each comment answered once."""

from __future__ import annotations

import gidgethub
import pytest

from app.actions.base import PullTarget
from app.engine.command_answers import CommandAnswers, answer_commands
from app.engine.commands import CommandRequest, command_from_payload
from app.engine.memory import PullMemory
from app.engine.permissions import PermissionCache
from app.engine.snapshot import PullRequestSnapshot
from app.github.client import InstallationAPI
from app.sandbox.faults import Fault
from app.sandbox.models import PullRequest
from app.sandbox.ops.issues import comment, delete_comment
from app.sandbox.webhooks.payloads import build_payload
from app.store.db import Database
from app.store.pull_memory import load_memory, save_memory
from tests.facts_world import (  # noqa: F401 (fixtures)
    REPO,
    ROLES,
    CallLog,
    World,
    api_fixture,
    clock_fixture,
    github_fixture,
    log_fixture,
    simulator_state_fixture,
    world_fixture,
)
from tests.sim_world import BOT

TRY = "try `/paasbot refresh`, `/paasbot update`, `/paasbot merge`."


@pytest.fixture
def pull(world: World) -> PullRequest:
    return world.open_pull("feature", {"src/app.py": "print('v1')\n"})


@pytest.fixture
def target(api: InstallationAPI, db: Database, pull: PullRequest) -> PullTarget:
    snapshot = PullRequestSnapshot(api, REPO, pull.number)
    return PullTarget(api, db, snapshot, REPO, pull.number, pull.head_sha)


def command(world: World, pull: PullRequest, author: str, body: str) -> CommandRequest:
    """`author` comments `body` on the PR; the command the simulator's webhook carries."""
    world.forget_events()
    comment(world.state, REPO, pull.number, author, body)
    [event] = world.events("issue_comment.created")
    request = command_from_payload(build_payload(world.state, event, world.sim.base_url))
    assert request is not None
    return request


def reactions(world: World, request: CommandRequest) -> list[tuple[str, str]]:
    return [(r.user, r.content) for r in world.state.reactions_of(REPO, request.comment_id)]


async def answer(
    target: PullTarget,
    requests: list[CommandRequest],
    memory: PullMemory | None = None,
    permissions: PermissionCache | None = None,
) -> CommandAnswers:
    return await answer_commands(
        target, requests, memory or PullMemory(), permissions or PermissionCache()
    )


@pytest.mark.parametrize(
    ("login", "accepted"),
    [
        *((login, role in ("admin", "maintain", "write")) for login, role in ROLES.items()),
        ("dave", False),  # reads the repository through a team of the organisation
        ("outsider", False),
    ],
)
async def test_only_people_with_write_access_are_obeyed(
    world: World, pull: PullRequest, target: PullTarget, login: str, accepted: bool
) -> None:
    world.state.account("outsider")
    request = command(world, pull, login, "/paasbot refresh")
    answers = await answer(target, [request])
    if accepted:
        assert reactions(world, request) == [(BOT, "+1")]
        assert answers.events == {"command", "command.refresh"} and answers.refresh
        assert answers.notes == []
    else:
        assert reactions(world, request) == [(BOT, "confused")]
        assert answers.events == set() and not answers.refresh
        assert answers.notes == [
            f"@{login}: sorry, `/paasbot refresh` needs write access to {REPO}."
        ]


@pytest.mark.parametrize("name", ["update", "merge"])
async def test_update_and_merge_reach_the_rules_as_events(
    world: World, pull: PullRequest, target: PullTarget, name: str
) -> None:
    request = command(world, pull, "bob", f"/paasbot {name}")
    answers = await answer(target, [request])
    assert answers.events == {"command", f"command.{name}"}
    assert not answers.refresh
    assert reactions(world, request) == [(BOT, "+1")]


@pytest.mark.parametrize(
    ("body", "shown"), [("/paasbot deploy", "/paasbot deploy"), ("/paasbot", "/paasbot")]
)
async def test_unknown_commands_are_refused_without_asking_for_permissions(
    world: World, pull: PullRequest, target: PullTarget, log: CallLog, body: str, shown: str
) -> None:
    request = command(world, pull, "bob", body)
    log.reset()
    answers = await answer(target, [request])
    assert reactions(world, request) == [(BOT, "confused")]
    assert answers.events == set()
    assert answers.notes == [f"@bob: `{shown}` is not a command; {TRY}"]
    assert log.calls() == [f"POST /repos/{REPO}/issues/comments/{request.comment_id}/reactions"]


async def test_a_command_is_read_from_the_first_line_of_the_webhooks_comment(
    world: World, pull: PullRequest, target: PullTarget
) -> None:
    request = command(world, pull, "erin", "\n/paasbot MERGE\nwhen green, please")
    assert request.author == "erin" and request.name == "merge"
    answers = await answer(target, [request])
    assert answers.events == {"command", "command.merge"}
    assert reactions(world, request) == [(BOT, "+1")]


async def test_several_commands_in_one_evaluation(
    world: World, pull: PullRequest, target: PullTarget, log: CallLog
) -> None:
    requests = [
        command(world, pull, "bob", "/paasbot refresh"),
        command(world, pull, "carol", "/paasbot merge"),
        command(world, pull, "bob", "/paasbot update"),
        command(world, pull, "alice", "/paasbot nope"),
    ]
    log.reset()
    answers = await answer(target, requests)
    assert answers.events == {"command", "command.refresh", "command.update"}
    assert answers.notes == [
        f"@carol: sorry, `/paasbot merge` needs write access to {REPO}.",
        f"@alice: `/paasbot nope` is not a command; {TRY}",
    ]
    assert [reactions(world, request) for request in requests] == [
        [(BOT, "+1")],
        [(BOT, "confused")],
        [(BOT, "+1")],
        [(BOT, "confused")],
    ]
    asked = [call for call in log.calls() if call.endswith("/permission")]
    assert asked == [
        f"GET /repos/{REPO}/collaborators/bob/permission",
        f"GET /repos/{REPO}/collaborators/carol/permission",
    ]


async def test_each_comment_is_answered_once(
    world: World, pull: PullRequest, target: PullTarget, db: Database, log: CallLog
) -> None:
    first = command(world, pull, "bob", "/paasbot refresh")
    memory = PullMemory()
    assert (await answer(target, [first], memory)).refresh
    async with db.transaction() as conn:
        await save_memory(conn, "acme/widgets#1", memory.document, world.clock())
    async with db.reader() as conn:
        remembered = PullMemory(await load_memory(conn, "acme/widgets#1"))
    # The same delivery again (a retried evaluation), with a new command beside it.
    second = command(world, pull, "bob", "/paasbot update")
    log.reset()
    answers = await answer(target, [first, second], remembered)
    assert answers.events == {"command", "command.update"}
    assert log.calls() == [
        f"GET /repos/{REPO}/collaborators/bob/permission",
        f"POST /repos/{REPO}/issues/comments/{second.comment_id}/reactions",
    ]
    log.reset()
    assert await answer(target, [first, second], remembered) == CommandAnswers()
    assert log.calls() == []
    assert reactions(world, first) == [(BOT, "+1")]
    assert remembered.command_answered(first.comment_id)
    assert remembered.command_answered(second.comment_id)


async def test_a_deleted_comments_command_is_answered_all_the_same(
    world: World, pull: PullRequest, target: PullTarget
) -> None:
    request = command(world, pull, "bob", "/paasbot refresh")
    delete_comment(world.state, REPO, request.comment_id, sender="bob")
    memory = PullMemory()
    answers = await answer(target, [request], memory)
    assert answers.refresh
    assert memory.command_answered(request.comment_id)
    posted = world.state.requests_matching(
        "POST", f"/repos/{REPO}/issues/comments/{request.comment_id}/reactions"
    )
    assert [record.status for record in posted] == [404]


async def test_a_failed_reaction_leaves_the_command_unanswered(
    world: World, pull: PullRequest, target: PullTarget
) -> None:
    request = command(world, pull, "bob", "/paasbot refresh")
    memory = PullMemory()
    world.state.faults.queue(Fault.error(502, method="POST"))
    with pytest.raises(gidgethub.GitHubBroken):
        await answer(target, [request], memory)
    assert not memory.command_answered(request.comment_id)
    assert (await answer(target, [request], memory)).refresh
    assert reactions(world, request) == [(BOT, "+1")]


async def test_write_access_is_remembered_across_evaluations(
    world: World, pull: PullRequest, target: PullTarget, log: CallLog
) -> None:
    permissions = PermissionCache(timer=world.clock)
    await answer(target, [command(world, pull, "bob", "/paasbot refresh")], None, permissions)
    log.reset()
    await answer(target, [command(world, pull, "bob", "/paasbot merge")], None, permissions)
    assert not [call for call in log.calls() if call.endswith("/permission")]
