"""`request_reviews`: ask the right people to review, once, without the noise.

Candidates are the code owners of the changed files (CODEOWNERS from the base branch), `users`,
and the members of `teams`; `count` people are chosen among the eligible ones by `strategy`,
reading the history of requests from paasbot's ledger (so round robin and load balance hold
across replicas and restarts). One request asks everyone missing; a 422 for some people drops
those GitHub says have no access and tries once more.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from gidgethub import BadRequest
from pydantic import Field

from app.actions.base import ActionInput, Change, Plan, PullTarget, Status
from app.actions.options import ActionOptions, Logins
from app.engine.permissions import PermissionCache
from app.engine.teams import TeamCache, TeamDirectory
from app.reviewers.candidates import (
    Candidates,
    Exclusions,
    PullPeople,
    already_counted,
    code_owner_candidates,
    eligible,
    folded,
    team_candidates,
    why_not,
)
from app.reviewers.codeowners_source import load_codeowners
from app.reviewers.selection import choose
from app.store.review_ledger import complete_requests, record_requests, review_history

MAX_REQUESTED = 15  # GitHub's limit of requested reviewers on a pull request


class RequestReviewsOptions(ActionOptions):
    """Request reviews from code owners, users and team members."""

    users: Logins = []
    teams: Logins = []
    child_teams: bool = False
    codeowners: bool = False
    count: Annotated[int, Field(ge=1, le=MAX_REQUESTED)] | None = None
    strategy: Literal["round_robin", "load_balance", "random"] = "round_robin"
    exclude: Logins = []
    unavailable: Logins = []
    fallback: Logins = []
    request_teams: bool = False
    drafts: bool = False
    rerequest_on_push: bool = False


@dataclass(frozen=True)
class Request:
    users: tuple[str, ...]
    teams: tuple[str, ...]  # slugs
    reasons: dict[str, str]


class RequestReviewsAction:
    name: ClassVar[str] = "request_reviews"
    options: ClassVar[type[ActionOptions]] = RequestReviewsOptions
    # Unmatched or closed, it still settles the ledger (requests no longer outstanding).
    plans_when_unmatched: ClassVar[bool] = True

    def attributes(self, options: ActionOptions) -> set[str]:
        return set()

    async def plan(self, given: ActionInput) -> Plan:
        assert isinstance(given.options, RequestReviewsOptions)
        options, target = given.options, given.target
        pull = await target.snapshot.pull()
        memory = dict(given.memory)
        memory["outstanding"] = await _settle_ledger(given, pull, memory)
        waiting = _why_waiting(given, options, pull)
        if waiting is not None:
            return Plan(status=Status.SKIPPED, detail=waiting, memory=memory)
        people = await _people(target, pull, memory, options)
        candidates, notes, teams = await _candidates(target, pull, options)
        if memory.get("refused"):
            refused = ", ".join(f"@{login}" for login in memory["refused"])
            notes.append(f"GitHub refused {refused} (no access to the repository)")
        request = await _choose(given, options, people, candidates, teams)
        if not request.users and not request.teams:
            earlier = [memory["explained"]] if memory.get("explained") else []
            detail = "; ".join([*notes, *earlier, _nobody_missing(people, options, candidates)])
            return Plan(detail=detail, memory=memory)
        explained = _explain(request, options)
        change = Change(_describe(request), _requester(given, request, memory, explained))
        return Plan((change,), detail="; ".join([*notes, explained]), memory=memory)


def _why_waiting(given: ActionInput, options: RequestReviewsOptions, pull: Any) -> str | None:
    if pull.get("state") != "open":
        return "the pull request is closed"
    if not given.matched:
        return "waits for the conditions"
    if pull.get("draft") and not options.drafts:
        return "a draft: waits for ready for review (or `drafts: true`)"
    return None


async def _settle_ledger(given: ActionInput, pull: Any, memory: dict[str, Any]) -> list[str]:
    """Requests paasbot recorded that are no longer pending are completed in the ledger."""
    recorded = [login for login in memory.get("outstanding", []) if isinstance(login, str)]
    pending = folded(user["login"] for user in pull.get("requested_reviewers") or ())
    if pull.get("state") != "open":
        pending = frozenset()
    still = [login for login in recorded if login.casefold() in pending]
    if len(still) != len(recorded) and not given.target.simulation:
        target = given.target
        async with target.db.transaction() as conn:
            await complete_requests(conn, target.repository, target.number, still, given.now)
    return still


async def _people(
    target: PullTarget, pull: Any, memory: dict[str, Any], options: RequestReviewsOptions
) -> PullPeople:
    reviews = await target.snapshot.reviews()
    reviewed = [
        review["user"]["login"]
        for review in reviews
        if review.get("user")
        and review.get("state") != "PENDING"
        and (not options.rerequest_on_push or review.get("commit_id") == target.head_sha)
    ]
    return PullPeople(
        author=(pull.get("user") or {}).get("login", ""),
        requested=folded(user["login"] for user in pull.get("requested_reviewers") or ()),
        reviewed=folded(reviewed),
        previously_requested=folded(_asked_before(memory, options, target.head_sha)),
    )


def _asked_before(
    memory: dict[str, Any], options: RequestReviewsOptions, head_sha: str
) -> list[str]:
    """Who paasbot asked before: on this pull request, or with `rerequest_on_push` on this head
    only (someone who removed their request is asked again after a push, not before)."""
    if not options.rerequest_on_push:
        return list(memory.get("asked", []))
    return list(memory.get("asked_on_head", [])) if memory.get("head") == head_sha else []


async def _candidates(
    target: PullTarget, pull: Any, options: RequestReviewsOptions
) -> tuple[Candidates, list[str], list[str]]:
    """The candidates, notes for the summary, and (with `request_teams`) the teams to request:
    owning teams and `teams`, as `org/slug`."""
    candidates, notes, owning = Candidates(), [], []
    directory = TeamDirectory(target.api, target.teams or TeamCache())
    if options.codeowners:
        notes += await _code_owners(target, pull, options, directory, candidates, owning)
    for login in options.users:
        candidates.add(login.removeprefix("@"), "listed in `users`")
    teams = [_team_name(team, target.repository) for team in options.teams]
    if options.request_teams:
        return candidates, notes, [*owning, *teams]
    team_candidates(await _members(target, directory, teams, options.child_teams), candidates)
    return candidates, notes, []


async def _code_owners(
    target: PullTarget,
    pull: Any,
    options: RequestReviewsOptions,
    directory: TeamDirectory,
    candidates: Candidates,
    owning: list[str],
) -> list[str]:
    base = pull["base"]["ref"]
    found = await (
        target.codeowners.load(target.api, target.repository, base)
        if target.codeowners is not None
        else load_codeowners(target.api, target.repository, base)
    )
    if found is None:
        return ["no CODEOWNERS file on the base branch"]
    notes = [f"{found.path} line {p.line}: {p.message}" for p in found.owners.problems]
    owners_by_path = {
        entry["filename"]: found.owners.owners_of(entry["filename"])
        for entry in await target.snapshot.files()
    }
    owners_by_path = {path: owners for path, owners in owners_by_path.items() if owners}
    teams = sorted({o[1:] for owners in owners_by_path.values() for o in owners if "/" in o})
    owning += teams
    # As GitHub lists them: with the members of child teams.
    members = {} if options.request_teams else await _members(target, directory, teams, True)
    emails = code_owner_candidates(owners_by_path, members, candidates)
    if emails:
        notes.append(f"e-mail owners cannot be requested: {', '.join(emails)}")
    return notes


async def _members(
    target: PullTarget, directory: TeamDirectory, teams: list[str], children: bool
) -> dict[str, set[str]]:
    """Each team's members. GitHub lists a team's members with those of its child teams (at any
    depth); without `children` the members of child teams are left out (REST does not say who
    is a direct member: someone in both the team and a child team is left out too)."""
    members: dict[str, set[str]] = {}
    for team in teams:
        found = set(await directory.members(team))
        if not children:
            for child in await _child_teams(target, team):
                found -= await directory.members(child)
        members[team.casefold()] = found
    return members


async def _child_teams(target: PullTarget, team: str) -> list[str]:
    org, _, slug = team.partition("/")
    try:
        items = target.api.getiter(
            "/orgs/{org}/teams/{slug}/teams", url_vars={"org": org, "slug": slug}
        )
        return [f"{org}/{item['slug']}" async for item in items]
    except BadRequest as error:
        if error.status_code == 404:
            return []
        raise


def _team_name(team: str, repository: str) -> str:
    """`backend`, `acme/backend` or `@acme/backend` -> `acme/backend` (the repository's org)."""
    name = team.removeprefix("@")
    return name if "/" in name else f"{repository.split('/')[0]}/{name}"


async def _choose(
    given: ActionInput,
    options: RequestReviewsOptions,
    people: PullPeople,
    candidates: Candidates,
    teams: list[str],
) -> Request:
    refused = given.memory.get("refused", [])
    exclusions = Exclusions(folded([*options.exclude, *refused]), folded(options.unavailable))
    pool = eligible(candidates, people, exclusions)
    reasons = {login: candidates.reason(login) for login in pool}
    room = MAX_REQUESTED - len(people.requested)
    users = await _ranked(given, options, pool, min(_wanted(options, people, 0, len(pool)), room))
    if len(users) == len(pool) and _needs_someone(options, people, len(users)):
        # Every eligible candidate is asked and someone is still needed: the fallback too.
        chosen = folded(users)
        backups = [
            login
            for login in options.fallback
            if why_not(login, people, exclusions) is None and login.casefold() not in chosen
        ]
        wanted = min(_wanted(options, people, len(users), len(backups)), room - len(users))
        more = await _ranked(given, options, backups, wanted)
        reasons |= {login: "fallback: nobody else is eligible" for login in more}
        users += more
    slugs = _requested_teams(given, teams, room - len(users))
    return Request(tuple(users), tuple(slugs), {u: reasons.get(u, "") for u in users})


def _wanted(options: RequestReviewsOptions, people: PullPeople, asked: int, pool: int) -> int:
    """How many more to ask, `asked` being chosen already: every one of the `pool` without
    `count`, else what is missing."""
    if options.count is None:
        return pool
    return max(options.count - already_counted(people) - asked, 0)


def _needs_someone(options: RequestReviewsOptions, people: PullPeople, asked: int) -> bool:
    """Whether someone is still needed, `asked` being chosen already."""
    if options.count is None:
        return already_counted(people) + asked == 0
    return already_counted(people) + asked < options.count


async def _ranked(
    given: ActionInput, options: RequestReviewsOptions, pool: list[str], count: int
) -> list[str]:
    if count <= 0 or not pool:
        return []
    target = given.target
    async with target.db.reader() as conn:
        history = await review_history(conn, _scope(target.repository), pool, given.now)
    seed = f"{target.repository}#{target.number}"
    return choose(pool, count, options.strategy, history, seed)


def _requested_teams(given: ActionInput, teams: list[str], room: int) -> list[str]:
    """The teams (`org/slug`) of the repository's organisation not asked yet, by slug (GitHub
    requests only those)."""
    if room <= 0:
        return []
    org = given.target.repository.split("/")[0].casefold()
    already = {slug.casefold() for slug in given.memory.get("teams_asked", [])}
    slugs: dict[str, str] = {}
    for team in teams:
        owner, _, slug = team.partition("/")
        if owner.casefold() == org and slug.casefold() not in already:
            slugs.setdefault(slug.casefold(), slug)
    return list(slugs.values())[:room]


def _scope(repository: str) -> str:
    return repository.split("/")[0].casefold()


def _requester(
    given: ActionInput, request: Request, memory: dict[str, Any], explained: str
) -> Callable[[], Awaitable[None]]:
    async def perform() -> None:
        users = await _post_with_retry(given.target, request)
        target = given.target
        async with target.db.transaction() as conn:
            await record_requests(
                conn,
                _scope(target.repository),
                target.repository,
                target.number,
                users,
                given.now,
            )
        # The executor remembers this dict once the change succeeded.
        asked = [user.casefold() for user in users]
        memory["asked"] = sorted({*memory.get("asked", []), *asked})
        on_head = memory.get("asked_on_head", []) if memory.get("head") == target.head_sha else []
        memory["head"] = target.head_sha
        memory["asked_on_head"] = sorted({*on_head, *asked})
        memory["outstanding"] = sorted({*memory.get("outstanding", []), *users})
        memory["teams_asked"] = sorted({*memory.get("teams_asked", []), *request.teams})
        # Refused once, left out for the life of the pull request (asking again would fail again).
        refused = set(request.users) - set(users)
        memory["refused"] = sorted({*memory.get("refused", []), *refused})
        memory["explained"] = explained

    return perform


async def _post_with_retry(target: PullTarget, request: Request) -> list[str]:
    """Requests everyone at once; on a 422, drops the people without access and tries once more.
    Returns the users requested."""
    users = list(request.users)
    try:
        await _post(target, users, list(request.teams))
        return users
    except BadRequest as error:
        if error.status_code != 422:
            raise
        permissions = target.permissions or PermissionCache()
        allowed = [
            login
            for login in users
            if await permissions.permission(target.api, target.repository, login) != "none"
        ]
        if allowed == users:
            raise
    await _post(target, allowed, list(request.teams))
    return allowed


async def _post(target: PullTarget, users: list[str], teams: list[str]) -> None:
    if not users and not teams:
        return
    await target.api.post(
        "/repos/{+repository}/pulls/{number}/requested_reviewers",
        url_vars={"repository": target.repository, "number": str(target.number)},
        data={"reviewers": users, "team_reviewers": teams},
    )


def _describe(request: Request) -> str:
    asked = [f"@{user}" for user in request.users] + [f"team {team}" for team in request.teams]
    return f"request {', '.join(asked)}"


def _explain(request: Request, options: RequestReviewsOptions) -> str:
    strategy = options.strategy.replace("_", " ")
    parts = [f"@{user} ({request.reasons.get(user) or 'listed'})" for user in request.users]
    parts += [f"team {team}" for team in request.teams]
    return f"asked {', '.join(parts)}; chosen by {strategy}"


def _nobody_missing(
    people: PullPeople, options: RequestReviewsOptions, candidates: Candidates
) -> str:
    counted = already_counted(people)
    if options.count is not None and counted >= options.count:
        return f"{counted} reviewer(s) already requested or reviewed (count {options.count})"
    if not candidates.logins():
        return "no candidate (no owner, user or team member)"
    return "nobody else to ask"
