"""Answering comment commands: 👍 for an accepted command, 😕 for one refused (the author lacks
write access) or unknown, with a line in the summary saying why. Each comment is answered once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from gidgethub import BadRequest

from app.actions.base import PullTarget
from app.engine.commands import COMMANDS, CommandRequest
from app.engine.memory import PullMemory
from app.engine.permissions import PermissionCache


@dataclass
class CommandAnswers:
    events: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    accepted: list[CommandRequest] = field(default_factory=list)

    @property
    def refresh(self) -> bool:
        return "command.refresh" in self.events


async def answer_commands(
    target: PullTarget,
    requests: Iterable[CommandRequest],
    memory: PullMemory,
    permissions: PermissionCache,
) -> CommandAnswers:
    answers = CommandAnswers()
    for request in requests:
        if memory.command_answered(request.comment_id):
            continue
        accepted = await _judge(target, request, permissions, answers)
        await _react(target, request.comment_id, "+1" if accepted else "confused")
        memory.remember_command(request.comment_id)
    return answers


async def _judge(
    target: PullTarget,
    request: CommandRequest,
    permissions: PermissionCache,
    answers: CommandAnswers,
) -> bool:
    if not request.known:
        known = ", ".join(f"`/paasbot {name}`" for name in COMMANDS)
        shown = f"/paasbot {request.name}".strip()
        answers.notes.append(f"@{request.author}: `{shown}` is not a command; try {known}.")
        return False
    if not await permissions.can_write(target.api, target.repository, request.author):
        answers.notes.append(
            f"@{request.author}: sorry, `/paasbot {request.name}` needs write access to"
            f" {target.repository}."
        )
        return False
    answers.events |= {"command", f"command.{request.name}"}
    answers.accepted.append(request)
    return True


async def _react(target: PullTarget, comment_id: int, content: str) -> None:
    try:
        await target.api.post(
            "/repos/{+repository}/issues/comments/{comment_id}/reactions",
            url_vars={"repository": target.repository, "comment_id": str(comment_id)},
            data={"content": content},
        )
    except BadRequest as error:
        # The comment may be gone already; the command is answered all the same.
        if error.status_code not in (404, 410):
            raise
