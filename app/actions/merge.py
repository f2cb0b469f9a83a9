"""`merge`: merges the PR through its base branch's merge queue.

While the rule matches, the PR is in the queue of its base branch (in the database, so the queue
holds across restarts and replicas). Only the PR at the head of a queue acts: it is brought up to
date when it is behind (and the branch requires it, or GitHub says so), waits for the required
checks and approvals of the base branch's protection, and merges with the `sha` guard, so a head
that moved is never merged. A PR that stops matching leaves the queue; one that conflicts or
whose required checks fail leaves it with a note, and joins again after a push."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any, ClassVar, Literal

from gidgethub import BadRequest, GitHubBroken
from pydantic import Field

from app.actions.base import ActionInput, Change, Plan, PullTarget, Status
from app.actions.coverage import CHECK_NAME as COVERAGE_CHECK
from app.actions.options import ActionOptions, Template
from app.actions.update_branch import branch_updater
from app.actions.writes import labels_adder
from app.engine.pull_facts import check_states, reduce_reviews
from app.engine.templates import check_template, render
from app.github.errors import GitHubUnavailable
from app.merging import messages
from app.merging.protection import branch_requirements
from app.merging.readiness import (
    CheckState,
    PullState,
    Readiness,
    Requirements,
    Verdict,
    readiness,
)
from app.reports.lint_summary import CHECK_PREFIX as LINT_PREFIX
from app.store.merge_queue import (
    QueueEntry,
    join_queue,
    leave_queue,
    leave_queue_at_head,
    queue_as_if_joined,
    queue_for,
    queued_entry,
)

METHODS = ("merge", "squash", "rebase")
CHECK_ATTRIBUTES = frozenset({"check-pending", "check-success", "check-failure"})
_ALLOWED_FLAGS = {"merge": "allow_merge_commit", "squash": "allow_squash_merge"}
_CHECK_STATE = {
    "success": CheckState.PASSING,
    "neutral": CheckState.PASSING,
    "skipped": CheckState.PASSING,
    "pending": CheckState.PENDING,
    "failure": CheckState.FAILING,
}


class MergeOptions(ActionOptions):
    """Merge through the base branch's merge queue."""

    method: Literal["merge", "squash", "rebase"] | None = None
    delete_branch: bool = False
    commit_title: Template | None = None
    commit_message: Template | None = None
    label_on_conflict: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    priority_labels: list[Annotated[str, Field(min_length=1, max_length=50)]] = ["priority"]


class MergeAction:
    name: ClassVar[str] = "merge"
    options: ClassVar[type[ActionOptions]] = MergeOptions
    plans_when_unmatched: ClassVar[bool] = True  # to leave the queue

    def attributes(self, options: ActionOptions) -> set[str]:
        assert isinstance(options, MergeOptions)
        texts = (options.commit_title, options.commit_message)
        return set().union(CHECK_ATTRIBUTES, *(check_template(text) for text in texts if text))

    async def plan(self, given: ActionInput) -> Plan:
        assert isinstance(given.options, MergeOptions)
        target = given.target
        pull = await target.snapshot.pull()
        async with target.db.reader() as conn:
            entry = await queued_entry(conn, target.repository, target.number)
        if pull.get("merged") or pull.get("state") != "open":
            changes = (_leaving(target, "it is closed"),) if entry else ()
            return Plan(changes, detail="merged" if pull.get("merged") else "closed")
        if not given.matched and not (entry and entry.requested_by):
            if entry is None:
                return Plan(status=Status.WAITING, detail="waits for the conditions")
            if _checks_running_on_update(given):
                async with target.db.reader() as conn:
                    queue = await queue_for(conn, target.repository, entry.base_ref)
                where = _position_text(
                    [queued.number for queued in queue], target.number, entry.base_ref
                )
                detail = f"{where}; brought up to date, it keeps its place while its checks run"
                return Plan(status=Status.WAITING, detail=detail)
            change = _leaving(target, "its conditions no longer hold")
            return Plan((change,), detail="left the merge queue: its conditions no longer hold")
        return await _queued_plan(given, given.options, pull, entry)


async def _queued_plan(
    given: ActionInput, options: MergeOptions, pull: Mapping[str, Any], entry: QueueEntry | None
) -> Plan:
    target = given.target
    base = str(pull["base"]["ref"])
    base_sha, head_sha = str(pull["base"]["sha"]), target.head_sha
    left = given.memory.get("left")
    if entry is None and isinstance(left, dict) and left.get("at") == [head_sha, base_sha]:
        # It left the queue for a reason only a push can change: no churn until then.
        return Plan(
            status=Status.WAITING, detail=f"not queued: {left.get('why')}", memory=given.memory
        )
    priority = int(bool(set(_labels(pull)) & set(options.priority_labels)))
    if target.simulation:
        async with target.db.reader() as conn:
            queue = await queue_for(conn, target.repository, base)
        queue = queue_as_if_joined(queue, entry, target.number, base, priority, given.now)
    elif entry is not None and (entry.base_ref, entry.priority) == (base, priority):
        # Already queued as it would join: no write (the merge latency's critical path).
        async with target.db.reader() as conn:
            queue = await queue_for(conn, target.repository, base)
    else:
        async with target.db.transaction() as conn:
            await join_queue(
                conn, target.repository, target.number, base, priority=priority, now=given.now
            )
            queue = await queue_for(conn, target.repository, base)
    numbers = [queued.number for queued in queue]
    where = _position_text(numbers, target.number, base)
    if numbers[0] != target.number:
        return Plan(status=Status.WAITING, detail=f"{where}; waits for #{numbers[0]} to merge")
    return await _head_of_queue_plan(given, options, pull, where, (head_sha, base_sha))


async def _head_of_queue_plan(
    given: ActionInput,
    options: MergeOptions,
    pull: Mapping[str, Any],
    where: str,
    shas: tuple[str, str],
) -> Plan:
    target = given.target
    base = str(pull["base"]["ref"])
    # Judged on a fresh read: the PR ahead may have merged since this evaluation read the PR,
    # moving the base under it (a merge now would be refused as out of date).
    pull = await target.snapshot.refresh_pull()
    requirements = await _requirements(target, base)
    state = await _pull_state(target, pull)
    ready = readiness(state, requirements)
    required = "; requires " + ", ".join(requirements.lines()) if requirements.lines() else ""
    if ready.verdict is Verdict.LEAVE:
        return _leave_plan(target, options, ready, shas)
    if ready.verdict is Verdict.UPDATE:
        change = Change(
            f"bring #{target.number} up to date with `{base}`",
            branch_updater(target, pull, "merge"),
        )
        detail = f"{where}; {ready.reasons[0]}: updating it, then waiting for its checks"
        memory = {"updated_from": target.head_sha}
        return Plan((change,), status=Status.WAITING, detail=detail + required, memory=memory)
    if ready.verdict is Verdict.WAIT:
        detail = f"{where}; waits for: " + "; ".join(ready.reasons)
        return Plan(status=Status.WAITING, detail=detail + required)
    method = options.method or await _default_method(target)
    title, message = await _commit_text(given, options, pull, method)
    merge = Change(
        f"merge #{target.number} ({method}) at {target.head_sha[:12]}",
        _merger(target, method, title, message, options.delete_branch, pull),
    )
    return Plan((merge,), detail=f"{where}; merged ({method})")


async def _requirements(target: PullTarget, base: str) -> Requirements:
    if target.protections is None:
        return await branch_requirements(target.api, target.repository, base)
    return await target.protections.requirements(target.api, target.repository, base)


def _checks_running_on_update(given: ActionInput) -> bool:
    """Whether the rule fails only for now because paasbot just brought the branch up to date:
    the head is new and CI has not finished on it (rules that test checks do not match while
    they run; the PR must not lose its place in the queue for that)."""
    updated_from = given.memory.get("updated_from")
    if not updated_from or updated_from == given.target.head_sha:
        return False
    pending = given.facts.value("check-pending") or []
    finished = [
        *(given.facts.value("check-success") or []),
        *(given.facts.value("check-failure") or []),
    ]
    return bool(pending) or not finished


def _leave_plan(
    target: PullTarget, options: MergeOptions, ready: Readiness, shas: tuple[str, str]
) -> Plan:
    why = ready.reasons[0]
    changes = [_leaving(target, why)]
    if options.label_on_conflict and "conflicts" in why:
        label = options.label_on_conflict
        changes.append(Change(f"label `{label}`", labels_adder(target, [label])))
    memory = {"left": {"at": list(shas), "why": why}}
    detail = f"left the merge queue: {why}; it joins again after a push"
    return Plan(tuple(changes), status=Status.WAITING, detail=detail, memory=memory)


async def _pull_state(target: PullTarget, pull: Mapping[str, Any]) -> PullState:
    statuses = await target.snapshot.combined_statuses()
    # Read again when the coverage or lint action wrote theirs (in this evaluation or the one
    # before: paasbot's own check runs send it no webhook): `check_run_writer` says so.
    runs = await target.snapshot.check_runs()
    checks: dict[str, CheckState] = {}
    for state, names in check_states(statuses, runs).items():
        for name in names:
            checks[name.lower()] = _CHECK_STATE.get(state, CheckState.PENDING)
    reviewers = reduce_reviews(await target.snapshot.reviews())
    return PullState(
        draft=bool(pull.get("draft")),
        mergeable=pull.get("mergeable"),
        mergeable_state=str(pull.get("mergeable_state") or "unknown"),
        checks=checks,
        approvals=sum(1 for reviewer in reviewers if reviewer.verdict == "APPROVED"),
        commits_behind=await target.snapshot.commits_behind(),
        cannot_update=_cannot_update(pull),
        own_failures=tuple(
            name
            for name, state in checks.items()
            if _is_report_check(name) and state is CheckState.FAILING
        ),
    )


def _is_report_check(name: str) -> bool:
    """paasbot's coverage and lint checks: the merge queue does not merge past their failure."""
    return name in (COVERAGE_CHECK, LINT_PREFIX) or name.startswith(LINT_PREFIX + "/")


def _cannot_update(pull: Mapping[str, Any]) -> str | None:
    """Why paasbot cannot update the PR's branch: a fork that does not allow maintainers' edits
    (GitHub refuses the update-branch call then)."""
    if _same_repository(pull) or pull.get("maintainer_can_modify"):
        return None
    fork = ((pull.get("head") or {}).get("repo") or {}).get("full_name") or "a deleted fork"
    return f"it is in the fork {fork}, which paasbot cannot update: its author can"


def _position_text(numbers: list[int], number: int, base: str) -> str:
    order = " → ".join(f"**#{n}**" if n == number else f"#{n}" for n in numbers)
    position = numbers.index(number) + 1
    return f"position {position} of {len(numbers)} in the `{base}` merge queue ({order})"


def _labels(pull: Mapping[str, Any]) -> list[str]:
    return [str(label.get("name")) for label in pull.get("labels") or () if label.get("name")]


async def _default_method(target: PullTarget) -> str:
    """The first method the repository allows, in GitHub's order: merge, squash, rebase."""
    repository = await target.api.getitem(
        "/repos/{+repository}", url_vars={"repository": target.repository}
    )
    for method in ("merge", "squash"):
        if repository.get(_ALLOWED_FLAGS[method], True):
            return method
    return "rebase"


async def _commit_text(
    given: ActionInput, options: MergeOptions, pull: Mapping[str, Any], method: str
) -> tuple[str | None, str | None]:
    if method == "rebase":
        return None, None  # GitHub keeps the commits' own messages
    title = render(options.commit_title, given.values, given.rule) if options.commit_title else None
    if title is None and method == "squash":
        title = messages.default_title(str(pull.get("title") or ""), given.target.number)
    if options.commit_message:
        return title, render(options.commit_message, given.values, given.rule)
    authors = await _commit_authors(given.target)
    login = str((pull.get("user") or {}).get("login") or "")
    trailers = messages.co_author_trailers(authors, login)
    return title, messages.default_message(pull.get("body"), trailers) or None


async def _commit_authors(target: PullTarget) -> list[messages.Author]:
    commits = target.api.getiter(
        "/repos/{+repository}/pulls/{number}/commits{?per_page}",
        url_vars={"repository": target.repository, "number": str(target.number), "per_page": "100"},
    )
    authors = []
    async for commit in commits:
        git_author = (commit.get("commit") or {}).get("author") or {}
        login = (commit.get("author") or {}).get("login")
        authors.append(
            messages.Author(
                str(git_author.get("name") or ""), str(git_author.get("email") or ""), login
            )
        )
    return authors


# The writes


def _leaving(target: PullTarget, why: str) -> Change:
    async def leave() -> None:
        async with target.db.transaction() as conn:
            next_up = await leave_queue_at_head(conn, target.repository, target.number)
        # Leaving without a merge moves nothing on GitHub: only this tells the next PR.
        if next_up is not None:
            target.queue_turns.append(next_up)

    return Change(f"leave the merge queue ({why})", leave)


def _merger(
    target: PullTarget,
    method: str,
    title: str | None,
    message: str | None,
    delete_branch: bool,
    pull: Mapping[str, Any],
) -> Callable[[], Awaitable[None]]:
    data: dict[str, Any] = {"sha": target.head_sha, "merge_method": method}
    if title is not None:
        data["commit_title"] = title
    if message is not None:
        data["commit_message"] = message

    async def merge() -> None:
        try:
            await target.api.put(
                "/repos/{+repository}/pulls/{number}/merge",
                url_vars={"repository": target.repository, "number": str(target.number)},
                data=data,
            )
        except (GitHubBroken, GitHubUnavailable):
            # The merge may have happened before the error: never merge again blindly. If it
            # did not, the evaluation is retried and merges only what is still open.
            if not await _merged_now(target):
                raise
        async with target.db.transaction() as conn:
            await leave_queue(conn, target.repository, target.number)
        if delete_branch and _same_repository(pull):
            await _delete_head(target, str(pull["head"]["ref"]))

    return merge


async def _merged_now(target: PullTarget) -> bool:
    fresh = await target.snapshot.refresh_pull()
    return bool(fresh.get("merged"))


def _same_repository(pull: Mapping[str, Any]) -> bool:
    head_repo = (pull.get("head") or {}).get("repo") or {}
    base_repo = (pull.get("base") or {}).get("repo") or {}
    return bool(head_repo) and head_repo.get("full_name") == base_repo.get("full_name")


async def _delete_head(target: PullTarget, ref: str) -> None:
    try:
        await target.api.delete(
            "/repos/{+repository}/git/refs/heads/{+ref}",
            url_vars={"repository": target.repository, "ref": ref},
        )
    except BadRequest as error:
        # 422: already deleted (e.g. by the repository's own "delete head branches" setting).
        if error.status_code not in (404, 422):
            raise
