"""Webhook payloads for the simulator's events, shaped like GitHub's deliveries.

`build_payload` turns one `SimEvent` (see the vocabulary in `app.sandbox.events`) into the body
GitHub would POST: the event's own keys, then `repository`, `organization` (when the owner is an
organisation), `sender` and `installation`. Payloads describe the state at the time of the call,
so build them when the event is published.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.sandbox.context import API_PREFIX, Urls
from app.sandbox.events import SimEvent
from app.sandbox.git import Commit
from app.sandbox.models import Installation, Issue, Label, PullRequest, Repository
from app.sandbox.serializers import (
    Json,
    account_json,
    installation_json,
    label_json,
    organization_json,
    pull_json,
    pull_simple_json,
    repository_json,
    repository_label_json,
    repository_times,
    team_json,
)
from app.sandbox.serializers_deployments import deployment_json, deployment_status_json
from app.sandbox.state import SimulatedGitHub
from app.sandbox.timefmt import iso8601
from app.sandbox.webhooks.shapes import (
    check_run_webhook_json,
    check_suite_event_json,
    installation_lite_json,
    issue_comment_json,
    issue_json,
    push_commit_json,
    release_json,
    repository_lite_json,
    review_json,
    status_json,
    webhook_issue_json,
    webhook_pull_json,
    webhook_team_json,
)

ZERO_SHA = "0" * 40
# GitHub computes mergeability in the background after these changes, and their webhooks go out
# before the result: `mergeable` null, `mergeable_state` "unknown".
MERGEABILITY_PENDING_ACTIONS = frozenset({"opened", "reopened", "synchronize"})
# Installation events that list the installation's repositories.
LISTING_REPOSITORIES = frozenset({"created", "deleted", "new_permissions_accepted"})

Builder = Callable[[SimulatedGitHub, Urls, SimEvent], Json]


class UnsupportedEvent(ValueError):
    """An event outside the vocabulary the payload builders know."""


def urls_for(base_url: str) -> Urls:
    """`base_url` is the API root (http://host:port/api/v3) or the server's origin."""
    return Urls(origin=base_url.rstrip("/").removesuffix(API_PREFIX))


def build_payload(state: SimulatedGitHub, event: SimEvent, base_url: str) -> Json:
    builder = BUILDERS.get(event.name)
    if builder is None:
        raise UnsupportedEvent(f"no webhook payload for {event.label!r}")
    urls = urls_for(base_url)
    payload: Json = {"action": event.action} if event.action else {}
    payload |= builder(state, urls, event)
    for key, value in _envelope(state, urls, event).items():
        payload.setdefault(key, value)
    return payload


def _envelope(state: SimulatedGitHub, urls: Urls, event: SimEvent) -> Json:
    repository = state.find_repository(event.repository) if event.repository else None
    envelope: Json = {}
    if repository is not None:
        envelope["repository"] = repository_json(state, urls, repository)
        owner = state.account(repository.owner)
        if owner.type == "Organization":
            envelope["organization"] = organization_json(urls, owner)
    envelope["sender"] = account_json(urls, state.account(event.sender))
    installation = state.installation_for(repository) if repository is not None else None
    if installation is not None:
        envelope["installation"] = installation_lite_json(installation.id)
    return envelope


def _repository(state: SimulatedGitHub, event: SimEvent) -> Repository:
    if event.repository is None:
        raise UnsupportedEvent(f"{event.label} needs a repository")
    return state.repository(event.repository)


def _changes(event: SimEvent) -> Json:
    changes = event.details.get("changes")
    return {"changes": dict(changes)} if changes is not None else {}


# --- pull requests ---------------------------------------------------------------------------


def pull_request_payload(state: SimulatedGitHub, urls: Urls, event: SimEvent) -> Json:
    pull: PullRequest = event.subject
    body: Json = {"number": pull.number}
    if event.action == "synchronize":
        body |= {"before": event.details["before"], "after": event.details["after"]}
    body["pull_request"] = _pull_webhook_json(state, urls, pull, event)
    return body | _pull_action_details(state, urls, pull, event)


def _pull_webhook_json(
    state: SimulatedGitHub, urls: Urls, pull: PullRequest, event: SimEvent
) -> Json:
    body = webhook_pull_json(pull_json(state, urls, pull))
    base_moved = event.action == "edited" and "base" in event.details.get("changes", {})
    if event.action in MERGEABILITY_PENDING_ACTIONS or base_moved:
        return body | {"mergeable": None, "rebaseable": None, "mergeable_state": "unknown"}
    return body


def _pull_action_details(
    state: SimulatedGitHub, urls: Urls, pull: PullRequest, event: SimEvent
) -> Json:
    details = event.details
    repository = state.repository(pull.repo_full_name)
    if event.action in ("labeled", "unlabeled"):
        return {"label": label_json(urls, repository, details["label"])}
    if event.action in ("assigned", "unassigned"):
        return {"assignee": account_json(urls, state.account(details["assignee"]))}
    if event.action in ("review_requested", "review_request_removed"):
        if "requested_team" in details:
            team = team_json(state, urls, repository.owner, details["requested_team"])
            return {"requested_team": webhook_team_json(team)}
        reviewer = state.account(details["requested_reviewer"])
        return {"requested_reviewer": account_json(urls, reviewer)}
    return _changes(event)


def pull_request_review_payload(state: SimulatedGitHub, urls: Urls, event: SimEvent) -> Json:
    pull: PullRequest = event.details["pull"]
    return _changes(event) | {
        "review": review_json(state, urls, pull, event.subject),
        "pull_request": webhook_pull_json(pull_simple_json(state, urls, pull)),
    }


# --- git -------------------------------------------------------------------------------------


def push_payload(state: SimulatedGitHub, urls: Urls, event: SimEvent) -> Json:
    repository = _repository(state, event)
    details = event.details
    before, after = details["before"], details["after"]
    deleted = bool(details.get("deleted", False))
    known = _reachable_from_other_branches(state, repository, details["ref"], details["commits"])
    commits = [
        push_commit_json(state, urls, repository, commit) | {"distinct": commit.sha not in known}
        for commit in details["commits"]
    ]
    return {
        "ref": details["ref"],
        "before": before,
        "after": after,
        "repository": _push_repository_json(state, urls, repository),
        "pusher": {"name": event.sender, "email": state.signature(event.sender).email},
        "created": bool(details.get("created", False)),
        "deleted": deleted,
        "forced": bool(details.get("forced", False)),
        "base_ref": None,
        "compare": _compare_url(urls, repository, before, after),
        "commits": commits,
        "head_commit": _head_commit(state, urls, repository, event, commits, deleted),
    }


def _reachable_from_other_branches(
    state: SimulatedGitHub, repository: Repository, ref: str, pushed: list[Commit]
) -> set[str]:
    """Commits already pushed before, on branches other than `ref`: a push lists them with
    ``distinct`` false (a merge brings the pull request's commits along)."""
    branch = ref.removeprefix("refs/heads/")
    reachable: set[str] = set()
    if not pushed:
        return reachable
    for name, head in repository.branches.items():
        if name != branch and head not in reachable:
            reachable.update(state.git.ancestors(head))
    return reachable


def _push_repository_json(state: SimulatedGitHub, urls: Urls, repository: Repository) -> Json:
    """Push payloads alone give the repository's times as Unix timestamps, add `stargazers`,
    `master_branch` and the owning organisation's login, and the owner's name and email."""
    body = repository_json(state, urls, repository)
    created, pushed = repository_times(state, repository)
    owner = body["owner"] | {
        "name": repository.owner,
        "email": state.signature(repository.owner).email,
    }
    body |= {
        "owner": owner,
        "created_at": int(created),
        "pushed_at": int(pushed),
        "stargazers": 0,
        "master_branch": repository.default_branch,
    }
    if owner["type"] == "Organization":
        body["organization"] = repository.owner
    return body


def _compare_url(urls: Urls, repository: Repository, before: str, after: str) -> str:
    """A new ref links to its head commit; other pushes to the comparison of short SHAs."""
    if before == ZERO_SHA:
        return urls.html(f"/{repository.full_name}/commit/{after}")
    return urls.html(f"/{repository.full_name}/compare/{before[:12]}...{after[:12]}")


def _head_commit(
    state: SimulatedGitHub,
    urls: Urls,
    repository: Repository,
    event: SimEvent,
    commits: list[Json],
    deleted: bool,
) -> Json | None:
    if deleted:
        return None
    if commits:
        return commits[-1]
    after = event.details["after"]
    if not state.git.has_commit(after):
        return None
    return push_commit_json(state, urls, repository, state.git.commits[after])


def create_payload(state: SimulatedGitHub, urls: Urls, event: SimEvent) -> Json:
    repository = _repository(state, event)
    return {
        "ref": event.details["ref"],
        "ref_type": event.details["ref_type"],
        "master_branch": repository.default_branch,
        "description": None,
        "pusher_type": "user",
    }


def delete_payload(state: SimulatedGitHub, urls: Urls, event: SimEvent) -> Json:
    return {
        "ref": event.details["ref"],
        "ref_type": event.details["ref_type"],
        "pusher_type": "user",
    }


# --- statuses and checks ---------------------------------------------------------------------


def status_payload(state: SimulatedGitHub, urls: Urls, event: SimEvent) -> Json:
    return status_json(state, urls, event.subject)


def check_run_payload(state: SimulatedGitHub, urls: Urls, event: SimEvent) -> Json:
    return {"check_run": check_run_webhook_json(state, urls, event.subject)}


def check_suite_payload(state: SimulatedGitHub, urls: Urls, event: SimEvent) -> Json:
    repository = _repository(state, event)
    return {"check_suite": check_suite_event_json(state, urls, repository, dict(event.details))}


# --- comments and releases -------------------------------------------------------------------


def issue_comment_payload(state: SimulatedGitHub, urls: Urls, event: SimEvent) -> Json:
    pull: PullRequest | None = event.details.get("pull")
    issue = issue_json(state, urls, event.subject, pull)
    comment = issue_comment_json(state, urls, event.subject, pull)
    return _changes(event) | {"issue": issue, "comment": comment}


def issues_payload(state: SimulatedGitHub, urls: Urls, event: SimEvent) -> Json:
    """``issues.<action>`` of a plain issue; labeled/unlabeled carry the label,
    assigned/unassigned the assignee, edited the changes."""
    issue: Issue = event.subject
    body: Json = {"issue": webhook_issue_json(state, urls, issue)}
    details = event.details
    if event.action in ("labeled", "unlabeled"):
        repository = state.repository(issue.repo_full_name)
        return body | {"label": label_json(urls, repository, details["label"])}
    if event.action in ("assigned", "unassigned"):
        return body | {"assignee": account_json(urls, state.account(details["assignee"]))}
    return _changes(event) | body


def label_payload(state: SimulatedGitHub, urls: Urls, event: SimEvent) -> Json:
    label: Label = event.subject
    return {"label": repository_label_json(urls, _repository(state, event), label)}


def release_payload(state: SimulatedGitHub, urls: Urls, event: SimEvent) -> Json:
    return _changes(event) | {"release": release_json(state, urls, event.subject)}


def deployment_status_payload(state: SimulatedGitHub, urls: Urls, event: SimEvent) -> Json:
    deployment = event.details["deployment"]
    return {
        "deployment_status": deployment_status_json(state, urls, deployment, event.subject),
        "deployment": deployment_json(state, urls, deployment),
    }


# --- installations ---------------------------------------------------------------------------


def installation_payload(state: SimulatedGitHub, urls: Urls, event: SimEvent) -> Json:
    installation: Installation = event.subject
    body = installation_json(state, urls, installation)
    if event.action == "suspend":
        # The model does not keep suspensions; the event itself says who suspended it, and when.
        body |= {
            "suspended_by": account_json(urls, state.account(event.sender)),
            "suspended_at": iso8601(event.at),
        }
    if event.action not in LISTING_REPOSITORIES:
        return {"installation": body}
    repositories = event.details.get("repositories", ())
    return {
        "installation": body,
        "repositories": [repository_lite_json(repository) for repository in repositories],
    }


def installation_repositories_payload(state: SimulatedGitHub, urls: Urls, event: SimEvent) -> Json:
    installation: Installation = event.subject
    details: dict[str, Any] = dict(event.details)
    return {
        "installation": installation_json(state, urls, installation),
        "repository_selection": installation.repository_selection,
        "repositories_added": [repository_lite_json(r) for r in details.get("added", ())],
        "repositories_removed": [repository_lite_json(r) for r in details.get("removed", ())],
        "requester": None,
    }


BUILDERS: dict[str, Builder] = {
    "pull_request": pull_request_payload,
    "pull_request_review": pull_request_review_payload,
    "push": push_payload,
    "create": create_payload,
    "delete": delete_payload,
    "status": status_payload,
    "check_run": check_run_payload,
    "check_suite": check_suite_payload,
    "issue_comment": issue_comment_payload,
    "issues": issues_payload,
    "label": label_payload,
    "release": release_payload,
    "deployment_status": deployment_status_payload,
    "installation": installation_payload,
    "installation_repositories": installation_repositories_payload,
}
