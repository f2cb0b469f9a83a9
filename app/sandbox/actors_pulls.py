"""The pull-request API for scripted actors and tests: the operations the REST endpoints run,
called directly with the `SimulatedGitHub` and the acting user's login. `comment`, the label and
assignee functions take a plain issue's number too; plain issues are opened with `open_issue`
(from `app.sandbox.actors_issues`, re-exported here)."""

from app.sandbox.actors_issues import close_issue, open_issue, reopen_issue
from app.sandbox.ops.access import bot_login
from app.sandbox.ops.diffs import FileDiff, PullDiff, pull_diff
from app.sandbox.ops.issues import (
    add_assignees,
    add_labels,
    comment,
    delete_comment,
    edit_comment,
    remove_assignees,
    remove_label,
    set_labels,
)
from app.sandbox.ops.labels import create_label
from app.sandbox.ops.merging import MergeMessage, MergeOutcome, merge_pull, update_branch
from app.sandbox.ops.protection import mergeable_state, protection_failures
from app.sandbox.ops.pulls import (
    PullEdit,
    create_pull,
    edit_pull,
    mark_ready_for_review,
    remove_requested_reviewers,
    request_reviewers,
)
from app.sandbox.ops.reactions import react, remove_reaction
from app.sandbox.ops.reviews import DraftComment, dismiss_review, review

__all__ = [
    "DraftComment",
    "FileDiff",
    "MergeMessage",
    "MergeOutcome",
    "PullDiff",
    "PullEdit",
    "add_assignees",
    "add_labels",
    "bot_login",
    "close_issue",
    "comment",
    "create_label",
    "create_pull",
    "delete_comment",
    "dismiss_review",
    "edit_comment",
    "edit_pull",
    "mark_ready_for_review",
    "merge_pull",
    "mergeable_state",
    "open_issue",
    "protection_failures",
    "pull_diff",
    "react",
    "remove_assignees",
    "remove_label",
    "remove_reaction",
    "remove_requested_reviewers",
    "reopen_issue",
    "request_reviewers",
    "review",
    "set_labels",
    "update_branch",
]
