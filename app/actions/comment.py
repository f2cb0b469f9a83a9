"""`comment`: post a comment when the rule starts matching, once per transition into matching
(or once per pull request with `per: pull_request`), never on every evaluation.

Each comment carries a hidden marker naming the rule and the transition, and the PR's comments
are read before posting, so a crash between posting and remembering it cannot post twice."""

from __future__ import annotations

import hashlib
from typing import ClassVar, Literal

from app.actions.base import ActionInput, Change, Plan, PullTarget, Status
from app.actions.options import ActionOptions, Template
from app.actions.writes import comment_writer
from app.engine.templates import TemplateProblem, check_template, render


class CommentOptions(ActionOptions):
    body: Template
    per: Literal["transition", "pull_request"] = "transition"


class CommentAction:
    name: ClassVar[str] = "comment"
    options: ClassVar[type[ActionOptions]] = CommentOptions
    plans_when_unmatched: ClassVar[bool] = True

    def attributes(self, options: ActionOptions) -> set[str]:
        assert isinstance(options, CommentOptions)
        return check_template(options.body)

    async def plan(self, given: ActionInput) -> Plan:
        assert isinstance(given.options, CommentOptions)
        memory = dict(given.memory)
        transitions = int(memory.get("transitions", 0))
        if not given.matched:
            # Leaving the matching state arms the next transition.
            memory["armed"] = True
            return Plan(status=Status.SKIPPED, detail="waits for the rule to match", memory=memory)
        # A rule with `on:` matches afresh each time one of its events wakes it.
        armed = memory.get("armed") or given.edge
        if memory.get("posted") and not (armed and given.options.per == "transition"):
            return Plan(detail="posted already", memory=memory)
        return await _post_plan(given, transitions + 1)


async def _post_plan(given: ActionInput, transition: int) -> Plan:
    assert isinstance(given.options, CommentOptions)
    marker = _marker(given.rule, transition)
    remembered = {"posted": True, "armed": False, "transitions": transition}
    if await _already_posted(given.target, marker):
        return Plan(detail="posted already", memory=remembered)
    try:
        body = render(given.options.body, given.values, given.rule)
    except TemplateProblem as problem:
        return Plan(status=Status.FAILED, detail=problem.message)
    text = f"{body}\n\n{marker}"
    return Plan((Change("post a comment", comment_writer(given.target, text)),), memory=remembered)


def _marker(rule: str, transition: int) -> str:
    digest = hashlib.sha256(rule.encode()).hexdigest()[:16]
    return f"<!-- paasbot:comment rule={digest} transition={transition} -->"


async def _already_posted(target: PullTarget, marker: str) -> bool:
    comments = await target.snapshot.issue_comments()
    return any(marker in (comment.get("body") or "") for comment in comments)
