"""An installation subject: keep the installations table in step with GitHub's events, and
onboard the repositories it gained (see app/worker/onboarding.py)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlalchemy import delete

from app.github.errors import RescheduleRequired
from app.store.deliveries import load_deliveries
from app.store.dialect import insert_for
from app.store.manifest_cache import forget_scans
from app.store.queue import Claim
from app.store.tables import installations, open_pulls, repository_syncs
from app.worker.context import Outcome, WorkContext
from app.worker.onboarding import onboard

_STATES = {
    "created": "active",
    "unsuspend": "active",
    "new_permissions_accepted": "active",
    "deleted": "deleted",
    "suspend": "suspended",
}


async def sync_installation(claim: Claim, context: WorkContext) -> Outcome:
    async with context.db.transaction() as conn:
        stored = await load_deliveries(conn, [e.delivery_id for e in claim.events])
        removed = 0
        state = None
        for delivery in stored:
            payload = json.loads(delivery.payload)
            if delivery.event == "installation":
                state = _STATES.get(delivery.action or "", state)
                await _upsert_installation(conn, payload, state or "active", context.now())
            elif delivery.event == "installation_repositories":
                removed += await _forget_repositories(conn, payload.get("repositories_removed"))
    detail = f"installation {state or 'unchanged'}; {removed} repositories removed"
    if state in ("deleted", "suspended") or claim.ref.installation_id is None:
        return Outcome("recorded", detail)
    run = await onboard(context, claim.ref.installation_id, stored)
    counts = Counter(offer.status for offer in run.outcomes.values())
    detail += "; onboarding: " + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "-")
    if run.continues_at is not None:
        raise RescheduleRequired(run.continues_at, f"onboarding PRs per minute reached ({detail})")
    return Outcome("recorded", detail)


async def _upsert_installation(conn: Any, payload: dict[str, Any], state: str, now: float) -> None:
    installation = payload.get("installation") or {}
    account = (installation.get("account") or {}).get("login")
    stmt = insert_for(conn, installations).values(
        id=installation["id"], account=account, state=state, updated_at=now
    )
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[installations.c.id],
            set_={"account": account, "state": state, "updated_at": now},
        )
    )


async def _forget_repositories(conn: Any, repositories: Any) -> int:
    names = [r["full_name"] for r in repositories or () if isinstance(r, dict) and "full_name" in r]
    if names:
        await conn.execute(delete(open_pulls).where(open_pulls.c.repository.in_(names)))
        await conn.execute(delete(repository_syncs).where(repository_syncs.c.repository.in_(names)))
        await forget_scans(conn, names)
    return len(names)
