from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_the_manifest_asks_for_what_paasbot_needs() -> None:
    manifest = yaml.safe_load((ROOT / "app.yml").read_text())
    permissions = manifest["default_permissions"]
    assert permissions["checks"] == "write"
    assert permissions["contents"] == "write"
    assert permissions["pull_requests"] == "write"
    assert permissions["issues"] == "write"
    assert permissions["statuses"] == "read"
    assert permissions["members"] == "read"
    assert permissions["metadata"] == "read"
    assert permissions["deployments"] == "read"
    assert permissions["administration"] == "read"  # protection and repository teams
    assert set(manifest["default_events"]) == {
        "pull_request",
        "pull_request_review",
        "status",
        "check_run",
        "check_suite",
        "push",
        "release",
        "issue_comment",
        "deployment_status",
    }
    assert manifest["hook_attributes"]["url"].endswith("/api/github/webhooks")


def test_every_manifest_event_is_handled() -> None:
    from app.routing.plan import HANDLED_EVENTS

    manifest = yaml.safe_load((ROOT / "app.yml").read_text())
    assert set(manifest["default_events"]) <= HANDLED_EVENTS
    assert {"installation", "installation_repositories"} <= HANDLED_EVENTS
