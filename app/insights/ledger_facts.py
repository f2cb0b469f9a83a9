"""The ledger's facts in one delivery (or one object the backfill read), from its payload alone:
no API call, no database. Nothing here keeps a login or a name: only repositories, numbers,
times, sizes and states (whether a review's author is the PR's author is kept as a yes or no).

Times are epoch seconds (UTC); repositories lower-case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

# The pull_request actions whose payload carries the full pull request (sizes included).
PULL_ACTIONS = frozenset(
    {"opened", "reopened", "ready_for_review", "converted_to_draft", "closed", "edited",
     "synchronize"}
)  # fmt: skip
# Review states that count: a pending review is not submitted, a dismissal is not a review.
REVIEW_STATES = frozenset({"approved", "changes_requested", "commented"})


@dataclass(frozen=True)
class PullFact:
    """What one pull request payload says about its lifecycle. `seen_at` is the payload's
    `updated_at`: of two payloads, the newer one's sizes and base win."""

    repository: str
    number: int
    base: str
    opened_at: float
    seen_at: float
    by_bot: bool
    ready_at: float | None = None
    merged_at: float | None = None
    merge_sha: str | None = None
    closed_at: float | None = None  # closed unmerged
    reopened_at: float | None = None
    additions: int | None = None  # None: the payload does not carry the sizes
    deletions: int | None = None
    changed_files: int | None = None


@dataclass(frozen=True)
class ReviewFact:
    repository: str
    number: int
    review_id: int
    state: str  # approved | changes_requested | commented
    submitted_at: float
    by_author: bool


@dataclass(frozen=True)
class DeploymentFact:
    repository: str
    deployment_id: int
    status_id: int
    environment: str
    sha: str
    state: str
    at: float


Fact = PullFact | ReviewFact | DeploymentFact

# What the ledger's columns hold: a payload with anything beyond is not recorded (a hostile or
# broken payload must not fail the intake transaction that routes every later delivery).
MAX_INT32 = 2**31 - 1
MAX_INT64 = 2**63 - 1
MAX_NAME = 255  # branch and environment names
MAX_SHA = 64
SIZE_KEYS = ("additions", "deletions", "changed_files")
# Read from the API after the fact (a closed PR's correction): it cannot say when the PR
# became ready for review, which the webhooks recorded.
CORRECTION = "correction"


def ledger_facts(event: str, payload: dict[str, Any]) -> list[Fact]:
    """The facts of one delivery; [] for events and payloads that carry none."""
    try:
        if event == "pull_request" and payload.get("action") in PULL_ACTIONS:
            fact = pull_fact(_repository(payload), payload["pull_request"], payload["action"])
            return [fact] if fact is not None else []
        if event == "pull_request_review" and payload.get("action") == "submitted":
            return _review_facts(payload)
        if event == "deployment_status":
            found = deployment_fact(
                _repository(payload), payload["deployment"], payload["deployment_status"]
            )
            return [found] if found is not None else []
    except (KeyError, TypeError, ValueError, AttributeError):
        return []
    return []


def pull_fact(repository: str, pull: dict[str, Any], action: str | None) -> PullFact | None:
    """A pull request object (a webhook's, or one the API listed: `action` None) as a fact."""
    opened_at = parse_time(pull.get("created_at"))
    seen_at = parse_time(pull.get("updated_at")) or opened_at
    base = (pull.get("base") or {}).get("ref")
    number = _bounded(pull.get("number"), MAX_INT32)
    if opened_at is None or seen_at is None or not _text(base, MAX_NAME) or number is None:
        return None
    merged_at = parse_time(pull.get("merged_at"))
    closed = pull.get("state") == "closed"
    sizes = [
        _bounded(pull.get(key), MAX_INT32, 0) for key in ("additions", "deletions", "changed_files")
    ]
    has_sizes = all(size is not None for size in sizes)
    sha = pull.get("merge_commit_sha")
    return PullFact(
        repository=repository,
        number=number,
        base=base,
        opened_at=opened_at,
        seen_at=seen_at,
        by_bot=(pull.get("user") or {}).get("type") == "Bot",
        ready_at=_ready_at(pull, action, opened_at, seen_at),
        merged_at=merged_at,
        merge_sha=sha if merged_at is not None and _text(sha, MAX_SHA) else None,
        closed_at=parse_time(pull.get("closed_at")) if closed and merged_at is None else None,
        reopened_at=seen_at if action == "reopened" else None,
        additions=sizes[0] if has_sizes else None,
        deletions=sizes[1] if has_sizes else None,
        changed_files=sizes[2] if has_sizes else None,
    )


def _ready_at(pull: dict[str, Any], action: str | None, opened: float, seen: float) -> float | None:
    """Opened ready for review: when it was opened. Marked ready later: that event's time. Any
    other payload of a PR that is not a draft says it was ready by then (the earliest wins);
    a PR the API listed (the backfill) that is not a draft is taken as ready when opened."""
    if pull.get("draft") is True or action == CORRECTION:
        return None
    if action in ("opened", None):
        return opened
    return seen


def _review_facts(payload: dict[str, Any]) -> list[Fact]:
    repository = _repository(payload)
    pull, review = payload["pull_request"], payload["review"]
    facts: list[Fact] = []
    core = pull_fact(repository, pull, "review")
    if core is not None:
        facts.append(core)
    number = _bounded(pull.get("number"), MAX_INT32)
    found = review_fact(repository, number, review, pull.get("user")) if number else None
    if found is not None:
        facts.append(found)
    return facts


def review_fact(
    repository: str, number: int, review: dict[str, Any], pull_author: Any
) -> ReviewFact | None:
    """A submitted review (a webhook's or one the API listed) as a fact; None for pending and
    dismissed reviews."""
    state = str(review.get("state") or "").lower()
    submitted_at = parse_time(review.get("submitted_at"))
    review_id = _bounded(review.get("id"), MAX_INT64)
    if state not in REVIEW_STATES or submitted_at is None or review_id is None:
        return None
    if (review.get("user") or {}).get("type") == "Bot":
        # A bot's review (paasbot's own lint comments, say) is nobody's review of the change.
        return None
    return ReviewFact(
        repository,
        number,
        review_id,
        state,
        submitted_at,
        by_author=_same_account(review.get("user"), pull_author),
    )


def deployment_fact(
    repository: str, deployment: dict[str, Any], status: dict[str, Any]
) -> DeploymentFact | None:
    at = parse_time(status.get("created_at"))
    environment = status.get("environment") or deployment.get("environment")
    ids = (_bounded(deployment.get("id"), MAX_INT64), _bounded(status.get("id"), MAX_INT64))
    state, sha = status.get("state"), deployment.get("sha")
    if at is None or None in ids or not _text(environment, MAX_NAME) or not _text(sha, MAX_SHA):
        return None
    if not _text(state, 32):
        return None
    return DeploymentFact(repository, ids[0], ids[1], environment, sha, state, at)  # type: ignore[arg-type]


def _bounded(value: Any, most: int, least: int = 1) -> int | None:
    """An integer within the column's range (booleans are not numbers here), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and least <= value <= most:
        return value
    return None


def _text(value: Any, most: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= most


def _same_account(one: Any, other: Any) -> bool:
    if not isinstance(one, dict) or not isinstance(other, dict):
        return False
    if isinstance(one.get("id"), int) and isinstance(other.get("id"), int):
        return bool(one["id"] == other["id"])
    return bool(one.get("login")) and one.get("login") == other.get("login")


def _repository(payload: dict[str, Any]) -> str:
    return str(payload["repository"]["full_name"]).lower()


def parse_time(value: Any) -> float | None:
    """GitHub's ISO 8601 times ("2026-11-28T14:00:00Z") as epoch seconds; None if absent."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
