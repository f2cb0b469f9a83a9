"""The simulator's GraphQL endpoint, `POST /api/graphql`, over real HTTP: updating a pull
request's branch by merging the base in or rebasing onto it (a forced push), GitHub's typed
errors answered with HTTP 200, and instances that lack rebase updates or GraphQL altogether."""

from __future__ import annotations

from typing import Any

import pytest

from tests.pull_world import (  # noqa: F401
    BOT,
    REPO,
    Reply,
    World,
    clock_fixture,
    simulator_state_fixture,
    world_fixture,
)

UPDATE = """
mutation Update($input: UpdatePullRequestBranchInput!) {
  updatePullRequestBranch(input: $input) { pullRequest { number headRefOid } }
}
"""
READ = """
query Read($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) { id number headRefName headRefOid baseRefName }
  }
}
"""
PULL = f"/repos/{REPO}/pulls/1"


async def graphql(
    world: World, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
) -> Reply:
    url = str(world.sim.server.make_url("/api/graphql"))
    headers = {} if token == "" else {"Authorization": f"token {token or world.token}"}
    payload = {"query": query, "variables": variables or {}}
    async with world.http.post(url, json=payload, headers=headers) as response:
        return Reply(response.status, response.headers, await response.json())


async def update(world: World, token: str | None = None, **fields: Any) -> Reply:
    node_id = (await world.get(PULL)).body["node_id"]
    return await graphql(
        world, UPDATE, {"input": {"pullRequestId": node_id, **fields}}, token=token
    )


def move_main(world: World) -> str:
    """main gets b.txt; returns its new tip."""
    return world.commit("main", {"b.txt": "b\n"}, message="Meanwhile on main").sha


def diverge(world: World) -> str:
    """PR #1 adds a.txt on `feature`, then main moves on; returns main's new tip."""
    world.open_pull("feature", {"a.txt": "a\n"})
    return move_main(world)


def refusal(reply: Reply) -> tuple[int, Any, str, list[str], str]:
    (error,) = reply.body["errors"]
    return reply.status, reply.body.get("data"), error["type"], error["path"], error["message"]


async def test_a_merge_update_merges_the_base_in(world: World) -> None:
    main_tip = diverge(world)
    pull = world.state.pull(REPO, 1)
    before = pull.head_sha
    world.forget_events()
    reply = await update(world, expectedHeadOid=before, updateMethod="MERGE")
    assert reply.status == 200
    assert reply.body == {
        "data": {
            "updatePullRequestBranch": {"pullRequest": {"number": 1, "headRefOid": pull.head_sha}}
        }
    }
    merged = world.state.git.commits[pull.head_sha]
    assert merged.parents == (before, main_tip)
    assert merged.message == "Merge branch 'main' into feature"
    push, synchronize = world.events()
    assert (push.label, push.sender, push.details["forced"]) == ("push", BOT, False)
    assert synchronize.label == "pull_request.synchronize"
    assert [r.path for r in world.state.requests_matching("POST")][-1] == "/api/graphql"


async def test_the_method_defaults_to_merge(world: World) -> None:
    main_tip = diverge(world)
    assert (await update(world)).status == 200
    assert world.state.pull(REPO, 1).head_sha != main_tip
    assert world.state.git.commits[world.state.pull(REPO, 1).head_sha].parents[1] == main_tip


async def test_a_rebase_update_replays_the_commits_onto_the_base(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    world.commit("feature", {"a.txt": "a, again\n"}, message="Second")
    main_tip = move_main(world)
    pull = world.state.pull(REPO, 1)
    before = pull.head_sha
    world.forget_events()
    reply = await update(world, expectedHeadOid=before, updateMethod="REBASE")
    assert reply.body["data"]["updatePullRequestBranch"]["pullRequest"]["headRefOid"] == (
        pull.head_sha
    )
    second = world.state.git.commits[pull.head_sha]
    first = world.state.git.commits[second.parents[0]]
    assert (first.parents, first.message, second.message) == (
        (main_tip,),
        "Change feature",
        "Second",
    )
    assert (first.author.name, first.committer.name) == ("alice", BOT)
    assert world.state.git.files_at(pull.head_sha)["a.txt"] == b"a, again\n"
    push, synchronize = world.events()
    assert (push.label, push.details["forced"], push.details["before"]) == ("push", True, before)
    assert [c.sha for c in push.details["commits"]] == [first.sha, second.sha]
    assert (synchronize.label, synchronize.details["after"]) == (
        "pull_request.synchronize",
        pull.head_sha,
    )


async def test_refusals_are_typed_errors_with_http_200(world: World) -> None:
    pull = world.open_pull("feature", {"README.md": "# ours\n"})
    world.commit("main", {"README.md": "# theirs\n"})
    for method, message in (
        ("MERGE", "merge conflict"),
        ("REBASE", "This branch can't be rebased"),
    ):
        reply = await update(world, updateMethod=method)
        assert refusal(reply) == (
            200,
            {"updatePullRequestBranch": None},
            "UNPROCESSABLE",
            ["updatePullRequestBranch"],
            message,
        )
    stale = await update(world, expectedHeadOid="f" * 40)
    assert refusal(stale)[2:] == (
        "UNPROCESSABLE",
        ["updatePullRequestBranch"],
        "expected head sha didn't match current head ref.",
    )
    world.state.close_pull(REPO, pull.number)
    closed = await update(world)
    assert refusal(closed)[4] == "Cannot update the branch of a closed pull request."


async def test_a_token_that_may_not_push_is_forbidden(world: World) -> None:
    diverge(world)
    before = world.state.pull(REPO, 1).head_sha
    for permissions in ({"pull_requests": "read", "contents": "write"}, {"pull_requests": "write"}):
        token = await world.token_with(permissions)
        reply = await update(world, token=token)
        assert refusal(reply)[2:] == (
            "FORBIDDEN",
            ["updatePullRequestBranch"],
            "Resource not accessible by integration",
        )
    assert world.state.pull(REPO, 1).head_sha == before


async def test_an_unknown_node_is_not_found(world: World) -> None:
    diverge(world)
    reply = await graphql(world, UPDATE, {"input": {"pullRequestId": "PR_nope"}})
    assert refusal(reply)[2:] == (
        "NOT_FOUND",
        ["updatePullRequestBranch"],
        "Could not resolve to a node with the global id of 'PR_nope'.",
    )


async def test_the_rest_node_id_names_the_pull_request(world: World) -> None:
    diverge(world)
    pull = world.state.pull(REPO, 1)
    reply = await graphql(world, READ, {"owner": "acme", "name": "widgets", "number": 1})
    node = reply.body["data"]["repository"]["pullRequest"]
    assert node == {
        "id": (await world.get(PULL)).body["node_id"],
        "number": 1,
        "headRefName": "feature",
        "headRefOid": pull.head_sha,
        "baseRefName": "main",
    }
    missing = await graphql(world, READ, {"owner": "acme", "name": "widgets", "number": 9})
    assert missing.body["errors"][0]["message"] == (
        "Could not resolve to a PullRequest with the number of 9."
    )


@pytest.mark.parametrize(
    ("methods", "fragment"),
    [
        pytest.param({"MERGE"}, "Value 'REBASE' does not exist", id="no REBASE"),
        pytest.param(set(), "Field 'updateMethod' is not defined", id="no updateMethod"),
    ],
)
async def test_an_older_instance_refuses_rebase_in_validation(
    world: World, methods: set[str], fragment: str
) -> None:
    world.state.graphql_update_methods = methods
    diverge(world)
    before = world.state.pull(REPO, 1).head_sha
    reply = await update(world, updateMethod="REBASE")
    (error,) = reply.body["errors"]
    assert reply.status == 200 and "data" not in reply.body
    assert "type" not in error, "a validation error, not a refusal of the mutation"
    assert fragment in error["message"]
    assert world.state.pull(REPO, 1).head_sha == before
    if methods:
        assert "data" in (await update(world, updateMethod="MERGE")).body


async def test_without_graphql_the_endpoint_is_not_found(world: World) -> None:
    world.state.graphql_enabled = False
    diverge(world)
    reply = await update(world)
    assert (reply.status, reply.body["message"]) == (404, "Not Found")


async def test_a_token_is_required(world: World) -> None:
    reply = await graphql(world, READ, {"owner": "acme", "name": "widgets", "number": 1}, token="")
    assert reply.status == 401


async def test_a_request_without_a_query_or_not_json(world: World) -> None:
    reply = await graphql(world, "")
    assert reply.status == 200
    syntax = reply.body["errors"][0]
    assert "Syntax Error" in syntax["message"] and "type" not in syntax
    url = str(world.sim.server.make_url("/api/graphql"))
    headers = {"Authorization": f"token {world.token}"}
    async with world.http.post(url, json={"variables": {}}, headers=headers) as response:
        assert (response.status, await response.json()) == (
            200,
            {"errors": [{"message": "A query attribute must be specified and must be a string."}]},
        )
    async with world.http.post(url, data=b"{", headers=headers) as response:
        assert (response.status, (await response.json())["message"]) == (
            400,
            "Problems parsing JSON",
        )


async def test_another_installations_token_finds_no_node_and_is_recorded(world: World) -> None:
    diverge(world)
    before = world.state.pull(REPO, 1).head_sha
    stranger = world.state.add_installation("globex")
    token = world.state.issue_token(stranger.id).token
    reply = await update(world, token=token)
    assert refusal(reply)[2] == "NOT_FOUND"
    assert world.state.pull(REPO, 1).head_sha == before
    [tried] = world.state.requests_matching("POST", "/api/graphql")
    assert (tried.installation_id, tried.repository) == (stranger.id, REPO)
