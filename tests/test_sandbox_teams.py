"""The simulator's teams, organisation membership, users and repository permissions over real
HTTP, and the Python API that sets them up."""

from __future__ import annotations

import pytest

from app.sandbox.actors_repos import (
    add_collaborator,
    add_org_member,
    add_team,
    grant_team_access,
)
from app.sandbox.ops.protection import approvals
from app.sandbox.ops.reviews import review
from app.sandbox.ops.roles import author_association, repository_role
from tests.repo_world import (  # noqa: F401
    BOT,
    REPO,
    World,
    clock_fixture,
    simulator_state_fixture,
    world_fixture,
)

TEAMS = "/orgs/acme/teams"


@pytest.fixture
def org(world: World) -> World:
    """acme: platform (ann, ben) with the child teams backend (ben, cy) and frontend (dee), and
    backend's own child team db (eve)."""
    state = world.state
    add_team(state, "acme", "platform", ["ann", "ben"], name="Platform")
    add_team(state, "acme", "backend", ["ben", "cy"], parent="platform", name="Backend")
    add_team(state, "acme", "frontend", ["dee"], parent="platform", name="Frontend")
    add_team(state, "acme", "db", ["eve"], parent="backend", name="DB")
    return world


async def test_list_teams_sorted_and_paginated(org: World) -> None:
    reply = await org.get(f"{TEAMS}?per_page=3")
    assert reply.status == 200, reply.body
    assert [team["slug"] for team in reply.body] == ["backend", "db", "frontend"]
    assert reply.body[0]["parent"]["slug"] == "platform"
    assert 'rel="next"' in reply.headers["Link"]
    rest = await org.get(f"{TEAMS}?per_page=3&page=2")
    assert [(team["slug"], team["parent"]) for team in rest.body] == [("platform", None)]


async def test_get_team(org: World) -> None:
    reply = await org.get(f"{TEAMS}/backend")
    assert reply.status == 200, reply.body
    body = reply.body
    assert (body["slug"], body["name"], body["members_count"]) == ("backend", "Backend", 3)
    assert (body["parent"]["slug"], body["organization"]["login"]) == ("platform", "acme")
    assert (await org.get(f"{TEAMS}/nope")).status == 404


async def test_team_members_include_child_teams(org: World) -> None:
    reply = await org.get(f"{TEAMS}/platform/members")
    assert reply.status == 200, reply.body
    assert [member["login"] for member in reply.body] == ["ann", "ben", "cy", "dee", "eve"]
    paged = await org.get(f"{TEAMS}/platform/members?per_page=2&page=3")
    assert [member["login"] for member in paged.body] == ["eve"]
    leaf = await org.get(f"{TEAMS}/frontend/members")
    assert [member["login"] for member in leaf.body] == ["dee"]
    maintainers = await org.get(f"{TEAMS}/platform/members?role=maintainer")
    assert maintainers.body == []


async def test_child_teams(org: World) -> None:
    reply = await org.get(f"{TEAMS}/platform/teams")
    assert reply.status == 200
    assert [team["slug"] for team in reply.body] == ["backend", "frontend"]
    assert (await org.get(f"{TEAMS}/db/teams")).body == []


async def test_teams_of_another_organisation_are_hidden(org: World) -> None:
    other = org.state.add_installation("other")
    add_team(org.state, "other", "secret", ["zed"])
    assert (await org.get("/orgs/other/teams")).status == 404
    assert (await org.get("/orgs/other/teams/secret")).status == 404
    assert other.account == "other"


async def test_teams_need_the_members_permission(org: World) -> None:
    token = await org.token_with({"contents": "read"})
    reply = await org.call("GET", TEAMS, token=token)
    assert (reply.status, reply.body["message"]) == (403, "Resource not accessible by integration")


async def test_org_membership(org: World) -> None:
    add_org_member(org.state, "acme", "outsider-turned-member")
    for login, status in (("eve", 204), ("OUTSIDER-turned-member", 204), ("alice", 404)):
        reply = await org.get(f"/orgs/acme/members/{login}")
        assert (login, reply.status, reply.body) == (login, status, None)


@pytest.mark.parametrize(
    ("login", "permission", "role_name"),
    [
        ("admin-user", "admin", "admin"),
        ("maintainer", "write", "maintain"),
        ("writer", "write", "write"),
        ("triager", "read", "triage"),
        ("reader", "read", "read"),
        ("ann", "read", "read"),
        ("stranger", "none", "none"),
    ],
)
async def test_collaborator_permission(
    org: World, login: str, permission: str, role_name: str
) -> None:
    roles = {"admin-user": "admin", "maintainer": "maintain", "writer": "write"}
    roles |= {"triager": "triage", "reader": "read"}
    for user, role in roles.items():
        add_collaborator(org.state, REPO, user, role)
    org.state.account("stranger")
    reply = await org.get(f"/repos/{REPO}/collaborators/{login}/permission")
    assert reply.status == 200, reply.body
    assert (reply.body["permission"], reply.body["role_name"]) == (permission, role_name)
    assert reply.body["user"]["login"] == login
    assert reply.body["user"]["permissions"]["push"] is (permission in ("write", "admin"))


@pytest.mark.parametrize(
    ("login", "permission", "role_name"),
    [
        ("ann", "write", "maintain"),  # platform maintains the repository
        ("dee", "write", "maintain"),  # frontend inherits its parent platform's access
        ("ben", "admin", "admin"),  # in platform (maintain) and backend (admin): the strongest
        ("eve", "admin", "admin"),  # db inherits backend's admin
        ("fay", "write", "write"),  # a write collaborator whose team only triages
        ("boss", "admin", "admin"),  # an owner of the organisation
        ("member", "read", "read"),  # the organisation's base role
    ],
)
async def test_permission_through_teams_and_organisation_ownership(
    org: World, login: str, permission: str, role_name: str
) -> None:
    state = org.state
    grant_team_access(state, "acme", "platform", REPO, "maintain")
    grant_team_access(state, "acme", "backend", REPO, "admin")
    add_team(state, "acme", "docs", ["fay"])
    grant_team_access(state, "acme", "docs", REPO, "triage")
    add_collaborator(state, REPO, "fay", "write")
    add_org_member(state, "acme", "boss", role="admin")
    add_org_member(state, "acme", "member")
    reply = await org.get(f"/repos/{REPO}/collaborators/{login}/permission")
    assert reply.status == 200, reply.body
    assert (reply.body["permission"], reply.body["role_name"]) == (permission, role_name)
    assert reply.body["user"]["role_name"] == role_name


async def test_team_access_only_reaches_its_repository(org: World) -> None:
    state = org.state
    grant_team_access(state, "acme", "backend", REPO, "write")
    other = state.add_repository(org.installation, "gadgets")
    assert repository_role(state, other, "cy") == "read"  # the organisation's base role
    assert repository_role(state, org.repo, "cy") == "write"
    team = await org.get(f"{TEAMS}/backend")
    assert team.body["repos_count"] == 1
    with pytest.raises(ValueError, match="unknown role"):
        grant_team_access(state, "acme", "backend", REPO, "owner")
    with pytest.raises(KeyError):
        grant_team_access(state, "acme", "nope", REPO, "read")
    with pytest.raises(ValueError, match="unknown organisation role"):
        add_org_member(state, "acme", "zed", role="billing")


def test_the_owning_user_is_admin_and_owner(org: World) -> None:
    state = org.state
    dotfiles = state.add_repository(state.add_installation("octocat", account_type="User"), "dots")
    assert repository_role(state, dotfiles, "octocat") == "admin"
    assert author_association(state, dotfiles, "octocat") == "OWNER"
    assert repository_role(state, dotfiles, "ann") is None
    assert author_association(state, dotfiles, "ann") == "NONE"


def test_approvals_count_write_access_through_a_team(org: World) -> None:
    """Branch protection counts approvals from anyone with write access, however granted."""
    state = org.state
    pull = org.open_pull("feature", {"a.txt": "a\n"}, author="ann")
    review(state, REPO, pull.number, "cy", "APPROVE")
    assert approvals(state, org.repo, pull) == 0  # cy reads, as an organisation member
    grant_team_access(state, "acme", "backend", REPO, "write")
    assert approvals(state, org.repo, pull) == 1
    assert author_association(state, org.repo, "cy") == "MEMBER"


async def test_collaborator_permission_of_an_unknown_user(org: World) -> None:
    reply = await org.get(f"/repos/{REPO}/collaborators/ghost/permission")
    assert reply.status == 404


async def test_get_user(org: World) -> None:
    reply = await org.get("/users/ann")
    assert reply.status == 200, reply.body
    assert (reply.body["login"], reply.body["type"], reply.body["user_view_type"]) == (
        "ann",
        "User",
        "public",
    )
    org.state.account(BOT, "Bot")
    bot = await org.get(f"/users/{BOT}")
    assert (bot.status, bot.body["type"]) == (200, "Bot")
    owner = await org.get("/users/acme")
    assert (owner.body["type"], owner.body["public_repos"]) == ("Organization", 1)
    assert (await org.get("/users/ghost")).status == 404


async def test_add_team_helper(world: World) -> None:
    team = add_team(world.state, "acme", "Site Reliability", ["Zoe"])
    assert (team.slug, team.name, team.parent_slug) == (
        "site-reliability",
        "Site Reliability",
        None,
    )
    child = add_team(world.state, "acme", "oncall", parent="site-reliability")
    assert child.parent_slug == "site-reliability"
    with pytest.raises(KeyError):
        add_team(world.state, "acme", "orphan", parent="nope")
    with pytest.raises(ValueError, match="unknown role"):
        add_collaborator(world.state, REPO, "zoe", "owner")


async def test_a_repositorys_teams_with_their_role_inherited_from_parents(org: World) -> None:
    state = org.state
    grant_team_access(state, "acme", "platform", REPO, "read")
    grant_team_access(state, "acme", "backend", REPO, "maintain")
    grant_team_access(state, "acme", "frontend", REPO, "write")
    reply = await org.get(f"/repos/{REPO}/teams")
    assert reply.status == 200, reply.body
    got = [(team["slug"], team["permission"]) for team in reply.body]
    # db inherits backend's role; frontend keeps its own, higher than platform's.
    assert got == [
        ("backend", "maintain"),
        ("db", "maintain"),
        ("frontend", "push"),
        ("platform", "pull"),
    ]
    assert reply.body[2]["permissions"] == {
        "pull": True, "triage": True, "push": True, "maintain": False, "admin": False,
    }  # fmt: skip
    paged = await org.get(f"/repos/{REPO}/teams?per_page=3&page=2")
    assert [team["slug"] for team in paged.body] == ["platform"]


async def test_listing_a_repositorys_teams_needs_the_administration_permission(
    org: World,
) -> None:
    token = await org.token_with({"metadata": "read", "members": "read"})
    reply = await org.call("GET", f"/repos/{REPO}/teams", token=token)
    assert reply.status == 403, reply.body
