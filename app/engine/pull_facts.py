"""The facts of one pull request for the condition evaluator, fetched only as far as needed.

`await facts.prepare(attributes, teams, count_only=...)` fetches what those attributes need
(through the snapshot, so each GitHub resource is fetched at most once); `facts.value(name)` and
`facts.members("org/team")` then answer synchronously, as `conditions.evaluate` wants. Asking
for an attribute or team that was not prepared raises `FactNotPrepared`: a programming error.
`needs_of(trees)` says what a rule set needs, including the list attributes it only counts.

What each attribute is (docs/attributes.md has the details and the API calls each costs):

- text from the pull: base, head (refs), author (user.login), title, body ("" when null),
  milestone (title or None), repository (base repo full_name); sender: the sender of the event
  being handled, as given by the caller.
- lists from the pull: label (names), assignee (logins), review-requested (users' logins and
  teams as `@org/slug`); files: every file name of the diff (both names of a rename).
- reviews: each reviewer's latest APPROVED / CHANGES_REQUESTED / DISMISSED review decides; a
  COMMENTED review changes nothing; DISMISSED counts as nothing. Approvals and change requests
  count only from people with write access (admin, maintain, write). commented-reviews-by:
  whoever left at least one COMMENTED review.
- check-*: commit statuses (latest per context) and check runs (latest per name) on the head
  SHA, by state; the `paasbot` summary check run itself is left out.
- numbers: number, #commits, #commits-behind (base branch commits the head lacks), additions,
  deletions, changed-lines (additions + deletions); `#files` of a rule set that only counts
  files is the pull's changed_files (one that also reads `files` counts the list).
- booleans: draft, conflict (mergeable is False; a null mergeable is fetched again once, then
  taken as no conflict), from-fork, merged, closed, locked.
- time: created-at, updated-at (timezone-aware).
- tag, prerelease: release attributes, None for a pull request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from app.engine.attributes import Attribute, Scope, find_attribute
from app.engine.condition_types import count_of
from app.engine.conditions import (
    AllOf,
    AnyOf,
    ConditionTree,
    FactValue,
    Leaf,
    Not,
    Team,
)
from app.engine.permissions import PermissionCache
from app.engine.snapshot import PullRequestSnapshot
from app.engine.teams import TeamDirectory

__all__ = [
    "CHECK_STATES",
    "PULL_ATTRIBUTES",
    "SUMMARY_CHECK_NAME",
    "FactNeeds",
    "FactNotPrepared",
    "PullRequestFacts",
    "ReviewerState",
    "check_run_state",
    "check_states",
    "file_names",
    "from_fork",
    "from_pull",
    "needs_of",
    "reduce_reviews",
    "status_state",
]

SUMMARY_CHECK_NAME = "paasbot"
# Attributes the caller computes and provides (None until it does).
PROVIDED = frozenset({"coverage-patch", "coverage-project"})
CHECK_STATES = ("success", "failure", "pending", "neutral", "skipped")
Json = Mapping[str, Any]


class FactNotPrepared(LookupError):
    """A fact was asked for before `prepare` fetched it: a programming error."""


# What a rule set needs


@dataclass(frozen=True)
class FactNeeds:
    """`attributes`: every attribute a tree asks `value()` for (as `attributes_used` says);
    `count_only`: those of them only ever counted (`#files`); `counted`: those counted at all;
    `teams`: the `org/team` names of `@org/team` values."""

    attributes: frozenset[str] = frozenset()
    count_only: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    counted: frozenset[str] = frozenset()


@dataclass
class _Collected:
    full: set[str] = field(default_factory=set)
    counted: set[str] = field(default_factory=set)
    teams: set[str] = field(default_factory=set)


def needs_of(trees: Iterable[ConditionTree]) -> FactNeeds:
    collected = _Collected()
    for tree in trees:
        _collect(tree, collected)
    return FactNeeds(
        attributes=frozenset(collected.full | collected.counted),
        count_only=frozenset(collected.counted - collected.full),
        teams=frozenset(collected.teams),
        counted=frozenset(collected.counted),
    )


def _collect(tree: ConditionTree, into: _Collected) -> None:
    if isinstance(tree, Leaf):
        condition = tree.condition
        (into.counted if condition.count else into.full).add(condition.attribute.name)
        if isinstance(condition.value, Team):
            into.teams.add(condition.value.name)
    elif isinstance(tree, Not):
        _collect(tree.child, into)
    elif isinstance(tree, AllOf | AnyOf):
        for child in tree.children:
            _collect(child, into)


# Pure derivations from GitHub's JSON


def _text(pull: Json, *keys: str) -> Any:
    found: Any = pull
    for key in keys:
        found = found.get(key) if isinstance(found, Mapping) else None
    return found


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _logins(accounts: Iterable[Json] | None) -> list[str]:
    return [account["login"] for account in accounts or ()]


def _review_requested(pull: Json) -> list[str]:
    org = _text(pull, "base", "repo", "owner", "login") or ""
    teams = [f"@{org}/{team['slug']}" for team in pull.get("requested_teams") or ()]
    return _logins(pull.get("requested_reviewers")) + teams


def from_fork(pull: Json) -> bool:
    head_repo = _text(pull, "head", "repo", "full_name")
    base_repo = _text(pull, "base", "repo", "full_name")
    return head_repo is None or str(head_repo).casefold() != str(base_repo).casefold()


def _changed_lines(pull: Json) -> int:
    return int(pull.get("additions") or 0) + int(pull.get("deletions") or 0)


_FROM_PULL: dict[str, Callable[[Json], FactValue]] = {
    "base": lambda pull: _text(pull, "base", "ref"),
    "head": lambda pull: _text(pull, "head", "ref"),
    "author": lambda pull: _text(pull, "user", "login"),
    "title": lambda pull: pull.get("title") or "",
    "body": lambda pull: pull.get("body") or "",
    "milestone": lambda pull: _text(pull, "milestone", "title"),
    "repository": lambda pull: _text(pull, "base", "repo", "full_name"),
    "label": lambda pull: [label["name"] for label in pull.get("labels") or ()],
    "assignee": lambda pull: _logins(pull.get("assignees")),
    "review-requested": _review_requested,
    "number": lambda pull: pull.get("number"),
    "#commits": lambda pull: pull.get("commits"),
    "#files": lambda pull: pull.get("changed_files"),
    "additions": lambda pull: pull.get("additions"),
    "deletions": lambda pull: pull.get("deletions"),
    "changed-lines": _changed_lines,
    "draft": lambda pull: bool(pull.get("draft")),
    "from-fork": from_fork,
    "merged": lambda pull: bool(pull.get("merged") or pull.get("merged_at")),
    "closed": lambda pull: pull.get("state") == "closed",
    "locked": lambda pull: bool(pull.get("locked")),
    "created-at": lambda pull: _time(pull.get("created_at")),
    "updated-at": lambda pull: _time(pull.get("updated_at")),
    "conflict": lambda pull: pull.get("mergeable") is False,
}


PULL_ATTRIBUTES = frozenset(_FROM_PULL)


def from_pull(name: str, pull: Json) -> FactValue:
    """An attribute the pull alone answers (see PULL_ATTRIBUTES; `#files` among them)."""
    return _FROM_PULL[name](pull)


def file_names(files: Iterable[Json]) -> list[str]:
    """Each file's name, and before it the old name of a renamed file; no repeats."""
    names: dict[str, None] = {}
    for item in files:
        previous = item.get("previous_filename")
        if previous:
            names.setdefault(previous)
        names.setdefault(item["filename"])
    return list(names)


@dataclass(frozen=True)
class ReviewerState:
    login: str
    verdict: str | None  # APPROVED or CHANGES_REQUESTED; None: none, or dismissed
    commented: bool


_VERDICTS = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})


def reduce_reviews(reviews: Iterable[Json]) -> list[ReviewerState]:
    """Each reviewer's standing, in the order they first reviewed. Reviews are taken in the
    order given (GitHub lists them oldest first)."""
    logins: dict[str, str] = {}
    verdicts: dict[str, str | None] = {}
    commented: set[str] = set()
    for review in reviews:
        login = _text(review, "user", "login")
        if not login:
            continue  # a deleted account ("ghost" aside, GitHub may send null)
        key = login.casefold()
        logins.setdefault(key, login)
        state = review.get("state")
        if state in _VERDICTS:
            verdicts[key] = None if state == "DISMISSED" else state
        elif state == "COMMENTED":
            commented.add(key)
    return [
        ReviewerState(login, verdicts.get(key), key in commented) for key, login in logins.items()
    ]


_STATUS_STATES = {
    "success": "success",
    "failure": "failure",
    "error": "failure",
    "pending": "pending",
}


def status_state(state: str | None) -> str | None:
    """A commit status's state as a check-* state; None for one not known."""
    return _STATUS_STATES.get(state or "")


_CONCLUSIONS = {
    "success": "success",
    "failure": "failure",
    "timed_out": "failure",
    "cancelled": "failure",
    "action_required": "failure",
    "startup_failure": "failure",
    "neutral": "neutral",
    "skipped": "skipped",
    "stale": "pending",
}


def check_run_state(run: Json) -> str | None:
    """A check run's status and conclusion as a check-* state; None for a conclusion not
    known."""
    if run.get("status") != "completed":
        return "pending"
    return _CONCLUSIONS.get(run.get("conclusion") or "")


def _latest(items: Iterable[Json], name_key: str, time_key: str) -> dict[str, Json]:
    """The latest item of each name, by (time_key, id)."""
    latest: dict[str, Json] = {}
    for item in items:
        name = item.get(name_key)
        if not name:
            continue
        current = latest.get(name)
        if current is None or _order(item, time_key) > _order(current, time_key):
            latest[name] = item
    return latest


def _order(item: Json, time_key: str) -> tuple[datetime, int]:
    moment = _time(item.get(time_key)) or datetime.min.replace(tzinfo=UTC)
    return moment, int(item.get("id") or 0)


def check_states(
    statuses: Iterable[Json], check_runs: Iterable[Json], own_app_id: int | None = None
) -> dict[str, list[str]]:
    """The names in each check-* state (sorted): statuses by context, check runs by name, the
    latest of each. paasbot's own check runs (the summary, and those of its app) are left out:
    they are what the rules produce, and GitHub's events about them never wake paasbot, so a
    rule reading them would see a stale value. A name that is both a status context and a
    check run is listed under the state of each."""
    found: dict[str, set[str]] = {state: set() for state in CHECK_STATES}
    for context, status in _latest(statuses, "context", "updated_at").items():
        _place(found, context, status_state(status.get("state")))
    for name, run in _latest(check_runs, "name", "started_at").items():
        own = own_app_id is not None and (run.get("app") or {}).get("id") == own_app_id
        if name != SUMMARY_CHECK_NAME and not own:
            _place(found, name, check_run_state(run))
    return {state: sorted(names, key=str.casefold) for state, names in found.items()}


def _place(found: dict[str, set[str]], name: str, state: str | None) -> None:
    if state is not None:
        found[state].add(name)


# Where each attribute comes from


class Source(Enum):
    PULL = "pull"
    REVIEWS = "reviews"
    FILES = "files"
    CHECKS = "checks"
    BEHIND = "commits behind"


_REVIEW_ATTRIBUTES = {
    "approved-reviews-by": "APPROVED",
    "changes-requested-reviews-by": "CHANGES_REQUESTED",
    "commented-reviews-by": None,
}
_CHECK_ATTRIBUTES = {f"check-{state}": state for state in CHECK_STATES}
# List attributes a `#count` of which the pull itself answers, without listing them.
_COUNTED_BY_PULL = frozenset({"files"})
_COUNT_NAMES = frozenset(f"#{name}" for name in _COUNTED_BY_PULL)


def _source(name: str) -> Source | None:
    if name in _FROM_PULL:
        return Source.PULL
    if name in _REVIEW_ATTRIBUTES:
        return Source.REVIEWS
    if name in _CHECK_ATTRIBUTES:
        return Source.CHECKS
    return {"files": Source.FILES, "#commits-behind": Source.BEHIND}.get(name)


@dataclass
class _Fetched:
    pull: Json = field(default_factory=dict)
    reviews: list[ReviewerState] = field(default_factory=list)
    files: list[Json] = field(default_factory=list)
    checks: dict[str, list[str]] = field(default_factory=dict)
    behind: int | None = None


class PullRequestFacts:
    """The `Facts` of one pull request, as of one evaluation."""

    def __init__(
        self,
        snapshot: PullRequestSnapshot,
        *,
        sender: str | None = None,
        teams: TeamDirectory | None = None,
        permissions: PermissionCache | None = None,
        mergeability_wait: float = 1.0,
        own_app_id: int | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.sender = sender
        self.teams = teams if teams is not None else TeamDirectory(snapshot.api)
        self.permissions = permissions if permissions is not None else PermissionCache()
        self.mergeability_wait = mergeability_wait
        self.own_app_id = own_app_id
        self._values: dict[str, FactValue] = {}
        self._members: dict[str, set[str]] = {}

    # Preparing

    async def prepare(
        self,
        attributes: Iterable[str],
        teams: Iterable[str] = (),
        *,
        count_only: Iterable[str] = (),
        counted: Iterable[str] = (),
    ) -> None:
        """Fetch what `attributes` need, and the members of `teams` (`org/slug`). Of the names
        in `count_only` only the length will be asked (the evaluator's `#files`): for `files`
        the pull's changed_files answers it, with no listing. Names in `counted` are read in
        full and counted too (`#files` is still changed_files). Names already prepared cost
        nothing more."""
        wanted = self._wanted(set(attributes), set(count_only), set(counted))
        if wanted:
            fetched = await self._fetch(wanted)
            for name in wanted:
                self._values[name] = self._compute(name, fetched)
        for team in dict.fromkeys(teams):
            if _team_key(team) not in self._members:
                self._members[_team_key(team)] = await self.teams.members(team)

    async def prepare_for(self, needs: FactNeeds) -> None:
        await self.prepare(
            needs.attributes, needs.teams, count_only=needs.count_only, counted=needs.counted
        )

    def _wanted(self, attributes: set[str], count_only: set[str], counted: set[str]) -> set[str]:
        for name in attributes | count_only | counted:
            _require_known(name)
        full = attributes - count_only
        by_pull = {name for name in count_only | counted if name in _COUNTED_BY_PULL}
        full |= count_only - by_pull
        wanted = full | {f"#{name}" for name in by_pull}
        return {name for name in wanted if name not in self._values and _needs_fetching(name)}

    async def _fetch(self, wanted: set[str]) -> _Fetched:
        sources = {_source(name) for name in wanted}
        fetched = _Fetched()
        if Source.PULL in sources or Source.CHECKS in sources or Source.BEHIND in sources:
            fetched.pull = await self._pull("conflict" in wanted)
        jobs: list[Coroutine[Any, Any, None]] = []
        if Source.REVIEWS in sources:
            jobs.append(self._fetch_reviews(fetched, wanted))
        if Source.FILES in sources:
            jobs.append(self._fetch_files(fetched))
        if Source.CHECKS in sources:
            jobs.append(self._fetch_checks(fetched))
        if Source.BEHIND in sources:
            jobs.append(self._fetch_behind(fetched))
        await asyncio.gather(*jobs)
        return fetched

    async def _pull(self, settle_mergeability: bool) -> Json:
        """The pull; when its `mergeable` is needed and GitHub is still computing it (null),
        fetched once more after `mergeability_wait` seconds."""
        pull = await self.snapshot.pull()
        if settle_mergeability and pull.get("mergeable") is None and pull.get("state") == "open":
            await asyncio.sleep(self.mergeability_wait)
            pull = await self.snapshot.refresh_pull()
        return pull

    async def _fetch_reviews(self, fetched: _Fetched, wanted: set[str]) -> None:
        standings = reduce_reviews(await self.snapshot.reviews())
        verdicts = {_REVIEW_ATTRIBUTES[name] for name in wanted if name in _REVIEW_ATTRIBUTES}
        to_check = {s.login for s in standings if s.verdict is not None and s.verdict in verdicts}
        writers = await self._writers(to_check)
        fetched.reviews = [
            standing
            if standing.verdict is None or standing.login in writers
            else ReviewerState(standing.login, None, standing.commented)
            for standing in standings
        ]

    async def _writers(self, logins: set[str]) -> set[str]:
        api, repository = self.snapshot.api, self.snapshot.repository
        ordered = sorted(logins)
        allowed = await asyncio.gather(
            *(self.permissions.can_write(api, repository, login) for login in ordered)
        )
        return {login for login, can in zip(ordered, allowed, strict=True) if can}

    async def _fetch_files(self, fetched: _Fetched) -> None:
        fetched.files = await self.snapshot.files()

    async def _fetch_checks(self, fetched: _Fetched) -> None:
        statuses, runs = await asyncio.gather(
            self.snapshot.combined_statuses(), self.snapshot.check_runs()
        )
        fetched.checks = check_states(statuses, runs, self.own_app_id)

    async def _fetch_behind(self, fetched: _Fetched) -> None:
        fetched.behind = await self.snapshot.commits_behind()

    def _compute(self, name: str, fetched: _Fetched) -> FactValue:
        if name in _FROM_PULL:
            return _FROM_PULL[name](fetched.pull)
        if name in _REVIEW_ATTRIBUTES:
            return _reviewers(fetched.reviews, _REVIEW_ATTRIBUTES[name])
        if name in _CHECK_ATTRIBUTES:
            return list(fetched.checks[_CHECK_ATTRIBUTES[name]])
        if name == "files":
            return file_names(fetched.files)
        if name == "#commits-behind":
            return fetched.behind
        raise AssertionError(f"no way to compute {name}")

    # Answering (the Facts protocol)

    def value(self, attribute: str) -> FactValue:
        if attribute in self._values:
            return self._values[attribute]
        known = _require_known(attribute)
        if attribute == "sender":
            return self.sender
        if known is not None and known.scope is Scope.RELEASE:
            return None
        if attribute in PROVIDED:
            return self._values.get(attribute)
        raise FactNotPrepared(
            f"the attribute {attribute!r} was not prepared: call prepare() with it first"
        )

    def provide(self, values: Mapping[str, FactValue]) -> None:
        """Facts paasbot computes itself (coverage), given by the caller."""
        for name, value in values.items():
            if name not in PROVIDED:
                raise ValueError(f"{name!r} is fetched from GitHub, not provided")
            self._values[name] = value

    def count(self, attribute: str) -> int | None:
        """`#files` is the pull's changed_files (GitHub's count: a rename is one file, and the
        file list stops at 3,000) whether or not the list was fetched too."""
        if f"#{attribute}" in self._values:
            counted = self._values[f"#{attribute}"]
            return counted if isinstance(counted, int) else None
        return count_of(self.value(attribute))

    def members(self, team: str) -> set[str]:
        found = self._members.get(_team_key(team))
        if found is None:
            raise FactNotPrepared(f"the team {team!r} was not prepared: call prepare() with it")
        return set(found)

    async def value_of(self, attribute: str) -> FactValue:
        """Prepare one attribute (if need be) and answer it."""
        await self.prepare({attribute})
        return self.value(attribute)

    def prepared_values(self) -> dict[str, FactValue]:
        """Every prepared attribute's value by name (`#files` when files were only counted),
        with `sender`; lists copied."""
        values = {"sender": self.sender} | self._values
        return {name: list(v) if isinstance(v, list) else v for name, v in values.items()}

    @property
    def missing_teams(self) -> list[str]:
        """Teams named in conditions that GitHub does not know (they have no members)."""
        return list(self.teams.missing_teams)


def _team_key(team: str) -> str:
    return team.removeprefix("@").casefold()


def _reviewers(standings: list[ReviewerState], verdict: str | None) -> list[str]:
    if verdict is None:
        return [standing.login for standing in standings if standing.commented]
    return [standing.login for standing in standings if standing.verdict == verdict]


def _require_known(name: str) -> Attribute | None:
    """The attribute called `name` (None for `#files`); ValueError for a name not known."""
    known = find_attribute(name)
    if known is None and name not in _COUNT_NAMES:
        raise ValueError(f"unknown attribute {name!r}")
    return known


def _needs_fetching(name: str) -> bool:
    """Whether any fetch is needed (sender and the release attributes need none)."""
    return _source(name) is not None
