"""`paasbot demo`: the simulator and paasbot over real HTTP, a scenario played to the end."""

import io
import subprocess
import sys
from pathlib import Path

from app.sandbox.demo import play
from app.sandbox.scenario import default_scenario


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
    assert "webhooks delivered" in text.splitlines()[-1]
    assert (tmp_path / "paasbot.db").exists()


def test_paasbot_demo_runs_from_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "demo"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "GitHub simulator: http://127.0.0.1:" in result.stdout
    assert "paasbot check on" in result.stdout
