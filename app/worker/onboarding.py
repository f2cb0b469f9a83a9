"""Onboarding, run by the installation subject: repositories the app was just installed on (or
that were added to it) get a "Configure paasbot" PR; `/paasbot onboard` in an issue asks for one
again (from someone with write access); the answer is a comment on that issue."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from gidgethub.abc import GitHubAPI

from app.bumps.dependents import installation_repositories
from app.engine.commands import parse_command
from app.onboarding.offer import Offer
from app.onboarding.runner import OnboardingRun
from app.store.deliveries import StoredDelivery
from app.store.onboarding import add_pending, load, request
from app.worker.context import WorkContext

ONBOARD_COMMAND = "onboard"


@dataclass(frozen=True)
class OnboardRequest:
    repository: str
    issue: int
    login: str


def onboard_request(payload: dict[str, Any]) -> OnboardRequest | None:
    """`/paasbot onboard` as a new comment on an issue (not a pull request)."""
    issue, comment = payload.get("issue"), payload.get("comment")
    repository = (payload.get("repository") or {}).get("full_name")
    if payload.get("action") != "created" or not isinstance(issue, dict):
        return None
    if issue.get("pull_request") or not isinstance(comment, dict) or not repository:
        return None
    login = (comment.get("user") or {}).get("login")
    if parse_command(str(comment.get("body") or "")) != ONBOARD_COMMAND or not login:
        return None
    return OnboardRequest(repository, int(issue["number"]), str(login))


async def onboard(
    context: WorkContext, installation_id: int, deliveries: list[StoredDelivery]
) -> OnboardingRun:
    api = context.github.installation(installation_id)
    added: list[str] = []
    requests: list[OnboardRequest] = []
    for delivery in deliveries:
        payload = json.loads(delivery.payload)
        if delivery.event == "installation" and delivery.action == "created":
            added += await _all_repositories(context, api, installation_id)
        elif delivery.event == "installation_repositories" and delivery.action == "added":
            added += [repo["full_name"] for repo in payload.get("repositories_added") or ()]
        elif delivery.event == "issue_comment":
            found = onboard_request(payload)
            if found is not None:
                requests.append(found)
    async with context.db.transaction() as conn:
        await add_pending(conn, installation_id, added, context.now())
    refused = [r for r in requests if not await _may_ask(context, api, r)]
    for asked in requests:
        if asked not in refused:
            async with context.db.transaction() as conn:
                await request(conn, installation_id, asked.repository, asked.login, context.now())
    run = OnboardingRun(api, context.db, installation_id, context.now)
    await run.run()
    for asked in requests:
        offer = run.outcomes.get(asked.repository.lower()) or await _recorded(context, asked)
        answer = _answer(asked, offer, asked in refused)
        if answer is not None:
            await _comment(api, asked, answer)
    return run


async def _recorded(context: WorkContext, asked: OnboardRequest) -> Offer | None:
    """A repository the request did not reopen (configured, or a PR open): its record."""
    async with context.db.reader() as conn:
        row = await load(conn, asked.repository)
    if row is None or row.status == "pending":
        return None
    return Offer(row.status, row.detail or row.status, row.pull_number)


async def _all_repositories(
    context: WorkContext, api: GitHubAPI, installation_id: int
) -> list[str]:
    """The payload may list only some repositories: the API lists them all. Kept a while, as a
    large organisation's onboarding comes back every minute (the PR limit) with the same
    `installation.created` event, which needs no new listing."""
    listings = context.engine.installation_listings
    listed = listings.get(installation_id)
    if listed is None:
        listed = [repo["full_name"] for repo in await installation_repositories(api)]
        listings[installation_id] = listed
    return listed


async def _may_ask(context: WorkContext, api: GitHubAPI, asked: OnboardRequest) -> bool:
    return await context.engine.permissions.can_write(api, asked.repository, asked.login)


def _answer(asked: OnboardRequest, offer: Offer | None, refused: bool) -> str | None:
    if refused:
        return f"@{asked.login}, only people with write access can ask paasbot to onboard."
    if offer is None:
        return None  # not reached yet (the PR limit): answered when it is
    if offer.opened:
        return f"paasbot opened #{offer.pull_number} to configure this repository."
    return f"Nothing to do: {offer.detail}."


async def _comment(api: GitHubAPI, asked: OnboardRequest, body: str) -> None:
    await api.post(
        "/repos/{+repository}/issues/{number}/comments",
        url_vars={"repository": asked.repository, "number": str(asked.issue)},
        data={"body": body},
    )
