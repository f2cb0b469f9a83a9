"""The computed fields of a single pull request: mergeability, conversation sizes and diff
statistics (what ``GET /pulls/{number}`` adds to a list item)."""

from __future__ import annotations

from typing import Any

from app.sandbox.models import PullRequest
from app.sandbox.ops.diffs import pull_diff
from app.sandbox.ops.issues import comments_on
from app.sandbox.ops.merging import rebaseable
from app.sandbox.ops.protection import mergeable_state
from app.sandbox.ops.reviews import review_comments_of
from app.sandbox.state import SimulatedGitHub


def pull_facts(state: SimulatedGitHub, pull: PullRequest) -> dict[str, Any]:
    mergeable, computed_state = mergeable_state(state, pull)
    return {
        "mergeable": mergeable,
        "rebaseable": rebaseable(state, pull),
        "mergeable_state": computed_state,
        "comments": len(comments_on(state, pull.repo_full_name, pull.number)),
        "review_comments": len(review_comments_of(state, pull)),
    } | diff_stats(state, pull)


def diff_stats(state: SimulatedGitHub, pull: PullRequest) -> dict[str, int]:
    diff = pull_diff(state, pull)
    if diff is None:
        # A made-up head SHA stands for one commit whose changes are unknown.
        return {"commits": 1, "additions": 0, "deletions": 0, "changed_files": 0}
    return {
        "commits": len(diff.commits),
        "additions": diff.additions,
        "deletions": diff.deletions,
        "changed_files": len(diff.files),
    }
