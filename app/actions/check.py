"""`check`: a check run of your own on the head SHA that follows its rule: `success` while the
rule matches, `failure` (or `neutral`) while it does not, with the conditions in its summary.
Branch protection can require it, so a template that fails fails the action but never the gate:
the run still follows the rule, under its default title. It is written only when its content
changes."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator

from app.actions.base import ActionInput, Change, Plan, Status
from app.actions.options import ActionOptions, Template
from app.actions.writes import check_run_writer
from app.engine.summary_text import conditions_markdown
from app.engine.templates import TemplateProblem, check_template, render
from app.github.checks import CheckRunContent, is_current

CheckName = Annotated[str, Field(min_length=1, max_length=100)]
# The summary, the configuration check, and the report actions' checks.
RESERVED_NAMES = frozenset(
    {"paasbot", "paasbot/config", "paasbot/coverage", "paasbot/lint", "paasbot/propagate"}
)
RESERVED_PREFIXES = ("paasbot/lint/",)


def is_reserved(name: str) -> bool:
    folded = name.strip().casefold()
    return folded in RESERVED_NAMES or folded.startswith(RESERVED_PREFIXES)


class CheckOptions(ActionOptions):
    name: CheckName | None = None
    title: Template | None = None
    summary: Template | None = None
    unmatched: Literal["failure", "neutral"] = "failure"

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, name: str | None) -> str | None:
        if name is not None and is_reserved(name):
            raise ValueError(f"{name.strip()!r} is the name of paasbot's own check; choose another")
        return name


def check_name(rule: str, options: CheckOptions) -> str:
    """The explicit name, else `paasbot/<rule>` (`paasbot/rule: <rule>` when that would be the
    name of one of paasbot's own checks, e.g. a rule called "config")."""
    if options.name:
        return options.name
    default = f"paasbot/{rule}"
    if is_reserved(default):
        default = f"paasbot/rule: {rule}"
    return default[:100]


class CheckAction:
    name: ClassVar[str] = "check"
    options: ClassVar[type[ActionOptions]] = CheckOptions
    plans_when_unmatched: ClassVar[bool] = True

    def attributes(self, options: ActionOptions) -> set[str]:
        assert isinstance(options, CheckOptions)
        return set().union(*(check_template(t) for t in (options.title, options.summary) if t))

    async def plan(self, given: ActionInput) -> Plan:
        assert isinstance(given.options, CheckOptions)
        content, problem = _content(given, given.options)
        shown = f"`{content.name}` {content.conclusion}"
        status, detail = (Status.FAILED, f"{shown}; {problem}") if problem else (Status.DONE, shown)
        target = given.target
        if await is_current(target.db, target.repository, target.head_sha, content):
            return Plan(status=status, detail=detail)
        change = Change(f"set {shown}", check_run_writer(target, content, given.now))
        return Plan((change,), status=status, detail=detail)


def _content(given: ActionInput, options: CheckOptions) -> tuple[CheckRunContent, str | None]:
    """The check run, and the problem of a template that failed: the conclusion follows the rule
    even then (branch protection may require this check), under the default title."""
    conclusion = "success" if given.matched else options.unmatched
    default_title = f"{given.rule}: {'matches' if given.matched else 'does not match'}"
    try:
        title = render(options.title, given.values, given.rule) if options.title else None
        parts = [render(options.summary, given.values, given.rule)] if options.summary else []
        problem = None
    except TemplateProblem as failure:
        title, parts, problem = None, [f"⚠️ {failure.message}"], failure.message
    if given.outcome is not None:
        parts.append(conditions_markdown(given.outcome))
    summary = "\n\n".join(parts) or f"The rule {given.rule!r} has no conditions."
    name = check_name(given.rule, options)
    return CheckRunContent(name, title or default_title, summary, conclusion), problem
