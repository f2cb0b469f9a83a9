"""`lint`: the findings CI uploaded for the PR's head, on the lines the PR touched.

One check run per report name on the head SHA (`paasbot/lint`, or `paasbot/lint/<name>`) with the
kept findings as annotations and a summary of what was kept and filtered out; with
`review_comments: true`, findings on diff lines become inline comments of one PR review per head
commit instead (deduplicated across pushes by a hidden fingerprint)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, field_validator

from app.actions.base import ActionInput, Change, Plan, PullTarget, Status
from app.actions.options import ActionOptions, PathFixes
from app.actions.writes import check_run_writer
from app.github.checks import CheckRunContent, is_current
from app.reports import lint_summary as shown
from app.reports.lint_formats.errorformat import compile_patterns
from app.reports.lint_model import Finding, ReportError
from app.reports.lint_review import (
    MAX_REVIEW_COMMENTS,
    DraftComment,
    draft_comments,
    fingerprints_in,
)
from app.reports.lint_summary import LintFigures
from app.reports.pull_lint import PullLint, pull_lint

REVIEW_HEADING = "paasbot found {count} on the lines this push changed."
REVIEW_MARK = "<!-- paasbot:lint-review -->"


class LintOptions(ActionOptions):
    """Findings of uploaded lint reports on the lines the PR touched."""

    name: str | None = None
    filter: Literal["added", "diff_context", "file", "nofilter"] = "added"
    fail_on: Literal["error", "warning", "notice", "never"] = "error"
    max_annotations: Annotated[int, Field(ge=0, le=1000)] = 200
    review_comments: bool = False
    path_fixes: PathFixes = []
    patterns: list[Annotated[str, Field(min_length=1, max_length=500)]] = []

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        compile_patterns(patterns)  # ValueError names the bad pattern
        return patterns


class LintAction:
    name: ClassVar[str] = "lint"
    options: ClassVar[type[ActionOptions]] = LintOptions
    plans_when_unmatched: ClassVar[bool] = False

    def attributes(self, options: ActionOptions) -> set[str]:
        return set()

    async def plan(self, given: ActionInput) -> Plan:
        assert isinstance(given.options, LintOptions)
        options, target = given.options, given.target
        try:
            found = await pull_lint(
                target, options.name, options.path_fixes, options.patterns, options.filter
            )
        except ReportError as error:
            return Plan(status=Status.FAILED, detail=f"a stored report cannot be read: {error}")
        if found is None:
            which = f"named `{options.name}` " if options.name else ""
            return Plan(
                status=Status.WAITING, detail=f"waits for a lint report {which}for the head"
            )
        return await _publish_plan(given, options, found)


async def _publish_plan(given: ActionInput, options: LintOptions, found: PullLint) -> Plan:
    target = given.target
    changes: list[Change] = []
    details: list[str] = []
    commented: set[Finding] = set()
    if options.review_comments:
        review, commented = await _review_change(target, found)
        changes += [review] if review else []
    for figures in found.figures:
        content = _check_content(figures, options, frozenset(commented))
        if not await is_current(target.db, target.repository, target.head_sha, content):
            description = f"set `{content.name}` {content.conclusion}"
            changes.append(Change(description, check_run_writer(target, content, given.now)))
        details.append(f"`{content.name}` {content.conclusion}: {content.title}")
    return Plan(tuple(changes), detail="; ".join(details))


def _check_content(
    figures: LintFigures, options: LintOptions, commented: frozenset[Finding]
) -> CheckRunContent:
    found, omitted = shown.annotations(figures, options.max_annotations, commented)
    summary = shown.summary(figures, options.fail_on, omitted)
    in_review = len(commented & set(figures.kept))
    if in_review:
        summary += f"\n\n{in_review} of them are review comments."
    return CheckRunContent(
        shown.check_name(figures.name),
        shown.title(figures),
        summary,
        shown.conclusion(figures.kept, options.fail_on),
        annotations=found,
    )


async def _review_change(target: PullTarget, found: PullLint) -> tuple[Change | None, set[Finding]]:
    """One review per head commit with the new findings' comments; the findings that have a
    comment (now or from an earlier push)."""
    existing = await target.snapshot.review_comments()
    prints = fingerprints_in(comment.get("body") or "" for comment in existing)
    drafts: list[DraftComment] = []
    commented: set[Finding] = set()
    for figures in found.figures:
        ordered = sorted(figures.kept, key=lambda f: (f.level.rank, f.path, f.line or 0))
        budget = MAX_REVIEW_COMMENTS - len(drafts)
        new, has = draft_comments(
            figures.name, figures.tool, ordered, found.changed, prints, budget
        )
        drafts += new
        commented |= has
    if not drafts:
        return None, commented
    if await _reviewed_this_head(target):
        # One review per head commit: what it would add stays annotated until the next push.
        return None, commented - {draft.finding for draft in drafts}
    description = f"review with {len(drafts)} inline comment(s)"
    return Change(description, _reviewer(target, drafts)), commented


async def _reviewed_this_head(target: PullTarget) -> bool:
    """paasbot reviews each head commit once: a review of its own on the head already holds
    what could be commented on it."""
    reviews = await target.snapshot.reviews()
    return any(
        review.get("commit_id") == target.head_sha and REVIEW_MARK in (review.get("body") or "")
        for review in reviews
    )


def _reviewer(target: PullTarget, drafts: list[DraftComment]) -> Callable[[], Awaitable[None]]:
    async def post() -> None:
        body = REVIEW_HEADING.format(count=_findings(len(drafts))) + f"\n\n{REVIEW_MARK}"
        data: dict[str, Any] = {
            "commit_id": target.head_sha,
            "event": "COMMENT",
            "body": body,
            "comments": [draft.payload() for draft in drafts],
        }
        await target.api.post(
            "/repos/{+repository}/pulls/{number}/reviews",
            url_vars={"repository": target.repository, "number": str(target.number)},
            data=data,
        )

    return post


def _findings(count: int) -> str:
    return f"{count} finding" + ("" if count == 1 else "s")
