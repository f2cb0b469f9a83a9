"""`Propagation`: one release propagated to its dependents through the simulator over real HTTP,
recorded in a real database (SQLite and PostgreSQL), with a clock the test moves: the per-minute
limit pauses and resumes without touching the PRs already opened; GitHub's refusal for one
dependent is recorded and retried on the next run while the others proceed; a dry run writes
nothing; a tag naming no version; older bump PRs a person edited are left open and listed, and
older untouched ones are closed even when the current PR was found already open after a crash;
the rate limit stops the run."""

from __future__ import annotations

from typing import Any

import pytest
from gidgethub import GitHubBroken, RateLimitExceeded
from sqlalchemy import func, select

from app.actions.propagate import PropagateOptions
from app.bumps import pr_text
from app.bumps.dependent_plan import FileEdit
from app.bumps.propagation import Propagation, Release
from app.bumps.pull_io import commit_message, open_pull, point_branch, write_bump_commit
from app.bumps.release_summary import ReleaseView
from app.bumps.repo_reader import read_manifests
from app.github.client import InstallationAPI
from app.github.errors import RescheduleRequired
from app.sandbox import Fault
from app.sandbox.actors_repos import archive
from app.sandbox.state import Installation, SimulatedGitHub
from app.store.db import Database
from app.store.propagations import load_targets
from app.store.tables import propagation_targets, propagations
from tests.bumps_world import (  # noqa: F401
    NOW,
    add_repo,
    api_fixture,
    calls,
    clock_fixture,
    installation_fixture,
    simulator_state_fixture,
    writes,
)
from tests.helpers import FakeClock

LIBRARY = "acme/auth-lib"
DEPENDENTS = ("acme/orders", "acme/payments", "acme/web")
PINNED = "acme-auth==1.3.0\nrequests\n"
RELEASE = Release(LIBRARY, "v1.4.0", "Fixes.", "https://ghe.test/acme/auth-lib/releases/tag/v1.4.0")
BRANCH = "paasbot/bump-acme-auth-1.4.0"


@pytest.fixture(autouse=True)
def company(simulator_state: SimulatedGitHub, installation: Installation) -> None:
    add_repo(simulator_state, installation, "auth-lib", {"README.md": "# auth\n"})
    for name in DEPENDENTS:
        add_repo(simulator_state, installation, name.split("/")[1], {"requirements.txt": PINNED})


def options(**changes: Any) -> PropagateOptions:
    raw: dict[str, Any] = {"package": "acme-auth", "ecosystem": "pip", "to": list(DEPENDENTS)}
    return PropagateOptions.model_validate(raw | changes)


def propagation(
    api: InstallationAPI,
    db: Database,
    installation: Installation,
    clock: FakeClock,
    wanted: PropagateOptions | None = None,
    release: Release = RELEASE,
    *,
    dry_run: bool = False,
) -> Propagation:
    return Propagation(
        api, db, installation.id, release, wanted or options(), clock, dry_run=dry_run
    )


def statuses(view: ReleaseView) -> dict[str, str]:
    return {target.repository: target.status for target in view.targets}


def bump_pulls(state: SimulatedGitHub, repo: str) -> list[Any]:
    return [pull for pull in state.pulls_in(repo) if pull.head_ref.startswith("paasbot/bump-")]


def touched(state: SimulatedGitHub, repo: str, since: int) -> list[str]:
    return [
        call for call in calls(state, since) if call.split(" ", 1)[1].startswith(f"/repos/{repo}/")
    ]


async def paasbot_bump_pull(api: InstallationAPI, repo: str, version: str) -> int:
    """A bump PR paasbot opened for `version` earlier (its record gone or never made)."""
    read = await read_manifests(api, repo, "main")
    edit = FileEdit("requirements.txt", f"acme-auth=={version}\nrequests\n", (), ())
    message = commit_message("acme-auth", version, f"{LIBRARY} v{version}")
    sha = await write_bump_commit(api, repo, read.commit_sha, read.tree_sha, [edit], message)
    branch = pr_text.branch_name("acme-auth", version)
    await point_branch(api, repo, branch, sha, "acme-auth", version)
    body = pr_text.marker("acme-auth", version) + "\nBump."
    pull = await open_pull(api, repo, branch, "main", pr_text.title("acme-auth", version), body)
    return int(pull["number"])


async def rows(db: Database) -> tuple[int, int]:
    async with db.reader() as conn:
        return (
            int(await conn.scalar(select(func.count()).select_from(propagations)) or 0),
            int(await conn.scalar(select(func.count()).select_from(propagation_targets)) or 0),
        )


async def test_every_dependent_gets_one_labelled_bump_pr(
    api: InstallationAPI,
    db: Database,
    installation: Installation,
    clock: FakeClock,
    simulator_state: SimulatedGitHub,
) -> None:
    view = await propagation(api, db, installation, clock).run()
    assert (view.package, view.version, view.tag, view.continues_at) == (
        "acme-auth",
        "1.4.0",
        "v1.4.0",
        None,
    )
    assert statuses(view) == dict.fromkeys(DEPENDENTS, "opened")
    for repo in DEPENDENTS:
        [pull] = bump_pulls(simulator_state, repo)
        assert (pull.title, pull.head_ref, pull.labels) == (
            "Bump acme-auth to 1.4.0",
            BRANCH,
            ["dependencies"],
        )
        data = simulator_state.git.read(pull.head_sha, "requirements.txt")
        assert data == b"acme-auth==1.4.0\nrequests\n"
    line = view.targets[0]
    assert line.detail == "bumped in requirements.txt"
    assert line.pull_number == 1 and (line.pull_url or "").endswith("/acme/orders/pull/1")


async def test_the_per_minute_limit_pauses_and_the_next_run_opens_the_rest(
    api: InstallationAPI,
    db: Database,
    installation: Installation,
    clock: FakeClock,
    simulator_state: SimulatedGitHub,
) -> None:
    wanted = options(max_prs_per_minute=2)
    first = await propagation(api, db, installation, clock, wanted).run()
    assert first.continues_at == NOW + 60
    assert statuses(first) == {
        "acme/orders": "opened",
        "acme/payments": "opened",
        "acme/web": "pending",
    }
    assert bump_pulls(simulator_state, "acme/web") == []

    clock.advance(60)
    since = len(simulator_state.requests)
    second = await propagation(api, db, installation, clock, wanted).run()
    assert second.continues_at is None
    assert statuses(second) == dict.fromkeys(DEPENDENTS, "opened")
    assert [pull.number for pull in bump_pulls(simulator_state, "acme/web")] == [1]
    assert touched(simulator_state, "acme/orders", since) == []
    assert touched(simulator_state, "acme/payments", since) == []
    assert [len(bump_pulls(simulator_state, repo)) for repo in DEPENDENTS] == [1, 1, 1]


async def test_a_refusal_is_recorded_the_others_proceed_and_the_next_run_retries_it(
    api: InstallationAPI,
    db: Database,
    installation: Installation,
    clock: FakeClock,
    simulator_state: SimulatedGitHub,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    post = api.post

    async def archived_meanwhile(url: str, *args: Any, **kwargs: Any) -> Any:
        # payments is archived between paasbot's read of it and its first write.
        if (kwargs.get("url_vars") or {}).get("repository") == "acme/payments":
            archive(simulator_state, "acme/payments")
        return await post(url, *args, **kwargs)

    monkeypatch.setattr(api, "post", archived_meanwhile)
    view = await propagation(api, db, installation, clock).run()
    assert statuses(view) == {
        "acme/orders": "opened",
        "acme/payments": "failed",
        "acme/web": "opened",
    }
    failed = next(target for target in view.targets if target.repository == "acme/payments")
    assert failed.detail == "GitHub answered 403: Repository was archived so is read-only."
    assert bump_pulls(simulator_state, "acme/payments") == []
    async with db.reader() as conn:
        [row] = await conn.execute(select(propagations.c.id))
        stored = {t.repository: (t.status, t.detail) for t in await load_targets(conn, row[0])}
    assert stored["acme/payments"] == ("failed", failed.detail)

    monkeypatch.undo()
    archive(simulator_state, "acme/payments", archived=False)
    clock.advance(120)
    since = len(simulator_state.requests)
    again = await propagation(api, db, installation, clock).run()
    assert statuses(again) == dict.fromkeys(DEPENDENTS, "opened")
    assert len(bump_pulls(simulator_state, "acme/payments")) == 1
    assert touched(simulator_state, "acme/orders", since) == []
    assert touched(simulator_state, "acme/web", since) == []


async def test_a_dry_run_writes_nothing(
    api: InstallationAPI,
    db: Database,
    installation: Installation,
    clock: FakeClock,
    simulator_state: SimulatedGitHub,
) -> None:
    older = await paasbot_bump_pull(api, "acme/web", "1.3.5")
    since = len(simulator_state.requests)
    view = await propagation(api, db, installation, clock, dry_run=True).run()
    assert writes(simulator_state, since) == []
    assert await rows(db) == (0, 0)
    assert statuses(view) == dict.fromkeys(DEPENDENTS, "skipped")
    assert {target.detail for target in view.targets} == {
        "dry run: would open a PR (bumped in requirements.txt)"
    }
    assert simulator_state.pull("acme/web", older).state == "open"


async def test_a_tag_naming_no_version_is_the_problem(
    api: InstallationAPI,
    db: Database,
    installation: Installation,
    clock: FakeClock,
    simulator_state: SimulatedGitHub,
) -> None:
    since = len(simulator_state.requests)
    release = Release(LIBRARY, "latest")
    view = await propagation(api, db, installation, clock, release=release).run()
    assert view.problem is not None
    assert view.problem.startswith("the tag 'latest' names no version")
    assert (view.targets, view.version, view.tag) == ((), "", "latest")
    assert calls(simulator_state, since) == []
    assert await rows(db) == (0, 0)


async def test_older_bump_prs_a_person_edited_stay_open_untouched_ones_are_closed(
    api: InstallationAPI,
    db: Database,
    installation: Installation,
    clock: FakeClock,
    simulator_state: SimulatedGitHub,
) -> None:
    edited = await paasbot_bump_pull(api, "acme/orders", "1.3.5")
    simulator_state.commit(
        "acme/orders", pr_text.branch_name("acme-auth", "1.3.5"), {"notes.md": "mine\n"}
    )
    untouched = await paasbot_bump_pull(api, "acme/orders", "1.3.6")
    view = await propagation(api, db, installation, clock, options(to=["acme/orders"])).run()
    [line] = view.targets
    assert (line.status, line.pull_number) == ("opened", 3)
    assert line.detail == (
        f"bumped in requirements.txt; supersedes #{untouched}; #{edited} left open"
        " (edited by a person)"
    )
    assert simulator_state.pull("acme/orders", edited).state == "open"
    assert simulator_state.pull("acme/orders", untouched).state == "closed"
    assert simulator_state.pull("acme/orders", 3).state == "open"


async def test_a_pr_already_open_after_a_crash_still_closes_older_untouched_ones(
    api: InstallationAPI,
    db: Database,
    installation: Installation,
    clock: FakeClock,
    simulator_state: SimulatedGitHub,
) -> None:
    older = await paasbot_bump_pull(api, "acme/orders", "1.3.5")
    # The crash: the PR for 1.4.0 was opened, the older one not yet closed, nothing recorded.
    current = await paasbot_bump_pull(api, "acme/orders", "1.4.0")
    view = await propagation(api, db, installation, clock, options(to=["acme/orders"])).run()
    [line] = view.targets
    assert (line.status, line.pull_number, line.detail) == (
        "existing",
        current,
        f"#{current} already bumps acme-auth to 1.4.0",
    )
    assert simulator_state.pull("acme/orders", older).state == "closed"
    assert simulator_state.pull("acme/orders", current).state == "open"
    assert len(bump_pulls(simulator_state, "acme/orders")) == 2
    bodies = [
        comment.body
        for comment in simulator_state.comments.values()
        if comment.repo_full_name == "acme/orders" and comment.issue_number == older
    ]
    assert bodies == [f"Superseded by #{current}, which bumps to 1.4.0."]


async def test_the_spent_rate_limit_stops_the_run(
    api: InstallationAPI,
    db: Database,
    installation: Installation,
    clock: FakeClock,
    simulator_state: SimulatedGitHub,
) -> None:
    simulator_state.exhaust_rate_limit(installation.id, reset_in_seconds=600)
    with pytest.raises(RescheduleRequired):
        await propagation(api, db, installation, clock).run()
    async with db.reader() as conn:
        [row] = await conn.execute(select(propagations.c.id))
        stored = {t.repository: t.status for t in await load_targets(conn, row[0])}
    assert stored == dict.fromkeys(DEPENDENTS, "pending"), "nothing recorded as failed"


async def test_rate_limit_exceeded_is_not_a_refusal(
    api: InstallationAPI,
    db: Database,
    installation: Installation,
    clock: FakeClock,
    simulator_state: SimulatedGitHub,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def raise_as_gidgethub_does(**_kwargs: Any) -> bool:
        return False

    # Without the client's translation into RescheduleRequired, gidgethub's own exception.
    monkeypatch.setattr(api, "handle_rate_limit_error", raise_as_gidgethub_does)
    simulator_state.exhaust_rate_limit(installation.id, reset_in_seconds=600)
    with pytest.raises(RateLimitExceeded):
        await propagation(api, db, installation, clock).run()
    async with db.reader() as conn:
        [row] = await conn.execute(select(propagations.c.id))
        stored = {t.repository: t.status for t in await load_targets(conn, row[0])}
    assert stored == dict.fromkeys(DEPENDENTS, "pending")


async def test_two_actions_for_one_package_keep_their_own_dependents(
    api: InstallationAPI,
    db: Database,
    installation: Installation,
    clock: FakeClock,
    simulator_state: SimulatedGitHub,
) -> None:
    services = options(to=["acme/orders", "acme/payments"])
    web = options(to=["acme/web"])
    first = await propagation(api, db, installation, clock, services).run()
    second = await propagation(api, db, installation, clock, web).run()
    assert statuses(first) == {"acme/orders": "opened", "acme/payments": "opened"}
    assert statuses(second) == {"acme/web": "opened"}
    assert len(bump_pulls(simulator_state, "acme/web")) == 1
    assert await rows(db) == (2, 3)


# The writes the client repeats itself (`_REPEATABLE_WRITES`) lose their answer on every attempt.
@pytest.mark.parametrize(
    ("method", "path", "attempts"),
    [
        ("POST", "/repos/acme/orders/git/trees", 4),
        ("POST", "/repos/acme/orders/git/commits", 4),
        ("POST", "/repos/acme/orders/git/refs", 1),
        ("POST", "/repos/acme/orders/pulls", 1),
        ("POST", "/repos/acme/orders/issues/2/labels", 4),
        ("POST", "/repos/acme/orders/issues/1/comments", 1),
        ("PATCH", "/repos/acme/orders/pulls/1", 4),
        ("DELETE", "/repos/acme/orders/git/refs/", 4),
    ],
)
async def test_a_lost_answer_to_any_write_ends_as_if_all_had_answered(
    api: InstallationAPI,
    db: Database,
    installation: Installation,
    clock: FakeClock,
    simulator_state: SimulatedGitHub,
    method: str,
    path: str,
    attempts: int,
) -> None:
    """GitHub made the change but its answer was lost (a 502 after the write): the run fails
    there, and the next run finishes the job: one labelled PR, the older one superseded once."""
    older = await paasbot_bump_pull(api, "acme/orders", "1.3.5")
    lost = Fault.error(502, method=method, path_prefix=path, after=True)
    simulator_state.faults.queue(lost, times=attempts)
    with pytest.raises(GitHubBroken):
        await propagation(api, db, installation, clock, options(to=["acme/orders"])).run()
    assert simulator_state.faults.pending == []

    clock.advance(120)
    view = await propagation(api, db, installation, clock, options(to=["acme/orders"])).run()

    [line] = view.targets
    assert line.status in ("opened", "existing")
    [current] = [p for p in bump_pulls(simulator_state, "acme/orders") if p.state == "open"]
    assert (current.number, current.labels) == (older + 1, ["dependencies"])
    assert simulator_state.pull("acme/orders", older).state == "closed"
    bodies = [
        comment.body
        for comment in simulator_state.comments.values()
        if comment.repo_full_name == "acme/orders" and comment.issue_number == older
    ]
    assert bodies == [f"Superseded by #{current.number}, which bumps to 1.4.0."]
