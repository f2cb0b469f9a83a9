import json

from app.config.model import Config
from app.engine.commands import CommandRequest
from app.engine.pull_evaluation import (
    Wakeup,
    action_attributes,
    pull_request_rules,
    wakeup_from,
)
from app.store.deliveries import StoredDelivery
from tests.corpora import webhook_example
from tests.rule_helpers import rules_from


def delivery(event: str, payload: dict, n: int = 1) -> StoredDelivery:
    action = payload.get("action")
    return StoredDelivery(f"d{n}", event, action, 1, "acme/api", float(n), json.dumps(payload))


def test_the_events_of_the_deliveries_become_on_names_and_the_last_sender_counts() -> None:
    opened = {"action": "opened", "sender": {"login": "alice"}}
    status = {"sender": {"login": "ci-bot"}}
    wakeup = wakeup_from([delivery("pull_request", opened, 1), delivery("status", status, 2)])
    assert wakeup.events == {"pull_request", "pull_request.opened", "status"}
    assert wakeup.sender == "ci-bot"
    assert wakeup.commands == ()


def test_comment_commands_are_read_from_real_issue_comment_payloads() -> None:
    payload = webhook_example("issue_comment", "created")
    payload["comment"]["body"] = "/paasbot refresh\nplease"
    wakeup = wakeup_from([delivery("issue_comment", payload)])
    login = payload["comment"]["user"]["login"]
    assert wakeup.commands == (CommandRequest(payload["comment"]["id"], login, "refresh"),)
    assert "issue_comment.created" in wakeup.events


def test_no_deliveries_wake_nothing() -> None:
    assert wakeup_from([]) == Wakeup()


def test_release_rules_do_not_run_on_pull_requests() -> None:
    rules = rules_from(
        """
rules:
  - name: PR rule
  - name: Mixed
    on: [release.published, pull_request.opened]
  - name: Release rule
    on: [release.published]
    if: [-prerelease]
"""
    )
    names = [rule.name for rule in pull_request_rules(Config(rules=rules))]
    assert names == ["PR rule", "Mixed"]


def test_the_attributes_templates_read_are_prepared_too() -> None:
    rules = rules_from(
        """
rules:
  - name: Greet
    do:
      comment: {body: "Hi {{ author }}, {{ approved_reviews_by | join(', ') }}"}
      check: {title: "{{ number }} ready"}
      label: {add: [x]}
      merge: {}
"""
    )
    # merge reads a queued PR's checks (to keep its place while CI runs on a head it updated)
    checks = {"check-success", "check-failure", "check-pending"}
    assert action_attributes(rules) == {"author", "approved-reviews-by", "number", *checks}


def test_what_woke_the_pr_without_a_delivery_is_an_event_too() -> None:
    wakeup = wakeup_from([], [("report", "coverage")])
    assert wakeup.events == {"report", "report.coverage"}
    assert wakeup.sender is None
