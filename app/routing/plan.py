"""The routing plan of one delivery, computed from its event name and payload alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.config.paths import CONFIG_PATHS
from app.engine.commands import parse_command
from app.insights.ledger_facts import Fact, ledger_facts
from app.reviewers.codeowners import CODEOWNERS_PATHS
from app.routing.subjects import SubjectKind, SubjectRef, pull_request

HANDLED_EVENTS = frozenset(
    {
        "pull_request",
        "pull_request_review",
        "status",
        "check_run",
        "check_suite",
        "push",
        "release",
        "installation",
        "installation_repositories",
        "issue_comment",
        "deployment_status",
    }
)
_CLOSING_ACTIONS = frozenset({"closed"})
CONFIG_FILES = frozenset(CONFIG_PATHS)
CODEOWNERS_FILES = frozenset(CODEOWNERS_PATHS)
PUSH_COMMITS_LISTED = 20


@dataclass(frozen=True)
class IndexUpsert:
    """An open pull request's head and base, as the payload shows them."""

    repository: str
    number: int
    head_sha: str
    base_ref: str


@dataclass(frozen=True)
class IndexRemoval:
    repository: str
    number: int


@dataclass(frozen=True)
class HeadLookup:
    """The open PRs of `repository` whose head is `sha`."""

    repository: str
    sha: str


@dataclass(frozen=True)
class BaseLookup:
    """The open PRs of `repository` based on `branch`: those whose rules follow the branch's
    head (`wakes_on_base_push`), or all of them (`every_pull`: the push changed, or may have
    changed, the rules or CODEOWNERS)."""

    repository: str
    branch: str
    every_pull: bool = True


Lookup = HeadLookup | BaseLookup


@dataclass(frozen=True)
class CoverageChange:
    """A repository the installation gained (`covered`) or lost, as its events say."""

    repository: str
    covered: bool


@dataclass
class RoutingPlan:
    installation_id: int | None
    repository: str | None
    subjects: list[SubjectRef] = field(default_factory=list)
    index_changes: list[IndexUpsert | IndexRemoval] = field(default_factory=list)
    lookups: list[Lookup] = field(default_factory=list)
    # Repositories whose configuration file a push to the default branch changed, or whose
    # CODEOWNERS a push to any branch changed (both caches follow one generation).
    config_changes: list[str] = field(default_factory=list)
    # Repositories whose default branch a push moved (any push): their manifest scans are stale.
    default_branch_pushes: list[str] = field(default_factory=list)
    # What the ledger of delivery insights keeps of the delivery (app/store/ledger.py).
    ledger: list[Fact] = field(default_factory=list)
    # Repositories the installation gained or lost (installation, installation_repositories).
    coverage: list[CoverageChange] = field(default_factory=list)


def installation_id_of(payload: dict[str, Any]) -> int | None:
    installation = payload.get("installation")
    if isinstance(installation, dict) and isinstance(installation.get("id"), int):
        return installation["id"]
    return None


def repository_of(payload: dict[str, Any]) -> str | None:
    repository = payload.get("repository")
    if isinstance(repository, dict) and isinstance(repository.get("full_name"), str):
        return repository["full_name"]
    return None


def plan_routing(event: str, payload: dict[str, Any], *, own_app_id: int) -> RoutingPlan:
    plan = RoutingPlan(installation_id_of(payload), repository_of(payload))
    planner = _PLANNERS.get(event)
    if planner is not None:
        planner(plan, payload, own_app_id)
    plan.ledger = ledger_facts(event, payload)
    return plan


def _pull_request(plan: RoutingPlan, payload: dict[str, Any], _app_id: int) -> None:
    pull = payload.get("pull_request")
    if plan.repository is None or not isinstance(pull, dict) or "number" not in pull:
        return
    plan.subjects.append(pull_request(plan.installation_id, plan.repository, pull["number"]))
    if payload.get("action") in _CLOSING_ACTIONS or pull.get("state") == "closed":
        plan.index_changes.append(IndexRemoval(plan.repository, pull["number"]))
        return
    upsert = _index_upsert(plan.repository, pull)
    if upsert is not None:
        plan.index_changes.append(upsert)


def _pull_request_review(plan: RoutingPlan, payload: dict[str, Any], _app_id: int) -> None:
    pull = payload.get("pull_request")
    if plan.repository is None or not isinstance(pull, dict) or "number" not in pull:
        return
    plan.subjects.append(pull_request(plan.installation_id, plan.repository, pull["number"]))
    upsert = _index_upsert(plan.repository, pull) if pull.get("state") == "open" else None
    if upsert is not None:
        plan.index_changes.append(upsert)


def _issue_comment(plan: RoutingPlan, payload: dict[str, Any], _app_id: int) -> None:
    issue = payload.get("issue")
    if plan.repository is None or not isinstance(issue, dict):
        return
    if issue.get("pull_request"):
        plan.subjects.append(pull_request(plan.installation_id, plan.repository, issue["number"]))
    elif _asks_to_onboard(payload) and plan.installation_id is not None:
        # `/paasbot onboard` in an issue: the installation's onboarding handles it.
        plan.subjects.append(SubjectRef(SubjectKind.INSTALLATION, plan.installation_id))


def _asks_to_onboard(payload: dict[str, Any]) -> bool:
    comment = payload.get("comment")
    body = comment.get("body") if isinstance(comment, dict) else None
    return payload.get("action") == "created" and parse_command(str(body or "")) == "onboard"


def _status(plan: RoutingPlan, payload: dict[str, Any], _app_id: int) -> None:
    sha = payload.get("sha")
    if plan.repository is not None and isinstance(sha, str):
        plan.lookups.append(HeadLookup(plan.repository, sha))


def _check_run(plan: RoutingPlan, payload: dict[str, Any], own_app_id: int) -> None:
    _check(plan, payload.get("check_run"), own_app_id)


def _check_suite(plan: RoutingPlan, payload: dict[str, Any], own_app_id: int) -> None:
    _check(plan, payload.get("check_suite"), own_app_id)


def _check(plan: RoutingPlan, check: Any, own_app_id: int) -> None:
    if plan.repository is None or not isinstance(check, dict):
        return
    # paasbot's own check runs would otherwise wake paasbot up again, forever.
    if (check.get("app") or {}).get("id") == own_app_id:
        return
    for pull in check.get("pull_requests") or ():
        if _same_repository(pull, plan.repository) and isinstance(pull.get("number"), int):
            plan.subjects.append(
                pull_request(plan.installation_id, plan.repository, pull["number"])
            )
    if isinstance(check.get("head_sha"), str):
        plan.lookups.append(HeadLookup(plan.repository, check["head_sha"]))


def _push(plan: RoutingPlan, payload: dict[str, Any], _app_id: int) -> None:
    ref = payload.get("ref")
    if plan.repository is None or not isinstance(ref, str) or payload.get("deleted"):
        return
    if ref.startswith("refs/heads/"):
        branch = ref.removeprefix("refs/heads/")
        default_branch = (payload.get("repository") or {}).get("default_branch")
        touched = _touched_paths(payload)
        if branch == default_branch:
            plan.default_branch_pushes.append(plan.repository)
            if _may_touch(touched, CONFIG_FILES | CODEOWNERS_FILES):
                plan.config_changes.append(plan.repository)
        elif touched is not None and touched & CODEOWNERS_FILES:
            # Other branches are pushed (and force-pushed) all day: only a push known to change
            # CODEOWNERS drops the cached copies; one that cannot say waits for their max age.
            plan.config_changes.append(plan.repository)
        every_pull = bool(plan.config_changes)
        plan.lookups.append(BaseLookup(plan.repository, branch, every_pull=every_pull))


def _may_touch(touched: frozenset[str] | None, paths: frozenset[str]) -> bool:
    """None: the push may have touched anything."""
    return touched is None or bool(touched & paths)


def _touched_paths(payload: dict[str, Any]) -> frozenset[str] | None:
    """The paths the push's commits added, changed or removed; None when it cannot say."""
    commits = payload.get("commits")
    # GitHub lists at most 20 commits in a push; a longer push may touch anything. A forced push
    # lists only the new commits: the file may differ because of those it dropped.
    if payload.get("forced") is True:
        return None
    if not isinstance(commits, list) or len(commits) >= PUSH_COMMITS_LISTED:
        return None
    return frozenset(
        path
        for commit in commits
        if isinstance(commit, dict)
        for key in ("added", "modified", "removed")
        for path in commit.get(key) or ()
    )


def _release(plan: RoutingPlan, payload: dict[str, Any], _app_id: int) -> None:
    release = payload.get("release")
    if plan.repository is None or not isinstance(release, dict):
        return
    tag = release.get("tag_name")
    if isinstance(tag, str) and tag:
        plan.subjects.append(
            SubjectRef(SubjectKind.RELEASE, plan.installation_id, plan.repository, name=tag)
        )


def _installation(plan: RoutingPlan, payload: dict[str, Any], _app_id: int) -> None:
    if plan.installation_id is None:
        return
    plan.subjects.append(SubjectRef(SubjectKind.INSTALLATION, plan.installation_id))
    gained = "repositories" if payload.get("action") == "created" else "repositories_added"
    for key, covered in ((gained, True), ("repositories_removed", False)):
        for name in _full_names(payload.get(key)):
            plan.coverage.append(CoverageChange(name, covered))


def _full_names(repositories: Any) -> list[str]:
    if not isinstance(repositories, list):
        return []
    return [
        r["full_name"]
        for r in repositories
        if isinstance(r, dict) and isinstance(r.get("full_name"), str)
    ]


def _index_upsert(repository: str, pull: dict[str, Any]) -> IndexUpsert | None:
    head, base = pull.get("head") or {}, pull.get("base") or {}
    if isinstance(head.get("sha"), str) and isinstance(base.get("ref"), str):
        return IndexUpsert(repository, pull["number"], head["sha"], base["ref"])
    return None


def _same_repository(pull: dict[str, Any], repository: str) -> bool:
    base_repo = (pull.get("base") or {}).get("repo") or {}
    url = base_repo.get("url")
    # check_run.pull_requests carry only the repo's id, name and url, not its full_name.
    return not isinstance(url, str) or url.endswith(f"/repos/{repository}")


_PLANNERS = {
    "pull_request": _pull_request,
    "pull_request_review": _pull_request_review,
    "issue_comment": _issue_comment,
    "status": _status,
    "check_run": _check_run,
    "check_suite": _check_suite,
    "push": _push,
    "release": _release,
    "installation": _installation,
    "installation_repositories": _installation,
}
