"""What paasbot left behind on the simulated GitHub, as a user would see it: a snapshot two runs of
the same seeded trace can be compared by (a fault-free run against one where GitHub misbehaved, or
a run whose paasbot was killed and restarted).

    capture(state) -> FinalState         frozen, comparable (==), JSON both ways
    differences(expected, actual)        one readable line per difference; [] when the same
    duplicates(state)                    what paasbot did twice, read from the simulator's state

What is compared, per pull request (keyed `owner/repo#number`; paasbot's own bump PRs by their
branch, `owner/repo:branch`, since their numbers depend on when they were opened):
- whether it is open, closed or merged, and whether paasbot merged it;
- its labels (whoever set them: paasbot's rules toggle them);
- how many users, and which teams, paasbot ever asked to review (from the `review_requested`
  events it caused, so that a request later answered or removed still counts);
- paasbot's comments and review comments, each body with how many times it was posted, and its
  reactions to comments (how it answers a `/paasbot` command), by content;
- how many times paasbot moved its head branch (update-branch, by merge or rebase).
Per check run paasbot made, keyed by repository, head commit and name: the last run's status,
conclusion and title, and its annotations (path, line, message). Commit statuses paasbot posted:
the last state per (repository, commit, context).

Established by playing the fault-free trace twice (15 PRs, SQLite): with coalescing 1 s the two
snapshots were identical; with coalescing 0 s, 2 pairs in 4 differed, both times because one PR
stayed open, its summary still counting a `ci/build` as pending after CI had passed on its head
(a race in paasbot, left visible here rather than normalised away), which then also changed the
later merge order. Played again on 2026-11-29, after issue 13's fixes (4 pairs at coalescing 0 s,
15 PRs, seeds 21-24; and 10 single runs of 15 and 30 PRs searched for an open PR whose summary
still counted `ci/build` as pending): no difference, no such PR; the race was not seen again, and
which fix ended it is not known. Runs whose evaluations happen in another order (faults, kills)
differ in more: bench/order_free.py leaves that out.

Normalised, and why:
- commit SHAs: a simulated commit's SHA hashes its author's timestamp, so the same trace gives
  other SHAs in every run; a head commit is named by its root tree's SHA instead (the content,
  identical in both runs when the same things were merged in the same order);
- which users were asked to review: the golden path's `load_balance` strategy asks the code
  owner with the fewest open requests, so the choice depends on which other PRs' requests came
  first, i.e. on the order of evaluations (a failed evaluation retried later, a killed process);
  the number of users asked and the teams are compared, and a user asked twice shows in the
  duplicates;
- a bump PR's branch moved before its PR was opened (a retry of a lost answer moves it to a new
  commit) is not an update anyone sees: only pushes while the PR exists count;
- check-run summaries and texts (`output.summary`, `output.text`) are left out: they say when and
  after how many events an evaluation ran, which coalescing makes depend on timing; the title and
  conclusion (what the check says) and the annotations are kept.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from typing import Any

from app.sandbox import SimulatedGitHub
from app.sandbox.events import SimEvent
from app.sandbox.models import CheckRun, PullRequest

Annotation = tuple[str, int, str]  # path, start line, message
Counted = tuple[str, int]  # a body, how many times it was posted


@dataclass(frozen=True)
class PullOutcome:
    key: str
    state: str  # open | closed | merged
    merged_by_paasbot: bool
    labels: tuple[str, ...]
    reviewers_requested: int  # how many users paasbot ever asked (see the module's docstring)
    teams_requested: tuple[str, ...]  # the teams paasbot ever asked
    comments: tuple[Counted, ...]
    review_comments: tuple[Counted, ...]  # "path:line body"
    reactions: tuple[Counted, ...]  # paasbot's reactions to comments on the PR, by content
    branch_updates: int


@dataclass(frozen=True)
class CheckOutcome:
    key: str  # "owner/repo tree:<sha12> name"
    status: str
    conclusion: str | None
    title: str | None
    annotations: tuple[Annotation, ...]


@dataclass(frozen=True)
class StatusOutcome:
    key: str  # "owner/repo tree:<sha12> context"
    state: str


@dataclass(frozen=True)
class FinalState:
    pulls: tuple[PullOutcome, ...]
    checks: tuple[CheckOutcome, ...]
    statuses: tuple[StatusOutcome, ...]

    @property
    def bump_pulls(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.pulls if ":" in p.key.split("/", 1)[1])

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FinalState:
        return cls(
            pulls=tuple(_outcome(PullOutcome, item) for item in data["pulls"]),
            checks=tuple(_outcome(CheckOutcome, item) for item in data["checks"]),
            statuses=tuple(_outcome(StatusOutcome, item) for item in data["statuses"]),
        )


def _outcome(cls: type, item: dict[str, Any]) -> Any:
    """JSON gives lists back: the frozen snapshot holds tuples (hashable, comparable)."""
    return cls(**{f.name: _tuples(item[f.name]) for f in fields(cls)})


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def capture(state: SimulatedGitHub) -> FinalState:
    bot = state.bot_login
    requested, updates = _bot_events(state.published, bot)
    comments = _bot_comments(state, bot)
    review_comments: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    for note in state.review_comments.values():
        if note.user == bot:
            where = (note.repo_full_name, note.pull_number)
            review_comments[where][f"{note.path}:{note.line} {note.body}"] += 1
    reactions: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    for reaction in state.reactions.values():
        target = state.comments.get(reaction.comment_id)
        if reaction.user == bot and target is not None:
            reactions[(target.repo_full_name, target.issue_number)][reaction.content] += 1
    pulls = []
    for repo in sorted(state.pulls):
        for pull in state.pulls_in(repo):
            where = (repo, pull.number)
            pulls.append(
                PullOutcome(
                    key=_pull_key(pull, bot),
                    state="merged" if pull.merged else pull.state,
                    merged_by_paasbot=pull.merged and pull.merged_by == bot,
                    labels=tuple(sorted(pull.labels)),
                    reviewers_requested=sum(1 for r in requested[where] if ":" not in r),
                    teams_requested=tuple(sorted(r for r in requested[where] if ":" in r)),
                    comments=_counted(comments.get(where, Counter())),
                    review_comments=_counted(review_comments[where]),
                    reactions=_counted(reactions[where]),
                    branch_updates=updates[(repo, pull.head_ref)],
                )
            )
    return FinalState(
        pulls=tuple(sorted(pulls, key=lambda p: p.key)),
        checks=_checks(state, state.app_id),
        statuses=_statuses(state, bot),
    )


def _pull_key(pull: PullRequest, bot: str) -> str:
    if pull.author == bot:
        return f"{pull.repo_full_name}:{pull.head_ref}"
    return f"{pull.repo_full_name}#{pull.number}"


def _bot_events(
    events: Iterable[SimEvent], bot: str
) -> tuple[dict[tuple[str, int], set[str]], Counter[tuple[str, str]]]:
    """Reviewers paasbot requested per PR; pushes paasbot made to the head branch of an open PR
    (its updates; a bump PR's branch moved by a retry before its PR was opened is no one's)."""
    requested: dict[tuple[str, int], set[str]] = defaultdict(set)
    updates: Counter[tuple[str, str]] = Counter()
    headed: set[tuple[str, str]] = set()
    for event in events:
        if event.repository is None:
            continue
        if event.name == "pull_request" and event.action == "opened":
            headed.add((event.repository, event.subject.head_ref))
        if event.sender != bot:
            continue
        if event.name == "pull_request" and event.action == "review_requested":
            details = event.details
            who = details.get("requested_reviewer") or f"team:{details.get('requested_team')}"
            requested[(event.repository, event.subject.number)].add(who)
        elif event.name == "push" and not event.details.get("created"):
            ref = str(event.details.get("ref", ""))
            branch = (event.repository, ref.removeprefix("refs/heads/"))
            if ref.startswith("refs/heads/") and branch in headed:
                updates[branch] += 1
    return requested, updates


def _counted(bodies: Counter[str]) -> tuple[Counted, ...]:
    return tuple(sorted(bodies.items()))


def _commit_name(state: SimulatedGitHub, sha: str) -> str:
    commit = state.git.commits.get(sha)
    return f"tree:{commit.tree_sha[:12]}" if commit is not None else f"sha:{sha[:12]}"


def _checks(state: SimulatedGitHub, app_id: int) -> tuple[CheckOutcome, ...]:
    latest: dict[str, CheckRun] = {}
    for run in sorted(state.check_runs.values(), key=lambda r: r.id):
        if run.app_id == app_id:
            key = f"{run.repo_full_name} {_commit_name(state, run.head_sha)} {run.name}"
            latest[key] = run
    return tuple(
        CheckOutcome(
            key=key,
            status=run.status,
            conclusion=run.conclusion,
            title=run.output.get("title"),
            annotations=tuple(
                sorted(
                    (str(a.get("path")), int(a.get("start_line") or 0), str(a.get("message")))
                    for a in run.annotations
                )
            ),
        )
        for key, run in sorted(latest.items())
    )


def _statuses(state: SimulatedGitHub, bot: str) -> tuple[StatusOutcome, ...]:
    latest: dict[str, str] = {}
    for status in state.statuses:
        if status.creator == bot:
            key = f"{status.repo_full_name} {_commit_name(state, status.sha)} {status.context}"
            latest[key] = status.state
    return tuple(StatusOutcome(key, value) for key, value in sorted(latest.items()))


def differences(expected: FinalState, actual: FinalState) -> list[str]:
    """One line per PR, check run or status that differs, naming the fields that do."""
    lines: list[str] = []
    for kind, want, got in (
        ("PR", expected.pulls, actual.pulls),
        ("check run", expected.checks, actual.checks),
        ("status", expected.statuses, actual.statuses),
    ):
        wanted = {item.key: item for item in want}
        have = {item.key: item for item in got}
        for key in sorted(wanted.keys() | have.keys()):
            before, after = wanted.get(key), have.get(key)
            if before is None:
                lines.append(f"{kind} {key}: not expected, found {_brief(after)}")
            elif after is None:
                lines.append(f"{kind} {key}: expected {_brief(before)}, missing")
            elif before != after:
                for field in fields(before):
                    a, b = getattr(before, field.name), getattr(after, field.name)
                    if a != b:
                        lines.append(f"{kind} {key}: {field.name} expected {a!r}, got {b!r}")
    return lines


def _brief(item: Any) -> str:
    shown = {k: v for k, v in asdict(item).items() if k != "key" and v not in ((), None, 0)}
    return repr(shown)[:300]


def duplicates(state: SimulatedGitHub) -> list[str]:
    """What paasbot did twice, read from the state (so that a write whose answer was lost counts
    as done): a comment body posted twice on one PR, two bump PRs for one branch. A merge cannot
    happen twice (GitHub refuses the second) and GitHub ignores a request of a reviewer already
    requested: those show only in the request log (bench/scale.py's `duplicated_writes`)."""
    bot = state.bot_login
    found = [
        f"comment posted {count} times on {repo}#{number}: {body[:80]!r}"
        for (repo, number), bodies in _bot_comments(state, bot).items()
        for body, count in bodies.items()
        if count > 1
    ]
    opened = Counter(
        (p.repo_full_name, p.head_ref, p.base_ref)
        for repo in state.pulls
        for p in state.pulls_in(repo)
        if p.author == bot
    )
    found += [
        f"{count} PRs opened for {repo} {head} -> {base}"
        for (repo, head, base), count in sorted(opened.items())
        if count > 1
    ]
    return found


def _bot_comments(state: SimulatedGitHub, bot: str) -> dict[tuple[str, int], Counter[str]]:
    bodies: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    for comment in state.comments.values():
        if comment.user == bot:
            bodies[(comment.repo_full_name, comment.issue_number)][comment.body] += 1
    return bodies
