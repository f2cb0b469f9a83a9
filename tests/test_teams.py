"""`TeamDirectory` and `TeamCache`: team members asked of the simulator over real HTTP."""

from __future__ import annotations

import pytest

from app.engine.teams import TeamCache, TeamDirectory, api_identity, split_team
from app.github.client import GitHubApp, InstallationAPI
from app.sandbox.actors_repos import add_team
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


def members_path(slug: str) -> str:
    return f"GET /orgs/acme/teams/{slug}/members"


async def test_members_of_a_team(api: InstallationAPI, log: CallLog) -> None:
    directory = TeamDirectory(api)
    assert await directory.members("acme/backend") == {"bob", "erin"}
    assert await directory.members("@acme/Backend") == {"bob", "erin"}, "@ and case are allowed"
    assert directory.missing_teams == []
    assert log.calls() == [members_path("backend")]


async def test_members_include_child_teams_and_every_page(
    api: InstallationAPI, world: World, log: CallLog
) -> None:
    logins = [f"dev{index:03}" for index in range(120)]
    add_team(world.state, "acme", "platform", members=logins[:60])
    add_team(world.state, "acme", "infra", members=logins[60:], parent="platform")
    assert await TeamDirectory(api).members("acme/platform") == set(logins)
    assert log.calls() == [members_path("platform")] * 2, "two pages of 100"


async def test_an_unknown_team_has_no_members_and_is_reported(
    api: InstallationAPI, log: CallLog
) -> None:
    cache = TeamCache()
    directory = TeamDirectory(api, cache)
    assert await directory.members("acme/ghosts") == set()
    assert await directory.members("acme/Ghosts") == set()
    assert directory.missing_teams == ["acme/ghosts"]
    later = TeamDirectory(api, cache)
    assert await later.members("acme/ghosts") == set()
    assert later.missing_teams == ["acme/ghosts"], "reported again from the cache"
    assert log.calls() == [members_path("ghosts")]


async def test_another_organisation_is_invisible(api: InstallationAPI) -> None:
    directory = TeamDirectory(api)
    assert await directory.members("elsewhere/backend") == set()
    assert directory.missing_teams == ["elsewhere/backend"]


async def test_the_cache_is_shared_by_directories_until_the_ttl(
    api: InstallationAPI, log: CallLog
) -> None:
    timer = FakeClock(0.0)
    cache = TeamCache(timer=timer)
    await TeamDirectory(api, cache).members("acme/reviewers")
    timer.now = 599
    assert await TeamDirectory(api, cache).members("acme/reviewers") == {"dave", "gus"}
    assert log.calls() == [members_path("reviewers")]
    timer.now = 601
    await TeamDirectory(api, cache).members("acme/reviewers")
    assert log.calls() == [members_path("reviewers")] * 2


async def test_the_cache_is_kept_per_installation(
    api: InstallationAPI, github: GitHubApp, world: World, log: CallLog
) -> None:
    other_installation = world.state.add_installation("globex", permissions={"members": "read"})
    add_team(world.state, "globex", "backend", members=["zed"])
    other = github.installation(other_installation.id)
    cache = TeamCache()
    assert await TeamDirectory(api, cache).members("acme/backend") == {"bob", "erin"}
    assert await TeamDirectory(other, cache).members("globex/backend") == {"zed"}
    assert await TeamDirectory(other, cache).members("acme/backend") == set()
    assert api_identity(api) != api_identity(other)
    assert log.calls() == [
        members_path("backend"),
        "GET /orgs/globex/teams/backend/members",
        members_path("backend"),
    ]


async def test_resolve_many(api: InstallationAPI) -> None:
    directory = TeamDirectory(api)
    found = await directory.resolve(["acme/backend", "acme/reviewers", "acme/nope"])
    assert found == {
        "acme/backend": {"bob", "erin"},
        "acme/reviewers": {"dave", "gus"},
        "acme/nope": set(),
    }
    assert directory.missing_teams == ["acme/nope"]


@pytest.mark.parametrize(
    ("name", "parts"),
    [("acme/backend", ("acme", "backend")), ("@acme/back.end_2", ("acme", "back.end_2"))],
)
def test_split_team(name: str, parts: tuple[str, str]) -> None:
    assert split_team(name) == parts


@pytest.mark.parametrize("name", ["acme", "/backend", "acme/", "acme/a/b", ""])
def test_split_team_refuses(name: str) -> None:
    with pytest.raises(ValueError, match="org/slug"):
        split_team(name)
