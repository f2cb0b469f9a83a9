"""The review-request ledger: which logins paasbot asked to review which pull request, and when.

Reviewer assignment reads it to spread the load (`app/reviewers/selection.py`). A request is
outstanding until it is completed: the person reviewed, the request was removed, or the PR closed.
Scopes (the account whose members share the load), repositories and logins compare without case,
as on GitHub, and are stored lower-case."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.tables import review_requests

THIRTY_DAYS = 30 * 86400.0


@dataclass(frozen=True)
class ReviewHistory:
    """What the ledger says about some logins. Keys are lower-case logins; a login missing from a
    mapping was never requested (no time), or has no request in the window / outstanding (0)."""

    last_requested: Mapping[str, float] = field(default_factory=dict)
    recent: Mapping[str, int] = field(default_factory=dict)
    outstanding: Mapping[str, int] = field(default_factory=dict)
    # The ledger's sequence number (row id) of each login's latest request: it orders requests
    # made at the same time, as `record_requests` stores a call's logins in the order given.
    last_sequence: Mapping[str, int] = field(default_factory=dict)

    def last(self, login: str) -> float | None:
        """When `login` was last requested (at any time), or None if never."""
        return self.last_requested.get(login.lower())

    def sequence(self, login: str) -> int | None:
        """The ledger's sequence number of `login`'s latest request, or None if never."""
        return self.last_sequence.get(login.lower())

    def load(self, login: str) -> int:
        """GitHub's load-balance weight: requests in the window plus requests outstanding (of any
        age). An outstanding request made within the window counts in both."""
        key = login.lower()
        return self.recent.get(key, 0) + self.outstanding.get(key, 0)


def _lower_unique(names: Iterable[str]) -> list[str]:
    """Lower-case, each once, in the order given."""
    return list(dict.fromkeys(name.lower() for name in names))


async def record_requests(
    conn: AsyncConnection,
    scope: str,
    repository: str,
    number: int,
    logins: Iterable[str],
    now: float,
) -> None:
    """One row per login requested on the pull request at `now`, in the order given (the order
    they were chosen in, which orders them among requests made at the same time). A login named
    twice counts once; a login whose earlier request on this pull request is still outstanding
    gets no new row (it is the same request, e.g. a retried evaluation). Requested again after
    its request was completed: a new row."""
    wanted = _lower_unique(logins)
    if not wanted:
        return
    c = review_requests.c
    repository = repository.lower()
    pending = set(
        await conn.scalars(
            select(c.login).where(
                c.repository == repository,
                c.number == number,
                c.completed_at.is_(None),
                c.login.in_(wanted),
            )
        )
    )
    for login in wanted:
        if login in pending:
            continue
        # One statement per row: ids follow the order given (one multi-row INSERT would not say).
        await conn.execute(
            insert(review_requests).values(
                scope=scope.lower(),
                repository=repository,
                number=number,
                login=login,
                requested_at=now,
            )
        )


async def complete_requests(
    conn: AsyncConnection,
    repository: str,
    number: int,
    still_outstanding: Iterable[str],
    now: float,
) -> int:
    """Completes, at `now`, every outstanding request on the pull request whose login is not in
    `still_outstanding` (its currently requested reviewers; empty when the PR closed). Returns how
    many requests were completed."""
    keep = _lower_unique(still_outstanding)
    c = review_requests.c
    stmt = update(review_requests).where(
        c.repository == repository.lower(),
        c.number == number,
        c.completed_at.is_(None),
    )
    if keep:
        stmt = stmt.where(c.login.not_in(keep))
    result = await conn.execute(stmt.values(completed_at=now))
    return int(result.rowcount)


async def review_history(
    conn: AsyncConnection,
    scope: str,
    logins: Iterable[str],
    now: float,
    window_seconds: float = THIRTY_DAYS,
) -> ReviewHistory:
    """For each login, within `scope`: its last request (any time), its requests made in the
    window (`requested_at >= now - window_seconds`), its requests outstanding (any age), and the
    sequence number of its latest request."""
    wanted = _lower_unique(logins)
    if not wanted:
        return ReviewHistory()
    c = review_requests.c
    since = now - window_seconds
    rows = await conn.execute(
        select(
            c.login,
            func.max(c.requested_at).label("last"),
            func.max(c.id).label("sequence"),
            func.sum(case((c.requested_at >= since, 1), else_=0)).label("recent"),
            func.sum(case((c.completed_at.is_(None), 1), else_=0)).label("outstanding"),
        )
        .where(c.scope == scope.lower(), c.login.in_(wanted))
        .group_by(c.login)
    )
    last: dict[str, float] = {}
    recent: dict[str, int] = {}
    outstanding: dict[str, int] = {}
    sequence: dict[str, int] = {}
    for row in rows:
        last[row.login] = float(row.last)
        sequence[row.login] = int(row.sequence)
        if row.recent:
            recent[row.login] = int(row.recent)
        if row.outstanding:
            outstanding[row.login] = int(row.outstanding)
    return ReviewHistory(
        last_requested=last, recent=recent, outstanding=outstanding, last_sequence=sequence
    )
