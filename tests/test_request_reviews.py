"""`request_reviews`: its options (pure), and its plans carried out on a pull request of the
simulator over real HTTP, with paasbot's ledger of review requests in a real database: who is
eligible, how many are asked, when nobody is, what the ledger records, and GitHub's refusals.

The people of `tests/facts_world.py`: alice (the author) and bob, erin, frank, root, carol, tom and
gina have a role on the repository; the teams `backend` (bob, erin) and `reviewers` (dave, gus).
A pull request is evaluated again and again by `Evaluations`, which keeps the action's memory as
the executor does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from app.actions.base import Plan, Status
from app.actions.request_reviews import MAX_REQUESTED, RequestReviewsAction, RequestReviewsOptions
from app.config.model import ActionSpec, Origin, Rule
from app.engine.conditions import StaticFacts
from app.engine.evaluate import evaluate_rules
from app.engine.execute import ActionExecutor
from app.engine.memory import PullMemory
from app.github.client import InstallationAPI
from app.sandbox.actors_pulls import (
    create_pull,
    mark_ready_for_review,
    remove_requested_reviewers,
    request_reviewers,
    review,
)
from app.sandbox.actors_repos import add_collaborator, add_team
from app.sandbox.models import PullRequest
from app.store.db import Database
from app.store.review_ledger import ReviewHistory, review_history
from tests.action_world import (
    NOW,
    carry_out,
    given,
    sqlite_db_fixture,  # noqa: F401
    target_for,
    writes,
)
from tests.facts_world import (  # noqa: F401
    REPO,
    World,
    api_fixture,
    clock_fixture,
    github_fixture,
    simulator_state_fixture,
    world_fixture,
)

ACTION = RequestReviewsAction()
HOUR = 3600.0
MOMENT = datetime.fromtimestamp(NOW, UTC)


def options(**raw: Any) -> RequestReviewsOptions:
    return RequestReviewsOptions.model_validate(raw)


def open_pull(
    world: World,
    branch: str = "feature",
    changes: dict[str, str | None] | None = None,
    *,
    author: str = "alice",
    base: str = "main",
    draft: bool = False,
) -> PullRequest:
    world.commit(
        branch,
        changes or {f"docs/{branch}.md": "Read me.\n"},
        message=f"Change {branch}",
        author=author,
        from_ref=base,
    )
    return create_pull(world.state, REPO, branch, base, f"Change {branch}", author, draft=draft)


def requested(world: World, pull: PullRequest) -> set[str]:
    return set(world.state.pull(REPO, pull.number).requested_reviewers)


def requested_teams(world: World, pull: PullRequest) -> list[str]:
    return list(world.state.pull(REPO, pull.number).requested_teams)


def request_posts(world: World, pull: PullRequest, since: int = 0) -> list[int | None]:
    """The status of each request for reviewers made on the pull request since `since`."""
    path = f"/repos/{REPO}/pulls/{pull.number}/requested_reviewers"
    return [
        record.status
        for record in world.state.requests[since:]
        if record.method == "POST" and record.path == path
    ]


def asked_in(plan: Plan) -> set[str]:
    """The logins (and `team x`) a plan's change asks, from its description."""
    if not plan.changes:
        return set()
    (change,) = plan.changes
    assert change.description.startswith("request ")
    return {name.strip().removeprefix("@") for name in change.description[8:].split(",")}


async def ledger(db: Database, logins: list[str], now: float = NOW) -> ReviewHistory:
    async with db.reader() as conn:
        return await review_history(conn, "acme", logins, now)


@dataclass
class Evaluations:
    """One pull request evaluated again and again: each plan is carried out and its memory kept,
    as the executor does (a plan whose change failed is not remembered)."""

    world: World
    api: InstallationAPI
    db: Database
    pull: PullRequest
    memory: dict[str, Any] = field(default_factory=dict)

    async def plan(
        self, wanted: RequestReviewsOptions, *, matched: bool = True, now: float = NOW
    ) -> Plan:
        target = target_for(self.api, self.db, self.pull)
        return await ACTION.plan(
            given(target, wanted, matched=matched, memory=self.memory, now=now)
        )

    async def run(
        self, wanted: RequestReviewsOptions, *, matched: bool = True, now: float = NOW
    ) -> Plan:
        plan = await self.plan(wanted, matched=matched, now=now)
        await carry_out(plan)
        if plan.memory is not None and plan.status is not Status.FAILED:
            self.memory = dict(plan.memory)
        return plan


@pytest.fixture(name="evaluations")
def evaluations_fixture(world: World, api: InstallationAPI, sqlite_db: Database) -> Evaluations:
    return Evaluations(world, api, sqlite_db, open_pull(world))


# Options


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param({}, id="nothing: no candidate"),
        pytest.param({"count": 1}, id="count 1"),
        pytest.param({"count": MAX_REQUESTED}, id="count 15"),
        pytest.param({"strategy": "round_robin"}, id="round robin"),
        pytest.param({"strategy": "load_balance"}, id="load balance"),
        pytest.param({"strategy": "random"}, id="random"),
        pytest.param(
            {
                "codeowners": True,
                "users": ["bob", "@erin"],
                "teams": ["backend", "acme/reviewers", "@acme/qa"],
                "child_teams": True,
                "count": 2,
                "exclude": ["release-bot"],
                "unavailable": ["dave"],
                "fallback": ["root"],
                "request_teams": True,
                "drafts": True,
                "rerequest_on_push": True,
            },
            id="every option",
        ),
    ],
)
def test_valid_options(raw: dict[str, Any]) -> None:
    assert RequestReviewsOptions.model_validate(raw).model_dump(include=set(raw)) == raw


def test_defaults() -> None:
    defaults = RequestReviewsOptions()
    assert defaults.count is None
    assert defaults.strategy == "round_robin"
    assert not (defaults.codeowners or defaults.request_teams or defaults.drafts)
    assert not (defaults.child_teams or defaults.rerequest_on_push)
    assert ACTION.attributes(defaults) == set()
    assert ACTION.plans_when_unmatched, "it settles the ledger when unmatched"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param({"count": 0}, "greater than or equal to 1", id="count 0"),
        pytest.param({"count": -1}, "greater than or equal to 1", id="count negative"),
        pytest.param({"count": 16}, "less than or equal to 15", id="count over GitHub's 15"),
        pytest.param({"count": "2"}, "valid integer", id="count as text"),
        pytest.param({"count": 1.5}, "valid integer", id="count not whole"),
        pytest.param({"count": True}, "valid integer", id="count a boolean"),
        pytest.param(
            {"strategy": "fastest"},
            "'round_robin', 'load_balance' or 'random'",
            id="unknown strategy",
        ),
        pytest.param(
            {"strategy": "Round_Robin"},
            "'round_robin', 'load_balance' or 'random'",
            id="strategy in another case",
        ),
        pytest.param({"reviewers": ["bob"]}, "Extra inputs", id="unknown option"),
        pytest.param({"users": ["bob"], "team": ["backend"]}, "Extra inputs", id="a typo"),
        pytest.param({"users": "bob"}, "valid list", id="a login, not a list"),
        pytest.param({"users": [""]}, "at least 1 character", id="empty login"),
        pytest.param({"teams": [7]}, "valid string", id="a number as team"),
        pytest.param({"drafts": "yes"}, "valid boolean", id="drafts as text"),
    ],
)
def test_invalid_options(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RequestReviewsOptions.model_validate(raw)


# How many are asked


@dataclass(frozen=True)
class Involved:
    """People already on the pull request before the plan."""

    requested: tuple[str, ...] = ()
    reviews: tuple[tuple[str, str | None], ...] = ()  # (login, event or None for pending)


def involve(world: World, pull: PullRequest, people: Involved) -> None:
    if people.requested:
        request_reviewers(world.state, REPO, pull.number, people.requested, sender="root")
    for login, event in people.reviews:
        review(world.state, REPO, pull.number, login, event, "Seen.")


TRIO = ("bob", "erin", "frank")

COUNT_CASES = [
    pytest.param(Involved(), 2, 2, id="nobody yet: count asked"),
    pytest.param(Involved(requested=("bob",)), 2, 1, id="one requested counts"),
    pytest.param(Involved(reviews=(("erin", "COMMENT"),)), 2, 1, id="one reviewed counts"),
    pytest.param(Involved(reviews=(("erin", "APPROVE"),)), 1, 0, id="an approval is enough"),
    pytest.param(
        Involved(requested=("bob",), reviews=(("erin", "REQUEST_CHANGES"),)),
        2,
        0,
        id="requested and reviewed: enough, nobody asked",
    ),
    pytest.param(
        Involved(requested=("carol", "tom")), 2, 0, id="requested by someone else, not candidates"
    ),
    pytest.param(
        Involved(reviews=(("alice", "COMMENT"),)), 1, 1, id="the author's own comment: not counted"
    ),
    pytest.param(Involved(reviews=(("erin", None),)), 1, 1, id="a pending review: not counted"),
    pytest.param(Involved(), None, 3, id="no count: every eligible candidate"),
    pytest.param(Involved(requested=("bob",)), None, 2, id="no count: every one still missing"),
    pytest.param(Involved(), 15, 3, id="count beyond the candidates: all of them"),
]


@pytest.mark.parametrize(("people", "count", "asks"), COUNT_CASES)
async def test_people_requested_or_who_reviewed_count_towards_count(
    world: World,
    evaluations: Evaluations,
    people: Involved,
    count: int | None,
    asks: int,
) -> None:
    pull = evaluations.pull
    involve(world, pull, people)
    before = requested(world, pull)
    wanted = options(users=list(TRIO), count=count)
    since = len(world.state.requests)

    plan = await evaluations.run(wanted)

    chosen = asked_in(plan)
    assert len(chosen) == asks
    assert chosen <= set(TRIO) - set(people.requested) - {login for login, _ in people.reviews}
    assert requested(world, pull) == before | chosen
    assert request_posts(world, pull, since) == ([201] if asks else [])
    if not asks:
        assert plan.status is Status.DONE
        if count is not None:
            assert f"already requested or reviewed (count {count})" in plan.detail
    again = await evaluations.run(wanted)
    assert again.changes == (), "asked already: nobody more"


async def test_the_detail_says_who_was_asked_why_and_how(
    world: World, evaluations: Evaluations
) -> None:
    plan = await evaluations.run(options(users=["bob"], teams=["backend"], count=1))
    assert [change.description for change in plan.changes] == ["request @bob"]
    assert plan.detail == (
        "asked @bob (listed in `users`; member of @acme/backend); chosen by round robin"
    )
    again = await evaluations.run(options(users=["bob"], teams=["backend"], count=1))
    assert again.detail.startswith("asked @bob (listed in `users`; member of @acme/backend)")
    assert again.detail.endswith("1 reviewer(s) already requested or reviewed (count 1)")


async def test_one_request_asks_everyone_missing(world: World, evaluations: Evaluations) -> None:
    pull = evaluations.pull
    request_reviewers(world.state, REPO, pull.number, ["frank"], sender="root")
    since = len(world.state.requests)
    plan = await evaluations.run(options(users=["bob", "erin", "frank", "carol", "tom"]))
    assert asked_in(plan) == {"bob", "erin", "carol", "tom"}
    assert writes(world.state, since) == [
        f"POST /repos/{REPO}/pulls/{pull.number}/requested_reviewers"
    ]
    assert requested(world, pull) == {"frank", "bob", "erin", "carol", "tom"}


async def test_a_second_plan_with_nothing_missing_writes_nothing(
    world: World, evaluations: Evaluations
) -> None:
    wanted = options(users=["bob"], teams=["reviewers"])
    await evaluations.run(wanted)
    since = len(world.state.requests)
    again = await evaluations.run(wanted)
    assert (again.changes, again.status) == ((), Status.DONE)
    assert again.detail.endswith("nobody else to ask")
    assert writes(world.state, since) == []


async def test_github_limit_of_15_requested_reviewers(
    world: World, evaluations: Evaluations
) -> None:
    pull = evaluations.pull
    others = [f"reviewer{i:02}" for i in range(1, 17)]
    for login in others:
        add_collaborator(world.state, REPO, login, "write")
    request_reviewers(world.state, REPO, pull.number, others[:14], sender="root")
    wanted = options(users=[*others[14:], "bob", "erin"])

    plan = await evaluations.run(wanted)

    assert len(asked_in(plan)) == 1, "14 requested already: one more at most"
    assert len(requested(world, pull)) == MAX_REQUESTED
    since = len(world.state.requests)
    again = await evaluations.run(wanted)
    assert again.changes == ()
    assert writes(world.state, since) == []


# Who is never asked, and the fallback


EXCLUSION_CASES = [
    pytest.param({"users": ["alice", "bob"]}, {"bob"}, id="the author"),
    pytest.param({"users": ["ALICE", "bob"]}, {"bob"}, id="the author, any case"),
    pytest.param({"users": ["renovate[bot]", "bob"]}, {"bob"}, id="a bot"),
    pytest.param({"users": ["bob", "erin"], "exclude": ["bob"]}, {"erin"}, id="excluded"),
    pytest.param({"users": ["bob", "erin"], "exclude": ["BOB"]}, {"erin"}, id="excluded, any case"),
    pytest.param({"users": ["bob", "erin"], "unavailable": ["erin"]}, {"bob"}, id="unavailable"),
    pytest.param(
        {"teams": ["backend", "reviewers"], "exclude": ["erin"], "unavailable": ["gus"]},
        {"bob", "dave"},
        id="team members excluded and unavailable",
    ),
    pytest.param(
        {"users": ["alice", "dependabot[bot]"], "exclude": ["bob"], "teams": ["backend"]},
        {"erin"},
        id="everything at once",
    ),
    pytest.param(
        {
            "users": ["alice"],
            "fallback": ["alice", "github-actions[bot]", "bob"],
            "exclude": ["bob"],
        },
        set(),
        id="the fallback obeys them too",
    ),
]


@pytest.mark.parametrize(("raw", "asks"), EXCLUSION_CASES)
async def test_the_author_bots_excluded_and_unavailable_people_are_never_asked(
    world: World, evaluations: Evaluations, raw: dict[str, Any], asks: set[str]
) -> None:
    plan = await evaluations.run(options(**raw))
    assert asked_in(plan) == asks
    assert requested(world, evaluations.pull) == asks


FALLBACK_CASES = [
    pytest.param(
        Involved(), {"users": ["bob"], "exclude": ["bob"]}, {"root"}, id="nobody eligible"
    ),
    pytest.param(Involved(), {}, {"root"}, id="no candidate at all"),
    pytest.param(Involved(), {"users": ["erin"]}, {"erin"}, id="someone eligible: no fallback"),
    pytest.param(
        Involved(requested=("bob",)),
        {"users": ["bob"]},
        set(),
        id="no count: someone requested is enough",
    ),
    pytest.param(
        Involved(reviews=(("bob", "APPROVE"),)),
        {"users": ["bob"], "count": 1},
        set(),
        id="enough reviewed: nobody needed",
    ),
    pytest.param(
        Involved(requested=("bob",)),
        {"users": ["bob"], "count": 2},
        {"root"},
        id="one more needed, nobody eligible",
    ),
    pytest.param(
        Involved(),
        {"users": ["bob", "erin"], "count": 2, "unavailable": ["bob"]},
        {"erin", "root"},
        id="fewer eligible than count: the fallback too, in the same request",
    ),
    pytest.param(
        Involved(requested=("root",)),
        {"users": ["bob"], "exclude": ["bob"], "count": 2},
        set(),
        id="the fallback already requested",
    ),
    pytest.param(
        Involved(),
        {"users": ["bob"], "exclude": ["bob"], "fallback": ["root", "frank"], "count": 1},
        {"frank"},
        id="count fallbacks at most, chosen by the strategy",
    ),
    pytest.param(
        Involved(),
        {"fallback": ["root", "frank"]},
        {"root", "frank"},
        id="no count: every fallback",
    ),
]


@pytest.mark.parametrize(("people", "raw", "asks"), FALLBACK_CASES)
async def test_the_fallback_is_asked_only_when_someone_is_needed_and_nobody_is_eligible(
    world: World,
    evaluations: Evaluations,
    people: Involved,
    raw: dict[str, Any],
    asks: set[str],
) -> None:
    involve(world, evaluations.pull, people)
    wanted = options(**({"fallback": ["root"]} | raw))
    since = len(world.state.requests)
    plan = await evaluations.run(wanted)
    assert asked_in(plan) == asks
    assert request_posts(world, evaluations.pull, since) == ([201] if asks else [])
    for login in asks & {"root", "frank"}:
        assert f"@{login} (fallback: nobody else is eligible)" in plan.detail
    assert (await evaluations.run(wanted)).changes == ()


# Teams


async def test_request_teams_requests_the_teams_not_their_members(
    world: World, evaluations: Evaluations
) -> None:
    pull = evaluations.pull
    wanted = options(teams=["backend", "@acme/reviewers", "acme/backend"], request_teams=True)
    since = len(world.state.requests)

    plan = await evaluations.run(wanted)

    assert [change.description for change in plan.changes] == [
        "request team backend, team reviewers"
    ]
    assert requested_teams(world, pull) == ["backend", "reviewers"]
    assert requested(world, pull) == set()
    assert len(request_posts(world, pull, since)) == 1
    since = len(world.state.requests)
    assert (await evaluations.run(wanted)).changes == ()
    assert writes(world.state, since) == []


@pytest.mark.parametrize(
    ("child_teams", "asks"),
    [
        pytest.param(False, {"bob", "erin"}, id="the team's own members"),
        pytest.param(True, {"bob", "erin", "hank", "ivan"}, id="and its child teams' members"),
    ],
)
async def test_child_teams_add_the_members_of_child_teams(
    world: World, evaluations: Evaluations, child_teams: bool, asks: set[str]
) -> None:
    add_team(world.state, "acme", "databases", members=["hank"], parent="backend")
    add_team(world.state, "acme", "caches", members=["ivan"], parent="databases")
    plan = await evaluations.run(options(teams=["backend"], child_teams=child_teams))
    assert asked_in(plan) == asks
    assert requested(world, evaluations.pull) == asks


@pytest.mark.parametrize("child_teams", [False, True])
async def test_a_team_github_does_not_know_has_no_members(
    world: World, evaluations: Evaluations, child_teams: bool
) -> None:
    plan = await evaluations.run(options(teams=["ghosts"], child_teams=child_teams))
    assert plan.changes == ()
    assert plan.detail == "no candidate (no owner, user or team member)"


# Pushes


async def test_without_rerequest_on_push_nobody_is_asked_twice(
    world: World, evaluations: Evaluations
) -> None:
    pull = evaluations.pull
    wanted = options(users=["bob", "erin"])
    assert asked_in(await evaluations.run(wanted)) == {"bob", "erin"}
    review(world.state, REPO, pull.number, "bob", "APPROVE")
    remove_requested_reviewers(world.state, REPO, pull.number, ["erin"], sender="erin")
    world.commit("feature", {"docs/feature.md": "Read me again.\n"})
    assert pull.head_sha == world.head("feature")

    plan = await evaluations.run(wanted)

    assert plan.changes == ()
    assert requested(world, pull) == set()


async def test_rerequest_on_push_asks_again_who_reviewed_an_older_head(
    world: World, evaluations: Evaluations
) -> None:
    pull = evaluations.pull
    wanted = options(users=["bob", "erin"], rerequest_on_push=True)
    assert asked_in(await evaluations.run(wanted)) == {"bob", "erin"}
    review(world.state, REPO, pull.number, "bob", "APPROVE")
    review(world.state, REPO, pull.number, "erin", "COMMENT", "Nice.")
    assert (await evaluations.run(wanted)).changes == (), "both reviewed the current head"

    world.commit("feature", {"docs/feature.md": "Read me again.\n"})
    review(world.state, REPO, pull.number, "erin", "APPROVE")  # on the new head
    plan = await evaluations.run(wanted, now=NOW + HOUR)

    assert asked_in(plan) == {"bob"}, "erin reviewed the current head"
    assert requested(world, pull) == {"bob"}
    assert (await ledger(evaluations.db, ["bob"], NOW + HOUR)).last("bob") == NOW + HOUR


async def test_rerequest_on_push_waits_for_a_push(world: World, evaluations: Evaluations) -> None:
    """Someone who removed their request is not asked again before the next push."""
    pull = evaluations.pull
    wanted = options(users=["bob"], rerequest_on_push=True)
    assert asked_in(await evaluations.run(wanted)) == {"bob"}
    remove_requested_reviewers(world.state, REPO, pull.number, ["bob"], sender="bob")

    for _ in range(2):
        assert (await evaluations.run(wanted)).changes == ()
    assert requested(world, pull) == set()

    world.commit("feature", {"docs/feature.md": "Read me again.\n"})
    assert asked_in(await evaluations.run(wanted)) == {"bob"}


# Drafts, closed pull requests, unmatched rules


async def test_a_draft_gets_nobody_unless_drafts_is_set(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    pull = open_pull(world, "draft", draft=True)
    evaluations = Evaluations(world, api, sqlite_db, pull)
    plan = await evaluations.run(options(users=["bob"]))
    assert (plan.changes, plan.status) == ((), Status.SKIPPED)
    assert plan.detail == "a draft: waits for ready for review (or `drafts: true`)"
    assert asked_in(await evaluations.run(options(users=["bob"], drafts=True))) == {"bob"}
    mark_ready_for_review(world.state, REPO, pull.number, sender="alice")
    assert asked_in(await evaluations.run(options(users=["erin"]))) == {"erin"}


async def test_a_closed_pull_request_asks_nobody_and_settles_the_ledger(
    world: World, api: InstallationAPI, db: Database
) -> None:
    evaluations = Evaluations(world, api, db, open_pull(world))
    wanted = options(users=["bob", "erin"])
    await evaluations.run(wanted)
    assert (await ledger(db, ["bob", "erin"])).outstanding == {"bob": 1, "erin": 1}
    world.state.close_pull(REPO, evaluations.pull.number)
    since = len(world.state.requests)

    plan = await evaluations.run(wanted, now=NOW + HOUR)

    assert (plan.changes, plan.status) == ((), Status.SKIPPED)
    assert plan.detail == "the pull request is closed"
    assert evaluations.memory["outstanding"] == []
    history = await ledger(db, ["bob", "erin"], NOW + HOUR)
    assert history.outstanding == {}
    assert history.recent == {"bob": 1, "erin": 1}, "the requests stay in the history"
    assert writes(world.state, since) == []


async def test_an_unmatched_rule_asks_nobody_but_settles_the_ledger(
    world: World, api: InstallationAPI, db: Database
) -> None:
    evaluations = Evaluations(world, api, db, open_pull(world))
    pull = evaluations.pull
    await evaluations.run(options(users=["bob", "erin"]))
    review(world.state, REPO, pull.number, "bob", "APPROVE")
    since = len(world.state.requests)

    plan = await evaluations.run(options(users=["bob", "erin", "frank"]), matched=False)

    assert (plan.changes, plan.status) == ((), Status.SKIPPED)
    assert plan.detail == "waits for the conditions"
    assert (await ledger(db, ["bob", "erin"])).outstanding == {"erin": 1}
    assert evaluations.memory["outstanding"] == ["erin"]
    assert writes(world.state, since) == []
    assert requested(world, pull) == {"erin"}


# The ledger


async def test_the_ledger_records_each_request_and_completes_those_no_longer_pending(
    world: World, api: InstallationAPI, db: Database
) -> None:
    evaluations = Evaluations(world, api, db, open_pull(world))
    pull = evaluations.pull
    wanted = options(users=["bob", "erin", "frank"])
    await evaluations.run(wanted)
    history = await ledger(db, ["bob", "erin", "frank", "carol"])
    assert history.outstanding == {"bob": 1, "erin": 1, "frank": 1}
    assert {login: history.last(login) for login in ("bob", "erin", "frank", "carol")} == {
        "bob": NOW,
        "erin": NOW,
        "frank": NOW,
        "carol": None,
    }

    remove_requested_reviewers(world.state, REPO, pull.number, ["erin"], sender="root")
    review(world.state, REPO, pull.number, "frank", "COMMENT", "Looked.")
    plan = await evaluations.run(wanted, now=NOW + HOUR)

    assert plan.changes == ()
    assert (await ledger(db, ["bob", "erin", "frank"])).outstanding == {"bob": 1}
    assert evaluations.memory["outstanding"] == ["bob"]


async def test_round_robin_reads_the_ledger_across_pull_requests(
    world: World, api: InstallationAPI, db: Database
) -> None:
    wanted = options(users=["bob", "erin", "frank"], count=1)
    chosen = []
    for i in range(6):
        evaluations = Evaluations(world, api, db, open_pull(world, f"feature-{i}"))
        chosen += sorted(asked_in(await evaluations.run(wanted, now=NOW + i * HOUR)))
    assert sorted(chosen[:3]) == ["bob", "erin", "frank"]
    assert chosen[3:] == chosen[:3], "a queue: the least recently asked first"


# GitHub's refusals


async def test_people_without_access_are_dropped_and_the_rest_asked_in_one_retry(
    world: World, evaluations: Evaluations
) -> None:
    pull = evaluations.pull
    world.state.account("outsider")
    wanted = options(users=["outsider", "carol"])
    since = len(world.state.requests)

    plan = await evaluations.run(wanted)

    assert asked_in(plan) == {"outsider", "carol"}
    assert request_posts(world, pull, since) == [422, 201], "one refusal, one retry"
    assert requested(world, pull) == {"carol"}
    assert evaluations.memory["refused"] == ["outsider"]
    assert evaluations.memory["outstanding"] == ["carol"]
    assert (await ledger(evaluations.db, ["outsider", "carol"])).outstanding == {"carol": 1}

    since = len(world.state.requests)
    again = await evaluations.run(wanted)
    assert again.changes == ()
    assert "GitHub refused @outsider (no access to the repository)" in again.detail
    assert request_posts(world, pull, since) == []


async def test_someone_refused_stays_refused_after_later_requests(
    world: World, evaluations: Evaluations
) -> None:
    pull = evaluations.pull
    world.state.account("outsider")
    await evaluations.run(options(users=["outsider", "carol"]))
    assert asked_in(await evaluations.run(options(users=["outsider", "carol", "tom"]))) == {"tom"}
    since = len(world.state.requests)

    again = await evaluations.run(options(users=["outsider", "carol", "tom"]))

    assert again.changes == ()
    assert request_posts(world, pull, since) == []
    assert "GitHub refused @outsider" in again.detail


async def test_only_people_without_access_refused_leaves_nothing_to_retry(
    world: World, evaluations: Evaluations
) -> None:
    pull = evaluations.pull
    for login in ("outsider", "stranger"):
        world.state.account(login)
    since = len(world.state.requests)
    await evaluations.run(options(users=["outsider", "stranger"]))
    assert request_posts(world, pull, since) == [422]
    assert evaluations.memory["refused"] == ["outsider", "stranger"]
    assert requested(world, pull) == set()


def request_rule(wanted: RequestReviewsOptions) -> Rule:
    return Rule(
        name="Reviewers",
        description=None,
        triggers=frozenset(),
        conditions=None,
        actions=(ActionSpec("request_reviews", wanted),),
        origin=Origin(".paasbot.yml", 1),
    )


async def test_a_refusal_when_everyone_has_access_fails_the_action(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    """A 422 the people cannot explain (here: a team GitHub does not know) is not retried: the
    executor reports the action as failed and remembers nothing."""
    pull = open_pull(world)
    wanted = options(users=["bob"], teams=["ghosts"], request_teams=True)
    results = evaluate_rules([request_rule(wanted)], StaticFacts({}), frozenset(), MOMENT)
    memory = PullMemory()
    target = target_for(api, sqlite_db, pull)
    since = len(world.state.requests)

    (report,) = await ActionExecutor(target, StaticFacts({}), {}, memory, False, NOW).run(results)

    assert (report.rule, report.action, report.status) == ("Reviewers", "request_reviews", "failed")
    assert report.detail.startswith("request @bob, team ghosts: GitHub answered 422")
    assert request_posts(world, pull, since) == [422]
    assert requested(world, pull) == set()
    assert memory.action("Reviewers", "request_reviews").state == {}


# CODEOWNERS


OWNERS = """\
# Owners
*.md          @carol
/src/         @acme/backend
/src/vendor/
*.txt         docs@example.com @tom
"""


async def test_code_owners_of_the_changed_files_are_asked(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    world.commit("main", {".github/CODEOWNERS": OWNERS})
    changes = {
        "README.md": "# widgets v2\n",
        "src/app.py": "v2\n",
        "src/vendor/lib.py": "v2\n",
        "notes.txt": "v2\n",
    }
    evaluations = Evaluations(world, api, sqlite_db, open_pull(world, "wide", changes))

    plan = await evaluations.run(options(codeowners=True))

    assert asked_in(plan) == {"carol", "bob", "erin", "tom"}
    assert plan.detail.startswith("e-mail owners cannot be requested: docs@example.com; asked ")
    assert "@carol (owner of `README.md`)" in plan.detail
    assert "@bob (owner of `src/app.py` via @acme/backend)" in plan.detail
    assert "@tom (owner of `notes.txt`)" in plan.detail


async def test_code_owners_come_from_the_base_branch_not_the_pull_request(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    world.commit("main", {".github/CODEOWNERS": "* @bob\n"})
    world.commit("release", {".github/CODEOWNERS": "* @erin\n"}, from_ref="main")
    edits = {".github/CODEOWNERS": "* @frank\n", "CODEOWNERS": "* @carol\n", "x.md": "x\n"}
    on_main = Evaluations(world, api, sqlite_db, open_pull(world, "mine", edits))
    on_release = Evaluations(world, api, sqlite_db, open_pull(world, "fix", edits, base="release"))

    assert asked_in(await on_main.run(options(codeowners=True))) == {"bob"}
    assert asked_in(await on_release.run(options(codeowners=True))) == {"erin"}


@pytest.mark.parametrize(
    ("files", "asks"),
    [
        pytest.param(
            {".github/CODEOWNERS": "* @bob\n", "CODEOWNERS": "* @erin\n", "docs/CODEOWNERS": "*"},
            {"bob"},
            id=".github/CODEOWNERS first",
        ),
        pytest.param(
            {"CODEOWNERS": "* @erin\n", "docs/CODEOWNERS": "* @frank\n"},
            {"erin"},
            id="then CODEOWNERS",
        ),
        pytest.param({"docs/CODEOWNERS": "* @frank\n"}, {"frank"}, id="then docs/CODEOWNERS"),
    ],
)
async def test_the_first_codeowners_found_wins(
    world: World,
    api: InstallationAPI,
    sqlite_db: Database,
    files: dict[str, str | None],
    asks: set[str],
) -> None:
    world.commit("main", files)
    evaluations = Evaluations(world, api, sqlite_db, open_pull(world))
    assert asked_in(await evaluations.run(options(codeowners=True))) == asks


async def test_without_codeowners_the_other_candidates_are_asked(
    world: World, evaluations: Evaluations
) -> None:
    plan = await evaluations.run(options(codeowners=True, users=["frank"]))
    assert asked_in(plan) == {"frank"}
    assert plan.detail.startswith("no CODEOWNERS file on the base branch; asked @frank")


async def test_invalid_codeowners_lines_are_reported_and_the_rest_used(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    world.commit("main", {"CODEOWNERS": "* @bob\n!*.md @erin\n*.md frank\n"})
    evaluations = Evaluations(world, api, sqlite_db, open_pull(world))

    plan = await evaluations.run(options(codeowners=True))

    assert asked_in(plan) == {"bob"}
    notes = plan.detail.split("; ")
    assert notes[:2] == [
        "CODEOWNERS line 2: '!' negation is not supported by GitHub: line skipped",
        "CODEOWNERS line 3: invalid owner 'frank' (not @user, @org/team or an e-mail address): "
        "line skipped",
    ]


async def test_a_codeowners_over_3_mb_is_ignored_with_a_note(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    huge = "* @bob\n" + "#" * (3 * 1024 * 1024)
    world.commit("main", {".github/CODEOWNERS": huge})
    evaluations = Evaluations(world, api, sqlite_db, open_pull(world))

    plan = await evaluations.run(options(codeowners=True, fallback=["root"]))

    assert asked_in(plan) == {"root"}
    assert plan.detail.startswith(
        ".github/CODEOWNERS line 1: the file is 3,145,735 bytes; "
        "GitHub ignores a CODEOWNERS over 3 MB; asked @root"
    )


async def test_request_teams_requests_the_owning_teams(
    world: World, api: InstallationAPI, sqlite_db: Database
) -> None:
    world.commit(
        "main", {".github/CODEOWNERS": "*.md @carol\n/src/ @acme/backend @acme/reviewers\n"}
    )
    changes = {"src/app.py": "v2\n", "README.md": "v2\n"}
    evaluations = Evaluations(world, api, sqlite_db, open_pull(world, "src", changes))
    wanted = options(codeowners=True, request_teams=True)

    plan = await evaluations.run(wanted)

    assert [change.description for change in plan.changes] == [
        "request @carol, team backend, team reviewers"
    ]
    assert requested(world, evaluations.pull) == {"carol"}
    assert requested_teams(world, evaluations.pull) == ["backend", "reviewers"]
    assert (await evaluations.run(wanted)).changes == ()
