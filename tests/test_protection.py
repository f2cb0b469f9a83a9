"""Branch protection as the merge queue reads it, against the simulator over HTTP: the full
protection when the app may read it, the branch's summary when it may not, nothing when the branch
is not protected."""

from __future__ import annotations

from app.github.client import InstallationAPI
from app.merging.protection import (
    ProtectionCache,
    branch_requirements,
    requirements_from_branch,
    requirements_from_protection,
)
from app.merging.readiness import Requirements
from app.sandbox.actors_repos import set_protection
from tests.facts_world import (  # noqa: F401
    REPO,
    World,
    api_fixture,
    clock_fixture,
    github_fixture,
    simulator_state_fixture,
    world_fixture,
)


def test_requirements_from_a_protection() -> None:
    protection = {
        "required_status_checks": {
            "strict": True,
            "contexts": ["ci/build", "lint"],
            "checks": [{"context": "ci/build", "app_id": None}],
        },
        "required_pull_request_reviews": {"required_approving_review_count": 2},
    }
    assert requirements_from_protection(protection) == Requirements(
        ("ci/build", "lint"), strict=True, approvals=2, source="protection"
    )
    assert requirements_from_protection({}) == Requirements(
        (), strict=False, approvals=0, source="protection"
    )


def test_requirements_from_a_branch_summary() -> None:
    branch = {
        "protection": {
            "enabled": True,
            "required_status_checks": {"enforcement_level": "non_admins", "contexts": ["ci"]},
        }
    }
    assert requirements_from_branch(branch) == Requirements(("ci",), source="branch")
    off = {"protection": {"required_status_checks": {"enforcement_level": "off", "contexts": []}}}
    assert requirements_from_branch(off) == Requirements(source="branch")


async def test_an_unprotected_branch_requires_nothing(api: InstallationAPI, world: World) -> None:
    # (The installation token carries the permissions it was made with: set them first.)
    world.installation.permissions["administration"] = "read"
    assert await branch_requirements(api, REPO, "main") == Requirements(source="none")


async def test_without_the_permission_an_unprotected_branch_says_so_too(
    api: InstallationAPI,
) -> None:
    # GitHub answers 403 before it looks at the branch; the branch has no required checks.
    assert await branch_requirements(api, REPO, "main") == Requirements(source="branch")


async def test_without_the_administration_permission_the_branch_says_which_checks(
    api: InstallationAPI, world: World
) -> None:
    set_protection(world.state, REPO, "main", ["ci/build"], 1, require_up_to_date=True)
    found = await branch_requirements(api, REPO, "main")
    assert found == Requirements(("ci/build",), source="branch")


async def test_with_the_administration_permission_the_whole_protection_is_read(
    api: InstallationAPI, world: World
) -> None:
    world.installation.permissions["administration"] = "read"
    set_protection(world.state, REPO, "main", ["ci/build"], 2, require_up_to_date=True)
    found = await branch_requirements(api, REPO, "main")
    assert found == Requirements(("ci/build",), strict=True, approvals=2, source="protection")


async def test_the_cache_reads_a_branch_once_a_minute(api: InstallationAPI, world: World) -> None:
    now = [0.0]
    cache = ProtectionCache(timer=lambda: now[0])
    set_protection(world.state, REPO, "main", ["ci/build"])
    start = len(world.state.requests)
    first = await cache.requirements(api, REPO, "main")
    assert await cache.requirements(api, "ACME/Widgets", "main") == first
    reads = [r.path for r in world.state.requests[start:] if not r.path.startswith("/app/")]
    assert reads == [f"/repos/{REPO}/branches/main/protection", f"/repos/{REPO}/branches/main"]
    set_protection(world.state, REPO, "main", ["ci/build", "lint"])
    now[0] = 61.0
    assert (await cache.requirements(api, REPO, "main")).required_checks == ("ci/build", "lint")
