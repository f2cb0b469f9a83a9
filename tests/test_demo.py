"""`paasbot demo`: the simulator and paasbot over real HTTP, a scenario played to the end."""

import io
import math
import subprocess
import sys
from pathlib import Path

from app.sandbox.demo import play
from app.sandbox.month import MONTH_DEPLOYMENTS, MONTH_PULLS, MonthPull
from app.sandbox.scenario import default_scenario

# The first acts' pull requests by people (payments #1, #2 and #3: a few lines each) merge
# within the demo's seconds: about 0 hours of merge time, lead time and wait for review, the
# smallest values of every distribution. (The bump PR #4 is a bot's: not counted.)
FIRST_ACTS_PULLS = 3
NEAR_ZERO = 0.0


async def test_the_demo_plays_its_scenario_and_paasbot_reacts(tmp_path: Path) -> None:
    out = io.StringIO()
    assert await play(default_scenario(), out, workdir=tmp_path) == 0
    text = out.getvalue()
    assert "github   pull_request.opened #1 (by alice)" in text
    assert "paasbot  POST /repos/acme/payments/check-runs -> 201" in text
    assert "github   check_run.created paasbot (by paasbot[bot])" in text
    assert "github   pull_request_review.submitted (by bob)" in text
    assert text.count("step ") == len(default_scenario())
    # the rules of the demo repository, acted on and explained in the summary check run
    assert "paasbot  POST /repos/acme/payments/issues/1/labels -> 200" in text
    # golden-path asks a code owner of services/api/ (bob or carol of @acme/backend) to review
    assert text.count("paasbot  POST /repos/acme/payments/pulls/1/requested_reviewers -> 201") == 1
    # CI's coverage upload reaches paasbot, which writes the coverage check on the PR's head
    assert (
        "ci       POST /api/reports/acme/payments/" in text
        and "(coverage, OIDC token of the CI job) -> 202" in text
    )
    assert "github   check_run.created paasbot/coverage (by paasbot[bot])" in text
    assert "#1 coverage: **done** — `paasbot/coverage` failure: Patch 66.66%" in text
    # ruff's findings: the one on a changed line is kept, the one on an untouched line is not
    assert "(lint, OIDC token of the CI job) -> 202" in text
    assert "github   check_run.created paasbot/lint/ruff (by paasbot[bot])" in text
    assert (
        "#1 lint: **done** — `paasbot/lint/ruff` failure: 1 finding on the PR's lines: 1 error"
        in (text)
    )
    # a merge queue of three: #1 leaves it while its coverage and lint checks fail, #2 and #3
    # merge in turn, each brought up to date first; #1 merges once fixed
    assert "position 3 of 3 in the `main` merge queue (#2 → #3 → **#1**)" in text
    assert "left the merge queue: paasbot's check(s) failed" in text
    assert text.count("paasbot  PUT /repos/acme/payments/pulls/3/update-branch -> 202") == 1
    merges = [line.split("/pulls/")[1] for line in text.splitlines() if "/merge -> 200" in line]
    assert merges[:3] == ["2/merge -> 200", "3/merge -> 200", "1/merge -> 200"]
    # (and after them only payments' bump PR: web's is never merged)
    assert "The paasbot check on PR #1's head now says: " in text
    assert "- `check`: **done** — `ready-to-merge` success" in text
    # the final act: acme-auth's release opens bump PRs in payments and web, billing already has
    # it; payments' merges through its queue by golden-path's opt-in rule, web's stays open
    assert "github   release.published (by release-manager)" in text
    assert "github   pull_request.opened #4 (by paasbot[bot])" in text
    propagated = '  result   paasbot/propagate on v1.4.0: "acme-auth 1.4.0: 2 bump PRs, 1 skipped"'
    assert text.count(propagated) == 2
    assert merges[3:] == ["4/merge -> 200"]
    assert "/repos/acme/web/pulls/1/merge" not in text
    assert "Pull requests: #1 merged, #2 merged, #3 merged, #4 merged" in text
    assert "Bump PRs: acme/payments#4 merged, acme/web#1 open" in text
    assert (
        "paasbot/propagate on acme/auth-lib v1.4.0: acme-auth 1.4.0: 2 bump PRs, 1 skipped" in text
    )
    assert "| `acme/payments` | PR opened ([#4](" in text
    assert "| `acme/web` | PR opened ([#1](" in text
    assert "| `acme/billing` | skipped | already on 1.4.0 in requirements.txt |" in text
    assert "webhooks delivered" in text.split("\nInsights")[0].splitlines()[-1]
    assert (tmp_path / "paasbot.db").exists()
    # the last 30 days: a month of PRs and deployments in the past, then paasbot's insights
    assert "the last 30 days, replayed on the simulator's clock: 37 PRs on acme/api and" in text
    block = text.split("\nInsights (last 30 days), computed by paasbot")[1].splitlines()[1:]
    assert block[:12] == expected_insights()
    actions = dict(part.rsplit(" ", 1) for part in block[12].split("(")[1].rstrip(")").split(", "))
    # a welcome on every PR (the month's and payments' four), a label on the big ones (and api)
    assert int(actions["comment"]) == len(MONTH_PULLS) + 4
    assert int(actions["label"]) == sum(1 for p in MONTH_PULLS if p.lines > 500) + 1
    total = sum(int(count) for count in actions.values())
    assert block[12].startswith(f"  bot actions:{' ' * 22}{total} (")
    days = round(total * 365 / 30 / 480, 2)
    assert block[13] == (
        f"  engineer time saved:{' ' * 14}{float(total)} minutes = {days:.2f} engineer-days per"
        " year (1 minute per action)"
    )


def quantile(values: list[float], q: float) -> float | None:
    """Linear interpolation between the closest ranks, written again here."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def hours(value: float | None) -> str:
    return "no data" if value is None else f"{round(value, 2):.2f} h"


def expected_insights() -> list[str]:
    """The block's first lines, from the month's script (and the first acts' three PRs)."""
    merged = [p for p in MONTH_PULLS if p.merged is not None]
    buckets = (("1-10", 10), ("11-50", 50), ("51-200", 200), ("201-500", 500))
    buckets += (("501-1000", 1000), ("1001+", 10**9))

    def bucket(pull: MonthPull) -> str:
        return next(label for label, top in buckets if pull.lines <= top)

    def line(label: str, figure: str) -> str:
        return f"  {label:<34}{figure}"

    lines = []
    for label, _ in buckets:
        times = [p.merged - p.opened for p in merged if bucket(p) == label and p.merged]
        times += [NEAR_ZERO] * (FIRST_ACTS_PULLS if label == "1-10" else 0)
        lines.append(
            line(f"time to merge, {label} lines:", f"{hours(quantile(times, 0.5))} median")
            + f" ({len(times)} PRs)"
        )
    everything = [p.merged - p.opened for p in merged if p.merged] + [NEAR_ZERO] * 3
    lines.append(
        line("time to merge, all sizes:", f"{hours(quantile(everything, 0.5))} median")
        + f" ({len(everything)} PRs)"
    )
    successes = [d for d in MONTH_DEPLOYMENTS if d.state == "success"]
    lines.append(
        line("deployment frequency:", f"{round(len(successes) / (30 / 7), 2):.2f} per week")
        + f" ({len(successes)} successful production deployments)"
    )
    lead = [
        min(d.hour for d in successes if d.repository == p.repository and d.hour >= p.merged)
        - p.opened
        for p in merged
        if p.merged
    ] + [NEAR_ZERO] * FIRST_ACTS_PULLS  # payments deploys nothing: first commit to merge
    lines.append(
        line("lead time for changes:", f"{hours(quantile(lead, 0.5))} median,")
        + f" {hours(quantile(lead, 0.9))} p90 ({len(lead)} PRs: {len(merged)} to a deployment,"
        f" {FIRST_ACTS_PULLS} to their merge; 0 not deployed yet)"
    )
    failed = [d for d in MONTH_DEPLOYMENTS if d.state == "failure"]
    share = 100 * round(len(failed) / len(MONTH_DEPLOYMENTS), 4)
    lines.append(
        line("change failure rate:", f"{share:.1f}%")
        + f" ({len(failed)} of {len(MONTH_DEPLOYMENTS)} production deployments)"
    )
    restores = [
        min(s.hour for s in successes if s.repository == f.repository and s.hour > f.hour) - f.hour
        for f in failed
    ]
    lines.append(
        line("time to restore:", f"{hours(quantile(restores, 0.5))} median")
        + f" ({len(restores)} incidents restored, 0 not yet)"
    )
    waits = [p.reviews[0][0] - p.opened for p in merged if p.reviews]
    waits += [NEAR_ZERO] * FIRST_ACTS_PULLS  # bob approves payments' PRs within seconds
    lines.append(
        line("time to first review:", f"{hours(quantile(waits, 0.5))} median,")
        + f" {hours(quantile(waits, 0.9))} p90 ({len(waits)} PRs)"
    )
    return lines


def test_paasbot_demo_runs_from_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "demo"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "GitHub simulator: http://127.0.0.1:" in result.stdout
    assert "paasbot check on" in result.stdout
