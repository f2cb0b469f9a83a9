"""A pull request subject: snapshot it and report in the `paasbot` check run on its head SHA.

The rule engine plugs in here; until it exists, the check run says how many events paasbot
received for the PR, which proves the loop from webhook to GitHub end to end."""

from __future__ import annotations

from app.engine.snapshot import PullRequestSnapshot
from app.github.checks import CheckRunContent, publish_check_run
from app.routing.plan import IndexRemoval, IndexUpsert
from app.store.pull_index import apply_index_changes
from app.store.queue import Claim
from app.worker.context import Outcome, WorkContext

CHECK_NAME = "paasbot"


async def evaluate_pull_request(claim: Claim, context: WorkContext) -> Outcome:
    ref = claim.ref
    if ref.installation_id is None or ref.repository is None or ref.number is None:
        return Outcome("skipped", "no installation in the events: paasbot cannot act for it")
    api = context.github.installation(ref.installation_id)
    snapshot = PullRequestSnapshot(api, ref.repository, ref.number)
    await _refresh_index(context, claim, snapshot)
    if not await snapshot.is_open():
        return Outcome("closed", "the pull request is closed")
    head_sha = await snapshot.head_sha()
    counts = await context.queue.event_counts(claim.subject_id)
    result = await publish_check_run(
        context.db, api, ref.repository, head_sha, summary_of(counts), context.now()
    )
    return Outcome("evaluated", f"check run {result} on {head_sha[:12]}")


def summary_of(event_counts: dict[str, int]) -> CheckRunContent:
    """A function of what the PR has received, so an evaluation with nothing new rewrites
    nothing."""
    total = sum(event_counts.values())
    noun = "event" if total == 1 else "events"
    lines = ["Events received for this pull request:", "", "| event | count |", "|---|---|"]
    lines += [f"| `{name}` | {count} |" for name, count in sorted(event_counts.items())]
    return CheckRunContent(
        name=CHECK_NAME,
        title=f"paasbot received {total} {noun}",
        summary="\n".join(lines),
    )


async def _refresh_index(context: WorkContext, claim: Claim, snapshot: PullRequestSnapshot) -> None:
    """The API's view of the PR corrects the index that out-of-order events may have left stale."""
    pull = await snapshot.pull()
    repository, number = snapshot.repository, snapshot.number
    change: IndexUpsert | IndexRemoval
    if pull["state"] == "open":
        change = IndexUpsert(repository, number, pull["head"]["sha"], pull["base"]["ref"])
    else:
        change = IndexRemoval(repository, number)
    async with context.db.transaction() as conn:
        await apply_index_changes(conn, claim.ref.installation_id, [change], context.now())
