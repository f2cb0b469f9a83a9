"""Entities held by the simulated GitHub Enterprise Server."""

from __future__ import annotations

import hashlib
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

AccountType = Literal["User", "Organization", "Bot"]
PullState = Literal["open", "closed"]

# What paasbot's app.yml asks for.
DEFAULT_PERMISSIONS: Mapping[str, str] = {
    "checks": "write",
    "contents": "write",
    "deployments": "read",
    "issues": "write",
    "members": "read",
    "metadata": "read",
    "pull_requests": "write",
    "statuses": "read",
}
# The events paasbot's app.yml subscribes to (installation events are always delivered).
DEFAULT_EVENTS: tuple[str, ...] = (
    "pull_request",
    "pull_request_review",
    "status",
    "check_run",
    "check_suite",
    "push",
    "release",
    "issue_comment",
    "deployment_status",
)
# The labels GitHub gives every new repository: (name, colour, description).
DEFAULT_LABELS: tuple[tuple[str, str, str], ...] = (
    ("bug", "d73a4a", "Something isn't working"),
    ("documentation", "0075ca", "Improvements or additions to documentation"),
    ("duplicate", "cfd3d7", "This issue or pull request already exists"),
    ("enhancement", "a2eeef", "New feature or request"),
    ("good first issue", "7057ff", "Good for newcomers"),
    ("help wanted", "008672", "Extra attention is needed"),
    ("invalid", "e4e669", "This doesn't seem right"),
    ("question", "d876e3", "Further information is requested"),
    ("wontfix", "ffffff", "This will not be worked on"),
)
# The colour of a label GitHub creates because an issue was given a name it did not know.
IMPLICIT_LABEL_COLOR = "ededed"
RATE_WINDOW_SECONDS = 3600
TOKEN_ALPHABET = string.ascii_letters + string.digits
TOKEN_RANDOM_LENGTH = 36


def repo_key(full_name: str) -> str:
    """GitHub resolves owner and repository names case-insensitively."""
    return full_name.lower()


def fake_sha(seed: str) -> str:
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()


def new_token_value() -> str:
    return "ghs_" + "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_RANDOM_LENGTH))


def empty_output() -> dict[str, str | None]:
    return {"title": None, "summary": None, "text": None}


@dataclass
class Account:
    login: str
    id: int
    type: AccountType = "User"
    created_at: float = 0.0


@dataclass
class RateBudget:
    limit: int = 5000
    remaining: int = 5000
    reset_at: int = 0

    @classmethod
    def fresh(cls, limit: int, now: float) -> RateBudget:
        return cls(limit=limit, remaining=limit, reset_at=int(now) + RATE_WINDOW_SECONDS)

    @property
    def used(self) -> int:
        return self.limit - self.remaining

    def refresh(self, now: float) -> None:
        if now >= self.reset_at:
            self.remaining = self.limit
            self.reset_at = int(now) + RATE_WINDOW_SECONDS

    def consume(self) -> None:
        self.remaining = max(0, self.remaining - 1)


@dataclass
class Installation:
    id: int
    account: str
    rate: RateBudget
    repositories: list[str] = field(default_factory=list)
    permissions: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PERMISSIONS))
    events: list[str] = field(default_factory=lambda: list(DEFAULT_EVENTS))
    repository_selection: Literal["all", "selected"] = "selected"
    created_at: float = 0.0
    app_id: int | None = None  # None: the simulator's built-in app

    def covers(self, full_name: str) -> bool:
        return repo_key(full_name) in {repo_key(name) for name in self.repositories}


@dataclass
class Repository:
    id: int
    owner: str
    name: str
    installation_id: int
    default_branch: str = "main"
    private: bool = True
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    next_number: int = 1
    allowed_merge_methods: tuple[str, ...] = ("merge", "squash", "rebase")
    protections: dict[str, BranchProtection] = field(default_factory=dict)
    # login -> "read" | "triage" | "write" | "maintain" | "admin"
    collaborators: dict[str, str] = field(default_factory=dict)
    topics: list[str] = field(default_factory=list)
    archived: bool = False  # read-only: every write through the API answers 403
    labels: dict[str, Label] = field(default_factory=dict)  # name lower -> label
    parent: str | None = None  # the repository this one is a fork of
    full_name: str = field(init=False)

    def __post_init__(self) -> None:
        self.full_name = f"{self.owner}/{self.name}"
        self.branches.setdefault(self.default_branch, fake_sha(f"{self.full_name}@root"))

    def resolve_ref(self, ref: str) -> str:
        branch = ref.removeprefix("refs/").removeprefix("heads/")
        return self.branches.get(branch, ref)


@dataclass
class Label:
    """A repository's label; issues and pull requests carry labels by name."""

    id: int
    name: str
    color: str  # six hex digits, no "#"
    description: str | None = None
    default: bool = False


def label_id(full_name: str, name: str) -> int:
    """A label's id, stable for a repository and a name (compared case-insensitively)."""
    return int(fake_sha(f"{repo_key(full_name)}:label:{name.lower()}")[:8], 16)


def default_labels(full_name: str) -> dict[str, Label]:
    return {
        name.lower(): Label(label_id(full_name, name), name, color, description, default=True)
        for name, color, description in DEFAULT_LABELS
    }


@dataclass
class BranchProtection:
    required_checks: tuple[str, ...] = ()
    required_approvals: int = 0
    require_up_to_date: bool = False


@dataclass
class Team:
    id: int
    org: str
    slug: str
    name: str
    members: list[str] = field(default_factory=list)
    parent_slug: str | None = None
    created_at: float = 0.0
    # repository full name lower -> role (read | triage | write | maintain | admin); child teams
    # inherit their parent's access, as on GitHub
    repositories: dict[str, str] = field(default_factory=dict)


@dataclass
class Review:
    id: int
    user: str
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING
    body: str
    commit_id: str
    submitted_at: float


@dataclass
class ReviewComment:
    """An inline comment of a pull request review, anchored to a line of the PR's diff."""

    id: int
    repo_full_name: str
    pull_number: int
    review_id: int
    user: str
    body: str
    path: str
    line: int
    side: str  # LEFT (the base version) | RIGHT (the head version)
    position: int  # lines below the file's first hunk header in the diff
    diff_hunk: str
    commit_id: str
    created_at: float
    updated_at: float


@dataclass
class IssueComment:
    id: int
    repo_full_name: str
    issue_number: int
    user: str
    body: str
    created_at: float
    updated_at: float


@dataclass
class Issue:
    """An issue that is not a pull request. Its number comes from the repository's one counter,
    which pull requests share, as on GitHub."""

    id: int
    number: int
    repo_full_name: str
    title: str
    author: str
    created_at: float
    updated_at: float
    body: str | None = None
    state: PullState = "open"
    state_reason: str | None = None  # completed | not_planned | reopened
    closed_at: float | None = None
    closed_by: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    locked: bool = False
    milestone: str | None = None


@dataclass
class Reaction:
    """An emoji reaction of one user to an issue comment."""

    id: int
    repo_full_name: str
    comment_id: int
    user: str
    content: str  # +1 | -1 | laugh | confused | heart | hooray | rocket | eyes
    created_at: float


@dataclass
class CommitStatus:
    id: int
    repo_full_name: str
    sha: str
    context: str
    state: str  # error | failure | pending | success
    description: str | None
    target_url: str | None
    creator: str
    created_at: float


@dataclass
class Release:
    id: int
    repo_full_name: str
    tag_name: str
    name: str | None
    body: str | None
    draft: bool
    prerelease: bool
    target_commitish: str
    author: str
    created_at: float
    published_at: float | None


@dataclass
class PullRequest:
    id: int
    number: int
    repo_full_name: str
    title: str
    head_sha: str
    head_ref: str
    base_ref: str
    base_sha: str
    author: str
    created_at: float
    updated_at: float
    state: PullState = "open"
    body: str | None = None
    draft: bool = False
    merged: bool = False
    closed_at: float | None = None
    merged_at: float | None = None
    merge_commit_sha: str | None = None
    merged_by: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    requested_reviewers: list[str] = field(default_factory=list)
    requested_teams: list[str] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    head_repo_full_name: str | None = None  # a fork's full name; None: the same repository
    # The fork's owner lets people with write access to the base repository push to the head.
    maintainer_can_modify: bool = False
    locked: bool = False
    milestone: str | None = None


@dataclass
class CheckRun:
    id: int
    repo_full_name: str
    head_sha: str
    name: str
    app_id: int
    check_suite_id: int
    status: str = "queued"
    conclusion: str | None = None
    output: dict[str, str | None] = field(default_factory=empty_output)
    annotations: list[dict[str, Any]] = field(default_factory=list)
    external_id: str | None = None
    details_url: str | None = None
    started_at: float | None = None
    completed_at: float | None = None


@dataclass(frozen=True)
class CheckRunPatch:
    """Fields to set on a check run; ``None`` means "leave unchanged"."""

    name: str | None = None
    status: str | None = None
    conclusion: str | None = None
    external_id: str | None = None
    details_url: str | None = None
    started_at: float | None = None
    completed_at: float | None = None
    output: Mapping[str, str | None] | None = None
    annotations: tuple[dict[str, Any], ...] = ()


PATCHABLE_CHECK_RUN_FIELDS: tuple[str, ...] = (
    "name",
    "status",
    "conclusion",
    "external_id",
    "details_url",
    "started_at",
    "completed_at",
)


@dataclass
class IssuedToken:
    token: str
    installation_id: int
    issued_at: float
    expires_at: float
    permissions: dict[str, str]
    repositories: frozenset[str] | None = None

    def is_valid(self, now: float) -> bool:
        return now < self.expires_at

    def covers(self, full_name: str) -> bool:
        return self.repositories is None or repo_key(full_name) in self.repositories


@dataclass
class RecordedRequest:
    """One request as the server saw it, with paths relative to the API root.

    ``status`` is None while the request is in flight and 499 (nginx's "client closed request")
    when the client hung up during a timeout fault, in which case nothing else happened.
    """

    method: str
    path: str
    query: dict[str, str]
    if_none_match: bool
    received_at: float
    status: int | None = None
    installation_id: int | None = None
    # The repository the request named (path or GraphQL), recorded before any refusal: tests
    # check that no installation's token was ever tried on another's repository.
    repository: str | None = None
    fault: str | None = None
    counted: bool = False


@dataclass
class DeploymentStatus:
    id: int
    state: str  # error | failure | inactive | in_progress | queued | pending | success
    environment: str
    creator: str
    created_at: float
    description: str = ""
    log_url: str = ""
    environment_url: str = ""


@dataclass
class Deployment:
    id: int
    repo_full_name: str
    sha: str
    ref: str
    environment: str
    creator: str
    created_at: float
    updated_at: float
    task: str = "deploy"
    description: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    statuses: list[DeploymentStatus] = field(default_factory=list)  # oldest first
