"""`pull_io`: a dependent's bump PRs through the simulator over real HTTP: the bump written as one
commit with the trailer and its branch created, moved when an earlier attempt of paasbot's left
it, refused when a person's commit is there; bump PRs found with whether their head is still
paasbot's; a superseded PR commented on, closed and its branch deleted."""

from __future__ import annotations

import pytest

from app.bumps import pr_text
from app.bumps.dependent_plan import FileEdit
from app.bumps.pull_io import (
    BranchTaken,
    close_superseded,
    commit_message,
    find_bump_pulls,
    open_pull,
    point_branch,
    trailer,
    write_bump_commit,
)
from app.bumps.repo_reader import read_manifests
from app.github.client import InstallationAPI
from app.sandbox.state import Installation, SimulatedGitHub
from tests.bumps_world import (  # noqa: F401
    add_repo,
    api_fixture,
    calls,
    clock_fixture,
    installation_fixture,
    simulator_state_fixture,
    writes,
)

REPO = "acme/orders"
PACKAGE = "acme-auth"
BRANCH = pr_text.branch_name(PACKAGE, "1.4.0")
REF = f"/repos/{REPO}/git/refs/heads/{BRANCH}"
BUMPED = FileEdit("requirements.txt", "acme-auth==1.4.0\nrequests\n", ("==1.3.0",), ("==1.4.0",))


@pytest.fixture(autouse=True)
def orders(simulator_state: SimulatedGitHub, installation: Installation) -> None:
    add_repo(
        simulator_state,
        installation,
        "orders",
        {"requirements.txt": "acme-auth==1.3.0\nrequests\n", "README.md": "# orders\n"},
    )


async def bump_commit(api: InstallationAPI, version: str = "1.4.0", edit: FileEdit = BUMPED) -> str:
    read = await read_manifests(api, REPO, "main")
    message = commit_message(PACKAGE, version, "acme/auth-lib v" + version)
    return await write_bump_commit(api, REPO, read.commit_sha, read.tree_sha, [edit], message)


async def bump_pull(api: InstallationAPI, version: str = "1.4.0") -> int:
    """paasbot's bump PR for `version`, as the propagation opens it."""
    branch = pr_text.branch_name(PACKAGE, version)
    sha = await bump_commit(api, version)
    await point_branch(api, REPO, branch, sha, PACKAGE, version)
    body = pr_text.marker(PACKAGE, version) + "\nBump."
    pull = await open_pull(api, REPO, branch, "main", pr_text.title(PACKAGE, version), body)
    return int(pull["number"])


def test_the_commit_message_ends_with_the_trailer() -> None:
    message = commit_message(PACKAGE, "1.4.0", "acme/auth-lib v1.4.0")
    assert message == (
        "Bump acme-auth to 1.4.0\n\nacme/auth-lib v1.4.0 released 1.4.0.\n\n"
        "Paasbot-Bump: acme-auth 1.4.0\n"
    )
    assert trailer(PACKAGE, "1.4.0") == "Paasbot-Bump: acme-auth 1.4.0"


async def test_one_commit_with_the_trailer_on_a_new_branch(
    simulator_state: SimulatedGitHub, api: InstallationAPI
) -> None:
    repository = simulator_state.repository(REPO)
    main = repository.branches["main"]
    since = len(simulator_state.requests)
    sha = await bump_commit(api)
    await point_branch(api, REPO, BRANCH, sha, PACKAGE, "1.4.0")
    assert writes(simulator_state, since) == [
        f"POST /repos/{REPO}/git/trees",
        f"POST /repos/{REPO}/git/commits",
        f"POST /repos/{REPO}/git/refs",
    ]
    assert repository.branches[BRANCH] == sha
    assert repository.branches["main"] == main
    commit = simulator_state.git.commits[sha]
    assert list(commit.parents) == [main]
    assert commit.message.strip().splitlines()[-1] == "Paasbot-Bump: acme-auth 1.4.0"
    assert simulator_state.git.read(sha, "requirements.txt") == b"acme-auth==1.4.0\nrequests\n"
    assert simulator_state.git.read(sha, "README.md") == b"# orders\n"


async def test_a_branch_paasbot_left_is_moved_with_force(
    simulator_state: SimulatedGitHub, api: InstallationAPI
) -> None:
    repository = simulator_state.repository(REPO)
    first = await bump_commit(api)
    await point_branch(api, REPO, BRANCH, first, PACKAGE, "1.4.0")
    second = await bump_commit(api, edit=FileEdit("requirements.txt", "acme-auth==1.4.0\n", (), ()))
    assert second != first
    since = len(simulator_state.requests)
    await point_branch(api, REPO, BRANCH, second, PACKAGE, "1.4.0")
    assert writes(simulator_state, since) == [f"POST /repos/{REPO}/git/refs", f"PATCH {REF}"]
    assert repository.branches[BRANCH] == second


async def test_a_branch_with_a_person_s_commit_is_taken(
    simulator_state: SimulatedGitHub, api: InstallationAPI
) -> None:
    repository = simulator_state.repository(REPO)
    theirs = simulator_state.commit(REPO, BRANCH, {"notes.md": "mine\n"}, author="alice").sha
    sha = await bump_commit(api)
    since = len(simulator_state.requests)
    with pytest.raises(BranchTaken, match=f"the branch {BRANCH} exists"):
        await point_branch(api, REPO, BRANCH, sha, PACKAGE, "1.4.0")
    assert repository.branches[BRANCH] == theirs
    assert f"PATCH {REF}" not in writes(simulator_state, since)


async def test_a_branch_with_paasbot_s_commit_for_another_version_is_taken(
    simulator_state: SimulatedGitHub, api: InstallationAPI
) -> None:
    older = await bump_commit(api, "1.3.5")
    await point_branch(api, REPO, BRANCH, older, PACKAGE, "1.3.5")
    with pytest.raises(BranchTaken):
        await point_branch(api, REPO, BRANCH, await bump_commit(api), PACKAGE, "1.4.0")


async def test_an_untouched_bump_pr_is_ours_until_a_person_pushes(
    simulator_state: SimulatedGitHub, api: InstallationAPI
) -> None:
    number = await bump_pull(api)
    simulator_state.open_pull(REPO, "Docs", head_ref="main", base_ref="main", author="alice")
    [found] = await find_bump_pulls(api, REPO, PACKAGE, BRANCH)
    assert (found.number, found.state, found.merged) == (number, "open", False)
    assert (found.head_ref, found.head_repo, found.base_repo) == (BRANCH, REPO, REPO)
    assert found.author_type == "Bot"
    assert found.head_is_ours is True
    assert found.html_url.endswith(f"/{REPO}/pull/{number}")
    assert "paasbot:bump package=acme-auth version=1.4.0" in (found.body or "")

    simulator_state.commit(REPO, BRANCH, {"requirements.txt": "acme-auth==1.4.0\n"})
    [found] = await find_bump_pulls(api, REPO, PACKAGE, BRANCH)
    assert found.number == number
    assert found.head_is_ours is False


async def test_older_bump_prs_and_closed_ones_from_this_branch_are_found(
    simulator_state: SimulatedGitHub, api: InstallationAPI
) -> None:
    older = await bump_pull(api, "1.3.5")
    current = await bump_pull(api)
    simulator_state.close_pull(REPO, current)
    found = {pull.number: pull for pull in await find_bump_pulls(api, REPO, PACKAGE, BRANCH)}
    assert sorted(found) == [older, current]
    assert found[older].head_is_ours and found[older].state == "open"
    # A closed PR is never checked for paasbot's commit.
    assert found[current].state == "closed" and not found[current].head_is_ours


async def test_a_bump_pr_of_another_package_is_not_ours(
    simulator_state: SimulatedGitHub, api: InstallationAPI
) -> None:
    await bump_pull(api)
    [found] = await find_bump_pulls(api, REPO, "other-lib", BRANCH)
    assert found.head_is_ours is False


async def test_a_superseded_pr_is_commented_closed_and_its_branch_deleted(
    simulator_state: SimulatedGitHub, api: InstallationAPI
) -> None:
    repository = simulator_state.repository(REPO)
    old_branch = pr_text.branch_name(PACKAGE, "1.3.5")
    older = await bump_pull(api, "1.3.5")
    [old] = await find_bump_pulls(api, REPO, PACKAGE, old_branch)
    since = len(simulator_state.requests)
    await close_superseded(api, REPO, old, 7, "1.4.0")
    assert writes(simulator_state, since) == [
        f"POST /repos/{REPO}/issues/{older}/comments",
        f"PATCH /repos/{REPO}/pulls/{older}",
        f"DELETE /repos/{REPO}/git/refs/heads/{old_branch}",
    ]
    pull = simulator_state.pull(REPO, older)
    assert pull.state == "closed" and not pull.merged
    assert old_branch not in repository.branches
    bodies = [
        comment.body
        for comment in simulator_state.comments.values()
        if comment.repo_full_name == REPO and comment.issue_number == older
    ]
    assert bodies == ["Superseded by #7, which bumps to 1.4.0."]


async def test_an_already_deleted_branch_is_tolerated(
    simulator_state: SimulatedGitHub, api: InstallationAPI
) -> None:
    old_branch = pr_text.branch_name(PACKAGE, "1.3.5")
    older = await bump_pull(api, "1.3.5")
    [old] = await find_bump_pulls(api, REPO, PACKAGE, old_branch)
    del simulator_state.repository(REPO).branches[old_branch]
    await close_superseded(api, REPO, old, 7, "1.4.0")
    assert simulator_state.pull(REPO, older).state == "closed"
    deleted = [
        record
        for record in simulator_state.requests
        if record.method == "DELETE" and record.path.endswith(old_branch)
    ]
    assert [record.status for record in deleted] == [422]
