"""`ActionExecutor`: which actions run, what a dry run and a flapping action do, which failures
fail one action and which the whole evaluation, and what is remembered.

The decisions are tested with a recording plugin (no HTTP); the real `label`, `comment` and
`check` actions run against the simulator over real HTTP, the database on both engines."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, ClassVar, cast

import aiohttp
import gidgethub.aiohttp
import pytest
from gidgethub import BadRequest, GitHubBroken

from app.actions.base import Action, ActionInput, Change, Plan, PullTarget, Status
from app.actions.check import CheckOptions
from app.actions.comment import CommentOptions
from app.actions.label import LabelOptions
from app.actions.options import ActionOptions
from app.actions.propagate import PropagateOptions
from app.config.model import ActionSpec, Origin, Rule
from app.engine import execute
from app.engine.conditions import FactValue, StaticFacts, parse_tree
from app.engine.evaluate import RuleResult, evaluate_rules
from app.engine.execute import ActionExecutor, ActionReport
from app.engine.flapping import FLAP_LIMIT, flapping_message
from app.engine.memory import ActionMemory, PullMemory
from app.github.client import GitHubApp, InstallationAPI
from app.github.errors import RescheduleRequired
from app.sandbox.actors_pulls import remove_label
from app.sandbox.faults import Fault
from app.sandbox.models import PullRequest
from app.sandbox.ops.issues import comments_on
from app.store.db import Database
from tests.action_world import NOW, api_calls, open_pull, target_for, writes
from tests.facts_world import (  # noqa: F401
    REPO,
    World,
    api_fixture,
    clock_fixture,
    github_fixture,
    simulator_state_fixture,
    world_fixture,
)

MOMENT = datetime.fromtimestamp(NOW, UTC)
UNAVAILABLE = "it runs in release rules (on: [release.published]), not on pull requests"
READ_ONLY = {"pull_requests": "read", "issues": "read", "checks": "write", "metadata": "read"}
NO_PULL_ACCESS = {"checks": "write", "metadata": "read", "contents": "read"}


def rule(
    name: str,
    actions: Mapping[str, ActionOptions],
    *,
    conditions: list[str] | None = None,
    on: tuple[str, ...] = (),
) -> Rule:
    return Rule(
        name=name,
        description=None,
        triggers=frozenset(on),
        conditions=parse_tree(conditions) if conditions is not None else None,
        actions=tuple(ActionSpec(action, options) for action, options in actions.items()),
        origin=Origin(".paasbot.yml", 1),
    )


def evaluated(
    rules: list[Rule],
    values: Mapping[str, FactValue] | None = None,
    events: frozenset[str] = frozenset(),
) -> list[RuleResult]:
    return evaluate_rules(rules, StaticFacts(dict(values or {})), events, MOMENT)


def executor(
    target: PullTarget,
    memory: PullMemory,
    *,
    values: Mapping[str, FactValue] | None = None,
    dry_run: bool = False,
    now: float = NOW,
) -> ActionExecutor:
    values = dict(values or {})
    return ActionExecutor(target, StaticFacts(values), values, memory, dry_run, now)


def summary(reports: list[ActionReport]) -> list[tuple[str, str, str]]:
    return [(report.rule, report.action, report.status) for report in reports]


# Decisions, with a recording plugin (no HTTP)


class RecordedOptions(ActionOptions):
    pass


@dataclass
class Recorder:
    """A plugin whose plan is given by the test; it records what it was given."""

    plans_when_unmatched: bool = True
    plan_with: Callable[[ActionInput], Awaitable[Plan]] | None = None
    given: list[ActionInput] = field(default_factory=list)
    performed: list[str] = field(default_factory=list)
    name: ClassVar[str] = "recorder"
    options: ClassVar[type[ActionOptions]] = RecordedOptions

    async def plan(self, given: ActionInput) -> Plan:
        self.given.append(given)
        if self.plan_with is not None:
            return await self.plan_with(given)
        return Plan((self.change("write"),), detail="wanted", memory={"seen": len(self.given)})

    def change(self, description: str, error: Exception | None = None) -> Change:
        async def perform() -> None:
            if error is not None:
                raise error
            self.performed.append(description)

        return Change(description, perform)

    def attributes(self, options: ActionOptions) -> set[str]:
        return set()


HEAD = "0" * 40
NO_TARGET = PullTarget(cast(Any, None), cast(Any, None), cast(Any, None), REPO, 1, HEAD)


@pytest.fixture(name="recorder")
def recorder_fixture(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    plugin = Recorder()
    monkeypatch.setitem(execute.ACTIONS, Recorder.name, cast(Action, plugin))
    return plugin


def recorded_rule(**kwargs: Any) -> Rule:
    return rule("Rule", {"recorder": RecordedOptions()}, **kwargs)


@pytest.mark.parametrize(
    ("on", "conditions", "events", "plans_when_unmatched", "reason"),
    [
        pytest.param((), None, (), True, None, id="no conditions"),
        pytest.param((), ["draft"], (), True, None, id="unmatched, plans anyway"),
        pytest.param((), ["draft"], (), False, "waits for the conditions", id="unmatched"),
        pytest.param((), ["-draft"], (), False, None, id="matched"),
        pytest.param(
            ("pull_request.opened", "command.update"),
            None,
            (),
            True,
            "waits for one of: command.update, pull_request.opened",
            id="on: rule not woken",
        ),
        pytest.param(
            ("pull_request.opened",),
            ["draft"],
            (),
            False,
            "waits for one of: pull_request.opened",
            id="not woken and unmatched",
        ),
        pytest.param(
            ("pull_request.opened",), None, ("pull_request.opened",), True, None, id="woken"
        ),
        pytest.param(
            ("pull_request.opened",),
            ["draft"],
            ("pull_request.opened",),
            False,
            "waits for the conditions",
            id="woken, unmatched",
        ),
    ],
)
async def test_when_an_action_is_skipped(
    recorder: Recorder,
    on: tuple[str, ...],
    conditions: list[str] | None,
    events: tuple[str, ...],
    plans_when_unmatched: bool,
    reason: str | None,
) -> None:
    recorder.plans_when_unmatched = plans_when_unmatched
    results = evaluated(
        [recorded_rule(on=on, conditions=conditions)], {"draft": False}, frozenset(events)
    )
    (report,) = await executor(NO_TARGET, PullMemory()).run(results)
    if reason is None:
        assert (report.status, report.changes) == ("done", ("write",))
        assert recorder.performed == ["write"]
    else:
        assert (report.status, report.detail) == ("skipped", reason)
        assert recorder.given == []
        assert recorder.performed == []


async def test_an_unmatched_rule_leaves_a_one_per_pull_action_to_the_rule_that_matches(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two merge rules: the one that does not match must not take the PR out of the queue the
    # other put it in.
    monkeypatch.setattr(execute, "ONE_PER_PULL", frozenset({Recorder.name}))
    off = rule("Merge bumps", {"recorder": RecordedOptions()}, conditions=["draft"])
    on = rule("Merge approved", {"recorder": RecordedOptions()}, conditions=["-draft"])
    reports = await executor(NO_TARGET, PullMemory()).run(evaluated([off, on], {"draft": False}))
    assert [(r.rule, r.status, r.detail) for r in reports] == [
        ("Merge bumps", "skipped", "rule 'Merge approved' matches and carries it out"),
        ("Merge approved", "done", "wanted"),
    ]
    assert [given.rule for given in recorder.given] == ["Merge approved"]
    # Alone, the unmatched rule plans (to undo) as before.
    await executor(NO_TARGET, PullMemory()).run(evaluated([off], {"draft": False}))
    assert [given.rule for given in recorder.given] == ["Merge approved", "Merge bumps"]


async def test_the_plugin_is_given_the_rule_and_its_previous_match(recorder: Recorder) -> None:
    memory = PullMemory()
    seen = []
    for draft in (False, True, True, False):
        results = evaluated([recorded_rule(conditions=["-draft"])], {"draft": draft})
        await executor(NO_TARGET, memory, values={"draft": draft}).run(results)
        given = recorder.given[-1]
        seen.append((given.matched, given.was_matched))
        assert given.rule == "Rule"
        assert given.values == {"draft": draft}
        assert given.outcome is results[0].outcome
        assert given.target is NO_TARGET
        assert given.now == NOW
    assert seen == [(True, None), (False, True), (False, False), (True, False)]
    assert memory.rule_matched("Rule") is True


async def test_an_on_rule_not_woken_keeps_its_previous_match(recorder: Recorder) -> None:
    memory = PullMemory()
    on_rule = recorded_rule(on=("pull_request.opened",))
    await executor(NO_TARGET, memory).run(
        evaluated([on_rule], events=frozenset({"pull_request.opened"}))
    )
    assert memory.rule_matched("Rule") is True
    await executor(NO_TARGET, memory).run(evaluated([on_rule]))
    assert memory.rule_matched("Rule") is True, "a waiting rule neither matches nor stops matching"
    assert len(recorder.given) == 1


async def test_the_plans_memory_is_kept_once_its_changes_are_made(recorder: Recorder) -> None:
    memory = PullMemory()
    (report,) = await executor(NO_TARGET, memory).run(evaluated([recorded_rule()]))
    assert report == ActionReport("Rule", "recorder", "done", "wanted", ("write",))
    assert memory.action("Rule", "recorder") == ActionMemory({"seen": 1}, [NOW], None, HEAD)
    assert recorder.given[0].memory == {}
    await executor(NO_TARGET, memory, now=NOW + 5).run(evaluated([recorded_rule()]))
    assert recorder.given[1].memory == {"seen": 1}
    assert memory.action("Rule", "recorder") == ActionMemory(
        {"seen": 2}, [NOW, NOW + 5], None, HEAD
    )


@pytest.mark.parametrize(
    ("plan", "report", "remembered"),
    [
        pytest.param(
            Plan(detail="nothing to do"),
            ("done", "nothing to do", ()),
            ActionMemory({"old": True}),
            id="no change, no new memory: kept",
        ),
        pytest.param(
            Plan(detail="armed", memory={"armed": True}),
            ("done", "armed", ()),
            ActionMemory({"armed": True}),
            id="no change, new memory: remembered",
        ),
        pytest.param(
            Plan(status=Status.WAITING, detail="waits for CI"),
            ("waiting", "waits for CI", ()),
            ActionMemory({"old": True}),
            id="waiting",
        ),
        pytest.param(
            Plan(status=Status.FAILED, detail="the template failed", memory={"new": 1}),
            ("failed", "the template failed", ()),
            ActionMemory({"old": True}),
            id="failed: nothing remembered",
        ),
    ],
)
async def test_a_plan_without_changes(
    recorder: Recorder,
    plan: Plan,
    report: tuple[str, str, tuple[str, ...]],
    remembered: ActionMemory,
) -> None:
    async def plan_with(_given: ActionInput) -> Plan:
        return plan

    recorder.plan_with = plan_with
    memory = PullMemory()
    memory.set_action("Rule", "recorder", ActionMemory({"old": True}))
    (got,) = await executor(NO_TARGET, memory).run(evaluated([recorded_rule()]))
    assert (got.status, got.detail, got.changes) == report
    assert memory.action("Rule", "recorder") == remembered


async def test_a_failed_plan_with_changes_makes_them_and_reports_the_failure(
    recorder: Recorder,
) -> None:
    """A `check` whose template failed still sets its conclusion."""

    async def plan_with(_given: ActionInput) -> Plan:
        changes = (recorder.change("set `policy` failure"),)
        return Plan(changes, Status.FAILED, "the template failed", {"new": True})

    recorder.plan_with = plan_with
    memory = PullMemory()
    (report,) = await executor(NO_TARGET, memory).run(evaluated([recorded_rule()]))
    assert report == ActionReport(
        "Rule", "recorder", "failed", "the template failed", ("set `policy` failure",)
    )
    assert recorder.performed == ["set `policy` failure"]
    assert memory.action("Rule", "recorder") == ActionMemory(changes=[NOW], changes_head=HEAD), (
        "counted, not kept"
    )


def refusal(status: int, message: str) -> BadRequest:
    return BadRequest(HTTPStatus(status), message)


@pytest.mark.parametrize(
    ("error", "detail"),
    [
        pytest.param(
            refusal(422, "Validation Failed"),
            "second: GitHub answered 422: Validation Failed",
            id="422",
        ),
        pytest.param(
            refusal(403, "Resource not accessible by integration"),
            "second: GitHub answered 403: Resource not accessible by integration",
            id="403",
        ),
        pytest.param(
            BadRequest(HTTPStatus(410)), "second: GitHub answered 410: Gone", id="no message"
        ),
    ],
)
async def test_a_refused_change_fails_only_its_action(
    recorder: Recorder, error: BadRequest, detail: str
) -> None:
    async def plan_with(given: ActionInput) -> Plan:
        if given.rule == "Other":
            return Plan((recorder.change("other"),), detail="other")
        changes = (recorder.change("first"), recorder.change("second", error))
        return Plan((*changes, recorder.change("third")), memory={"new": True})

    recorder.plan_with = plan_with
    memory = PullMemory()
    rules = [recorded_rule(), rule("Other", {"recorder": RecordedOptions()})]
    reports = await executor(NO_TARGET, memory).run(evaluated(rules))
    assert summary(reports) == [("Rule", "recorder", "failed"), ("Other", "recorder", "done")]
    assert reports[0].detail == detail
    assert recorder.performed == ["first", "other"]
    # Its state is not remembered (the rest is tried again next time), but the change made
    # counts towards flapping.
    assert memory.action("Rule", "recorder") == ActionMemory(changes=[NOW], changes_head=HEAD)
    assert memory.action("Other", "recorder").changes == [NOW]


async def test_a_refusal_while_planning_fails_only_its_action(recorder: Recorder) -> None:
    async def plan_with(given: ActionInput) -> Plan:
        if given.rule == "Rule":
            raise refusal(404, "Not Found")
        return Plan((recorder.change("other"),))

    recorder.plan_with = plan_with
    rules = [recorded_rule(), rule("Other", {"recorder": RecordedOptions()})]
    reports = await executor(NO_TARGET, PullMemory()).run(evaluated(rules))
    assert summary(reports) == [("Rule", "recorder", "failed"), ("Other", "recorder", "done")]
    assert reports[0].detail == "GitHub answered 404: Not Found"


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(GitHubBroken(HTTPStatus(502), "Bad Gateway"), id="5xx"),
        pytest.param(RescheduleRequired(NOW + 60, "rate limit"), id="rate limit"),
        pytest.param(RuntimeError("a bug"), id="a bug"),
    ],
)
@pytest.mark.parametrize("where", ["plan", "change"])
async def test_other_failures_fail_the_whole_evaluation(
    recorder: Recorder, error: Exception, where: str
) -> None:
    async def plan_with(_given: ActionInput) -> Plan:
        if where == "plan":
            raise error
        return Plan((recorder.change("write", error),), memory={"new": True})

    recorder.plan_with = plan_with
    memory = PullMemory()
    with pytest.raises(type(error)):
        await executor(NO_TARGET, memory).run(evaluated([recorded_rule()]))
    assert memory.action("Rule", "recorder") == ActionMemory()


async def test_a_dry_run_reports_what_it_would_do_and_does_nothing(recorder: Recorder) -> None:
    memory = PullMemory()
    for _ in range(2):
        (report,) = await executor(NO_TARGET, memory, dry_run=True).run(
            evaluated([recorded_rule()])
        )
        assert report == ActionReport("Rule", "recorder", "would", "wanted", ("write",))
    assert recorder.performed == []
    assert memory.action("Rule", "recorder") == ActionMemory()
    assert memory.rule_matched("Rule") is True


async def test_changes_on_successive_head_commits_are_not_flapping(recorder: Recorder) -> None:
    """A check run per new head, or a merge queue updating a branch: one change per head."""
    memory = PullMemory()
    statuses = []
    for step in range(FLAP_LIMIT + 2):
        target = dataclasses.replace(NO_TARGET, head_sha=f"{step:040x}")
        reports = await executor(target, memory, now=NOW + 30 * step).run(
            evaluated([recorded_rule()])
        )
        statuses.append(reports[0].status)
    assert statuses == ["done"] * (FLAP_LIMIT + 2)
    assert memory.action("Rule", "recorder").changes == [NOW + 30 * (FLAP_LIMIT + 1)]


async def test_a_dry_run_is_never_stopped(recorder: Recorder) -> None:
    memory = PullMemory()
    busy = [NOW - 10 * i for i in range(FLAP_LIMIT)]
    memory.set_action("Rule", "recorder", ActionMemory({}, busy))
    (report,) = await executor(NO_TARGET, memory, dry_run=True).run(evaluated([recorded_rule()]))
    assert report.status == "would"


async def test_an_action_that_keeps_changing_the_pr_is_stopped(recorder: Recorder) -> None:
    memory = PullMemory()
    statuses = []
    for step in range(FLAP_LIMIT + 2):
        reports = await executor(NO_TARGET, memory, now=NOW + 30 * step).run(
            evaluated([recorded_rule()])
        )
        statuses.append(reports[0].status)
    assert statuses == ["done"] * FLAP_LIMIT + ["stopped", "stopped"]
    assert len(recorder.performed) == FLAP_LIMIT
    assert len(recorder.given) == FLAP_LIMIT + 1, "a stopped action is not even planned"
    stopped = memory.action("Rule", "recorder").stopped
    assert stopped == flapping_message(FLAP_LIMIT)
    assert reports[0].detail == stopped

    memory.lift_stops()
    (report,) = await executor(NO_TARGET, memory, now=NOW + 300).run(evaluated([recorded_rule()]))
    assert report.status == "done"


async def test_changes_spread_over_more_than_the_window_never_stop(recorder: Recorder) -> None:
    memory = PullMemory()
    for step in range(3 * FLAP_LIMIT):
        (report,) = await executor(NO_TARGET, memory, now=NOW + 121 * step).run(
            evaluated([recorded_rule()])
        )
        assert report.status == "done"


async def test_evaluations_without_changes_do_not_count_towards_flapping(
    recorder: Recorder,
) -> None:
    async def plan_with(given: ActionInput) -> Plan:
        changes = (recorder.change("write"),) if len(recorder.given) % 2 else ()
        return Plan(changes)

    recorder.plan_with = plan_with
    memory = PullMemory()
    for step in range(2 * FLAP_LIMIT):
        (report,) = await executor(NO_TARGET, memory, now=NOW + step).run(
            evaluated([recorded_rule()])
        )
    assert report.status == "done"
    assert len(memory.action("Rule", "recorder").changes) == FLAP_LIMIT


# Real actions on the simulator


NEEDS_REVIEW = rule(
    "Needs review",
    {
        "label": LabelOptions(toggle=["needs-review"]),
        "comment": CommentOptions(body="Waiting for a review, @{{ author }}."),
        "check": CheckOptions(name="reviewed", unmatched="neutral"),
    },
    conditions=["#approved-reviews-by=0"],
)


def pr_values(approvals: list[str]) -> dict[str, FactValue]:
    return {"approved-reviews-by": approvals, "author": "alice"}


async def evaluate_pull(
    api: InstallationAPI,
    db: Database,
    pull: PullRequest,
    memory: PullMemory,
    rules: list[Rule],
    values: Mapping[str, FactValue],
    **kwargs: Any,
) -> list[ActionReport]:
    """One evaluation: a fresh snapshot, the rules evaluated, the actions run."""
    target = target_for(api, db, pull)
    run = executor(target, memory, values=values, **kwargs)
    return await run.run(evaluated(rules, values))


def labels_of(world: World, pull: PullRequest) -> list[str]:
    return list(world.state.pull(REPO, pull.number).labels)


def comment_lines(world: World, pull: PullRequest) -> list[str]:
    return [entry.body.split("\n")[0] for entry in comments_on(world.state, REPO, pull.number)]


def check_conclusions(world: World, pull: PullRequest) -> list[str | None]:
    return [run.conclusion for run in world.state.check_runs_for(REPO, pull.head_sha)]


async def test_a_rule_acts_on_the_pr_and_then_leaves_it_alone(
    world: World, api: InstallationAPI, db: Database
) -> None:
    pull = open_pull(world)
    memory = PullMemory()
    reports = await evaluate_pull(api, db, pull, memory, [NEEDS_REVIEW], pr_values([]))
    assert [(r.action, r.status, r.changes) for r in reports] == [
        ("label", "done", ("add `needs-review`",)),
        ("comment", "done", ("post a comment",)),
        ("check", "done", ("set `reviewed` success",)),
    ]
    assert labels_of(world, pull) == ["needs-review"]
    assert comment_lines(world, pull) == ["Waiting for a review, @alice."]
    assert check_conclusions(world, pull) == ["success"]

    for step in range(1, 4):
        before = len(world.state.requests)
        now = NOW + 60 * step
        reports = await evaluate_pull(api, db, pull, memory, [NEEDS_REVIEW], pr_values([]), now=now)
        assert [(r.status, r.changes) for r in reports] == [("done", ())] * 3
        assert writes(world.state, before) == [], "nothing to do: no write"
    assert len(comment_lines(world, pull)) == 1


async def test_the_rule_stops_matching_and_its_actions_follow(
    world: World, api: InstallationAPI, db: Database
) -> None:
    pull = open_pull(world)
    memory = PullMemory()
    await evaluate_pull(api, db, pull, memory, [NEEDS_REVIEW], pr_values([]))
    reports = await evaluate_pull(api, db, pull, memory, [NEEDS_REVIEW], pr_values(["bob"]))
    assert [(r.action, r.status, r.changes) for r in reports] == [
        ("label", "done", ("remove `needs-review`",)),
        ("comment", "skipped", ()),
        ("check", "done", ("set `reviewed` neutral",)),
    ]
    assert labels_of(world, pull) == []
    assert check_conclusions(world, pull) == ["neutral"]
    assert memory.rule_matched("Needs review") is False

    await evaluate_pull(api, db, pull, memory, [NEEDS_REVIEW], pr_values([]))
    assert comment_lines(world, pull) == ["Waiting for a review, @alice."] * 2
    assert labels_of(world, pull) == ["needs-review"]


async def test_unavailable_and_stopped_actions_touch_nothing(
    world: World, api: InstallationAPI, db: Database
) -> None:
    pull = open_pull(world)
    memory = PullMemory()
    memory.set_action("Ship", "label", ActionMemory({}, [NOW], "stopped: flapping"))
    ship = rule(
        "Ship",
        {
            "propagate": PropagateOptions(package="widgets", ecosystem="pip", to=["acme/api"]),
            "label": LabelOptions(add=["shipped"]),
        },
    )
    before = len(world.state.requests)
    reports = await evaluate_pull(api, db, pull, memory, [ship], {})
    assert [(r.action, r.status, r.detail) for r in reports] == [
        ("propagate", "unavailable", UNAVAILABLE),
        ("label", "stopped", "stopped: flapping"),
    ]
    assert api_calls(world.state, before) == []
    assert labels_of(world, pull) == []
    assert set(memory.document["actions"]) == {"label@Ship"}


async def test_an_on_rule_acts_only_when_woken_and_undoes_nothing(
    world: World, api: InstallationAPI, db: Database
) -> None:
    pull = open_pull(world)
    welcome = rule(
        "Welcome",
        {
            "comment": CommentOptions(body="Thanks @{{ author }}!"),
            "label": LabelOptions(toggle=["new"]),
        },
        on=("pull_request.opened",),
    )
    memory = PullMemory()
    values = pr_values([])
    for events in ({"pull_request.opened"}, set(), {"pull_request.synchronize"}):
        target = target_for(api, db, pull)
        before = len(world.state.requests)
        results = evaluated([welcome], values, frozenset(events))
        reports = await executor(target, memory, values=values).run(results)
        if "pull_request.opened" not in events:
            assert [r.status for r in reports] == ["skipped", "skipped"]
            assert reports[0].detail == "waits for one of: pull_request.opened"
            assert api_calls(world.state, before) == []
    assert comment_lines(world, pull) == ["Thanks @alice!"]
    assert labels_of(world, pull) == ["new"], "the toggle label stays while the rule waits"


async def test_a_dry_run_writes_nothing_on_github(
    world: World, api: InstallationAPI, db: Database
) -> None:
    pull = open_pull(world)
    memory = PullMemory()
    before = len(world.state.requests)
    for _ in range(2):
        reports = await evaluate_pull(
            api, db, pull, memory, [NEEDS_REVIEW], pr_values([]), dry_run=True
        )
        assert [(r.status, r.changes) for r in reports] == [
            ("would", ("add `needs-review`",)),
            ("would", ("post a comment",)),
            ("would", ("set `reviewed` success",)),
        ]
    assert writes(world.state, before) == []
    assert labels_of(world, pull) == []
    assert comment_lines(world, pull) == []
    assert check_conclusions(world, pull) == []


async def test_a_missing_permission_fails_those_actions_that_need_it(
    world: World, api: InstallationAPI, db: Database, github: GitHubApp
) -> None:
    """Planning `label` reads the PR and `comment` its comments: without access to pull requests
    both are refused while planning; `check` needs neither and is written."""
    world.installation.permissions = dict(NO_PULL_ACCESS)
    pull = open_pull(world)
    memory = PullMemory()
    reports = await evaluate_pull(api, db, pull, memory, [NEEDS_REVIEW], pr_values([]))
    refused = "GitHub answered 403: Resource not accessible by integration"
    assert [(r.action, r.status, r.detail) for r in reports] == [
        ("label", "failed", refused),
        ("comment", "failed", refused),
        ("check", "done", "`reviewed` success"),
    ]
    assert check_conclusions(world, pull) == ["success"]
    assert set(memory.document["actions"]) == {"check@Needs review"}


async def test_a_refused_write_fails_its_action_and_is_tried_again(
    world: World, api: InstallationAPI, db: Database, github: GitHubApp
) -> None:
    granted = dict(world.installation.permissions)
    world.installation.permissions = dict(READ_ONLY)
    pull = open_pull(world)
    memory = PullMemory()
    reports = await evaluate_pull(api, db, pull, memory, [NEEDS_REVIEW], pr_values([]))
    refused = "GitHub answered 403: Resource not accessible by integration"
    assert [(r.action, r.status, r.detail) for r in reports] == [
        ("label", "failed", f"add `needs-review`: {refused}"),
        ("comment", "failed", f"post a comment: {refused}"),
        ("check", "done", "`reviewed` success"),
    ]
    assert memory.action("Needs review", "label") == ActionMemory()
    assert memory.action("Needs review", "comment") == ActionMemory(), "not remembered as posted"

    world.installation.permissions = granted
    github.tokens.invalidate(world.installation.id)
    reports = await evaluate_pull(api, db, pull, memory, [NEEDS_REVIEW], pr_values([]))
    assert [(r.status, r.changes) for r in reports] == [
        ("done", ("add `needs-review`",)),
        ("done", ("post a comment",)),
        ("done", ()),
    ]
    assert labels_of(world, pull) == ["needs-review"]
    assert comment_lines(world, pull) == ["Waiting for a review, @alice."]


async def test_github_unavailable_fails_the_evaluation_and_remembers_nothing(
    world: World, api: InstallationAPI, db: Database
) -> None:
    pull = open_pull(world)
    memory = PullMemory()
    path = f"/repos/{REPO}/issues/{pull.number}/comments"
    world.state.faults.queue(Fault.error(502, path_prefix=path, method="POST"))
    with pytest.raises(GitHubBroken):
        await evaluate_pull(api, db, pull, memory, [NEEDS_REVIEW], pr_values([]))
    assert labels_of(world, pull) == ["needs-review"], "the label went before"
    assert memory.action("Needs review", "comment") == ActionMemory()
    reports = await evaluate_pull(api, db, pull, memory, [NEEDS_REVIEW], pr_values([]))
    assert [r.changes for r in reports] == [(), ("post a comment",), ("set `reviewed` success",)]
    assert len(comment_lines(world, pull)) == 1


async def test_the_rate_limit_fails_the_evaluation(
    world: World, api: InstallationAPI, db: Database
) -> None:
    pull = open_pull(world)
    await api.getitem(f"/repos/{REPO}")  # the client now knows its budget
    world.state.exhaust_rate_limit(world.installation.id)
    with pytest.raises(RescheduleRequired):
        await evaluate_pull(api, db, pull, PullMemory(), [NEEDS_REVIEW], pr_values([]))


async def test_the_rate_limit_fails_the_evaluation_with_any_github_client(
    world: World, db: Database
) -> None:
    """gidgethub's RateLimitExceeded is a BadRequest (403), yet no refusal of one action."""
    pull = open_pull(world)
    async with aiohttp.ClientSession() as session:
        plain = gidgethub.aiohttp.GitHubAPI(
            session, "paasbot-tests", oauth_token=world.token, base_url=world.sim.base_url
        )
        world.state.exhaust_rate_limit(world.installation.id)
        target = target_for(cast(Any, plain), db, pull)
        results = evaluated([NEEDS_REVIEW], pr_values([]))
        with pytest.raises(gidgethub.RateLimitExceeded):
            await executor(target, PullMemory(), values=pr_values([])).run(results)


async def test_two_rules_fighting_over_a_label_are_stopped(
    world: World, api: InstallationAPI, db: Database
) -> None:
    """Someone (or something) removes the label after every evaluation."""
    pull = open_pull(world)
    adder = rule("Add", {"label": LabelOptions(add=["fight"])})
    memory = PullMemory()
    statuses = []
    for step in range(FLAP_LIMIT + 2):
        before = len(world.state.requests)
        now = NOW + 30 * step
        (report,) = await evaluate_pull(api, db, pull, memory, [adder], {}, now=now)
        statuses.append(report.status)
        if report.status == "done":
            remove_label(world.state, REPO, pull.number, "fight", sender="carol")
        else:
            assert labels_of(world, pull) == []
            assert writes(world.state, before) == []
    assert statuses == ["done"] * FLAP_LIMIT + ["stopped", "stopped"]
    assert report.detail == flapping_message(FLAP_LIMIT)
    assert len(world.state.requests_matching("POST", f"/repos/{REPO}/issues/1/labels")) == 6

    memory.lift_stops()  # `/paasbot refresh`, or a new configuration
    (report,) = await evaluate_pull(api, db, pull, memory, [adder], {}, now=NOW + 600)
    assert (report.status, report.changes) == ("done", ("add `fight`",))
    assert labels_of(world, pull) == ["fight"]
