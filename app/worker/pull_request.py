"""A pull request subject: refresh the index, then run the rule engine on the open PR."""

from __future__ import annotations

import logging
import uuid

from gidgethub.abc import GitHubAPI
from sqlalchemy.ext.asyncio import AsyncConnection

from app.actions.base import PullTarget
from app.engine.pull_evaluation import PullEvaluation, reuse_carried_facts, wakeup_from
from app.engine.snapshot import PullRequestSnapshot
from app.insights.ledger_reads import record_closed_pull, refresh_teams
from app.routing.plan import IndexRemoval, IndexUpsert
from app.routing.subjects import pull_request
from app.store.deliveries import load_deliveries
from app.store.merge_queue import leave_queue_at_head
from app.store.pull_index import apply_index_changes, indexed_pull
from app.store.pull_memory import load_memory
from app.store.queue import Claim
from app.store.review_ledger import complete_requests
from app.worker.context import Outcome, WorkContext

CLOSING_EVENT = "pull_request.closed"
# What wakes the PR next in a merge queue when the one ahead closed (it is no delivery).
QUEUE_TURN_EVENT = "merge_queue"
log = logging.getLogger(__name__)


async def evaluate_pull_request(claim: Claim, context: WorkContext) -> Outcome:
    ref = claim.ref
    if ref.installation_id is None or ref.repository is None or ref.number is None:
        return Outcome("skipped", "no installation in the events: paasbot cannot act for it")
    api = context.github.installation(ref.installation_id)
    snapshot = PullRequestSnapshot(
        api, ref.repository, ref.number, files_cache=context.engine.files
    )
    async with context.db.reader() as conn:
        deliveries = await load_deliveries(conn, [event.delivery_id for event in claim.events])
        memory = await load_memory(conn, claim.key)
        indexed = await indexed_pull(conn, ref.repository, ref.number)
    delivered = {delivery.id for delivery in deliveries}
    undelivered = [(e.event, e.action) for e in claim.events if e.delivery_id not in delivered]
    wakeup = wakeup_from(deliveries, undelivered)
    # Before the pull is first read: CI's events alone do not change it.
    now = context.now()
    reuse_carried_facts(snapshot, memory, wakeup, now, context.engine.carried_facts_max_age)
    await _refresh_index(context, claim, snapshot, indexed)
    if not await snapshot.is_open():
        # No review request of a closed PR is outstanding, and it waits in no merge queue,
        # whatever the rules say now.
        async with context.db.transaction() as conn:
            await complete_requests(conn, ref.repository, ref.number, (), context.now())
            next_up = await leave_queue_at_head(conn, ref.repository, ref.number)
            if next_up is not None:
                await _give_turn(context, conn, ref.installation_id, ref.repository, next_up)
        # The insights ledger: the closed PR as GitHub shows it, and a merged PR's first commit.
        await record_closed_pull(
            api, context.db, ref.repository, await snapshot.pull(), context.now()
        )
        # A closed PR is evaluated once more, when it closes (for rules on `merged` or
        # `on: [pull_request.closed]`); later events about it are ignored.
        if CLOSING_EVENT not in wakeup.events:
            return Outcome("closed", "the pull request is closed")
    head_sha = await snapshot.head_sha()
    engine = context.engine
    target = PullTarget(
        api,
        context.db,
        snapshot,
        ref.repository,
        ref.number,
        head_sha,
        engine.teams,
        engine.permissions,
        engine.protections,
        engine.codeowners,
    )
    evaluation = PullEvaluation(
        target, context.engine, context.db, claim.key, wakeup, now, memory_document=memory
    )
    try:
        written = await evaluation.run()
    finally:
        # Even when the evaluation fails after leaving the queue (its retry no longer heads it).
        if target.queue_turns:
            async with context.db.transaction() as conn:
                for number in target.queue_turns:
                    await _give_turn(context, conn, ref.installation_id, ref.repository, number)
    await _refresh_teams(api, context, ref.repository)
    return Outcome("evaluated", f"summary {written} on {head_sha[:12]}")


async def _give_turn(
    context: WorkContext, conn: AsyncConnection, installation_id: int, repository: str, number: int
) -> None:
    """Wakes the PR now at the head of a merge queue."""
    await context.queue.mark(
        conn,
        pull_request(installation_id, repository, number),
        delivery_id=f"merge-queue:{uuid.uuid4().hex}",
        event=QUEUE_TURN_EVENT,
        action="turn",
    )


async def _refresh_teams(api: GitHubAPI, context: WorkContext, repository: str) -> None:
    """The repository's teams for the insights, at most once a day; the evaluation is done, so
    a failure here is only logged (the next evaluation tries again)."""
    try:
        await refresh_teams(api, context.db, repository, context.now())
    except Exception:
        log.warning("the repository's teams could not be read", exc_info=True)


async def _refresh_index(
    context: WorkContext,
    claim: Claim,
    snapshot: PullRequestSnapshot,
    indexed: IndexUpsert | None,
) -> None:
    """The API's view of the PR corrects the index that out-of-order events may have left stale
    (`indexed`: the PR's row as read before)."""
    pull = await snapshot.pull()
    repository, number = snapshot.repository, snapshot.number
    change: IndexUpsert | IndexRemoval
    if pull["state"] == "open":
        change = IndexUpsert(repository, number, pull["head"]["sha"], pull["base"]["ref"])
    else:
        change = IndexRemoval(repository, number)
    if indexed == change or (indexed is None and isinstance(change, IndexRemoval)):
        return  # the index is right: no write
    async with context.db.transaction() as conn:
        await apply_index_changes(conn, claim.ref.installation_id, [change], context.now())
