"""The insights dashboard in a real browser (Debian's Chromium driven by Playwright): paasbot's
ledger is filled by real webhooks from the simulator (PRs of several sizes opened, reviewed and
merged over simulated days, production deployments that succeed, fail and recover), the user logs
in through the simulator's OAuth, and the figures read off the page are compared with an
independent computation from this test's own data (not compute_insights). A screenshot is saved
under tmp_path.

CI (CI=true) never skips it: without /usr/bin/chromium or playwright there, it fails."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from app.sandbox import SimulatedGitHub
from app.sandbox.actors_repos import add_collaborator
from app.sandbox.history import HOUR, Moment, ShiftedClock, replay
from app.sandbox.ops.deployments import create_deployment, create_deployment_status
from app.sandbox.ops.issues import comments_on
from app.sandbox.ops.merging import merge_pull
from app.sandbox.ops.reviews import review
from app.sandbox.ops.teams import add_team, grant_team_access

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
try:
    from playwright.async_api import Page, async_playwright
except ImportError:  # pragma: no cover - the test extras install it
    async_playwright = None  # type: ignore[assignment]

CHROMIUM_PRESENT = CHROMIUM.exists()
pytestmark = pytest.mark.skipif(
    not IN_CI and (async_playwright is None or not CHROMIUM_PRESENT),
    reason="needs playwright and Debian's chromium (/usr/bin/chromium; .ci/run installs both)",
)

ORG = "acme"
WEB, API, SECRET = f"{ORG}/web", f"{ORG}/api", f"{ORG}/secret"
VIEWER = "alice"
CONFIG = """\
rules:
  - name: Welcome
    on: [pull_request.opened]
    do:
      comment:
        body: "Thanks! paasbot's check on this PR says what every rule does."
"""


@dataclass
class Pull:
    """What the test itself knows of one PR (hours from the scenario's start)."""

    repo: str
    lines: int
    opened: float
    merged: float | None = None
    reviews: list[tuple[float, str]] = field(default_factory=list)  # (hour, APPROVE | ...)


PULLS = [
    Pull(WEB, 4, 0, 2, [(1, "APPROVE")]),
    Pull(WEB, 9, 10, 16, [(12, "REQUEST_CHANGES"), (14, "APPROVE")]),
    Pull(WEB, 30, 24, 30, [(27, "APPROVE")]),
    Pull(WEB, 150, 48, 72, [(60, "APPROVE")]),
    Pull(API, 6, 80, 84, [(81, "APPROVE")]),
    Pull(API, 300, 90, 130),  # merged without a review
    Pull(API, 20, 100),  # still open
    Pull(SECRET, 2, 5, 105, [(6, "APPROVE")]),  # alice cannot see it: never in her figures
]
# Production deployments of acme/web: (hour, final state); acme/api reports none.
DEPLOYMENTS = [(3, "success"), (17, "failure"), (20, "success"), (75, "success")]


# --- the independent computation ------------------------------------------------------------


def quantile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (the 'inclusive' method)."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def bucket(lines: int) -> str:
    for label, top in (("1-10", 10), ("11-50", 50), ("51-200", 200), ("201-500", 500)):
        if lines <= top:
            return label
    return "501-1000" if lines <= 1000 else "1001+"


def hours_text(value: float | None) -> str:
    return "no data" if value is None else f"{round(value, 2):.2f} h"


def expected(repos: set[str], days: int, bot_actions: int) -> dict[str, str]:
    """The page's figures for these repositories, computed from PULLS and DEPLOYMENTS."""
    merged = [p for p in PULLS if p.repo in repos and p.merged is not None]
    figures: dict[str, str] = {}
    by_bucket: dict[str, list[float]] = {}
    for pull in merged:
        assert pull.merged is not None
        by_bucket.setdefault(bucket(pull.lines), []).append(pull.merged - pull.opened)
    for label in ("1-10", "11-50", "51-200", "201-500", "501-1000", "1001+"):
        values = by_bucket.get(label, [])
        figures[f"merge_time.{label}.count"] = str(len(values))
        figures[f"merge_time.{label}.median_hours"] = hours_text(quantile(values, 0.5))
        figures[f"merge_time.{label}.p90_hours"] = hours_text(quantile(values, 0.9))
    everything = [p.merged - p.opened for p in merged if p.merged is not None]
    figures["merge_time.all.count"] = str(len(everything))
    figures["merge_time.all.median_hours"] = hours_text(quantile(everything, 0.5))
    figures["merge_time.all.p90_hours"] = hours_text(quantile(everything, 0.9))

    deploys = WEB in repos
    successes = [hour for hour, state in DEPLOYMENTS if state == "success"] if deploys else []
    finished = DEPLOYMENTS if deploys else []
    lead: list[float] = []
    bases = set()
    for pull in merged:
        assert pull.merged is not None
        if pull.repo == WEB:  # the first successful deployment at or after the merge
            lead.append(min(h for h in successes if h >= pull.merged) - pull.opened)
            bases.add("deployment")
        else:  # no deployments reported: first commit (= opened here) to merge
            lead.append(pull.merged - pull.opened)
            bases.add("merge")
    weeks = days / 7
    figures["delivery.deployment_frequency.count"] = str(len(successes))
    figures["delivery.deployment_frequency.per_week"] = f"{round(len(successes) / weeks, 2):.2f}"
    figures["delivery.lead_time.count"] = str(len(lead))
    figures["delivery.lead_time.median_hours"] = hours_text(quantile(lead, 0.5))
    figures["delivery.lead_time.p90_hours"] = hours_text(quantile(lead, 0.9))
    figures["delivery.lead_time.basis"] = "mixed" if len(bases) == 2 else next(iter(bases))
    failed = sum(1 for _, state in finished if state == "failure")
    figures["delivery.change_failure_rate.failed"] = str(failed)
    figures["delivery.change_failure_rate.count"] = str(len(finished))
    figures["delivery.change_failure_rate.rate"] = (
        f"{100 * round(failed / len(finished), 4):.1f}%" if finished else "no data"
    )
    restore = [20.0 - 17.0] if deploys else []  # the failure at 17 h, restored at 20 h
    figures["delivery.time_to_restore.count"] = str(len(restore))
    figures["delivery.time_to_restore.median_hours"] = hours_text(quantile(restore, 0.5))

    first_reviews = [p.reviews[0][0] - p.opened for p in merged if p.reviews]
    rounds = [
        float(sum(1 for _, kind in p.reviews if kind == "REQUEST_CHANGES") + 1)
        for p in merged
        if any(kind == "APPROVE" for _, kind in p.reviews)
    ]
    figures["review.time_to_first_review.count"] = str(len(first_reviews))
    figures["review.time_to_first_review.median_hours"] = hours_text(quantile(first_reviews, 0.5))
    figures["review.time_to_first_review.p90_hours"] = hours_text(quantile(first_reviews, 0.9))
    figures["review.review_rounds.count"] = str(len(rounds))
    figures["review.review_rounds.median"] = f"{quantile(rounds, 0.5):.2f}"
    figures["review.review_rounds.mean"] = f"{round(sum(rounds) / len(rounds), 2):.2f}"
    unreviewed = sum(1 for p in merged if not p.reviews)
    figures["review.merged_without_review.unreviewed"] = str(unreviewed)
    figures["review.merged_without_review.merged"] = str(len(merged))
    figures["review.merged_without_review.share"] = (
        f"{100 * round(unreviewed / len(merged), 4):.1f}%"
    )

    minutes = float(bot_actions)  # one minute per action, the default
    figures["bot_work.total"] = str(bot_actions)
    figures["bot_work.minutes_saved"] = str(round(minutes, 1))
    figures["bot_work.engineer_days_per_year"] = f"{round(minutes * 365 / days / 480, 2):.2f}"
    return figures


# --- the scenario ---------------------------------------------------------------------------


def world(clock: ShiftedClock) -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=1, app_slug="paasbot", clock=clock)
    installation = state.add_installation(
        ORG, permissions={**_permissions(), "administration": "read"}
    )
    for repo in (WEB, API, SECRET):
        state.add_repository(installation, repo.split("/")[1], files={".paasbot.yml": CONFIG})
    add_collaborator(state, WEB, VIEWER, "write")
    add_collaborator(state, API, VIEWER, "read")
    for reviewer in ("bob", "carol"):
        for repo in (WEB, API, SECRET):
            add_collaborator(state, repo, reviewer, "write")
    add_team(state, ORG, "frontend", ["dave"])
    grant_team_access(state, ORG, "frontend", WEB, "write")
    state.web_user = VIEWER  # who is signed in to the simulator's web UI (and authorises)
    return state


def _permissions() -> dict[str, str]:
    from app.sandbox.models import DEFAULT_PERMISSIONS

    return dict(DEFAULT_PERMISSIONS)


async def play(stage: Any, clock: ShiftedClock, start: float) -> None:
    """Every PR, review, merge and deployment at its hour (the simulator's clock set back to that
    moment while it happens), paasbot settling after each."""
    state: SimulatedGitHub = stage.state
    numbers: dict[int, int] = {}
    moments: list[Moment] = []
    for index, pull in enumerate(PULLS):

        def open_it(index: int = index, pull: Pull = pull) -> None:
            branch = f"change-{index}"
            body = "".join(f"line {n}\n" for n in range(pull.lines))
            state.commit(pull.repo, branch, {f"src/file{index}.txt": body}, author="erin")
            numbers[index] = state.open_pull(
                pull.repo, f"Change {index}", head_ref=branch, author="erin"
            ).number

        moments.append(Moment(pull.opened, 0, open_it))
        for hour, kind in pull.reviews:

            def review_it(index: int = index, pull: Pull = pull, kind: str = kind) -> None:
                review(state, pull.repo, numbers[index], "bob", kind, "looked at it")

            moments.append(Moment(hour, 1, review_it))
        if pull.merged is not None:

            def merge_it(index: int = index, pull: Pull = pull) -> None:
                merge_pull(state, pull.repo, numbers[index], "squash", by="carol")

            moments.append(Moment(pull.merged, 2, merge_it))
    for hour, final in DEPLOYMENTS:

        def deploy(final: str = final) -> None:
            deployment = create_deployment(state, state.repository(WEB), "main", creator="deployer")
            create_deployment_status(state, deployment, final, creator="deployer")

        moments.append(Moment(hour, 3, deploy))
    await replay(stage, clock, start, moments)


def bot_comments(state: SimulatedGitHub, repos: set[str]) -> int:
    return sum(
        1
        for repo in repos
        for pull in state.pulls_in(repo)
        for comment in comments_on(state, repo, pull.number)
        if comment.user.endswith("[bot]")
    )


async def figures_on(page: Page, keys: list[str]) -> dict[str, str]:
    return {
        key: (await page.locator(f'[data-figure="{key}"]').first.inner_text()).strip()
        for key in keys
    }


async def test_the_dashboard_shows_what_the_test_computes(
    stage_for: Callable[..., Any], tmp_path: Path
) -> None:
    assert async_playwright is not None, "playwright is not installed (pip install -e '.[test]')"
    assert CHROMIUM_PRESENT, f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
    clock = ShiftedClock()
    state = world(clock)
    start = time.time() - 10 * 24 * HOUR
    async with stage_for(state) as stage:
        await play(stage, clock, start)
        visible = {WEB, API}
        actions = bot_comments(state, visible)
        assert actions == sum(1 for p in PULLS if p.repo in visible), "a welcome on each PR"

        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            try:
                page = await browser.new_page(viewport={"width": 1200, "height": 900})
                await page.goto(stage.paasbot_url + "/insights")
                # Sent to /login, to the simulator's authorize page, back to /oauth/callback
                # and to the dashboard, logged in.
                assert page.url.startswith(stage.paasbot_url + "/insights"), page.url
                assert "Logged in as alice" in await page.content()
                assert (await page.locator("#scope").inner_text()) == "Organisation overview"
                options = await page.locator("select[name=repository] option").all_inner_texts()
                assert SECRET not in options and WEB in options and API in options

                await page.select_option("select[name=days]", "30")
                await page.get_by_role("button", name="Show").click()
                assert "days=30" in page.url
                want = expected(visible, 30, actions)
                got = await figures_on(page, list(want))
                assert got == want
                shot = tmp_path / "insights.png"
                await page.screenshot(path=str(shot), full_page=True)
                print(f"screenshot: {shot}")
                assert shot.stat().st_size > 10_000
                assert "<svg" in await page.content()

                await page.select_option("select[name=repository]", WEB)
                await page.get_by_role("button", name="Show").click()
                assert (await page.locator("#scope").inner_text()) == f"Repository {WEB}"
                web_actions = bot_comments(state, {WEB})
                want_web = expected({WEB}, 30, web_actions)
                assert await figures_on(page, list(want_web)) == want_web
                await page.screenshot(path=str(tmp_path / "insights-web.png"), full_page=True)

                # The ledger read the repositories' teams: frontend writes to acme/web only.
                teams = await page.locator("select[name=team] option").all_inner_texts()
                assert teams == ["Any team", "frontend"]
                await page.select_option("select[name=repository]", "")
                await page.select_option("select[name=team]", "frontend")
                await page.get_by_role("button", name="Show").click()
                assert (await page.locator("#scope").inner_text()) == "Team frontend"
                assert await figures_on(page, list(want_web)) == want_web

                refused = await page.goto(stage.paasbot_url + f"/insights?repository={SECRET}")
                assert refused is not None and refused.status == 404
                assert "acme/secret" in await page.locator("#message").inner_text()

                api = await page.request.get(stage.paasbot_url + "/api/insights?days=30")
                body = await api.json()
                assert api.status == 200
                assert body["scope"]["repositories"] == sorted(visible)
                assert body["merge_time"]["all"]["count"] == int(want["merge_time.all.count"])
                assert body["delivery"]["lead_time"]["basis"] == "mixed"

                await page.goto(stage.paasbot_url + "/insights?days=30")
                await page.get_by_role("button", name="Log out").click()
                await page.wait_for_load_state()
                after = await page.request.get(stage.paasbot_url + "/api/insights")
                assert after.status == 401
            finally:
                await browser.close()
