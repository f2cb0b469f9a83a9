"""`PermissionCache`: roles asked of the simulator over real HTTP, remembered for ten minutes."""

from __future__ import annotations

from typing import Any

import pytest

from app.engine.permissions import PermissionCache, role_of
from app.github.client import InstallationAPI
from tests.facts_world import (  # noqa: F401
    REPO,
    CallLog,
    World,
    api_fixture,
    clock_fixture,
    github_fixture,
    log_fixture,
    simulator_state_fixture,
    world_fixture,
)
from tests.helpers import FakeClock


def permission_path(login: str) -> str:
    return f"GET /repos/{REPO}/collaborators/{login}/permission"


@pytest.mark.parametrize(
    ("login", "role", "writes"),
    [
        ("root", "admin", True),
        ("erin", "maintain", True),
        ("bob", "write", True),
        ("tom", "triage", False),
        ("carol", "read", False),
        ("dave", "read", False),  # a member of the organisation, not a collaborator
        ("outsider", "none", False),  # an account with no access
        ("nobody-at-all", "none", False),  # no such account: GitHub answers 404
    ],
)
async def test_roles_and_write_access(
    api: InstallationAPI, world: World, login: str, role: str, writes: bool
) -> None:
    world.state.account("outsider")
    cache = PermissionCache()
    assert await cache.permission(api, REPO, login) == role
    assert await cache.can_write(api, REPO, login) is writes


async def test_answers_are_remembered_per_repository_and_login(
    api: InstallationAPI, log: CallLog
) -> None:
    cache = PermissionCache()
    assert await cache.can_write(api, REPO, "bob")
    assert await cache.can_write(api, REPO, "BOB")
    assert await cache.permission(api, REPO.upper(), "Bob") == "write"
    assert not await cache.can_write(api, REPO, "carol")
    assert log.calls() == [permission_path("bob"), permission_path("carol")]


async def test_answers_expire_after_the_ttl(api: InstallationAPI, log: CallLog) -> None:
    timer = FakeClock(0.0)
    cache = PermissionCache(timer=timer)
    await cache.can_write(api, REPO, "bob")
    timer.now = 599
    await cache.can_write(api, REPO, "bob")
    assert log.calls() == [permission_path("bob")]
    timer.now = 601
    await cache.can_write(api, REPO, "bob")
    assert log.calls() == [permission_path("bob")] * 2


async def test_a_role_change_shows_once_forgotten(
    api: InstallationAPI, world: World, log: CallLog
) -> None:
    cache = PermissionCache()
    assert not await cache.can_write(api, REPO, "carol")
    world.state.repository(REPO).collaborators["carol"] = "write"
    assert not await cache.can_write(api, REPO, "carol"), "remembered"
    cache.forget(REPO, "Carol")
    assert await cache.can_write(api, REPO, "carol")
    assert log.calls() == [permission_path("carol")] * 2


@pytest.mark.parametrize(
    ("body", "role"),
    [
        ({"permission": "write", "role_name": "maintain"}, "maintain"),
        ({"permission": "read", "role_name": "triage"}, "triage"),
        ({"permission": "admin", "role_name": "admin"}, "admin"),
        ({"permission": "write", "role_name": "security-reviewer"}, "write"),  # a custom role
        ({"permission": "read", "role_name": "Read"}, "read"),
        ({"permission": "write"}, "write"),  # older servers send no role_name
        ({"permission": "none", "role_name": "none"}, "none"),
        ({}, "none"),
    ],
)
def test_role_of(body: dict[str, Any], role: str) -> None:
    assert role_of(body) == role
