"""`coverage`: the coverage CI uploaded for the PR's head, where reviewers look.

Writes the `paasbot/coverage` check run on the head SHA (success or failure against the targets,
neutral without one) with the uncovered added lines as annotations, and keeps one sticky PR
comment (found by its hidden marker and edited in place, never a new one per push)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, ClassVar

from pydantic import Field

from app.actions.base import ActionInput, Change, Plan, PullTarget, Status
from app.actions.options import ActionOptions, PathFixes, Percent
from app.actions.writes import check_run_writer, comment_writer
from app.github.checks import CheckRunContent, is_current
from app.reports import coverage_summary as shown
from app.reports.coverage_model import ReportError
from app.reports.pull_coverage import Computed, Waiting, pull_coverage

CHECK_NAME = "paasbot/coverage"
MARKER = "<!-- paasbot:coverage -->"


class CoverageOptions(ActionOptions):
    """Patch and project coverage from uploaded reports."""

    name: str | None = None
    patch_target: Percent | None = None
    project_target: Percent | None = None
    project_threshold: Percent | None = None
    path_fixes: PathFixes = []
    annotate: bool = True
    comment: bool = True
    wait_for: Annotated[int, Field(ge=1, le=50)] = 1


class CoverageAction:
    name: ClassVar[str] = "coverage"
    options: ClassVar[type[ActionOptions]] = CoverageOptions
    plans_when_unmatched: ClassVar[bool] = False

    def attributes(self, options: ActionOptions) -> set[str]:
        return set()

    async def plan(self, given: ActionInput) -> Plan:
        assert isinstance(given.options, CoverageOptions)
        options, target = given.options, given.target
        try:
            result = await pull_coverage(target, options.name, options.path_fixes, options.wait_for)
        except ReportError as error:
            return Plan(status=Status.FAILED, detail=f"a stored report cannot be read: {error}")
        if isinstance(result, Waiting):
            detail = f"waits for {result.expected} coverage report(s), {result.received} received"
            return Plan(status=Status.WAITING, detail=detail)
        return await _publish_plan(given, options, result)


async def _publish_plan(given: ActionInput, options: CoverageOptions, result: Computed) -> Plan:
    target = given.target
    targets = shown.Targets(options.patch_target, options.project_target, options.project_threshold)
    verdict = shown.verdict(result.figures, targets)
    title = shown.title(result.figures, verdict)
    summary = shown.summary(result.figures, targets, verdict)
    found = shown.annotations(result.figures.patch) if options.annotate else ()
    content = CheckRunContent(CHECK_NAME, title, summary, verdict.conclusion, annotations=found)
    changes = []
    if not await is_current(target.db, target.repository, target.head_sha, content):
        changes.append(
            Change(
                f"set `{CHECK_NAME}` {verdict.conclusion}",
                check_run_writer(target, content, given.now),
            )
        )
    if options.comment:
        comment = await _comment_change(target, f"### Coverage: {title}\n\n{summary}")
        changes += [comment] if comment else []
    detail = "; ".join([f"`{CHECK_NAME}` {verdict.conclusion}: {title}", *result.notes])
    return Plan(tuple(changes), detail=detail)


async def _comment_change(target: PullTarget, text: str) -> Change | None:
    """Posts the sticky comment, or edits it when its text changed; None when it is current."""
    body = f"{text}\n\n{MARKER}"
    existing = _sticky(await target.snapshot.issue_comments())
    if existing is None:
        return Change("post the coverage comment", comment_writer(target, body))
    if existing.get("body") == body:
        return None
    return Change("update the coverage comment", _editor(target, existing["id"], body))


def _sticky(comments: list[Any]) -> Any:
    ours = [comment for comment in comments if MARKER in (comment.get("body") or "")]
    return ours[0] if ours else None


def _editor(target: PullTarget, comment_id: int, body: str) -> Callable[[], Awaitable[None]]:
    async def edit() -> None:
        await target.api.patch(
            "/repos/{+repository}/issues/comments/{comment_id}",
            url_vars={"repository": target.repository, "comment_id": str(comment_id)},
            data={"body": body},
        )

    return edit
