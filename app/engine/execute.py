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
from app.store.ledger import record_action


@dataclass(frozen=True)
class ActionReport:
    rule: str
    action: str
    # done | would (dry run) | waiting | failed | skipped | stopped | unavailable
    status: str
    detail: str
    changes: tuple[str, ...] = ()


def _memory_rule(rule: str, action: str) -> str:
    """ONE_PER_PULL actions remember under no rule: whichever rule runs them sees the memory."""
    return SHARED_MEMORY if action in ONE_PER_PULL else rule


# Actions whose state is one per pull request (its place in the merge queue): a rule that does
# not match leaves it alone while another rule with the same action matches, instead of undoing
# what that rule does (two merge rules would otherwise take turns adding and removing the PR).
ONE_PER_PULL = frozenset({"merge"})
SHARED_MEMORY = ""  # no rule is called that (names are not empty)


@dataclass
class ActionExecutor:
    target: PullTarget
    facts: Facts
    values: Mapping[str, FactValue]
    memory: PullMemory
    dry_run: bool
    now: float
    # Plans and reports exactly as a real run would, but performs no change (`paasbot simulate`).
    simulation: bool = False

    async def run(self, results: list[RuleResult]) -> list[ActionReport]:
        reports: list[ActionReport] = []
        owners = _owners(results)
        for result in results:
            was_matched = self.memory.rule_matched(result.rule.name)
            for spec in result.rule.actions:
                owner = owners.get(spec.name)
                if owner is not None and owner.rule.name != result.rule.name:
                    does = "matches and carries it out" if owner.matched else "takes care of it"
                    detail = f"rule {owner.rule.name!r} {does}"
                    reports.append(ActionReport(result.rule.name, spec.name, "skipped", detail))
                    continue
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
        remembered = self.memory.action(_memory_rule(rule, spec.name), spec.name)
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
        self, shown_rule: str, action: str, plan: Plan, remembered: ActionMemory
    ) -> ActionReport:
        rule = _memory_rule(shown_rule, action)
        described = tuple(change.description for change in plan.changes)
        status = plan.status.value
        if not plan.changes:
            self._remember(rule, action, remembered, plan, changed=False)
            return ActionReport(shown_rule, action, status, plan.detail)
        if self.dry_run:
            return ActionReport(shown_rule, action, "would", plan.detail, described)
        remembered.on_head(self.target.head_sha)
        if is_flapping(remembered.changes, self.now):
            remembered.stopped = flapping_message(len(remembered.changes))
            self.memory.set_action(rule, action, remembered)
            return ActionReport(shown_rule, action, "stopped", remembered.stopped, described)
        if self.simulation:
            return ActionReport(shown_rule, action, status, plan.detail, described)
        for done, change in enumerate(plan.changes):
            try:
                await change.perform()
            except BadRequest as error:
                _propagate_rate_limit(error)
                if done:
                    self._count_change(rule, action, remembered)
                    await self._ledger(shown_rule, action, "failed")
                reason = f"{change.description}: {_refusal(error)}"
                return ActionReport(shown_rule, action, "failed", reason, described[:done])
        self._remember(rule, action, remembered, plan, changed=True)
        await self._ledger(shown_rule, action, "failed" if plan.status is Status.FAILED else "done")
        return ActionReport(shown_rule, action, status, plan.detail, described)

    async def _ledger(self, rule: str, action: str, outcome: str) -> None:
        """An action that changed something on GitHub, in the insights ledger (a dry run and a
        simulation change nothing and never get here)."""
        target = self.target
        if self.dry_run or self.simulation or target.simulation or target.db is None:
            return  # (no database: a unit test's bare target)
        async with target.db.transaction() as conn:
            await record_action(
                conn,
                repository=target.repository,
                number=target.number,
                rule=rule,
                action=action,
                outcome=outcome,
                at=self.now,
                installation_id=getattr(target.api, "installation_id", None),
            )

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


def _owners(results: list[RuleResult]) -> dict[str, RuleResult]:
    """For each ONE_PER_PULL action: the rule that runs it this time, the first that matches,
    else the first woken (to keep or leave the queue place)."""
    owners: dict[str, RuleResult] = {}
    for wanted in (lambda r: r.matched, lambda r: r.triggered):
        for result in results:
            for spec in result.rule.actions:
                if spec.name in ONE_PER_PULL and wanted(result):
                    owners.setdefault(spec.name, result)
    return owners


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
