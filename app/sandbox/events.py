"""What happens on the simulated server, published to subscribers (the webhook dispatcher, the
demo's timeline). Every state change that GitHub would announce with a webhook publishes one
`SimEvent`, whoever caused it: a scripted actor, a test, or paasbot through the REST API."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SimEvent:
    name: str  # GitHub's event name: pull_request, push, status, check_run, ...
    action: str | None
    repository: str | None  # full name
    installation_id: int | None
    sender: str  # the login that caused it
    subject: Any = None  # the model object concerned (PullRequest, CheckRun, Review, ...)
    details: Mapping[str, Any] = field(default_factory=dict)  # event-specific facts
    at: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.name}.{self.action}" if self.action else self.name


Subscriber = Callable[[SimEvent], None]

# The vocabulary: what `subject` and `details` hold for each event (publishers and the webhook
# payload builders both follow it).
#
# pull_request.<action>          subject PullRequest. details: synchronize: before, after;
#                                labeled/unlabeled: label (name); assigned/unassigned: assignee;
#                                review_requested/review_request_removed: requested_reviewer (login)
#                                or requested_team (slug); edited: changes ({field: {"from": old}});
#                                opened, closed (merged or not: see the PR), reopened,
#                                ready_for_review, converted_to_draft: nothing.
# pull_request_review.<action>   subject Review; details: pull (PullRequest). submitted, dismissed.
# push                           subject None; details: ref, before, after, commits (list[Commit],
#                                oldest first), created, forced (and deleted when a ref is removed).
# create / delete                subject None; details: ref (short name), ref_type (branch | tag).
# status                         subject CommitStatus.
# check_run.<action>             subject CheckRun. created, completed, rerequested.
# check_suite.<action>           subject None; details: suite_id, head_sha, head_branch, status,
#                                conclusion, app_id. completed, requested.
# issue_comment.<action>         subject IssueComment; details: pull (PullRequest or None),
#                                issue (the plain Issue, when pull is None), changes for edited.
#                                created, edited, deleted.
# issues.<action>                subject Issue (a plain issue). opened, closed, reopened;
#                                edited: changes; labeled/unlabeled: label (name);
#                                assigned/unassigned: assignee (login).
# label.created                 subject Label (a repository's label, made explicitly or because
#                                an issue was given a name the repository had no label for).
# release.<action>               subject Release. created, published, released, prereleased,
#                                edited, deleted.
# deployment_status.created      subject DeploymentStatus; details: deployment (Deployment).
# installation.<action>          subject Installation; details: repositories (list[Repository]).
# installation_repositories.<a>  subject Installation; details: added, removed (list[Repository]).
