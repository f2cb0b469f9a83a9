"""The ledger of delivery insights: pull request lifecycles, their reviews, deployments, paasbot's
actions and repositories' teams, written from deliveries (`app/insights/ledger_facts.py`), the
workers and the backfill, and read back as `app/insights/model.py` records.

Every write is idempotent and order-independent: a fact received twice, or after a later one,
leaves the same row (opened, ready and first-commit times keep the earliest value seen, a merge
is recorded once, sizes and base come from the newest PR payload, review figures are computed
from the stored reviews, which a redelivery does not add twice). Repositories are lower-case."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from sqlalchemy import and_, case, delete, false, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from app.insights.ledger_facts import DeploymentFact, Fact, PullFact, ReviewFact
from app.insights.model import ActionRecord, DeploymentRecord, PullRecord, Window
from app.store.dialect import insert_for
from app.store.tables import action_ledger, deployments, pull_lifecycle, pull_reviews
from app.store.tables import repository_teams as teams_table

TEAMS_TTL_SECONDS = 86400.0
# The permissions that make a team one of the repository's own (its PRs are the team's PRs).
TEAM_PERMISSIONS = ("admin", "maintain", "push")
NO_TEAM = ""  # the row of a repository read with no such team


async def record_facts(conn: AsyncConnection, facts: Iterable[Fact], now: float) -> None:
    """One delivery's facts; each PR's review figures are recomputed once, after all of them
    (a review's delivery carries the PR too: not twice)."""
    touched: dict[tuple[str, int], None] = {}
    for fact in facts:
        if isinstance(fact, PullFact):
            await record_pull(conn, fact, now, refresh=False)
        elif isinstance(fact, ReviewFact):
            await record_review(conn, fact, now, refresh=False)
        else:
            await record_deployment(conn, fact)
            continue
        touched[(fact.repository, fact.number)] = None
    for repository, number in touched:
        await refresh_review_figures(conn, repository, number, now)


def _earliest(current: Any, new: Any) -> ColumnElement[Any]:
    """The smaller of two nullable values (NULL only when both are)."""
    return case(
        (new.is_(None), current),
        (or_(current.is_(None), new < current), new),
        else_=current,
    )


def _latest(current: Any, new: Any) -> ColumnElement[Any]:
    return case(
        (new.is_(None), current),
        (or_(current.is_(None), new > current), new),
        else_=current,
    )


def _newer(current_at: Any, new_at: Any, current: Any, new: Any) -> ColumnElement[Any]:
    """`new` when it comes from a payload at least as recent as `current`'s (and exists)."""
    return case(
        (and_(new.is_not(None), or_(current_at.is_(None), new_at >= current_at)), new),
        else_=current,
    )


async def record_pull(
    conn: AsyncConnection, fact: PullFact, now: float, *, refresh: bool = True
) -> None:
    t, sized = pull_lifecycle.c, fact.additions is not None
    stmt = insert_for(conn, pull_lifecycle).values(
        repository=fact.repository.lower(),
        number=fact.number,
        base=fact.base,
        based_at=fact.seen_at,
        opened_at=fact.opened_at,
        ready_at=fact.ready_at,
        merged_at=fact.merged_at,
        merge_sha=fact.merge_sha,
        closed_at=fact.closed_at,
        reopened_at=fact.reopened_at,
        additions=fact.additions,
        deletions=fact.deletions,
        changed_files=fact.changed_files,
        sized_at=fact.seen_at if sized else None,
        review_rounds=0,
        by_bot=int(fact.by_bot),
        updated_at=now,
    )
    new = stmt.excluded
    sizes = {
        name: _newer(t.sized_at, new.sized_at, t[name], new[name])
        for name in ("additions", "deletions", "changed_files")
    }
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[t.repository, t.number],
            set_={
                "base": _newer(t.based_at, new.based_at, t.base, new.base),
                "based_at": _latest(t.based_at, new.based_at),
                "opened_at": _earliest(t.opened_at, new.opened_at),
                "ready_at": _earliest(t.ready_at, new.ready_at),
                "merged_at": func.coalesce(t.merged_at, new.merged_at),
                "merge_sha": func.coalesce(t.merge_sha, new.merge_sha),
                "closed_at": _latest(t.closed_at, new.closed_at),
                "reopened_at": _latest(t.reopened_at, new.reopened_at),
                **sizes,
                "sized_at": _latest(t.sized_at, new.sized_at),
                "by_bot": case((new.by_bot > t.by_bot, new.by_bot), else_=t.by_bot),
                "updated_at": new.updated_at,
            },
        )
    )
    if refresh:
        # Reviews recorded before the PR's first fact (out of order) count from now on.
        await refresh_review_figures(conn, fact.repository, fact.number, now)


async def record_review(
    conn: AsyncConnection, fact: ReviewFact, now: float, *, refresh: bool = True
) -> None:
    """Stores the review (once), then recomputes the PR's review figures from its reviews: the
    first review by someone else than the author, the first approval, and the rounds (reviews
    that requested changes, + 1 once approved). The PR's row comes from the review's payload."""
    repository, r = fact.repository.lower(), pull_reviews.c
    stmt = insert_for(conn, pull_reviews).values(
        repository=repository,
        number=fact.number,
        review_id=fact.review_id,
        state=fact.state,
        submitted_at=fact.submitted_at,
        by_author=int(fact.by_author),
    )
    await conn.execute(
        stmt.on_conflict_do_nothing(index_elements=[r.repository, r.number, r.review_id])
    )
    if refresh:
        await refresh_review_figures(conn, repository, fact.number, now)


async def refresh_review_figures(
    conn: AsyncConnection, repository: str, number: int, now: float
) -> None:
    r, t = pull_reviews.c, pull_lifecycle.c
    theirs = and_(r.repository == t.repository, r.number == t.number, r.by_author == 0)
    first = select(func.min(r.submitted_at)).where(theirs).scalar_subquery()
    approved = select(func.min(r.submitted_at)).where(theirs, r.state == "approved")
    changes = select(func.count()).where(theirs, r.state == "changes_requested")
    any_approval = select(r.review_id).where(theirs, r.state == "approved").exists()
    await conn.execute(
        update(pull_lifecycle)
        .where(t.repository == repository.lower(), t.number == number)
        .values(
            first_review_at=first,
            approved_at=approved.scalar_subquery(),
            review_rounds=changes.scalar_subquery() + case((any_approval, 1), else_=0),
            updated_at=now,
        )
    )


async def record_first_commit(
    conn: AsyncConnection, repository: str, number: int, at: float, now: float
) -> None:
    """The PR's oldest commit's author date (the earliest value recorded stays)."""
    t = pull_lifecycle.c
    await conn.execute(
        update(pull_lifecycle)
        .where(t.repository == repository.lower(), t.number == number)
        .values(first_commit_at=_earliest(t.first_commit_at, _literal(at)), updated_at=now)
    )


def _literal(value: float) -> Any:
    return literal(value, pull_lifecycle.c.first_commit_at.type)


async def needs_first_commit(conn: AsyncConnection, repository: str, number: int) -> bool:
    t = pull_lifecycle.c
    row = (
        await conn.execute(
            select(t.first_commit_at).where(t.repository == repository.lower(), t.number == number)
        )
    ).first()
    return row is None or row.first_commit_at is None


async def record_deployment(conn: AsyncConnection, fact: DeploymentFact) -> None:
    d = deployments.c
    stmt = insert_for(conn, deployments).values(
        repository=fact.repository.lower(),
        deployment_id=fact.deployment_id,
        status_id=fact.status_id,
        environment=fact.environment,
        sha=fact.sha,
        state=fact.state,
        at=fact.at,
    )
    await conn.execute(
        stmt.on_conflict_do_nothing(index_elements=[d.repository, d.deployment_id, d.status_id])
    )


async def record_action(
    conn: AsyncConnection,
    *,
    repository: str,
    action: str,
    outcome: str,
    at: float,
    installation_id: int | None = None,
    number: int | None = None,
    rule: str | None = None,
) -> None:
    await conn.execute(
        action_ledger.insert().values(
            repository=repository.lower(),
            number=number,
            rule=rule,
            action=action,
            outcome=outcome,
            at=at,
            installation_id=installation_id,
        )
    )


async def teams_due(conn: AsyncConnection, repository: str, now: float) -> bool:
    """Whether the repository's teams were read more than a day ago (or never)."""
    c = teams_table.c
    latest = (
        await conn.execute(
            select(func.max(c.refreshed_at)).where(c.repository == repository.lower())
        )
    ).scalar()
    return latest is None or now - float(latest) >= TEAMS_TTL_SECONDS


async def replace_teams(
    conn: AsyncConnection, repository: str, teams: Mapping[str, str], now: float
) -> None:
    """The repository's teams as just read (slug -> permission); those without push, maintain
    or admin are left out."""
    name, c = repository.lower(), teams_table.c
    kept = {slug: perm for slug, perm in teams.items() if perm in TEAM_PERMISSIONS}
    await conn.execute(delete(teams_table).where(c.repository == name))
    rows = [
        {"repository": name, "team": slug, "permission": perm, "refreshed_at": now}
        for slug, perm in (kept or {NO_TEAM: "none"}).items()
    ]
    await conn.execute(teams_table.insert(), rows)


async def teams_of(conn: AsyncConnection) -> dict[str, set[str]]:
    """team slug -> the repositories it has push, maintain or admin access to."""
    c = teams_table.c
    found: dict[str, set[str]] = {}
    for row in await conn.execute(select(c.team, c.repository).where(c.team != NO_TEAM)):
        found.setdefault(row.team, set()).add(row.repository)
    return found


def _in(column: Any, window: Window) -> ColumnElement[bool]:
    return and_(column >= window.start, column < window.end)


def _of(column: Any, repositories: Collection[str] | None) -> ColumnElement[bool]:
    if repositories is None:
        return column.is_not(None)
    names = sorted({name.lower() for name in repositories})
    return column.in_(names) if names else false()


async def load_pulls(
    conn: AsyncConnection, repositories: Collection[str] | None, window: Window
) -> list[PullRecord]:
    """The PRs of `repositories` (None: all) opened, merged or closed within the window."""
    t = pull_lifecycle.c
    rows = await conn.execute(
        select(pull_lifecycle)
        .where(
            _of(t.repository, repositories),
            or_(_in(t.opened_at, window), _in(t.merged_at, window), _in(t.closed_at, window)),
        )
        .order_by(t.repository, t.number)
    )
    return [_pull_record(row) for row in rows]


def _pull_record(row: Any) -> PullRecord:
    closed_at = row.closed_at
    if row.merged_at is not None or (
        closed_at is not None and row.reopened_at is not None and row.reopened_at >= closed_at
    ):
        closed_at = None
    return PullRecord(
        repository=row.repository,
        number=row.number,
        base=row.base,
        opened_at=row.opened_at,
        ready_at=row.ready_at,
        first_review_at=row.first_review_at,
        approved_at=row.approved_at,
        merged_at=row.merged_at,
        closed_at=closed_at,
        first_commit_at=row.first_commit_at,
        additions=row.additions or 0,
        deletions=row.deletions or 0,
        changed_files=row.changed_files or 0,
        review_rounds=row.review_rounds,
        by_bot=bool(row.by_bot),
        merge_sha=row.merge_sha,
    )


async def load_deployments(
    conn: AsyncConnection, repositories: Collection[str] | None, window: Window
) -> list[DeploymentRecord]:
    """The deployment statuses created within the window, oldest first."""
    d = deployments.c
    rows = await conn.execute(
        select(deployments)
        .where(_of(d.repository, repositories), _in(d.at, window))
        .order_by(d.at, d.repository, d.deployment_id, d.status_id)
    )
    return [
        DeploymentRecord(r.repository, r.deployment_id, r.environment, r.sha, r.state, r.at)
        for r in rows
    ]


async def load_actions(
    conn: AsyncConnection, repositories: Collection[str] | None, window: Window
) -> list[ActionRecord]:
    """The actions carried out within the window, oldest first."""
    a = action_ledger.c
    rows = await conn.execute(
        select(action_ledger)
        .where(_of(a.repository, repositories), _in(a.at, window))
        .order_by(a.at, a.id)
    )
    return [ActionRecord(r.repository, r.action, r.outcome, r.at, r.rule) for r in rows]
