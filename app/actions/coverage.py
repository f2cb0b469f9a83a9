"""`coverage`: the coverage CI uploaded for the PR's head, where reviewers look.

Writes the `paasbot/coverage` check run on the head SHA (success or failure against the targets,
neutral without one) with the uncovered added lines as annotations, and keeps one sticky PR
comment (found by its hidden marker and edited in place, never a new one per push)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from app.actions.base import ActionInput, Change, Plan, Status
from app.actions.options import ActionOptions, PathFixes, Percent
from app.actions.writes import check_run_writer, sticky_comment_change
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
        comment = await sticky_comment_change(
            target,
            MARKER,
            f"### Coverage: {title}\n\n{summary}",
            posting="post the coverage comment",
            editing="update the coverage comment",
        )
        changes += [comment] if comment else []
    detail = "; ".join([f"`{CHECK_NAME}` {verdict.conclusion}: {title}", *result.notes])
    return Plan(tuple(changes), detail=detail)
