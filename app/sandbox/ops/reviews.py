"""Pull request reviews: submitting (with inline comments anchored to the diff), dismissing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.sandbox.errors import field_error, not_found, validation_failed
from app.sandbox.models import PullRequest, Repository, Review, ReviewComment
from app.sandbox.ops.access import ensure_actor, require_pull
from app.sandbox.ops.diff_lines import (
    LEFT,
    RIGHT,
    DiffLine,
    hunk_excerpt,
    locate_line,
    locate_position,
)
from app.sandbox.ops.diffs import pull_diff
from app.sandbox.ops.errors import UnprocessableEntity
from app.sandbox.state import SimulatedGitHub

RESOURCE = "PullRequestReview"
REVIEW_STATES = {
    "APPROVE": "APPROVED",
    "REQUEST_CHANGES": "CHANGES_REQUESTED",
    "COMMENT": "COMMENTED",
}
PENDING = "PENDING"
DISMISSABLE = frozenset({"APPROVED", "CHANGES_REQUESTED"})
OWN_PULL_REFUSALS = {
    "APPROVE": "Can not approve your own pull request",
    "REQUEST_CHANGES": "Can not request changes on your own pull request",
}


@dataclass(frozen=True)
class DraftComment:
    """An inline comment submitted with a review: on ``line`` of ``side``, or at ``position``."""

    path: str
    body: str
    line: int | None = None
    side: str = RIGHT
    position: int | None = None


def review(
    state: SimulatedGitHub,
    repo: str,
    number: int,
    user: str,
    event: str | None,
    body: str = "",
    *,
    commit_id: str | None = None,
    comments: Sequence[DraftComment] = (),
) -> Review:
    """Submits a review (``event`` APPROVE, REQUEST_CHANGES or COMMENT), or leaves it pending
    when ``event`` is None, as GitHub does."""
    repository = state.repository(repo)
    pull = require_pull(state, repo, number)
    _validate(pull, user, event, body, comments)
    ensure_actor(state, user)
    submitted = Review(
        id=state.next_id(),
        user=user,
        state=PENDING if event is None else REVIEW_STATES[event],
        body=body,
        commit_id=commit_id or pull.head_sha,
        submitted_at=state.now(),
    )
    anchored = [_anchor(state, pull, submitted, draft) for draft in comments]
    pull.reviews.append(submitted)
    for comment in anchored:
        state.review_comments[comment.id] = comment
    if event is not None:
        _submit(state, repository, pull, submitted)
    return submitted


def _validate(
    pull: PullRequest,
    user: str,
    event: str | None,
    body: str,
    comments: Sequence[DraftComment],
) -> None:
    if event is not None and event not in REVIEW_STATES:
        raise validation_failed([field_error(RESOURCE, "event", "invalid")])
    if event in OWN_PULL_REFUSALS and user.lower() == pull.author.lower():
        raise UnprocessableEntity(OWN_PULL_REFUSALS[event])
    if (event == "REQUEST_CHANGES" or (event == "COMMENT" and not comments)) and not body:
        raise UnprocessableEntity("Body can't be blank")
    if event is None and any(
        existing.state == PENDING and existing.user.lower() == user.lower()
        for existing in pull.reviews
    ):
        raise UnprocessableEntity("User can only have one pending review per pull request")


def _anchor(
    state: SimulatedGitHub, pull: PullRequest, submitted: Review, draft: DraftComment
) -> ReviewComment:
    """Places a draft comment on the PR's diff, refusing paths and lines outside it."""
    diff = pull_diff(state, pull)
    file = None if diff is None else diff.file(draft.path)
    if file is None or file.patch is None:
        raise UnprocessableEntity("Path could not be resolved")
    target = _target_line(file.patch, draft)
    if target is None:
        raise UnprocessableEntity("Line could not be resolved")
    now = state.now()
    return ReviewComment(
        id=state.next_id(),
        repo_full_name=pull.repo_full_name,
        pull_number=pull.number,
        review_id=submitted.id,
        user=submitted.user,
        body=draft.body,
        path=draft.path,
        line=target.number,
        side=target.side,
        position=target.position,
        diff_hunk=hunk_excerpt(file.patch, target),
        commit_id=submitted.commit_id,
        created_at=now,
        updated_at=now,
    )


def _target_line(patch: str, draft: DraftComment) -> DiffLine | None:
    if draft.line is not None and draft.side in (LEFT, RIGHT):
        return locate_line(patch, draft.line, draft.side)
    if draft.position is not None:
        return locate_position(patch, draft.position)
    return None


def _submit(
    state: SimulatedGitHub, repository: Repository, pull: PullRequest, submitted: Review
) -> None:
    """A submitted review fulfils its author's pending review request."""
    pull.requested_reviewers = [
        login for login in pull.requested_reviewers if login.lower() != submitted.user.lower()
    ]
    pull.updated_at = state.now()
    state.publish(
        "pull_request_review", "submitted", repository, submitted.user, submitted, pull=pull
    )


def find_review(pull: PullRequest, review_id: int) -> Review:
    found = next((item for item in pull.reviews if item.id == review_id), None)
    if found is None:
        raise not_found()
    return found


def dismiss_review(
    state: SimulatedGitHub, repo: str, number: int, review_id: int, message: str, *, sender: str
) -> Review:
    repository = state.repository(repo)
    pull = require_pull(state, repo, number)
    dismissed = find_review(pull, review_id)
    if dismissed.state not in DISMISSABLE:
        raise UnprocessableEntity(
            f"Can not dismiss a {dismissed.state.lower().replace('_', ' ')} pull request review"
        )
    dismissed.state = "DISMISSED"
    pull.updated_at = state.now()
    state.publish(
        "pull_request_review",
        "dismissed",
        repository,
        sender,
        dismissed,
        pull=pull,
        message=message,
    )
    return dismissed


def review_comments_of(state: SimulatedGitHub, pull: PullRequest) -> list[ReviewComment]:
    """The inline comments of submitted reviews (a pending review's stay private), oldest first."""
    submitted = {item.id for item in pull.reviews if item.state != PENDING}
    return sorted(
        (
            comment
            for comment in state.review_comments.values()
            if comment.repo_full_name == pull.repo_full_name
            and comment.pull_number == pull.number
            and comment.review_id in submitted
        ),
        key=lambda comment: comment.id,
    )


def reviews_visible_to(pull: PullRequest, viewer: str) -> list[Review]:
    """Pending reviews are visible to their author only."""
    return [
        item
        for item in pull.reviews
        if item.state != PENDING or item.user.lower() == viewer.lower()
    ]
