"""The demo's "last 30 days": a platform team's month on two services, played on the simulator's
clock so that paasbot's ledger holds a month of history and its insights have something to show.

Everything is drawn once from a seeded random generator, so the month (and the insights computed
from it) is the same at every run. Times are hours from the month's start (`month_start`: 29 days
before today's midnight, UTC), on the half hour, so that GitHub's second-precision timestamps keep
them exactly. Bigger PRs wait longer for review and take longer to merge.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from app.sandbox import actors_repos
from app.sandbox.history import DAY, Moment
from app.sandbox.ops.deployments import create_deployment, create_deployment_status
from app.sandbox.ops.merging import merge_pull
from app.sandbox.ops.pulls import PullEdit, edit_pull
from app.sandbox.ops.reviews import review
from app.sandbox.state import SimulatedGitHub

ORG = "acme"
API, WEB = f"{ORG}/api", f"{ORG}/web"
MONTH_REPOSITORIES = (API, WEB)
MONTH_DAYS = 29  # the month's moments are in the 29 days before today (UTC)
SEED = 11
# The rules both services follow during the month: a welcome on every PR, a label on big ones.
MONTH_CONFIG = """\
rules:
  - name: Welcome
    on: [pull_request.opened]
    do:
      comment:
        body: "Thanks! paasbot's check on this PR says what every rule does."
  - name: Flag big changes
    if: ["changed-lines>500"]
    do:
      label: {toggle: [big-change]}
"""
ENGINEERS = ("erin", "frank", "grace", "heidi")
REVIEWERS = ("bob", "carol")
DEPLOYER = "deployer"
DEPLOY_HOUR = 17  # each service deploys at 17:00 the days something merged since its last deploy
LAST_MERGE_HOUR = (MONTH_DAYS - 1) * 24 + 16  # the last day's deployment takes every merge
# Changed lines and hours from opened to merged (or closed), per size bucket, and how many PRs.
SIZES = (
    ((2, 10), (1.0, 6.0), 9),
    ((11, 50), (3.0, 12.0), 8),
    ((51, 200), (8.0, 30.0), 7),
    ((201, 500), (20.0, 56.0), 5),
    ((501, 1000), (40.0, 90.0), 4),
    ((1001, 1600), (70.0, 130.0), 4),
)
CLOSED = 4  # PRs closed without merging, one in each of the first buckets


@dataclass(frozen=True)
class MonthPull:
    repository: str
    lines: int
    author: str
    opened: float  # hours from the month's start; its one commit is made then too
    reviews: tuple[tuple[float, str], ...] = ()  # (hour, APPROVE | REQUEST_CHANGES)
    merged: float | None = None
    closed: float | None = None  # closed without merging


@dataclass(frozen=True)
class MonthDeployment:
    repository: str
    hour: float
    state: str  # success | failure


def month_start(now: float) -> float:
    """The month's hour 0: midnight (UTC) `MONTH_DAYS` days before today's."""
    return (now // DAY - MONTH_DAYS) * DAY


def _half_hours(value: float) -> float:
    return max(0.5, round(value * 2) / 2)


def _pulls(rng: random.Random) -> list[MonthPull]:
    pulls = []
    for bucket, ((low, high), (fastest, slowest), count) in enumerate(SIZES):
        for index in range(count):
            lines = rng.randint(low, high)
            duration = _half_hours(rng.uniform(fastest, slowest))
            latest_day = int((LAST_MERGE_HOUR - duration) // 24) - 1
            opened = rng.randint(0, latest_day) * 24 + rng.randint(16, 34) / 2  # 8:00 to 17:00
            end = opened + duration
            closed = index == 0 and bucket < CLOSED
            reviews: list[tuple[float, str]] = []
            if not (bucket == 0 and index in (3, 7)):  # two small ones merge unreviewed
                first = opened + _half_hours(duration * rng.uniform(0.15, 0.35))
                if closed or rng.random() < 0.15 + 0.13 * bucket:
                    reviews.append((first, "REQUEST_CHANGES"))
                    if not closed:
                        approve = opened + _half_hours(duration * rng.uniform(0.55, 0.85))
                        reviews.append((max(approve, first + 0.5), "APPROVE"))
                else:
                    reviews.append((first, "APPROVE"))
            pulls.append(
                MonthPull(
                    repository=rng.choice(MONTH_REPOSITORIES),
                    lines=lines,
                    author=rng.choice(ENGINEERS),
                    opened=opened,
                    reviews=tuple(reviews),
                    merged=None if closed else end,
                    closed=end if closed else None,
                )
            )
    return sorted(pulls, key=lambda pull: pull.opened)


def _deployments(pulls: list[MonthPull], rng: random.Random) -> list[MonthDeployment]:
    """Each service deploys at 17:00 on the days something merged since its last success; two
    of those deployments fail (one per service) and are restored by a redeploy some hours
    later."""
    deployments = []
    for repository in MONTH_REPOSITORIES:
        merges = sorted(p.merged for p in pulls if p.repository == repository and p.merged)
        slots = []
        deployed_until = -1.0
        for day in range(MONTH_DAYS):
            hour = day * 24 + DEPLOY_HOUR
            if any(deployed_until < merged <= hour for merged in merges):
                slots.append(hour)
                deployed_until = hour
        failing = rng.choice(slots[2:-2])
        for hour in slots:
            if hour == failing:
                deployments.append(MonthDeployment(repository, hour, "failure"))
                restored = hour + rng.choice((1.5, 2.0, 2.5, 3.0))
                deployments.append(MonthDeployment(repository, restored, "success"))
            else:
                deployments.append(MonthDeployment(repository, hour, "success"))
    return sorted(deployments, key=lambda d: (d.hour, d.repository))


def _month() -> tuple[list[MonthPull], list[MonthDeployment]]:
    rng = random.Random(SEED)  # noqa: S311 - a reproducible story, not a secret
    pulls = _pulls(rng)
    return pulls, _deployments(pulls, rng)


MONTH_PULLS, MONTH_DEPLOYMENTS = _month()


def seed_month(state: SimulatedGitHub, viewer: str) -> None:
    """The services the month happens on (acme/web already exists), their rules, and the people:
    `viewer` (the demo's user) can see both."""
    installation = state.installation_for(state.repository(WEB))
    assert installation is not None, f"{WEB} is installed (seed)"
    if state.find_repository(API) is None:
        state.add_repository(installation, API.split("/")[1], files={"README.md": "# api\n"})
    for login in (*ENGINEERS, *REVIEWERS, viewer):
        for repository in MONTH_REPOSITORIES:
            actors_repos.add_collaborator(state, repository, login, "write")


def month_moments(state: SimulatedGitHub) -> list[Moment]:
    """The month as moments: the rules committed at hour 0, then every PR, review, merge, close
    and deployment at its hour."""
    numbers: dict[int, int] = {}
    moments = [
        Moment(0.0, 0, lambda repository=repository: _adopt_rules(state, repository))
        for repository in MONTH_REPOSITORIES
    ]
    for index, pull in enumerate(MONTH_PULLS):
        moments.append(Moment(pull.opened, 1, lambda i=index, p=pull: _open(state, i, p, numbers)))
        for hour, kind in pull.reviews:
            reviewer = REVIEWERS[index % len(REVIEWERS)]
            moments.append(
                Moment(
                    hour,
                    2,
                    lambda i=index, p=pull, k=kind, r=reviewer: review(
                        state, p.repository, numbers[i], r, k, _review_text(k)
                    ),
                )
            )
        # paasbot reacts to the opening before the PR closes, even when both happen the same day.
        same_day = (pull.merged or pull.closed or 0) // 24 == pull.opened // 24
        if pull.merged is not None:
            moments.append(
                Moment(
                    pull.merged,
                    3,
                    lambda i=index, p=pull: merge_pull(
                        state, p.repository, numbers[i], "squash", by=p.author
                    ),
                    settled_first=same_day,
                )
            )
        if pull.closed is not None:
            moments.append(
                Moment(
                    pull.closed,
                    3,
                    lambda i=index, p=pull: edit_pull(
                        state, p.repository, numbers[i], PullEdit(state="closed"), sender=p.author
                    ),
                    settled_first=same_day,
                )
            )
    for deployment in MONTH_DEPLOYMENTS:
        moments.append(Moment(deployment.hour, 4, lambda d=deployment: _deploy(state, d)))
    return moments


def _adopt_rules(state: SimulatedGitHub, repository: str) -> object:
    return state.commit(
        repository, "main", {".paasbot.yml": MONTH_CONFIG}, message="Adopt paasbot", author="bob"
    )


def _open(state: SimulatedGitHub, index: int, pull: MonthPull, numbers: dict[int, int]) -> None:
    branch = f"change-{index}"
    body = "".join(f"line {n}\n" for n in range(pull.lines))
    state.commit(
        pull.repository,
        branch,
        {f"src/change_{index}.txt": body},
        message=f"Change {index}",
        author=pull.author,
    )
    opened = state.open_pull(
        pull.repository, f"Change {index}", head_ref=branch, author=pull.author
    )
    numbers[index] = opened.number


def _review_text(kind: str) -> str:
    return "Looks good" if kind == "APPROVE" else "Please split the migration out"


def _deploy(state: SimulatedGitHub, deployment: MonthDeployment) -> object:
    created = create_deployment(
        state, state.repository(deployment.repository), "main", creator=DEPLOYER
    )
    create_deployment_status(state, created, "in_progress", creator=DEPLOYER)
    return create_deployment_status(state, created, deployment.state, creator=DEPLOYER)
