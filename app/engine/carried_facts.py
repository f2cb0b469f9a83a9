"""What one evaluation of a pull request may reuse from the previous one, instead of reading it
from GitHub again. Pure.

GitHub tells paasbot when these reads change, with an event: a review (`pull_request_review`)
changes the reviews, a commit status (`status`) the statuses, a check run or suite the check
runs, a push to the base branch how far behind the head is. So the snapshot of the previous
evaluation is kept in the PR's memory (`facts` in its document) and a family is read again only
when

- an event that changes it woke this evaluation (an event this module does not know changes
  everything), or
- its key differs (the head SHA of statuses and check runs; the base branch and head SHA of
  `commits behind`), or
- it is older than `max_age` seconds (a webhook GitHub never delivered is forgotten after that;
  `CARRIED_FACTS_MAX_AGE`, default 600), or
- someone said `/paasbot refresh`.

A commit status or check run event carries the status or run itself: it is folded into the kept
statuses or check runs of its head (`absorb`) instead of making them stale, so CI's events cost
no read. The fold keeps the time of the last real read, so `max_age` still bounds how long paasbot
trusts webhooks alone.

What is kept is what the engine reads (docs/benchmarks.md lists the fields); a family whose JSON
would exceed `MAX_FAMILY_BYTES` is not kept, and is read every time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

PULL = "pull"
REVIEWS = "reviews"
STATUSES = "statuses"
CHECK_RUNS = "check_runs"
COMMITS_BEHIND = "commits_behind"
FAMILIES = frozenset({PULL, REVIEWS, STATUSES, CHECK_RUNS, COMMITS_BEHIND})
MAX_FAMILY_BYTES = 64 * 1024
DEFAULT_MAX_AGE = 600.0

# The families each webhook event may change. The pull itself changes with every event about
# it (a comment moves its `updated_at`; a push to its base, its `mergeable`), not with CI's.
_CHANGED_BY: dict[str, frozenset[str]] = {
    "pull_request": frozenset({PULL}),
    "issue_comment": frozenset({PULL}),
    "pull_request_review": frozenset({PULL, REVIEWS}),
    "push": frozenset({PULL, COMMITS_BEHIND}),
    "status": frozenset({STATUSES}),
    "check_run": frozenset({CHECK_RUNS}),
    # A suite's events name no run: each run's own `check_run` events (which paasbot receives
    # too) say what changed.
    "check_suite": frozenset(),
    # A report upload (app/web/reports.py) wakes the PR without a webhook; paasbot then writes
    # its own check runs, which the rules do not read.
    "report": frozenset(),
}
# Keep only what the engine reads of each item.
_REVIEW_FIELDS = ("id", "state", "commit_id", "submitted_at", "body")
_STATUS_FIELDS = ("id", "context", "state", "updated_at", "created_at", "target_url")
_CHECK_RUN_FIELDS = ("id", "name", "status", "conclusion", "started_at", "completed_at")


def changed_families(events: Iterable[str], *, refresh: bool = False) -> frozenset[str]:
    """The families the events that woke an evaluation may have changed."""
    if refresh:
        return FAMILIES
    changed: set[str] = set()
    for name in events:
        family_set = _CHANGED_BY.get(name.partition(".")[0])
        if family_set is None:
            return FAMILIES
        changed |= family_set
    return frozenset(changed)


@dataclass(frozen=True)
class Carried:
    """One kept family: its key (what it was read for), when it was read, and the value."""

    key: str
    read_at: float
    value: Any


def reusable(
    document: Mapping[str, Any], changed: frozenset[str], now: float, max_age: float
) -> dict[str, Carried]:
    """The families of a memory's `facts` that may be reused (their keys are checked later,
    when the snapshot knows the head). A malformed entry is dropped, never trusted."""
    kept: dict[str, Carried] = {}
    for family, entry in (document or {}).items():
        if family not in FAMILIES or family in changed or not isinstance(entry, Mapping):
            continue
        key, read_at = entry.get("key"), entry.get("read_at")
        if not isinstance(key, str) or not isinstance(read_at, int | float):
            continue
        if 0 <= now - read_at <= max_age and "value" in entry:
            kept[family] = Carried(key, float(read_at), entry["value"])
    return kept


def document_of(carried: Mapping[str, Carried]) -> dict[str, Any]:
    """The `facts` entry of the memory document; families too large to keep are left out."""
    document = {}
    for family, entry in carried.items():
        item = {"key": entry.key, "read_at": entry.read_at, "value": entry.value}
        if len(json.dumps(item, separators=(",", ":"))) <= MAX_FAMILY_BYTES:
            document[family] = item
    return document


def slim(family: str, value: Any) -> Any:
    """What is kept of a family's value: the fields the engine reads."""
    if family == PULL:
        return _pull(value)
    if family == REVIEWS:
        return [_review(item) for item in value]
    if family == STATUSES:
        return [_pick(item, _STATUS_FIELDS) for item in value]
    if family == CHECK_RUNS:
        return [_check_run(item) for item in value]
    return value


@dataclass(frozen=True)
class Update:
    """A status or check run from a webhook payload, for the head `sha`."""

    family: str  # STATUSES or CHECK_RUNS
    sha: str
    item: Mapping[str, Any]


def update_from(event: str, payload: Mapping[str, Any]) -> Update | None:
    """The status or check run a delivery carries; None when it carries none usable."""
    if event == "status":
        item: Any = payload
        sha = payload.get("sha")
        family, name_key = STATUSES, "context"
    elif event == "check_run":
        item = payload.get("check_run")
        sha = item.get("head_sha") if isinstance(item, Mapping) else None
        family, name_key = CHECK_RUNS, "name"
    else:
        return None
    usable = isinstance(item, Mapping) and isinstance(item.get("id"), int)
    if not usable or not isinstance(sha, str) or not isinstance(item.get(name_key), str):
        return None
    return Update(family, sha, item)


def absorb(carried: Mapping[str, Carried], updates: Iterable[Update]) -> dict[str, Carried]:
    """The kept families with the webhooks' statuses and check runs folded in (those of another
    head than the kept one's are not about it, and change nothing)."""
    folded = dict(carried)
    for update in updates:
        entry = folded.get(update.family)
        if entry is None or entry.key != update.sha or not isinstance(entry.value, list):
            continue
        [item] = slim(update.family, [update.item])
        value = _replaced(update.family, entry.value, item)
        folded[update.family] = Carried(entry.key, entry.read_at, value)
    return folded


def _replaced(family: str, items: list[Any], new: dict[str, Any]) -> list[Any]:
    """Statuses: the latest of each context (as the combined status lists them); check runs:
    each run once, a completed run never taken back to in progress by a late event."""
    key = "context" if family == STATUSES else "id"
    same = [i for i in items if isinstance(i, Mapping) and i.get(key) == new[key]]
    if family == STATUSES:
        stale = any(_status_order(old) > _status_order(new) for old in same)
    else:
        finished = any(old.get("status") == "completed" for old in same)
        stale = finished and new.get("status") != "completed"
    if stale:
        return items
    return [i for i in items if not (isinstance(i, Mapping) and i.get(key) == new[key])] + [new]


def _status_order(item: Mapping[str, Any]) -> tuple[str, int]:
    return str(item.get("updated_at") or ""), int(item.get("id") or 0)


def _pick(item: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: item[name] for name in fields if name in item}


def _pull(pull: Mapping[str, Any]) -> dict[str, Any]:
    """The pull without GitHub's links, and with slim accounts and repositories (each of the
    head's and base's repositories is a whole repository object, several kilobytes)."""
    kept = {key: value for key, value in pull.items() if key not in _PULL_DROPPED}
    for key in ("user", "merged_by"):
        if isinstance(pull.get(key), Mapping):
            kept[key] = _account(pull[key])
    for key in ("assignees", "requested_reviewers"):
        kept[key] = [_account(item) for item in pull.get(key) or () if isinstance(item, Mapping)]
    if isinstance(pull.get("assignee"), Mapping):
        kept["assignee"] = _account(pull["assignee"])
    for side in ("head", "base"):
        end = pull.get(side)
        if isinstance(end, Mapping):
            kept[side] = {key: end[key] for key in ("ref", "sha", "label") if key in end}
            repo = end.get("repo")
            kept[side]["repo"] = _repository(repo) if isinstance(repo, Mapping) else None
            if isinstance(end.get("user"), Mapping):
                kept[side]["user"] = _account(end["user"])
    return kept


_PULL_DROPPED = frozenset({"_links", "head", "base", "user", "assignee", "assignees"})
_ACCOUNT_FIELDS = ("login", "id", "type")
_REPOSITORY_FIELDS = (
    "id",
    "name",
    "full_name",
    "private",
    "fork",
    "archived",
    "default_branch",
    "url",
    "html_url",
    "allow_merge_commit",
    "allow_squash_merge",
    "allow_rebase_merge",
    "delete_branch_on_merge",
)


def _account(account: Mapping[str, Any]) -> dict[str, Any]:
    return _pick(account, _ACCOUNT_FIELDS)


def _repository(repo: Mapping[str, Any]) -> dict[str, Any]:
    kept = _pick(repo, _REPOSITORY_FIELDS)
    if isinstance(repo.get("owner"), Mapping):
        kept["owner"] = _account(repo["owner"])
    return kept


def _review(item: Mapping[str, Any]) -> dict[str, Any]:
    kept = _pick(item, _REVIEW_FIELDS)
    user = item.get("user")
    kept["user"] = {"login": user.get("login"), "type": user.get("type")} if user else None
    return kept


def _check_run(item: Mapping[str, Any]) -> dict[str, Any]:
    kept = _pick(item, _CHECK_RUN_FIELDS)
    app = item.get("app")
    kept["app"] = {"id": app.get("id"), "slug": app.get("slug")} if app else None
    return kept
