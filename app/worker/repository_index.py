"""A repository's open-PR index, listed from the API when the index cannot answer a lookup; the
statuses and pushes that waited for it are then routed to their pull requests."""

from __future__ import annotations

from app.routing.plan import IndexUpsert
from app.store.deliveries import load_deliveries
from app.store.pull_index import replace_repository_index
from app.store.queue import Claim
from app.worker.context import Outcome, WorkContext


async def list_open_pulls(claim: Claim, context: WorkContext) -> Outcome:
    ref = claim.ref
    if ref.installation_id is None or ref.repository is None:
        return Outcome("skipped", "no installation in the events: paasbot cannot list PRs")
    api = context.github.installation(ref.installation_id)
    pulls = [
        IndexUpsert(ref.repository, pull["number"], pull["head"]["sha"], pull["base"]["ref"])
        async for pull in api.getiter(
            "/repos/{+repository}/pulls{?state,per_page}",
            url_vars={"repository": ref.repository, "state": "open", "per_page": "100"},
        )
    ]
    async with context.db.transaction() as conn:
        await replace_repository_index(
            conn, ref.repository, ref.installation_id, pulls, context.now()
        )
        waiting = await load_deliveries(conn, [e.delivery_id for e in claim.events])
        routed = 0
        for delivery in waiting:
            routed += len(await context.router.route_lookups_again(conn, delivery))
    return Outcome("indexed", f"{len(pulls)} open pull requests; {routed} subjects marked")
