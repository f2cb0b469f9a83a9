"""One evaluation of a pull request: configuration, commands, facts, rules, actions, summary.

Reads only what the rules need (lazy facts), writes only differences (idempotent actions, a
summary rewritten only when its text changes), and remembers per PR what it did."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gidgethub import BadRequest, RateLimitExceeded

from app.actions.base import PullTarget
from app.actions.coverage import CoverageOptions
from app.actions.registry import ACTIONS
from app.config.loader import LoadedConfig
from app.config.model import Config, Rule
from app.config.triggers import event_names, is_release_only
from app.engine.carried_facts import (
    PULL,
    REVIEWS,
    Update,
    absorb,
    changed_families,
    document_of,
    reusable,
    update_from,
)
from app.engine.command_answers import CommandAnswers, answer_commands
from app.engine.command_effects import carry_out_commands
from app.engine.commands import CommandRequest, command_from_payload
from app.engine.conditions import FactValue, decided
from app.engine.config_check import check_pull_config
from app.engine.evaluate import RuleResult, evaluate_rules
from app.engine.execute import ActionExecutor, ActionReport
from app.engine.memory import PullMemory
from app.engine.pull_facts import PROVIDED, FactNeeds, PullRequestFacts, needs_of
from app.engine.services import EngineServices
from app.engine.snapshot import PullRequestSnapshot
from app.engine.summary import SummaryView, is_unconfigured, summary_content
from app.engine.teams import TeamDirectory
from app.github.checks import publish_check_run
from app.metrics import record_actions
from app.reports.coverage_model import ReportError
from app.reports.pull_coverage import Computed, pull_coverage
from app.store.db import Database
from app.store.deliveries import StoredDelivery
from app.store.merge_queue import queued_entry
from app.store.pull_index import set_wakes_on_base_push
from app.store.pull_memory import load_memory, save_memory

# Attributes a push to the base branch changes: read only when a rule's other conditions do not
# decide it (an unapproved PR's summary does not follow every push to main).
BASE_DEPENDENT = frozenset({"#commits-behind", "conflict"})
WAKES_ON_BASE_PUSH = "wakes_on_base_push"


@dataclass(frozen=True)
class Wakeup:
    """What woke paasbot for this PR: `on:` event names, the latest sender, comment commands."""

    events: frozenset[str] = frozenset()
    sender: str | None = None
    commands: tuple[CommandRequest, ...] = ()
    # The statuses and check runs the deliveries carry, and the events whose payload says all
    # they changed (folded into the reads kept from the previous evaluation, not read again).
    updates: tuple[Update, ...] = ()
    told: frozenset[str] = frozenset()

    @property
    def changing(self) -> frozenset[str]:
        """The events that may have changed what the previous evaluation read."""
        return self.events - self.told


def wakeup_from(
    deliveries: Iterable[StoredDelivery], undelivered: Iterable[tuple[str, str | None]] = ()
) -> Wakeup:
    """`undelivered`: (event, action) of what woke the PR without a webhook delivery (a report
    upload), which has no payload, so no sender and no commands."""
    # What a payload does not describe (all that came without one) may have changed anything.
    untold = _undelivered_names(undelivered)
    events = set(untold)
    sender: str | None = None
    commands: list[CommandRequest] = []
    updates: list[Update] = []
    for delivery in deliveries:
        names = event_names(delivery.event, delivery.action)
        events |= names
        payload = json.loads(delivery.payload)
        update = update_from(delivery.event, payload)
        if update is None:
            untold |= names
        else:
            updates.append(update)
        login = (payload.get("sender") or {}).get("login")
        sender = login if isinstance(login, str) else sender
        if delivery.event == "issue_comment":
            request = command_from_payload(payload)
            if request is not None:
                commands.append(request)
    told = frozenset(events - untold)
    return Wakeup(frozenset(events), sender, tuple(commands), tuple(updates), told)


def _undelivered_names(undelivered: Iterable[tuple[str, str | None]]) -> set[str]:
    names: set[str] = set()
    for event, action in undelivered:
        names |= event_names(event, action)
    return names


@dataclass
class PullEvaluation:
    target: PullTarget
    services: EngineServices
    db: Database
    subject_key: str
    wakeup: Wakeup
    now: float
    notes: list[str] = field(default_factory=list)
    # Reads only: no GitHub write, no database write (`paasbot simulate`, `app/engine/simulate.py`).
    simulation: bool = False
    # Whether a rule's outcome depended on how the head stands against its base branch (set by
    # the evaluation): only then does a push to the base branch wake the PR.
    reads_base: bool = True
    # The PR's memory document when the caller already read it (None: read it here).
    memory_document: dict[str, Any] | None = None

    async def run(self) -> str:
        """Evaluates the PR and publishes the summary; returns how the summary was written."""
        view, memory = await self.evaluate()
        if is_unconfigured(view):
            # No file configures the repository (nor its organisation): paasbot stays out of
            # its pull requests until its onboarding PR (or a person) adds one.
            await self._save(memory)
            return "not written (no configuration)"
        written = await publish_check_run(
            self.db,
            self.target.api,
            self.target.repository,
            self.target.head_sha,
            summary_content(view),
            self.now,
        )
        await self._save(memory)
        return written

    async def _save(self, memory: PullMemory) -> None:
        memory.document["facts"] = document_of(self.target.snapshot.carried_forward())
        target = self.target
        known = memory.document.get(WAKES_ON_BASE_PUSH)
        async with self.db.transaction() as conn:
            # A queued PR follows its base branch too: the merge before it moves the queue.
            wakes = (
                self.reads_base
                or target.snapshot.was_asked("commits_behind")
                or await queued_entry(conn, target.repository, target.number) is not None
            )
            memory.document[WAKES_ON_BASE_PUSH] = wakes
            await save_memory(conn, self.subject_key, memory.document, self.now)
            if known != wakes:
                await set_wakes_on_base_push(conn, target.repository, target.number, wakes)

    async def evaluate(self, given: LoadedConfig | None = None) -> tuple[SummaryView, PullMemory]:
        """Everything but publishing the summary and saving the memory. A `simulation` answers
        no command, publishes no `paasbot/config` check and makes none of the changes, it only
        reports them; it alone may run a `given` configuration instead of the live one."""
        if given is not None and not self.simulation:
            raise ValueError("only a simulation runs a configuration that is not the live one")
        document = self.memory_document
        if document is None:
            async with self.db.reader() as conn:
                document = await load_memory(conn, self.subject_key)
        memory = PullMemory(document)
        answers = CommandAnswers()
        if not self.simulation:
            answers = await answer_commands(
                self.target, self.wakeup.commands, memory, self.services.permissions
            )
        self.notes += answers.notes
        if answers.refresh:
            self.services.config.forget(self.target.repository)
        if not self.simulation and not self.target.snapshot.reusing:
            reuse_carried_facts(
                self.target.snapshot,
                memory.document,
                self.wakeup,
                self.now,
                self.services.carried_facts_max_age,
            )
        live = await self.services.config.load(self.target.api, self.target.repository)
        await self._check_config_change(memory, live.dependencies)
        return await self._evaluate(given or live, memory, answers), memory

    async def _check_config_change(self, memory: PullMemory, readable: tuple[str, ...]) -> None:
        """Once per head SHA; the note stays in the summary while that SHA is the head."""
        if memory.config_checked_for != self.target.head_sha:
            try:
                note = await check_pull_config(
                    self.target, self.now, readable, publish=not self.simulation
                )
            except BadRequest as error:
                # A refusal (e.g. the app may not read a fork's file) must not stop the rules.
                if isinstance(error, RateLimitExceeded):
                    raise
                note = f"The `paasbot/config` check failed: GitHub answered {error.status_code}."
            memory.set_config_checked(self.target.head_sha, note)
        if memory.config_note:
            self.notes.append(memory.config_note)

    async def _evaluate(
        self, loaded: LoadedConfig, memory: PullMemory, answers: CommandAnswers
    ) -> SummaryView:
        notes = tuple(self.notes)
        if loaded.config is None:
            return SummaryView(files=loaded.files, problems=loaded.problems, notes=notes)
        config = loaded.config
        memory.reset_if_config_changed(config.digest)
        if answers.refresh:
            memory.lift_stops()
        rules = pull_request_rules(config)
        memory.keep_only({rule.name for rule in rules})
        notes += tuple(
            await carry_out_commands(
                self.target,
                rules,
                answers.accepted,
                dry_run=config.dry_run or self.simulation,
                now=self.now,
            )
        )
        results, reports, facts = await self._run_rules(config, rules, memory, answers)
        missing = [
            f"The team @{team} does not exist or paasbot cannot see it."
            for team in facts.missing_teams
        ]
        return SummaryView(
            tuple(results), tuple(reports), loaded.files, (), (*notes, *missing), config.dry_run
        )

    async def _run_rules(
        self, config: Config, rules: list[Rule], memory: PullMemory, answers: CommandAnswers
    ) -> tuple[list[RuleResult], list[ActionReport], PullRequestFacts]:
        facts = PullRequestFacts(
            self.target.snapshot,
            sender=self.wakeup.sender,
            teams=TeamDirectory(self.target.api, self.services.teams),
            permissions=self.services.permissions,
            own_app_id=self.services.own_app_id,
        )
        needs = needs_of(rule.conditions for rule in rules if rule.conditions)
        read_by_actions = action_attributes(rules)
        if (needs.attributes | read_by_actions) & PROVIDED:
            facts.provide(await coverage_facts(self.target, rules))
        deferred = (needs.attributes & BASE_DEPENDENT) - read_by_actions
        await facts.prepare_for(without(needs, deferred))
        await facts.prepare(read_by_actions)
        now = datetime.fromtimestamp(self.now, UTC)
        if any(
            decided(rule.conditions, facts, now, deferred) is None
            for rule in rules
            if rule.conditions is not None
        ):
            await facts.prepare(deferred)
            deferred = frozenset()
        on_push = any(t.partition(".")[0] == "push" for rule in rules for t in rule.triggers)
        self.reads_base = on_push or (bool(needs.attributes & BASE_DEPENDENT) and not deferred)
        events = self.wakeup.events | frozenset(answers.events)
        results = evaluate_rules(rules, facts, events, now, deferred)
        executor = ActionExecutor(
            self.target,
            facts,
            facts.prepared_values(),
            memory,
            config.dry_run,
            self.now,
            simulation=self.simulation,
        )
        reports = await executor.run(results)
        written = [r for r in reports if r.changes and r.status != "would"]
        if answers.accepted or written:
            # Written to the PR: its webhook may come after CI's next event, which would find
            # the pull (labels, requested reviewers) as it was before; the lint action's
            # review, the reviews.
            self.target.snapshot.forget(PULL)
        if any(report.action == "lint" for report in written):
            self.target.snapshot.forget(REVIEWS)
        if not self.simulation:
            record_actions(reports)
        return results, reports, facts


async def coverage_facts(target: PullTarget, rules: list[Rule]) -> dict[str, FactValue]:
    """`coverage-patch` and `coverage-project` of the head commit's reports, read with the
    options of the first `coverage` action (none until the reports it waits for arrived)."""
    options = next(
        (spec.options for rule in rules for spec in rule.actions if spec.name == "coverage"),
        CoverageOptions(),
    )
    assert isinstance(options, CoverageOptions)
    try:
        found = await pull_coverage(target, options.name, options.path_fixes, options.wait_for)
    except ReportError:
        found = None
    if not isinstance(found, Computed):
        return {"coverage-patch": None, "coverage-project": None}
    figures = found.figures
    return {"coverage-patch": figures.patch.percent, "coverage-project": figures.project}


def reuse_carried_facts(
    snapshot: PullRequestSnapshot,
    memory_document: Mapping[str, Any],
    wakeup: Wakeup,
    now: float,
    max_age: float,
) -> None:
    """Lets the snapshot reuse what the previous evaluation read and the events that woke this
    one did not change (`/paasbot refresh`, whoever asks, reads everything again)."""
    refresh = any(command.name == "refresh" for command in wakeup.commands)
    changed = changed_families(wakeup.changing, refresh=refresh)
    carried = reusable(memory_document.get("facts") or {}, changed, now, max_age)
    snapshot.reuse(absorb(carried, wakeup.updates), now)


def without(needs: FactNeeds, names: frozenset[str]) -> FactNeeds:
    return FactNeeds(
        attributes=needs.attributes - names,
        count_only=needs.count_only - names,
        teams=needs.teams,
        counted=needs.counted - names,
    )


def pull_request_rules(config: Config) -> list[Rule]:
    """The rules that apply to pull requests (release rules run on releases)."""
    return [rule for rule in config.rules if not is_release_only(rule.triggers)]


def action_attributes(rules: Iterable[Rule]) -> set[str]:
    """Attributes the actions read (templates), beyond those the conditions test."""
    wanted: set[str] = set()
    for rule in rules:
        for spec in rule.actions:
            plugin = ACTIONS.get(spec.name)
            if plugin is not None:
                wanted |= plugin.attributes(spec.options)
    return wanted
