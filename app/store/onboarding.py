"""Which repositories paasbot offers an onboarding PR, and how each offer ended. Repositories are
stored lower-case. A repository is offered once: a row that is not pending is left alone when the
repository is added again, unless a person asked (`/paasbot onboard`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.dialect import insert_for
from app.store.tables import onboarding

STATUSES = frozenset({"pending", "opened", "configured", "declined", "skipped", "failed"})


@dataclass(frozen=True)
class OnboardingRow:
    repository: str
    installation_id: int
    status: str
    detail: str | None
    pull_number: int | None
    requested_by: str | None
    opened_at: float | None


async def add_pending(
    conn: AsyncConnection, installation_id: int, repositories: Sequence[str], now: float
) -> None:
    """Rows for the repositories paasbot has not looked at yet (others are left alone)."""
    for name in dict.fromkeys(repository.lower() for repository in repositories):
        stmt = insert_for(conn, onboarding).values(
            repository=name,
            installation_id=installation_id,
            status="pending",
            created_at=now,
            updated_at=now,
        )
        await conn.execute(stmt.on_conflict_do_nothing(index_elements=[onboarding.c.repository]))


async def request(
    conn: AsyncConnection, installation_id: int, repository: str, requested_by: str, now: float
) -> None:
    """A person asked for an onboarding PR: the repository is looked at again (GitHub says
    whether its PR is open, merged or closed, and whether it is configured by now)."""
    name = repository.lower()
    await add_pending(conn, installation_id, [name], now)
    await conn.execute(
        update(onboarding)
        .where(onboarding.c.repository == name)
        .values(status="pending", requested_by=requested_by, updated_at=now)
    )


async def pending(conn: AsyncConnection, installation_id: int) -> list[str]:
    c = onboarding.c
    rows = await conn.execute(
        select(c.repository)
        .where(and_(c.installation_id == installation_id, c.status == "pending"))
        .order_by(c.created_at, c.repository)
    )
    return [row.repository for row in rows]


async def load(conn: AsyncConnection, repository: str) -> OnboardingRow | None:
    c = onboarding.c
    row = (await conn.execute(select(onboarding).where(c.repository == repository.lower()))).first()
    if row is None:
        return None
    return OnboardingRow(
        row.repository,
        row.installation_id,
        row.status,
        row.detail,
        row.pull_number,
        row.requested_by,
        row.opened_at,
    )


async def record(
    conn: AsyncConnection,
    repository: str,
    status: str,
    detail: str | None,
    *,
    now: float,
    pull_number: int | None = None,
    opened: bool = False,
) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown onboarding status {status!r}")
    values: dict[str, object] = {"status": status, "detail": detail, "updated_at": now}
    if pull_number is not None:
        values["pull_number"] = pull_number
    if opened:
        values["opened_at"] = now
    await conn.execute(
        update(onboarding).where(onboarding.c.repository == repository.lower()).values(**values)
    )


async def opened_since(conn: AsyncConnection, installation_id: int, since: float) -> list[float]:
    """When paasbot opened the installation's onboarding PRs at or after `since`, ascending."""
    c = onboarding.c
    rows = await conn.execute(
        select(c.opened_at)
        .where(and_(c.installation_id == installation_id, c.opened_at >= since))
        .order_by(c.opened_at)
    )
    return [float(row.opened_at) for row in rows]
