"""Comment commands: `/paasbot <command>` on the first line of a PR comment. Pure parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass

COMMANDS = ("refresh", "update", "merge")
_COMMAND = re.compile(r"/paasbot(?:\s+(\S+))?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class CommandRequest:
    comment_id: int
    author: str
    name: str  # lower-case; may be unknown (then `known` is False)

    @property
    def known(self) -> bool:
        return self.name in COMMANDS


def parse_command(body: str) -> str | None:
    """The command a comment gives (`""` for a bare `/paasbot`), or None when it gives none."""
    for line in body.splitlines():
        if line.strip():
            match = _COMMAND.fullmatch(line.strip())
            return (match.group(1) or "").lower() if match else None
    return None


def command_from_payload(payload: dict[str, object]) -> CommandRequest | None:
    """The command of an `issue_comment` `created` delivery on a pull request, if it has one."""
    comment = payload.get("comment")
    if payload.get("action") != "created" or not isinstance(comment, dict):
        return None
    body, user = comment.get("body"), comment.get("user")
    if (
        not isinstance(body, str)
        or not isinstance(user, dict)
        or not isinstance(comment.get("id"), int)
    ):
        return None
    name = parse_command(body)
    login = user.get("login")
    if name is None or not isinstance(login, str):
        return None
    return CommandRequest(comment["id"], login, name)
