"""Dashboard sessions in the database, so that every replica knows every login. The cookie's
value is a random id; the table keeps its SHA-256, the user's login and the repositories they
could see when they logged in (refreshed at each login). Expired rows are deleted as new ones are
written."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.tables import web_sessions

SESSION_TTL_SECONDS = 8 * 3600


@dataclass(frozen=True)
class WebSession:
    login: str
    repositories: frozenset[str]  # lower-case owner/name
    expires_at: float


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


async def create_session(
    conn: AsyncConnection,
    login: str,
    repositories: set[str] | frozenset[str],
    now: float,
    ttl: float = SESSION_TTL_SECONDS,
) -> str:
    """A new session's id (for the cookie; never stored as is)."""
    session_id = secrets.token_urlsafe(32)
    await conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))
    await conn.execute(
        web_sessions.insert().values(
            id_hash=_hash(session_id),
            login=login,
            repositories=json.dumps(sorted(name.lower() for name in repositories)),
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return session_id


async def find_session(conn: AsyncConnection, session_id: str, now: float) -> WebSession | None:
    row = (
        await conn.execute(
            select(web_sessions).where(
                web_sessions.c.id_hash == _hash(session_id), web_sessions.c.expires_at > now
            )
        )
    ).first()
    if row is None:
        return None
    return WebSession(row.login, frozenset(json.loads(row.repositories)), row.expires_at)


async def delete_session(conn: AsyncConnection, session_id: str) -> None:
    await conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == _hash(session_id)))
