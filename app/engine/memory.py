"""What the engine remembers of a pull request between evaluations, as one JSON document:
whether each rule matched, each action's state and recent changes, the comment commands already
answered, and the head SHA whose configuration was last checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_COMMANDS_REMEMBERED = 50


@dataclass
class ActionMemory:
    state: dict[str, Any] = field(default_factory=dict)
    changes: list[float] = field(default_factory=list)
    stopped: str | None = None
    changes_head: str | None = None  # the head SHA the recent changes were made on

    def document(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "changes": self.changes,
            "stopped": self.stopped,
            "changes_head": self.changes_head,
        }

    def on_head(self, head_sha: str) -> None:
        """Changes count towards flapping per head commit: writing again on a new head (a check
        run, a branch update in a merge queue) is not undoing what was done."""
        if self.changes_head != head_sha:
            self.changes, self.changes_head = [], head_sha


@dataclass
class PullMemory:
    document: dict[str, Any] = field(default_factory=dict)

    def rule_matched(self, rule: str) -> bool | None:
        return self.document.get("rules", {}).get(rule)

    def set_rule_matched(self, rule: str, matched: bool) -> None:
        self.document.setdefault("rules", {})[rule] = matched

    def action(self, rule: str, action: str) -> ActionMemory:
        raw = self.document.get("actions", {}).get(_key(rule, action)) or {}
        return ActionMemory(
            dict(raw.get("state") or {}),
            list(raw.get("changes") or []),
            raw.get("stopped"),
            raw.get("changes_head"),
        )

    def set_action(self, rule: str, action: str, memory: ActionMemory) -> None:
        self.document.setdefault("actions", {})[_key(rule, action)] = memory.document()

    def keep_only(self, rules: set[str]) -> None:
        """Forget rules that no longer exist, so a renamed rule starts afresh."""
        self.document["rules"] = {
            name: matched
            for name, matched in self.document.get("rules", {}).items()
            if name in rules
        }
        self.document["actions"] = {
            key: value
            for key, value in self.document.get("actions", {}).items()
            # An empty rule part is an action remembered for the PR, not for one rule.
            if key.partition("@")[2] in rules or not key.partition("@")[2]
        }

    def reset_if_config_changed(self, digest: str) -> None:
        """A new configuration lifts every stop (the rules that fought may be fixed)."""
        if self.document.get("config") != digest:
            self.lift_stops()
            self.document["config"] = digest

    def lift_stops(self) -> None:
        for value in self.document.get("actions", {}).values():
            value["stopped"] = None
            value["changes"] = []

    def command_answered(self, comment_id: int) -> bool:
        return comment_id in self.document.get("commands", [])

    def remember_command(self, comment_id: int) -> None:
        answered = [*self.document.get("commands", []), comment_id]
        self.document["commands"] = answered[-MAX_COMMANDS_REMEMBERED:]

    @property
    def config_checked_for(self) -> str | None:
        return self.document.get("config_checked")

    @property
    def config_note(self) -> str | None:
        return self.document.get("config_note")

    def set_config_checked(self, head_sha: str, note: str | None) -> None:
        self.document["config_checked"] = head_sha
        self.document["config_note"] = note


def _key(rule: str, action: str) -> str:
    return f"{action}@{rule}"
