"""`update_branch`: bring a pull request's branch up to date with its base branch once the base
moved (`#commits-behind>0`), while the rule's conditions hold, so CI runs only where it counts.

`method: merge` asks GitHub to merge the base in (`PUT .../update-branch` with the evaluated head
as `expected_head_sha`); `method: rebase` asks it to rebase the head onto the base (GraphQL
`updatePullRequestBranch`, which older GitHub Enterprise Server versions lack: detected once per
host). `when: queued` leaves the update to the merge queue, which updates the PR it is about to
merge. What GitHub cannot or will not do (a fork paasbot cannot push to, conflicts, a refusal)
is reported, and optionally in one PR comment; a refusal is not tried again until the head or
the base moves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar, Literal

from cachetools import LRUCache
from gidgethub import BadGraphQLRequest, BadRequest, QueryError, RateLimitExceeded
from gidgethub.abc import GitHubAPI

from app.actions.base import ActionInput, Change, Plan, PullTarget, Status
from app.actions.options import ActionOptions
from app.actions.writes import sticky_comment, sticky_comment_change
from app.github.client import graphql_endpoint

Method = Literal["merge", "rebase"]
Write = Callable[[], Awaitable[None]]

MARKER = "<!-- paasbot:update_branch -->"
QUEUED = "the merge queue updates this PR when it is next"
REBASE_UNAVAILABLE = (
    "this GitHub Enterprise Server does not offer rebase updates (GraphQL "
    "updatePullRequestBranch updateMethod); use method: merge"
)
# How long a host's lack of rebase updates is believed (an upgrade brings them).
REBASE_CHECK_TTL_SECONDS = 3600.0
REMEMBERED_REFUSALS = 10_000

REBASE_PROBE = 'query { __type(name: "PullRequestBranchUpdateMethod") { enumValues { name } } }'
UPDATE_MUTATION = """
mutation UpdatePullRequestBranch($input: UpdatePullRequestBranchInput!) {
  updatePullRequestBranch(input: $input) { pullRequest { number headRefOid } }
}
"""


class UpdateBranchOptions(ActionOptions):
    """Bring the pull request up to date with its base branch."""

    method: Method = "merge"
    when: Literal["always", "queued"] = "always"
    comment: bool = False


@dataclass(frozen=True)
class Refusal:
    """GitHub refused to update `head` with `base` (both SHAs)."""

    head: str
    base: str
    reason: str


class RefusalLog:
    """GitHub's refusals, per pull request, for the life of the process: while neither the head
    nor the base moved, the same update is refused again, so it is not tried again. Kept here
    rather than in the action's memory, which the engine does not keep when a change fails."""

    def __init__(self, size: int = REMEMBERED_REFUSALS) -> None:
        self._refusals: LRUCache[tuple[str, str, int], Refusal] = LRUCache(maxsize=size)

    def remember(self, target: PullTarget, refusal: Refusal) -> None:
        self._refusals[_pull_key(target)] = refusal

    def find(self, target: PullTarget, head: str, base: str) -> Refusal | None:
        refusal = self._refusals.get(_pull_key(target))
        if refusal is None or (refusal.head, refusal.base) != (head, base):
            return None
        return refusal


class RebaseSupport:
    """Whether each GitHub host offers rebase updates, asked once per host and believed for
    `ttl` seconds."""

    def __init__(self, ttl: float = REBASE_CHECK_TTL_SECONDS) -> None:
        self.ttl = ttl
        self._known: dict[str, tuple[bool, float]] = {}

    async def offered(self, api: GitHubAPI, now: float) -> bool:
        endpoint = graphql_endpoint(api.base_url)
        known = self._known.get(endpoint)
        if known is not None and now - known[1] < self.ttl:
            return known[0]
        offered = await _probe_rebase(api, endpoint)
        self._known[endpoint] = (offered, now)
        return offered


REFUSALS = RefusalLog()
REBASE_SUPPORT = RebaseSupport()


class GraphQLRefusal(BadRequest):
    """A refusal GraphQL answers with HTTP 200 and a typed error, as the REST status it stands
    for, so that it fails the action like any other refusal."""


class UpdateBranchAction:
    name: ClassVar[str] = "update_branch"
    options: ClassVar[type[ActionOptions]] = UpdateBranchOptions
    plans_when_unmatched: ClassVar[bool] = False

    def attributes(self, options: ActionOptions) -> set[str]:
        return set()

    async def plan(self, given: ActionInput) -> Plan:
        assert isinstance(given.options, UpdateBranchOptions)
        options, snapshot = given.options, given.target.snapshot
        pull = await snapshot.pull()
        if pull.get("state") != "open":
            return Plan(status=Status.SKIPPED, detail="the pull request is closed")
        head, base = pull["head"]["ref"], pull["base"]["ref"]
        behind = await snapshot.commits_behind()
        if behind is None:
            unrelated = f"`{head}` and `{base}` share no history: GitHub cannot update it"
            return await _failed(given, base, unrelated)
        if behind == 0:
            return await _up_to_date(given, base)
        if options.when == "queued":
            return Plan(status=Status.WAITING, detail=QUEUED)
        obstacle = await _obstacle(given, pull, options.method)
        if obstacle is not None:
            return await _failed(given, base, obstacle)
        return await _update_plan(given, pull, behind)


async def _obstacle(given: ActionInput, pull: Mapping[str, Any], method: Method) -> str | None:
    """What keeps GitHub from updating the branch, known before asking it to."""
    found = cannot_push(pull) or _conflict(pull, method)
    if found is not None or method == "merge":
        return found
    offered = await REBASE_SUPPORT.offered(given.target.api, given.now)
    return None if offered else REBASE_UNAVAILABLE


async def _update_plan(given: ActionInput, pull: Mapping[str, Any], behind: int) -> Plan:
    assert isinstance(given.options, UpdateBranchOptions)
    target, method = given.target, given.options.method
    head, base = pull["head"]["ref"], pull["base"]["ref"]
    base_tip = await _branch_tip(target, base)
    refused = REFUSALS.find(target, target.head_sha, base_tip)
    if refused is not None:
        again = f"; not tried again until `{head}` or `{base}` moves"
        return await _failed(given, base, refused.reason, again)
    attempt = _attempt(given, branch_updater(target, pull, method), base, base_tip)
    commits = "commit" if behind == 1 else "commits"
    return Plan(
        (Change(describe_update(head, base, method), attempt),),
        detail=f"`{head}` was {behind} {commits} behind `{base}`",
    )


def cannot_push(pull: Mapping[str, Any]) -> str | None:
    """Why paasbot cannot move the PR's branch, or None: a fork can be pushed to only when its
    author allows edits by maintainers (GitHub refuses an app otherwise)."""
    head_repo = (pull.get("head") or {}).get("repo")
    if head_repo is None:
        return "the fork of this pull request was deleted: nobody can update its branch"
    base_repo = (pull.get("base") or {}).get("repo") or {}
    fork = str(head_repo.get("full_name"))
    if fork.casefold() == str(base_repo.get("full_name")).casefold():
        return None
    if pull.get("maintainer_can_modify"):
        return None
    return (
        f"the branch is in the fork {fork}, which paasbot cannot push to; the author can update "
        "it or allow edits by maintainers"
    )


def _conflict(pull: Mapping[str, Any], method: Method) -> str | None:
    """GitHub's own verdict on the update, when it has one (null while it computes it)."""
    head, base = pull["head"]["ref"], pull["base"]["ref"]
    if pull.get("mergeable") is False:
        return f"`{head}` conflicts with `{base}`: resolve the conflicts in the branch"
    if method == "rebase" and pull.get("rebaseable") is False:
        return f"`{head}` cannot be rebased onto `{base}` without conflicts (method: merge can)"
    return None


def describe_update(head: str, base: str, method: Method) -> str:
    if method == "rebase":
        return f"rebase `{head}` onto `{base}`"
    return f"merge `{base}` into `{head}`"


def branch_updater(target: PullTarget, pull: Mapping[str, Any], method: Method) -> Write:
    """The write that asks GitHub to update the PR's branch from `target.head_sha` (refused if
    the head moved since). Raises `BadRequest` when GitHub refuses."""
    if method == "rebase":
        return _rebaser(target, str(pull["node_id"]))
    return _merger(target)


def _merger(target: PullTarget) -> Write:
    async def merge() -> None:
        await target.api.put(
            "/repos/{+repository}/pulls/{number}/update-branch",
            url_vars={"repository": target.repository, "number": str(target.number)},
            data={"expected_head_sha": target.head_sha},
        )

    return merge


def _rebaser(target: PullTarget, node_id: str) -> Write:
    async def rebase() -> None:
        update = {"pullRequestId": node_id, "expectedHeadOid": target.head_sha}
        try:
            await target.api.graphql(
                UPDATE_MUTATION,
                endpoint=graphql_endpoint(target.api.base_url),
                input=update | {"updateMethod": "REBASE"},
            )
        except QueryError as error:
            raise _refusal_of(error) from error

    return rebase


def _refusal_of(error: QueryError) -> BadRequest:
    """GitHub's typed GraphQL error as the REST refusal it stands for; a rate limit is not a
    refusal: it propagates, and the evaluation is retried later."""
    first = (error.response.get("errors") or [{}])[0]
    kind = first.get("type")
    if kind == "RATE_LIMITED":
        raise error
    status = {"FORBIDDEN": HTTPStatus.FORBIDDEN, "NOT_FOUND": HTTPStatus.NOT_FOUND}.get(
        kind, HTTPStatus.UNPROCESSABLE_ENTITY
    )
    return GraphQLRefusal(status, f"{first.get('message', error)} (GraphQL {kind or 'error'})")


async def _probe_rebase(api: GitHubAPI, endpoint: str) -> bool:
    """Whether the schema's `PullRequestBranchUpdateMethod` has REBASE. An instance without the
    enum (or without GraphQL: 404) has no rebase updates."""
    try:
        data = await api.graphql(REBASE_PROBE, endpoint=endpoint)
    except BadGraphQLRequest as error:
        if error.status_code == HTTPStatus.NOT_FOUND:
            return False
        raise
    found = data.get("__type") or {}
    return any(value.get("name") == "REBASE" for value in found.get("enumValues") or ())


def _attempt(given: ActionInput, write: Write, base: str, base_tip: str) -> Write:
    """`write`; a refusal is remembered (and, with `comment`, posted) before it fails the action."""

    async def attempt() -> None:
        try:
            await write()
        except BadRequest as error:
            if isinstance(error, RateLimitExceeded):
                raise
            reason = _answered(error)
            REFUSALS.remember(given.target, Refusal(given.target.head_sha, base_tip, reason))
            await _comment_failure(given, base, reason)
            raise

    return attempt


async def _comment_failure(given: ActionInput, base: str, reason: str) -> None:
    """The failure comment, at once (the refusal may wake nothing else); a comment GitHub
    refuses too is left out: the summary shows the refusal."""
    assert isinstance(given.options, UpdateBranchOptions)
    if not given.options.comment:
        return
    change = await _comment_change(given.target, _failure_text(base, reason))
    if change is None:
        return
    try:
        await change.perform()
    except BadRequest as error:
        if isinstance(error, RateLimitExceeded):
            raise


async def _failed(given: ActionInput, base: str, reason: str, note: str = "") -> Plan:
    """Failed for `reason` (the summary adds `note`); with `comment`, the comment says why."""
    assert isinstance(given.options, UpdateBranchOptions)
    changes: tuple[Change, ...] = ()
    if given.options.comment:
        change = await _comment_change(given.target, _failure_text(base, reason))
        changes = (change,) if change else ()
    return Plan(changes, status=Status.FAILED, detail=reason + note)


async def _up_to_date(given: ActionInput, base: str) -> Plan:
    """Up to date; a failure comment left from before says it is resolved."""
    assert isinstance(given.options, UpdateBranchOptions)
    detail = f"up to date with `{base}`"
    if not given.options.comment or await sticky_comment(given.target, MARKER) is None:
        return Plan(detail=detail)
    change = await _comment_change(given.target, f"This pull request is {detail} now.")
    return Plan((change,) if change else (), detail=detail)


def _failure_text(base: str, reason: str) -> str:
    return f"paasbot could not bring this pull request up to date with `{base}`: {reason}."


async def _comment_change(target: PullTarget, text: str) -> Change | None:
    return await sticky_comment_change(
        target,
        MARKER,
        text,
        posting="post the update failure comment",
        editing="edit the update comment",
    )


async def _branch_tip(target: PullTarget, branch: str) -> str:
    ref = await target.api.getitem(
        "/repos/{+repository}/git/ref/heads/{+branch}",
        url_vars={"repository": target.repository, "branch": branch},
    )
    return str(ref["object"]["sha"])


def _answered(error: BadRequest) -> str:
    message = error.args[0] if error.args else ""
    return f"GitHub answered {int(error.status_code)}" + (f": {message}" if message else "")


def _pull_key(target: PullTarget) -> tuple[str, str, int]:
    return (target.api.base_url, target.repository.casefold(), target.number)
