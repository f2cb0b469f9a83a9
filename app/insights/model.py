"""The ledger's facts as the insights computations take them. Times are epoch seconds (UTC).
No record names a person: only repositories (and, through them, teams)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PullRecord:
    """One pull request's lifecycle."""

    repository: str  # lower-case owner/name
    number: int
    base: str
    opened_at: float
    ready_at: float | None = None  # opened ready for review, or marked ready later
    first_review_at: float | None = None  # first review submitted by someone else than the author
    approved_at: float | None = None  # first approval
    merged_at: float | None = None
    closed_at: float | None = None  # closed without merging (None when merged or open)
    first_commit_at: float | None = None  # the PR's oldest commit's author date
    additions: int = 0
    deletions: int = 0
    changed_files: int = 0
    review_rounds: int = 0  # reviews that requested changes, + 1 once approved (0: none yet)
    by_bot: bool = False  # opened by a bot account (paasbot's bump and onboarding PRs included)
    merge_sha: str | None = None

    @property
    def changed_lines(self) -> int:
        return self.additions + self.deletions


@dataclass(frozen=True)
class DeploymentRecord:
    """One deployment status GitHub reported (`deployment_status` events)."""

    repository: str
    deployment_id: int
    environment: str
    sha: str
    state: str  # success | failure | error | inactive | in_progress | queued | pending
    at: float  # when the status was created


@dataclass(frozen=True)
class ActionRecord:
    """One action paasbot carried out (it changed something on GitHub)."""

    repository: str
    action: str  # label, comment, request_reviews, merge, update_branch, propagate, onboard, ...
    outcome: str  # done | failed
    at: float
    rule: str | None = None


@dataclass(frozen=True)
class Window:
    """[start, end) in epoch seconds."""

    start: float
    end: float

    def __contains__(self, moment: float | None) -> bool:
        return moment is not None and self.start <= moment < self.end

    @property
    def weeks(self) -> float:
        return (self.end - self.start) / (7 * 86400)
