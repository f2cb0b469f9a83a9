"""`app/engine/commands.py`: comment commands parsed from a comment's first non-blank line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.engine.commands import COMMANDS, CommandRequest, command_from_payload, parse_command
from tests.corpora import webhook_example


@pytest.mark.parametrize(
    ("body", "command"),
    [
        ("/paasbot refresh", "refresh"),
        ("/paasbot update", "update"),
        ("/paasbot merge", "merge"),
        ("/PAASBOT Refresh", "refresh"),  # any case
        ("/Paasbot MERGE", "merge"),
        ("   /paasbot   update   ", "update"),  # spaces around and between
        ("/paasbot\trefresh", "refresh"),
        ("/paasbot refresh\r\nThanks!", "refresh"),
        ("\n\n   \n/paasbot merge\nplease", "merge"),  # the first non-blank line
        ("/paasbot refresh\n/paasbot merge", "refresh"),
        ("/paasbot deploy", "deploy"),  # unknown, but a command: it gets an answer
        ("/paasbot", ""),  # bare
        ("  /paasbot  ", ""),
        ("/paasbot ünïcødé", "ünïcødé"),
    ],
)
def test_a_command(body: str, command: str) -> None:
    assert parse_command(body) == command


@pytest.mark.parametrize(
    "body",
    [
        "",
        "   \n\t\n",
        "LGTM",
        "/paasbot merge now",  # more than one word after /paasbot
        "/paasbot merge please now",
        "please /paasbot refresh",  # not at the start of the line
        "LGTM\n/paasbot refresh",  # not the first non-blank line
        "> /paasbot refresh",  # a quote
        "`/paasbot refresh`",
        "/paasbotrefresh",
        "/paasbot-refresh",
        "paasbot refresh",
        "@paasbot refresh",
        "//paasbot refresh",
    ],
)
def test_not_a_command(body: str) -> None:
    assert parse_command(body) is None


@pytest.mark.parametrize(
    ("name", "known"),
    [*((name, True) for name in COMMANDS), ("deploy", False), ("", False), ("Refresh", False)],
)
def test_known_commands(name: str, known: bool) -> None:
    assert CommandRequest(1, "alice", name).known is known


def comment_payload(body: Any = "/paasbot refresh", **changes: Any) -> dict[str, Any]:
    """A real `issue_comment` `created` delivery on a pull request."""
    payload = webhook_example("issue_comment", "created")
    payload["issue"]["pull_request"] = {"url": "https://api.github.com/repos/o/r/pulls/1"}
    payload["comment"]["body"] = body
    payload.update(changes)
    return payload


def test_a_command_from_a_real_payload() -> None:
    payload = comment_payload("/paasbot Merge")
    assert command_from_payload(payload) == CommandRequest(
        payload["comment"]["id"], payload["comment"]["user"]["login"], "merge"
    )


def test_the_real_payloads_comment_is_no_command() -> None:
    assert command_from_payload(webhook_example("issue_comment", "created")) is None


@pytest.mark.parametrize("name", ["edited", "deleted"])
def test_only_new_comments_count(name: str) -> None:
    payload = webhook_example("issue_comment", name)
    payload["comment"]["body"] = "/paasbot refresh"
    assert command_from_payload(payload) is None


def drop(payload: dict[str, Any], *path: str) -> dict[str, Any]:
    target = payload
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return payload


# Built inside the test: the corpora are read at run time, never while collecting.
@pytest.mark.parametrize(
    "make",
    [
        lambda: comment_payload(action="edited"),
        lambda: comment_payload(comment="not a mapping"),
        lambda: comment_payload(None),
        lambda: comment_payload(["/paasbot refresh"]),
        lambda: drop(comment_payload(), "comment"),
        lambda: drop(comment_payload(), "comment", "id"),
        lambda: drop(comment_payload(), "comment", "user"),
        lambda: drop(comment_payload(), "comment", "user", "login"),
        lambda: drop(comment_payload(), "action"),
    ],
)
def test_malformed_payloads_give_no_command(make: Callable[[], dict[str, Any]]) -> None:
    assert command_from_payload(make()) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("id", "492700400"), ("id", 1.5), ("id", None), ("user", "Codertocat"), ("user", None)],
)
def test_comments_of_the_wrong_shape_give_no_command(field: str, value: Any) -> None:
    payload = comment_payload()
    payload["comment"][field] = value
    assert command_from_payload(payload) is None


def test_a_login_that_is_not_text_gives_no_command() -> None:
    payload = comment_payload()
    payload["comment"]["user"]["login"] = 42
    assert command_from_payload(payload) is None
