"""The simulator's pull-request write side over real HTTP: opening and editing pull requests,
their files and commits, reviews, review comments and review requests."""

from __future__ import annotations

import pytest

from app.sandbox import actors_pulls as actors
from app.sandbox.actors_repos import publish_release
from app.sandbox.errors import ApiError
from app.sandbox.ops.errors import UnprocessableEntity
from app.sandbox.ops.protection import approvals
from app.sandbox.ops.reviews import review
from app.sandbox.webhooks import build_payload
from tests.pull_world import (  # noqa: F401
    APP_PY,
    BOT,
    REPO,
    World,
    clock_fixture,
    simulator_state_fixture,
    world_fixture,
)

PULLS = f"/repos/{REPO}/pulls"


# --- opening and editing -------------------------------------------------------------------


async def test_create_pull_from_a_branch(world: World) -> None:
    head = world.commit("feature", {"src/app.py": APP_PY + "line 11\n"}, message="Add a line")
    world.forget_events()
    payload = {"title": "Add a line", "head": "feature", "base": "main", "body": "Please"}
    reply = await world.call("POST", PULLS, payload)
    assert reply.status == 201, reply.body
    body = reply.body
    assert reply.headers["Location"] == body["url"] == world.sim.url(f"{PULLS}/1")
    assert (body["number"], body["title"], body["body"], body["draft"]) == (
        1,
        "Add a line",
        "Please",
        False,
    )
    assert (body["user"]["login"], body["user"]["type"]) == (BOT, "Bot")
    assert (body["head"]["sha"], body["base"]["sha"]) == (head.sha, head.parents[0])
    assert (body["mergeable"], body["mergeable_state"], body["rebaseable"]) == (
        True,
        "clean",
        True,
    )
    assert (body["commits"], body["additions"], body["deletions"], body["changed_files"]) == (
        1,
        1,
        0,
        1,
    )
    [opened] = world.events()
    assert (opened.label, opened.sender, opened.subject.number) == ("pull_request.opened", BOT, 1)


async def test_create_draft_pull(world: World) -> None:
    world.commit("wip", {"notes.md": "wip\n"})
    payload = {"title": "WIP", "head": "acme:wip", "base": "main", "draft": True}
    reply = await world.call("POST", PULLS, payload)
    assert reply.status == 201, reply.body
    assert (reply.body["draft"], reply.body["mergeable_state"]) == (True, "draft")


async def test_create_pull_refusals(world: World) -> None:
    world.state.repository(REPO).branches["same"] = world.repo.branches["main"]
    world.commit("feature", {"a.txt": "a\n"})
    created = await world.call("POST", PULLS, {"title": "A", "head": "feature", "base": "main"})
    assert created.status == 201

    async def refusal(head: str, base: str = "main") -> list[dict[str, str]]:
        reply = await world.call("POST", PULLS, {"title": "T", "head": head, "base": base})
        assert (reply.status, reply.body["message"]) == (422, "Validation Failed")
        return reply.body["errors"]

    assert await refusal("same") == [
        {"resource": "PullRequest", "code": "custom", "message": "No commits between main and same"}
    ]
    assert await refusal("feature") == [
        {
            "resource": "PullRequest",
            "code": "custom",
            "message": "A pull request already exists for acme:feature.",
        }
    ]
    assert await refusal("missing") == [
        {"resource": "PullRequest", "code": "invalid", "field": "head"}
    ]
    assert await refusal("feature", "nowhere") == [
        {"resource": "PullRequest", "code": "invalid", "field": "base"}
    ]


@pytest.mark.nonconforming
async def test_create_pull_requires_head_and_base(world: World) -> None:
    reply = await world.call("POST", PULLS, {"title": "T"})
    assert reply.status == 422
    assert reply.body["errors"] == [
        {"resource": "PullRequest", "code": "missing_field", "field": "head"},
        {"resource": "PullRequest", "code": "missing_field", "field": "base"},
    ]


async def test_edit_title_body_and_base(world: World) -> None:
    world.commit("develop", {"dev.txt": "dev\n"})
    pull = world.open_pull("feature", {"a.txt": "a\n"})
    world.forget_events()
    payload = {"title": "Renamed", "body": "Now with a body", "base": "develop"}
    reply = await world.call("PATCH", f"{PULLS}/1", payload)
    assert reply.status == 200, reply.body
    assert (reply.body["title"], reply.body["body"], reply.body["base"]["ref"]) == (
        "Renamed",
        "Now with a body",
        "develop",
    )
    [edited] = world.events()
    assert (edited.label, edited.sender) == ("pull_request.edited", BOT)
    assert edited.details["changes"] == {
        "title": {"from": "Change feature"},
        "body": {"from": None},
        "base": {"ref": {"from": "main"}, "sha": {"from": world.repo.branches["main"]}},
    }
    assert pull.base_sha == world.repo.branches["develop"]


async def test_close_and_reopen(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    world.forget_events()
    closed = await world.call("PATCH", f"{PULLS}/1", {"state": "closed"})
    assert (closed.body["state"], closed.body["merged"]) == ("closed", False)
    assert closed.body["closed_at"] is not None
    reopened = await world.call("PATCH", f"{PULLS}/1", {"state": "open"})
    assert (reopened.body["state"], reopened.body["closed_at"]) == ("open", None)
    assert [event.label for event in world.events()] == [
        "pull_request.closed",
        "pull_request.reopened",
    ]


async def test_edit_refusals(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    reply = await world.call("PATCH", f"{PULLS}/1", {"base": "nowhere"})
    assert reply.body["errors"] == [{"resource": "PullRequest", "code": "invalid", "field": "base"}]
    assert (await world.call("PATCH", f"{PULLS}/9", {"title": "x"})).status == 404


# --- files and commits -----------------------------------------------------------------------


async def test_files_with_patches(world: World) -> None:
    changed = APP_PY.replace("line 5\n", "line five\n") + "line 11\n"
    world.open_pull(
        "feature",
        {"src/app.py": changed, "README.md": None, "docs/new.md": "new\ntext", "logo.png": "\0PNG"},
    )
    reply = await world.call("GET", f"{PULLS}/1/files")
    assert reply.status == 200, reply.body
    files = {entry["filename"]: entry for entry in reply.body}
    assert [entry["filename"] for entry in reply.body] == sorted(files)
    app = files["src/app.py"]
    assert (app["status"], app["additions"], app["deletions"], app["changes"]) == (
        "modified",
        2,
        1,
        3,
    )
    assert app["patch"] == (
        "@@ -2,9 +2,10 @@\n line 2\n line 3\n line 4\n-line 5\n+line five\n line 6\n line 7\n"
        " line 8\n line 9\n line 10\n+line 11"
    )
    new = files["docs/new.md"]
    assert (new["status"], new["patch"]) == (
        "added",
        "@@ -0,0 +1,2 @@\n+new\n+text\n\\ No newline at end of file",
    )
    assert (files["README.md"]["status"], files["README.md"]["patch"]) == (
        "removed",
        "@@ -1 +0,0 @@\n-# widgets",
    )
    assert "patch" not in files["logo.png"]
    head = world.state.pull(REPO, 1).head_sha
    assert app["raw_url"].endswith(f"/acme/widgets/raw/{head}/src/app.py")
    pulled = await world.call("GET", f"{PULLS}/1")
    assert (pulled.body["additions"], pulled.body["deletions"]) == (4, 2)
    assert pulled.body["changed_files"] == 4


async def test_files_are_paginated(world: World) -> None:
    world.open_pull("feature", {f"file{index:02}.txt": f"{index}\n" for index in range(5)})
    first = await world.call("GET", f"{PULLS}/1/files?per_page=2")
    assert [entry["filename"] for entry in first.body] == ["file00.txt", "file01.txt"]
    assert 'rel="next"' in first.headers["Link"]
    last = await world.call("GET", f"{PULLS}/1/files?per_page=2&page=3")
    assert [entry["filename"] for entry in last.body] == ["file04.txt"]


async def test_files_answer_304_to_a_matching_etag(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    first = await world.call("GET", f"{PULLS}/1/files")
    again = await world.call(
        "GET", f"{PULLS}/1/files", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status == 304


async def test_commits_oldest_first(world: World) -> None:
    first = world.commit("feature", {"a.txt": "a\n"}, message="First", author="alice")
    world.clock.advance(60)
    second = world.commit("feature", {"b.txt": "b\n"}, message="Second", author="bob")
    world.commit("main", {"c.txt": "c\n"}, message="Elsewhere")
    await world.call("POST", PULLS, {"title": "Two", "head": "feature", "base": "main"})
    reply = await world.call("GET", f"{PULLS}/1/commits")
    assert reply.status == 200, reply.body
    assert [item["sha"] for item in reply.body] == [first.sha, second.sha]
    assert [item["commit"]["message"] for item in reply.body] == ["First", "Second"]
    assert reply.body[1]["parents"][0]["sha"] == first.sha
    assert reply.body[1]["author"]["login"] == "bob"
    pulled = await world.call("GET", f"{PULLS}/1")
    assert pulled.body["commits"] == 2


# --- reviews -----------------------------------------------------------------------------------


async def test_approve_and_list_reviews(world: World) -> None:
    pull = world.open_pull("feature", {"a.txt": "a\n"})
    world.forget_events()
    reply = await world.call("POST", f"{PULLS}/1/reviews", {"event": "APPROVE", "body": "LGTM"})
    assert reply.status == 200, reply.body
    assert (reply.body["state"], reply.body["body"], reply.body["commit_id"]) == (
        "APPROVED",
        "LGTM",
        pull.head_sha,
    )
    assert reply.body["user"]["login"] == BOT
    assert reply.body["html_url"].endswith(f"/pull/1#pullrequestreview-{reply.body['id']}")
    [submitted] = world.events()
    assert submitted.label == "pull_request_review.submitted"
    assert (submitted.subject.state, submitted.details["pull"]) == ("APPROVED", pull)
    listing = await world.call("GET", f"{PULLS}/1/reviews")
    assert [item["id"] for item in listing.body] == [reply.body["id"]]


async def test_authors_cannot_approve_their_own_pull(world: World) -> None:
    world.commit("bot-branch", {"a.txt": "a\n"})
    await world.call("POST", PULLS, {"title": "Mine", "head": "bot-branch", "base": "main"})
    reply = await world.call("POST", f"{PULLS}/1/reviews", {"event": "APPROVE"})
    assert reply.status == 422
    assert reply.body["message"] == "Unprocessable Entity"
    assert reply.body["errors"] == ["Can not approve your own pull request"]
    comment = await world.call("POST", f"{PULLS}/1/reviews", {"event": "COMMENT", "body": "Note"})
    assert comment.body["state"] == "COMMENTED"


def test_python_review_refusals(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    with pytest.raises(UnprocessableEntity) as refused:
        review(world.state, REPO, 1, "alice", "APPROVE")
    assert (refused.value.status, refused.value.reasons) == (
        422,
        ["Can not approve your own pull request"],
    )
    with pytest.raises(UnprocessableEntity):
        review(world.state, REPO, 1, "bob", "REQUEST_CHANGES")
    with pytest.raises(ApiError) as missing:
        review(world.state, REPO, 7, "bob", "APPROVE")
    assert missing.value.status == 404


async def test_inline_review_comments(world: World) -> None:
    changed = APP_PY.replace("line 5\n", "line five\n")
    world.open_pull("feature", {"src/app.py": changed})
    comments = [
        {"path": "src/app.py", "line": 5, "side": "RIGHT", "body": "Spell it out?"},
        {"path": "src/app.py", "line": 5, "side": "LEFT", "body": "Was fine"},
    ]
    payload = {"event": "COMMENT", "body": "Two notes", "comments": comments}
    reply = await world.call("POST", f"{PULLS}/1/reviews", payload)
    assert reply.status == 200, reply.body
    listing = await world.call("GET", f"{PULLS}/1/comments")
    assert listing.status == 200, listing.body
    right, left = listing.body
    assert (right["path"], right["line"], right["side"], right["body"]) == (
        "src/app.py",
        5,
        "RIGHT",
        "Spell it out?",
    )
    assert (right["position"], left["position"], left["side"]) == (5, 4, "LEFT")
    assert right["pull_request_review_id"] == reply.body["id"]
    assert right["diff_hunk"] == "@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+line five"
    pulled = await world.call("GET", f"{PULLS}/1")
    assert pulled.body["review_comments"] == 2


async def test_review_comments_outside_the_diff_are_refused(world: World) -> None:
    world.open_pull("feature", {"src/app.py": APP_PY.replace("line 5\n", "line five\n")})

    async def refusal(comment: dict[str, object]) -> list[str]:
        payload = {"event": "COMMENT", "body": "x", "comments": [comment]}
        reply = await world.call("POST", f"{PULLS}/1/reviews", payload)
        assert reply.status == 422
        return reply.body["errors"]

    assert await refusal({"path": "README.md", "line": 1, "body": "x"}) == [
        "Path could not be resolved"
    ]
    assert await refusal({"path": "src/app.py", "line": 10, "body": "x"}) == [
        "Line could not be resolved"
    ]
    assert world.state.review_comments == {}


async def test_dismiss_a_review(world: World) -> None:
    pull = world.open_pull("feature", {"a.txt": "a\n"})
    approval = review(world.state, REPO, 1, "bob", "APPROVE")
    world.forget_events()
    path = f"{PULLS}/1/reviews/{approval.id}/dismissals"
    reply = await world.call("PUT", path, {"message": "Stale", "event": "DISMISS"})
    assert reply.status == 200, reply.body
    assert reply.body["state"] == "DISMISSED"
    [dismissed] = world.events()
    assert (dismissed.label, dismissed.details["pull"]) == ("pull_request_review.dismissed", pull)
    again = await world.call("PUT", path, {"message": "Again"})
    assert again.status == 422
    missing = await world.call("PUT", f"{PULLS}/1/reviews/999/dismissals", {"message": "x"})
    assert missing.status == 404


def test_approvals_count_each_writers_latest_verdict(world: World) -> None:
    pull = world.open_pull("feature", {"a.txt": "a\n"})
    review(world.state, REPO, 1, "carol", "APPROVE")  # read access only
    assert approvals(world.state, world.repo, pull) == 0
    review(world.state, REPO, 1, "bob", "APPROVE")
    review(world.state, REPO, 1, "bob", "COMMENT", "A comment keeps the approval")
    assert approvals(world.state, world.repo, pull) == 1
    review(world.state, REPO, 1, "bob", "REQUEST_CHANGES", "On second thoughts")
    assert approvals(world.state, world.repo, pull) == 0


# --- review requests ------------------------------------------------------------------------------


async def test_request_and_withdraw_reviewers(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    world.forget_events()
    payload = {"reviewers": ["bob", "dave"], "team_reviewers": ["reviewers"]}
    reply = await world.call("POST", f"{PULLS}/1/requested_reviewers", payload)
    assert reply.status == 201, reply.body
    assert [user["login"] for user in reply.body["requested_reviewers"]] == ["bob", "dave"]
    assert [team["slug"] for team in reply.body["requested_teams"]] == ["reviewers"]
    assert [(event.label, dict(event.details)) for event in world.events()] == [
        ("pull_request.review_requested", {"requested_reviewer": "bob"}),
        ("pull_request.review_requested", {"requested_reviewer": "dave"}),
        ("pull_request.review_requested", {"requested_team": "reviewers"}),
    ]
    listed = await world.call("GET", f"{PULLS}/1/requested_reviewers")
    assert [user["login"] for user in listed.body["users"]] == ["bob", "dave"]
    assert [team["slug"] for team in listed.body["teams"]] == ["reviewers"]
    world.forget_events()
    removal = {"reviewers": ["dave"], "team_reviewers": ["reviewers"]}
    removed = await world.call("DELETE", f"{PULLS}/1/requested_reviewers", removal)
    assert removed.status == 200, removed.body
    assert [user["login"] for user in removed.body["requested_reviewers"]] == ["bob"]
    assert [event.label for event in world.events()] == [
        "pull_request.review_request_removed",
        "pull_request.review_request_removed",
    ]


async def test_a_review_fulfils_the_request(world: World) -> None:
    pull = world.open_pull("feature", {"a.txt": "a\n"})
    await world.call("POST", f"{PULLS}/1/requested_reviewers", {"reviewers": ["bob"]})
    review(world.state, REPO, 1, "bob", "APPROVE")
    assert pull.requested_reviewers == []


async def test_review_request_refusals(world: World) -> None:
    world.open_pull("feature", {"a.txt": "a\n"})
    url = f"{PULLS}/1/requested_reviewers"
    author = await world.call("POST", url, {"reviewers": ["alice"]})
    assert (author.status, author.body["message"]) == (
        422,
        "Review cannot be requested from pull request author.",
    )
    not_collaborator = (
        "Reviews may only be requested from collaborators. One or more of the users or teams you "
        "specified is not a collaborator of the acme/widgets repository."
    )
    stranger = await world.call("POST", url, {"reviewers": ["bob", "mallory"]})
    assert (stranger.status, stranger.body["message"]) == (422, not_collaborator)
    team = await world.call("POST", url, {"team_reviewers": ["ghosts"]})
    assert (team.status, team.body["message"]) == (422, not_collaborator)
    assert world.state.pull(REPO, 1).requested_reviewers == []


# --- the Python API for scripted actors -------------------------------------------------------


def test_scripted_actor_session_publishes_githubs_events(world: World) -> None:
    state = world.state
    world.commit("feature", {"a.txt": "a\n"}, author="alice")
    world.forget_events()
    pull = actors.create_pull(state, REPO, "feature", "main", "Add a", "alice")
    actors.request_reviewers(state, REPO, pull.number, ["bob"], sender="alice")
    actors.add_labels(state, REPO, pull.number, ["ready"], sender="alice")
    actors.comment(state, REPO, pull.number, "bob", "Looks good")
    actors.review(state, REPO, pull.number, "bob", "APPROVE")
    outcome = actors.merge_pull(state, REPO, pull.number, "squash", by="bob")
    assert [(event.label, event.sender) for event in world.events()] == [
        ("pull_request.opened", "alice"),
        ("pull_request.review_requested", "alice"),
        ("label.created", "alice"),  # "ready" was no label of the repository yet
        ("pull_request.labeled", "alice"),
        ("issue_comment.created", "bob"),
        ("pull_request_review.submitted", "bob"),
        ("push", "bob"),
        ("pull_request.closed", "bob"),
    ]
    assert (pull.merged, pull.merge_commit_sha, world.repo.branches["main"]) == (
        True,
        outcome.sha,
        outcome.sha,
    )


# --- a dependency bump, as paasbot proposes one --------------------------------------------

BUMP_BRANCH = "paasbot/bump-x-1.4.0"


async def test_a_bump_branch_commit_and_pull_request(world: World) -> None:
    """The REST flow of a dependency bump: a tree with inline content on the base's tree, a
    commit, a branch (with slashes) on it, a PR from it, found again by its head, closed, and
    its branch deleted."""
    git = f"/repos/{REPO}/git"
    parent = world.head()
    base_tree = world.state.git.commits[parent].tree_sha
    entry = {"path": "requirements.txt", "mode": "100644", "type": "blob", "content": "x==1.4.0\n"}
    tree = await world.call("POST", f"{git}/trees", {"base_tree": base_tree, "tree": [entry]})
    assert tree.status == 201, tree.body
    assert {item["path"] for item in tree.body["tree"]} == {"README.md", "src", "requirements.txt"}
    payload = {"message": "Bump x to 1.4.0", "tree": tree.body["sha"], "parents": [parent]}
    commit = await world.call("POST", f"{git}/commits", payload)
    assert commit.status == 201, commit.body
    sha = commit.body["sha"]
    ref = {"ref": f"refs/heads/{BUMP_BRANCH}", "sha": sha}
    created = await world.call("POST", f"{git}/refs", ref)
    assert (created.status, created.body["ref"]) == (201, f"refs/heads/{BUMP_BRANCH}")
    again = await world.call("POST", f"{git}/refs", ref)
    assert (again.status, again.body["message"]) == (422, "Reference already exists")
    read = await world.get(f"{git}/ref/heads/{BUMP_BRANCH}")
    assert (read.status, read.body["object"]["sha"]) == (200, sha)
    read_commit = await world.get(f"{git}/commits/{sha}")
    assert (read_commit.body["message"], read_commit.body["tree"]["sha"]) == (
        "Bump x to 1.4.0",
        tree.body["sha"],
    )
    world.forget_events()

    opened = await world.call(
        "POST", PULLS, {"title": "Bump x to 1.4.0", "head": BUMP_BRANCH, "base": "main"}
    )
    assert opened.status == 201, opened.body
    pull = opened.body
    assert (pull["user"]["login"], pull["user"]["type"]) == (BOT, "Bot")
    assert (pull["head"]["ref"], pull["head"]["sha"], pull["base"]["sha"]) == (
        BUMP_BRANCH,
        sha,
        parent,
    )
    [event] = world.events()
    assert (event.label, event.sender, event.subject.number) == (
        "pull_request.opened",
        BOT,
        pull["number"],
    )
    delivered = build_payload(world.state, event, world.sim.base_url)
    assert delivered["pull_request"]["user"]["type"] == "Bot"
    assert (delivered["sender"]["login"], delivered["sender"]["type"]) == (BOT, "Bot")

    found = await world.get(f"{PULLS}?state=all&head=acme:{BUMP_BRANCH}")
    assert [item["number"] for item in found.body] == [pull["number"]]
    elsewhere = await world.get(f"{PULLS}?state=all&head=someone:{BUMP_BRANCH}")
    assert elsewhere.body == []

    world.forget_events()
    closed = await world.call("PATCH", f"{PULLS}/{pull['number']}", {"state": "closed"})
    assert (closed.status, closed.body["state"], closed.body["merged"]) == (200, "closed", False)
    assert world.labels() == ["pull_request.closed"]
    assert world.events()[0].sender == BOT
    still_found = await world.get(f"{PULLS}?state=all&head=acme:{BUMP_BRANCH}")
    assert [item["state"] for item in still_found.body] == ["closed"]

    world.forget_events()
    deleted = await world.call("DELETE", f"{git}/refs/heads/{BUMP_BRANCH}")
    assert deleted.status == 204
    assert BUMP_BRANCH not in world.repo.branches
    assert world.labels() == ["push", "delete"]
    assert (await world.get(f"{git}/ref/heads/{BUMP_BRANCH}")).status == 404


async def test_a_release_tag_names_a_commit_checks_can_run_on(world: World) -> None:
    released = world.commit("main", {"src/app.py": APP_PY + "line 11\n"}, message="Release")
    publish_release(world.state, REPO, "v1.4.0")
    assert world.repo.tags["v1.4.0"] == released.sha
    world.commit("main", {"later.txt": "later\n"})
    commit = await world.get(f"/repos/{REPO}/commits/v1.4.0")
    assert (commit.status, commit.body["sha"]) == (200, released.sha)
    by_ref = await world.get(f"/repos/{REPO}/commits/refs/tags/v1.4.0")
    assert by_ref.body["sha"] == released.sha
    check = {"name": "paasbot/propagate", "head_sha": released.sha, "status": "in_progress"}
    run = await world.call("POST", f"/repos/{REPO}/check-runs", check)
    assert (run.status, run.body["head_sha"], run.body["name"]) == (
        201,
        released.sha,
        "paasbot/propagate",
    )
