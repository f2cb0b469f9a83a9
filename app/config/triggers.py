"""The events a rule's `on:` may name: `event` (any action) or `event.action`."""

from __future__ import annotations

import difflib

EVENT_ACTIONS: dict[str, frozenset[str]] = {
    "pull_request": frozenset(
        {
            "opened",
            "edited",
            "closed",
            "reopened",
            "synchronize",
            "ready_for_review",
            "converted_to_draft",
            "labeled",
            "unlabeled",
            "assigned",
            "unassigned",
            "review_requested",
            "review_request_removed",
            "locked",
            "unlocked",
            "milestoned",
            "demilestoned",
            "auto_merge_enabled",
            "auto_merge_disabled",
            "enqueued",
            "dequeued",
        }
    ),
    "pull_request_review": frozenset({"submitted", "edited", "dismissed"}),
    "issue_comment": frozenset({"created", "edited", "deleted"}),
    "status": frozenset(),
    "check_run": frozenset({"created", "completed", "rerequested", "requested_action"}),
    "check_suite": frozenset({"completed", "requested", "rerequested"}),
    "push": frozenset(),
    "release": frozenset(
        {"published", "unpublished", "created", "edited", "deleted", "prereleased", "released"}
    ),
    # Comment commands (`/paasbot update`) reach rules as the events `command.<name>`.
    "command": frozenset({"refresh", "update", "merge"}),
    # A report CI uploaded for the PR's head (`POST /api/reports/...`): `report.<kind>`.
    "report": frozenset({"coverage", "lint"}),
}

RELEASE_EVENTS = frozenset({"release"})


def trigger_problem(trigger: str) -> str | None:
    """Why `trigger` is not a valid `on:` entry, or None when it is."""
    event, _, action = trigger.partition(".")
    if event not in EVENT_ACTIONS:
        return f"unknown event {event!r}{_suggest(event, list(EVENT_ACTIONS))}"
    actions = EVENT_ACTIONS[event]
    if not action:
        return None
    if not actions:
        return f"{event} events have no actions; write just {event!r}"
    if action not in actions:
        return f"unknown action {action!r} of {event}{_suggest(action, sorted(actions))}"
    return None


def valid_triggers() -> list[str]:
    """Every entry `on:` accepts, sorted."""
    events = [
        *EVENT_ACTIONS,
        *(f"{e}.{a}" for e, actions in EVENT_ACTIONS.items() for a in actions),
    ]
    return sorted(events)


def event_names(event: str, action: str | None) -> frozenset[str]:
    """The `on:` entries a delivery satisfies: `event` and, with an action, `event.action`."""
    return frozenset({event, f"{event}.{action}"} if action else {event})


def is_release_only(triggers: frozenset[str]) -> bool:
    return bool(triggers) and all(t.partition(".")[0] in RELEASE_EVENTS for t in triggers)


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=2)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
