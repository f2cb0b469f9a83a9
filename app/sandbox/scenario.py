"""Scenarios for the demo: named steps that actors play on the simulated GitHub.

A step is a sentence and the state change it makes ("alice opens PR #1 touching services/api/").
The runner plays them in order, waits after each for GitHub's webhooks and paasbot's reactions to
settle, and prints what happened.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from app.sandbox import actors_pulls, actors_repos
from app.sandbox.history import Moment
from app.sandbox.models import CommitStatus, PullRequest
from app.sandbox.month import (
    MONTH_DEPLOYMENTS,
    MONTH_PULLS,
    MONTH_REPOSITORIES,
    month_moments,
    seed_month,
)
from app.sandbox.ops.statuses import statuses_for
from app.sandbox.state import SimulatedGitHub

ORG = "acme"
REPOSITORY = f"{ORG}/payments"
# The demo repository's rules (docs/config.md explains every line).
DEMO_CONFIG = """\
extends: golden-path
rules:
  - name: Welcome
    on: [pull_request.opened]
    do:
      comment:
        body: "Thanks @{{ author }}! The `paasbot` check on this PR says what every rule does."
  - name: Label API changes
    if: ["files~=^services/api/"]
    do:
      label: {toggle: [api]}
  - name: Ready to merge
    if: ["#approved-reviews-by>=1", check-success=ci/build, -draft]
    do:
      check: {name: ready-to-merge}
  # golden-path's opt-in rule: paasbot's bump PRs merge once CI is green, without a review.
  - name: Merge dependency bumps
    enabled: true
"""
# The library whose releases paasbot propagates, and what its dependents require of it.
LIBRARY = f"{ORG}/auth-lib"
RELEASE_TAG = "v1.4.0"
LIBRARY_CONFIG = """\
rules:
  - name: Bump the services that use me
    on: [release.published]
    if: [-prerelease]
    do:
      propagate:
        package: {pip: acme-auth, npm: "@acme/auth"}
        to: [acme/payments, acme/web, acme/billing]
"""
DEPENDENTS: dict[str, dict[str, str]] = {
    "web": {
        "package.json": '{\n  "name": "web",\n  "dependencies": {"@acme/auth": "^1.3.0"}\n}\n',
        "package-lock.json": "{}\n",
    },
    "billing": {"requirements.txt": "acme-auth==1.4.0\n"},  # already on the release's version
}
BUMP_BRANCH_PREFIX = "paasbot/bump-"
# Who is signed in to the simulator's web UI: logging in to paasbot's dashboard, the demo's user.
DEMO_USER = "alice"


@dataclass(frozen=True)
class ReportUpload:
    """A report CI sends to paasbot's report intake (not to GitHub)."""

    repository: str
    sha: str
    kind: str
    name: str
    body: bytes


@dataclass(frozen=True)
class Step:
    says: str
    act: Callable[[SimulatedGitHub], object]
    # What CI uploads to paasbot after the step, if anything.
    upload: Callable[[SimulatedGitHub], ReportUpload] | None = None
    # Played again after each settling while `act` still changes something (returns truthy).
    repeat: bool = False
    # (library, tag): the step's result is that release's `paasbot/propagate` check.
    release: tuple[str, str] | None = None
    # Past moments played on the simulator's clock (app/sandbox/history.py) instead of `act`.
    history: Callable[[SimulatedGitHub], list[Moment]] | None = None


def seed(state: SimulatedGitHub) -> None:
    """An organisation with a team, a repository that has code owners, and a library that
    propagates its releases to it and to two more dependents."""
    installation = state.add_installation(ORG)
    state.add_repository(
        installation,
        "payments",
        files={
            "README.md": "# payments\n",
            ".github/CODEOWNERS": "/services/api/ @acme/backend\n*.md @carol\n",
            "services/api/handler.py": "def handle(request):\n    return 200\n",
            ".paasbot.yml": DEMO_CONFIG,
            "requirements.txt": "acme-auth==1.3.0\n",
        },
    )
    state.add_repository(installation, "auth-lib", files={".paasbot.yml": LIBRARY_CONFIG})
    for name, files in DEPENDENTS.items():
        state.add_repository(installation, name, files=files)
    actors_repos.add_team(state, ORG, "backend", members=["bob", "carol"])
    # `main` takes only up-to-date, green branches: the merge queue updates them one by one.
    actors_repos.set_protection(state, REPOSITORY, "main", ["ci/build"], require_up_to_date=True)
    for login in ("alice", "bob", "carol"):
        actors_repos.add_collaborator(state, REPOSITORY, login, "write")
    seed_month(state, DEMO_USER)
    state.web_user = DEMO_USER


def default_scenario() -> list[Step]:
    return [
        Step(
            "alice pushes a change to services/api/ on branch `retry-charges` and opens PR #1",
            _open_pull,
        ),
        Step("CI reports `ci/build` pending, then success, on the PR's head", _ci_green),
        Step("alice pushes a fix to the same branch", _push_fix),
        Step("CI reports `ci/build` success on the new head", _ci_green),
        Step(
            "CI uploads its coverage report (LCOV) for the new head to paasbot",
            _nothing,
            upload=_coverage_report,
        ),
        Step(
            "CI uploads ruff's findings (JSON) for the new head to paasbot",
            _nothing,
            upload=_ruff_report,
        ),
        Step("carol opens PRs #2 and #3 (docs); CI passes on both", _open_docs_pulls),
        Step("dave pushes a typo fix straight to `main`: every PR is now behind", _push_to_main),
        Step("bob approves #2: it joins the `main` merge queue", _approve(2)),
        Step("bob approves #3", _approve(3)),
        Step("bob approves #1: a queue of three", _approve(1)),
        Step(
            "CI passes on every new head (paasbot brings each PR up to date in turn) until the"
            " queue settles",
            _ci_on_new_heads,
            repeat=True,
        ),
        Step("alice imports `retry` and tests it", _push_import),
        Step("CI uploads the new coverage report", _nothing, upload=_full_coverage_report),
        Step("CI uploads ruff's findings: none", _nothing, upload=_clean_ruff_report),
        Step("CI passes on every new head until the queue is empty", _ci_on_new_heads, repeat=True),
        Step(
            f"the platform team publishes acme-auth {RELEASE_TAG} from {LIBRARY}",
            _publish_release,
            release=(LIBRARY, RELEASE_TAG),
        ),
        Step(
            "CI passes on the bump PRs: payments' merges through its queue (the opt-in rule), web's"
            " stays open (no such rule)",
            _ci_on_bump_heads,
            repeat=True,
            release=(LIBRARY, RELEASE_TAG),
        ),
        Step(_month_says(), _nothing, history=month_moments),
    ]


def _month_says() -> str:
    merged = sum(1 for pull in MONTH_PULLS if pull.merged is not None)
    failed = sum(1 for deployment in MONTH_DEPLOYMENTS if deployment.state != "success")
    return (
        f"the last 30 days, replayed on the simulator's clock: {len(MONTH_PULLS)} PRs on"
        f" {' and '.join(MONTH_REPOSITORIES)} (2 to 1600 lines; {merged} merged,"
        f" {len(MONTH_PULLS) - merged} closed unmerged), {len(MONTH_DEPLOYMENTS)} production"
        f" deployments ({failed} failed, each restored by a redeploy)"
    )


def _open_pull(state: SimulatedGitHub) -> object:
    state.commit(
        REPOSITORY,
        "retry-charges",
        {"services/api/handler.py": "def handle(request):\n    return retry(request)\n"},
        message="Retry failed charges",
        author="alice",
    )
    return state.open_pull(REPOSITORY, "Retry failed charges", head_ref="retry-charges")


def _push_fix(state: SimulatedGitHub) -> object:
    return state.commit(
        REPOSITORY,
        "retry-charges",
        {"services/api/retry.py": "def retry(request):\n    return 200\n"},
        message="Add the retry helper",
        author="alice",
    )


def _ci_green(state: SimulatedGitHub) -> object:
    head = state.pull(REPOSITORY, 1).head_sha
    actors_repos.post_status(state, REPOSITORY, head, "ci/build", "pending")
    return actors_repos.post_status(state, REPOSITORY, head, "ci/build", "success")


def _open_docs_pulls(state: SimulatedGitHub) -> object:
    for branch, text in (("runbook", "# Runbook\n"), ("faq", "# FAQ\n")):
        state.commit(
            REPOSITORY, branch, {f"docs/{branch}.md": text}, message=f"Add {branch}", author="carol"
        )
        state.open_pull(REPOSITORY, f"Add the {branch}", head_ref=branch, author="carol")
    return _ci_on_new_heads(state)


def _push_to_main(state: SimulatedGitHub) -> object:
    return state.commit(
        REPOSITORY, "main", {"README.md": "# payments\n\nPayments API.\n"}, author="dave"
    )


def _approve(number: int) -> Callable[[SimulatedGitHub], object]:
    def approve(state: SimulatedGitHub) -> object:
        return actors_pulls.review(state, REPOSITORY, number, "bob", "APPROVE", "Looks good")

    return approve


def _push_import(state: SimulatedGitHub) -> object:
    handler = "from services.api.retry import retry\n\n\ndef handle(request):\n"
    return state.commit(
        REPOSITORY,
        "retry-charges",
        {"services/api/handler.py": handler + "    return retry(request)\n"},
        message="Import retry",
        author="alice",
    )


def _publish_release(state: SimulatedGitHub) -> object:
    notes = "## What's changed\n\n- Tokens are refreshed before they expire.\n"
    return actors_repos.publish_release(state, LIBRARY, RELEASE_TAG, body=notes)


def _ci_on_new_heads(state: SimulatedGitHub) -> int:
    """CI: `ci/build` success on every open PR head that has no status yet; how many."""
    return _ci_green_on(state, REPOSITORY, state.pulls_in(REPOSITORY))


def _ci_on_bump_heads(state: SimulatedGitHub) -> int:
    """CI on the dependents' open bump PRs (their heads without a status yet); how many."""
    return sum(
        _ci_green_on(state, name, bump_pulls(state, name))
        for name in [REPOSITORY, *(f"{ORG}/{name}" for name in DEPENDENTS)]
    )


def bump_pulls(state: SimulatedGitHub, repository: str) -> list[PullRequest]:
    return [
        pull
        for pull in state.pulls_in(repository)
        if pull.author == state.bot_login and pull.head_ref.startswith(BUMP_BRANCH_PREFIX)
    ]


def _ci_green_on(state: SimulatedGitHub, name: str, pulls: list[PullRequest]) -> int:
    repository = state.repository(name)
    heads = [pull.head_sha for pull in pulls if pull.state == "open"]
    fresh = [sha for sha in heads if not _finished(statuses_for(state, repository, sha))]
    for sha in fresh:
        actors_repos.post_status(state, name, sha, "ci/build", "success")
    return len(fresh)


def _finished(statuses: list[CommitStatus]) -> bool:
    return any(status.state != "pending" for status in statuses)


def _nothing(_state: SimulatedGitHub) -> object:
    return None


def _coverage_report(state: SimulatedGitHub) -> ReportUpload:
    """The tests ran `handle` but never `retry`: the new helper's line is not covered."""
    head = state.pull(REPOSITORY, 1).head_sha
    records = [
        "SF:/home/runner/work/payments/payments/services/api/handler.py",
        "DA:1,3",
        "DA:2,3",
        "end_of_record",
        "SF:/home/runner/work/payments/payments/services/api/retry.py",
        "DA:1,1",
        "DA:2,0",
        "end_of_record",
    ]
    body = ("\n".join(records) + "\n").encode()
    return ReportUpload(REPOSITORY, head, "coverage", "unit", body)


def _ruff_report(state: SimulatedGitHub) -> ReportUpload:
    """`retry` is used but never imported (on a line the PR changed), and a finding on a line it
    did not touch, which the lint action filters out."""
    head = state.pull(REPOSITORY, 1).head_sha
    handler = "/home/runner/work/payments/payments/services/api/handler.py"
    findings = [
        _ruff_finding(handler, 2, 12, 17, "F821", "Undefined name `retry`"),
        _ruff_finding(handler, 1, 5, 11, "ANN201", "Missing return type annotation for `handle`"),
    ]
    return ReportUpload(REPOSITORY, head, "lint", "ruff", json.dumps(findings).encode())


def _ruff_finding(
    path: str, row: int, column: int, end_column: int, code: str, message: str
) -> dict[str, object]:
    """One violation as `ruff check --output-format json` writes it."""
    return {
        "cell": None,
        "code": code,
        "end_location": {"column": end_column, "row": row},
        "filename": path,
        "fix": None,
        "location": {"column": column, "row": row},
        "message": message,
        "noqa_row": row,
        "url": f"https://docs.astral.sh/ruff/rules/{code.lower()}",
    }


def _full_coverage_report(state: SimulatedGitHub) -> ReportUpload:
    """Now the tests run `retry` too."""
    head = state.pull(REPOSITORY, 1).head_sha
    root = "/home/runner/work/payments/payments/services/api"
    records = [
        f"SF:{root}/handler.py\nDA:1,3\nDA:4,3\nDA:5,3\nend_of_record",
        f"SF:{root}/retry.py\nDA:1,1\nDA:2,1\nend_of_record",
    ]
    return ReportUpload(REPOSITORY, head, "coverage", "unit", ("\n".join(records) + "\n").encode())


def _clean_ruff_report(state: SimulatedGitHub) -> ReportUpload:
    head = state.pull(REPOSITORY, 1).head_sha
    return ReportUpload(REPOSITORY, head, "lint", "ruff", b"[]")
