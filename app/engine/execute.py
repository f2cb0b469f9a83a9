"""Runs the actions of evaluated rules: each plans the difference, the executor makes it (or, in
a dry run or while an action flaps, only reports it) and remembers the outcome.

A GitHub refusal (4xx) fails one action and is reported; anything else (GitHub unavailable,
the rate limit) propagates, so the whole evaluation is retried later: actions are idempotent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gidgethub import BadRequest, RateLimitExceeded

from app.actions.base import Action, ActionInput, Plan, PullTarget, Status
from app.actions.registry import ACTIONS
from app.config.model import ActionSpec
from app.engine.conditions import Facts, FactValue
from app.engine.evaluate import RuleResult
from app.engine.flapping import flapping_message, is_flapping, with_change
from app.engine.memory import ActionMemory, PullMemory


@dataclass(frozen=True)
class ActionReport:
    rule: str
    action: str
    # done | would (dry run) | waiting | failed | skipped | stopped | unavailable
    status: str
    detail: str
    changes: tuple[str, ...] = ()


@dataclass
class ActionExecutor:
    target: PullTarget
    facts: Facts
    values: Mapping[str, FactValue]
    memory: PullMemory
    dry_run: bool
    now: float

    async def run(self, results: list[RuleResult]) -> list[ActionReport]:
        reports: list[ActionReport] = []
        for result in results:
            was_matched = self.memory.rule_matched(result.rule.name)
            for spec in result.rule.actions:
                reports.append(await self._run_one(result, spec, was_matched))
            if result.triggered:
                self.memory.set_rule_matched(result.rule.name, result.matched)
        return reports

    async def _run_one(
        self, result: RuleResult, spec: ActionSpec, was_matched: bool | None
    ) -> ActionReport:
        rule = result.rule.name
        plugin = ACTIONS.get(spec.name)
        if plugin is None:
            return ActionReport(
                rule,
                spec.name,
                "unavailable",
                "it runs in release rules (on: [release.published]), not on pull requests",
            )
        remembered = self.memory.action(rule, spec.name)
        if remembered.stopped:
            return ActionReport(rule, spec.name, "stopped", remembered.stopped)
        skip = _reason_to_skip(result, plugin)
        if skip is not None:
            return ActionReport(rule, spec.name, "skipped", skip)
        given = ActionInput(
            rule=rule,
            options=spec.options,
            matched=result.matched,
            was_matched=was_matched,
            target=self.target,
            outcome=result.outcome,
            facts=self.facts,
            values=self.values,
            memory=remembered.state,
            now=self.now,
            edge=bool(result.rule.triggers) and result.triggered,
        )
        try:
            plan = await plugin.plan(given)
        except BadRequest as error:
            _propagate_rate_limit(error)
            return ActionReport(rule, spec.name, "failed", _refusal(error))
        return await self._carry_out(rule, spec.name, plan, remembered)

    async def _carry_out(
        self, rule: str, action: str, plan: Plan, remembered: ActionMemory
    ) -> ActionReport:
        described = tuple(change.description for change in plan.changes)
        status = plan.status.value
        if not plan.changes:
            self._remember(rule, action, remembered, plan, changed=False)
            return ActionReport(rule, action, status, plan.detail)
        if self.dry_run:
            return ActionReport(rule, action, "would", plan.detail, described)
        remembered.on_head(self.target.head_sha)
        if is_flapping(remembered.changes, self.now):
            remembered.stopped = flapping_message(len(remembered.changes))
            self.memory.set_action(rule, action, remembered)
            return ActionReport(rule, action, "stopped", remembered.stopped, described)
        for done, change in enumerate(plan.changes):
            try:
                await change.perform()
            except BadRequest as error:
                _propagate_rate_limit(error)
                if done:
                    self._count_change(rule, action, remembered)
                reason = f"{change.description}: {_refusal(error)}"
                return ActionReport(rule, action, "failed", reason, described[:done])
        self._remember(rule, action, remembered, plan, changed=True)
        return ActionReport(rule, action, status, plan.detail, described)

    def _remember(
        self, rule: str, action: str, remembered: ActionMemory, plan: Plan, *, changed: bool
    ) -> None:
        if plan.memory is not None:
            remembered.state = dict(plan.memory)
        if changed:
            remembered.changes = with_change(remembered.changes, self.now)
        if plan.status is not Status.FAILED:
            self.memory.set_action(rule, action, remembered)
        elif changed:
            self._count_change(rule, action, remembered)

    def _count_change(self, rule: str, action: str, remembered: ActionMemory) -> None:
        """A change made counts towards flapping even when the action then failed (its state
        is not remembered: the rest is planned again next time)."""
        counted = self.memory.action(rule, action)
        counted.on_head(self.target.head_sha)
        counted.changes = with_change(counted.changes, self.now)
        self.memory.set_action(rule, action, counted)


def _reason_to_skip(result: RuleResult, plugin: Action) -> str | None:
    if not result.triggered:
        events = ", ".join(sorted(result.rule.triggers))
        return f"waits for one of: {events}"
    if not result.matched and not plugin.plans_when_unmatched:
        return "waits for the conditions"
    return None


def _propagate_rate_limit(error: BadRequest) -> None:
    """gidgethub's RateLimitExceeded is a BadRequest (403), but it refuses nothing: the whole
    evaluation waits for the reset."""
    if isinstance(error, RateLimitExceeded):
        raise error


def _refusal(error: BadRequest) -> str:
    message = error.args[0] if error.args else ""
    return f"GitHub answered {error.status_code}" + (f": {message}" if message else "")
