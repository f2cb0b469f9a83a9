"""The simulator's git data endpoints over real HTTP: references, blobs, trees and git commits,
commits as the REST API shows them, and comparisons."""

from __future__ import annotations

import pytest

from app.sandbox.git import blob_sha
from app.sandbox.git_trees import EMPTY_TREE_SHA
from app.sandbox.ops.pulls import create_pull
from tests.repo_world import (  # noqa: F401
    BOT,
    REPO,
    World,
    b64,
    clock_fixture,
    simulator_state_fixture,
    unb64,
    world_fixture,
)

GIT = f"/repos/{REPO}/git"
# `git write-tree` of README.md ("hello\n") and src/app.py ("print(1)\n")
KNOWN_TREE = {"README.md": "hello\n", "src/app.py": "print(1)\n"}
KNOWN_TREE_SHA = "ff2b9b5709ed90099184652cfd381700482aa862"


# --- references ----------------------------------------------------------------------------


async def test_create_branch_ref(world: World) -> None:
    sha = world.head()
    reply = await world.call("POST", f"{GIT}/refs", {"ref": "refs/heads/feature/x", "sha": sha})
    assert reply.status == 201, reply.body
    assert (reply.body["ref"], reply.body["object"]["sha"]) == ("refs/heads/feature/x", sha)
    assert reply.body["object"]["type"] == "commit"
    assert reply.headers["Location"] == reply.body["url"]
    assert world.repo.branches["feature/x"] == sha
    push, create = world.events()
    assert (push.label, push.details["ref"], push.details["created"]) == (
        "push",
        "refs/heads/feature/x",
        True,
    )
    assert (create.label, create.sender, create.details) == (
        "create",
        BOT,
        {"ref": "feature/x", "ref_type": "branch"},
    )


async def test_create_tag_ref(world: World) -> None:
    reply = await world.call("POST", f"{GIT}/refs", {"ref": "refs/tags/v1.0", "sha": world.head()})
    assert reply.status == 201
    assert world.repo.tags == {"v1.0": world.head()}
    assert world.events("create")[0].details == {"ref": "v1.0", "ref_type": "tag"}
    assert world.events("push")[0].details["ref"] == "refs/tags/v1.0"


async def test_create_ref_errors(world: World) -> None:
    sha = world.head()
    cases = [
        ({"ref": "refs/heads/main", "sha": sha}, "Reference already exists"),
        ({"ref": "heads/new", "sha": sha}, "Reference name must contain at least three"),
        ({"ref": "refs/heads/new", "sha": "0" * 40}, "Object does not exist"),
    ]
    for payload, message in cases:
        reply = await world.call("POST", f"{GIT}/refs", payload)
        assert reply.status == 422
        assert reply.body["message"].startswith(message)
    assert world.events() == []


async def test_get_ref_and_matching_refs(world: World) -> None:
    for branch in ("feature/a", "feature/b", "feat"):
        world.commit(branch, {f"{branch}.txt": "x\n"})
    reply = await world.get(f"{GIT}/ref/heads/feature/a")
    assert reply.status == 200, reply.body
    assert (reply.body["ref"], reply.body["object"]["sha"]) == (
        "refs/heads/feature/a",
        world.head("feature/a"),
    )
    for missing in ("heads/feature", "heads/nope", "tags/v1"):
        assert (await world.get(f"{GIT}/ref/{missing}")).status == 404
    matching = await world.get(f"{GIT}/matching-refs/heads/feat")
    assert [ref["ref"] for ref in matching.body] == [
        "refs/heads/feat",
        "refs/heads/feature/a",
        "refs/heads/feature/b",
    ]
    assert (await world.get(f"{GIT}/matching-refs/tags/")).body == []


@pytest.mark.nonconforming
async def test_list_all_refs(world: World) -> None:
    """GitHub still serves the full listing, which the description no longer has."""
    world.commit("topic", {"t": "t\n"})
    world.repo.tags["v1"] = world.head()
    reply = await world.get(f"{GIT}/refs?per_page=2")
    assert [ref["ref"] for ref in reply.body] == ["refs/heads/main", "refs/heads/topic"]
    assert 'rel="next"' in reply.headers["Link"]


async def test_fast_forward_update(world: World) -> None:
    before = world.head()
    ahead = world.commit("topic", {"a.txt": "a\n"})
    world.forget_events()
    reply = await world.call("PATCH", f"{GIT}/refs/heads/main", {"sha": ahead.sha})
    assert reply.status == 200, reply.body
    assert world.head() == ahead.sha
    [push] = world.events()
    assert (push.details["before"], push.details["after"], push.details["forced"]) == (
        before,
        ahead.sha,
        False,
    )
    assert [commit.sha for commit in push.details["commits"]] == [ahead.sha]


async def test_non_fast_forward_needs_force(world: World) -> None:
    old = world.head()
    world.commit("main", {"m.txt": "m\n"})
    current = world.head()
    world.forget_events()
    reply = await world.call("PATCH", f"{GIT}/refs/heads/main", {"sha": old})
    assert (reply.status, reply.body["message"]) == (422, "Update is not a fast forward")
    assert (world.head(), world.events()) == (current, [])
    forced = await world.call("PATCH", f"{GIT}/refs/heads/main", {"sha": old, "force": True})
    assert forced.status == 200
    assert world.head() == old
    [push] = world.events()
    assert (push.details["forced"], push.sender) == (True, BOT)


async def test_update_ref_errors(world: World) -> None:
    missing = await world.call("PATCH", f"{GIT}/refs/heads/nope", {"sha": world.head()})
    assert (missing.status, missing.body["message"]) == (422, "Reference does not exist")
    unknown = await world.call("PATCH", f"{GIT}/refs/heads/main", {"sha": "1" * 40})
    assert (unknown.status, unknown.body["message"]) == (422, "Object does not exist")


async def test_moving_a_pull_request_head_synchronizes_it(world: World) -> None:
    world.commit("feature", {"f.txt": "1\n"})
    pull = create_pull(world.state, REPO, "feature", "main", "Feature", "alice")
    newer = world.commit("other", {"f.txt": "2\n"}, from_ref="feature")
    world.forget_events()
    reply = await world.call("PATCH", f"{GIT}/refs/heads/feature", {"sha": newer.sha})
    assert reply.status == 200
    assert world.labels() == ["push", "pull_request.synchronize"]
    assert pull.head_sha == newer.sha


async def test_delete_ref(world: World) -> None:
    head = world.commit("feature", {"f.txt": "1\n"})
    pull = create_pull(world.state, REPO, "feature", "main", "Feature", "alice")
    world.forget_events()
    reply = await world.call("DELETE", f"{GIT}/refs/heads/feature")
    assert (reply.status, reply.body) == (204, None)
    assert "feature" not in world.repo.branches
    assert world.labels() == ["push", "delete", "pull_request.closed"]
    push, delete, _ = world.events()
    assert (push.details["deleted"], push.details["before"], push.details["after"]) == (
        True,
        head.sha,
        "0" * 40,
    )
    assert delete.details == {"ref": "feature", "ref_type": "branch"}
    assert pull.state == "closed"
    again = await world.call("DELETE", f"{GIT}/refs/heads/feature")
    assert (again.status, again.body["message"]) == (422, "Reference does not exist")


async def test_refs_need_contents_write(world: World) -> None:
    token = await world.token_with({"contents": "read"})
    payload = {"ref": "refs/heads/x", "sha": world.head()}
    reply = await world.call("POST", f"{GIT}/refs", payload, token=token)
    assert reply.status == 403
    assert (await world.call("GET", f"{GIT}/ref/heads/main", token=token)).status == 200


# --- blobs ---------------------------------------------------------------------------------


async def test_blobs_round_trip(world: World) -> None:
    text = await world.call("POST", f"{GIT}/blobs", {"content": "hello\n"})
    assert text.status == 201, text.body
    assert text.body["sha"] == blob_sha(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"
    data = bytes(range(200))
    binary = await world.call("POST", f"{GIT}/blobs", {"content": b64(data), "encoding": "base64"})
    assert binary.body["sha"] == blob_sha(data)
    read = await world.get(f"{GIT}/blobs/{binary.body['sha']}")
    assert read.status == 200
    assert (read.body["encoding"], read.body["size"]) == ("base64", 200)
    assert unb64(read.body["content"]) == data
    assert (await world.get(f"{GIT}/blobs/{'0' * 40}")).status == 404


# --- trees ---------------------------------------------------------------------------------


async def test_trees_have_gits_shas(world: World) -> None:
    commit = world.commit("known", {"src/lib/util.py": None, **KNOWN_TREE})
    assert commit.tree_sha == KNOWN_TREE_SHA
    reply = await world.get(f"{GIT}/trees/{KNOWN_TREE_SHA}")
    assert reply.status == 200, reply.body
    assert [(e["path"], e["type"], e["mode"]) for e in reply.body["tree"]] == [
        ("README.md", "blob", "100644"),
        ("src", "tree", "040000"),
    ]
    assert reply.body["tree"][0]["size"] == len("hello\n")
    recursive = await world.get(f"{GIT}/trees/known?recursive=1")
    assert recursive.body["sha"] == KNOWN_TREE_SHA
    assert [e["path"] for e in recursive.body["tree"]] == ["README.md", "src", "src/app.py"]
    assert (await world.get(f"{GIT}/trees/{'0' * 40}")).status == 404


async def test_create_tree_on_a_base(world: World) -> None:
    base = world.state.git.commits[world.head()].tree_sha
    blob = (await world.call("POST", f"{GIT}/blobs", {"content": "new\n"})).body["sha"]
    entries = [
        {"path": "docs/guide.md", "mode": "100644", "type": "blob", "content": "# Guide\n"},
        {"path": "README.md", "mode": "100644", "type": "blob", "sha": blob},
        {"path": "src/lib", "mode": "040000", "type": "tree", "sha": None},
    ]
    reply = await world.call("POST", f"{GIT}/trees", {"base_tree": base, "tree": entries})
    assert reply.status == 201, reply.body
    assert [e["path"] for e in reply.body["tree"]] == ["README.md", "docs", "src"]
    listed = await world.get(f"{GIT}/trees/{reply.body['sha']}?recursive=true")
    assert [e["path"] for e in listed.body["tree"] if e["type"] == "blob"] == [
        "README.md",
        "docs/guide.md",
        "src/app.py",
    ]


async def test_create_tree_from_nothing(world: World) -> None:
    empty = await world.call("POST", f"{GIT}/trees", {"tree": []})
    assert (empty.status, empty.body["sha"], empty.body["tree"]) == (201, EMPTY_TREE_SHA, [])
    entries = [
        {"path": path, "mode": "100644", "type": "blob", "content": text}
        for path, text in KNOWN_TREE.items()
    ]
    known = await world.call("POST", f"{GIT}/trees", {"tree": entries})
    assert known.body["sha"] == KNOWN_TREE_SHA


async def test_create_tree_errors(world: World) -> None:
    entry = {"path": "a", "mode": "100644", "type": "blob", "sha": "1" * 40}
    bad_blob = await world.call("POST", f"{GIT}/trees", {"tree": [entry]})
    assert (bad_blob.status, bad_blob.body["message"]) == (
        422,
        f"tree.sha {'1' * 40} is not a valid blob",
    )
    payload = {"base_tree": "2" * 40, "tree": []}
    bad_base = await world.call("POST", f"{GIT}/trees", payload)
    assert (bad_base.status, bad_base.body["message"]) == (422, "base_tree is not a valid tree oid")


# --- git commits ---------------------------------------------------------------------------


async def test_commit_through_the_git_data_api(world: World) -> None:
    """The low-level flow clients use for multi-file commits: blob, tree, commit, ref."""
    parent = world.head()
    base = world.state.git.commits[parent].tree_sha
    entries = [{"path": "new.txt", "mode": "100644", "type": "blob", "content": "new\n"}]
    tree = (await world.call("POST", f"{GIT}/trees", {"base_tree": base, "tree": entries})).body
    payload = {"message": "Add new.txt", "tree": tree["sha"], "parents": [parent]}
    created = await world.call("POST", f"{GIT}/commits", payload)
    assert created.status == 201, created.body
    commit = created.body
    assert (commit["tree"]["sha"], [p["sha"] for p in commit["parents"]]) == (
        tree["sha"],
        [parent],
    )
    assert (commit["author"]["name"], commit["verification"]["verified"]) == (BOT, False)
    assert world.events() == []
    read = await world.get(f"{GIT}/commits/{commit['sha']}")
    assert read.body == commit
    await world.call("PATCH", f"{GIT}/refs/heads/main", {"sha": commit["sha"]})
    content = await world.get(f"/repos/{REPO}/contents/new.txt")
    assert unb64(content.body["content"]) == b"new\n"


async def test_create_commit_errors(world: World) -> None:
    bad_tree = await world.call("POST", f"{GIT}/commits", {"message": "m", "tree": "3" * 40})
    assert (bad_tree.status, bad_tree.body["message"]) == (422, "Tree SHA does not exist")
    tree = world.state.git.commits[world.head()].tree_sha
    payload = {"message": "m", "tree": tree, "parents": ["4" * 40]}
    bad_parent = await world.call("POST", f"{GIT}/commits", payload)
    assert bad_parent.status == 422
    assert bad_parent.body["message"] == "Parent SHA does not exist or is not a commit object"
    assert (await world.get(f"{GIT}/commits/{'5' * 40}")).status == 404


# --- commits and comparisons ---------------------------------------------------------------


async def test_get_commit_with_files(world: World) -> None:
    world.state.account("alice")
    commit = world.commit("main", {"src/app.py": "line 1\nline two\n", "README.md": None})
    for ref in ("main", commit.sha, commit.sha[:8], "heads/main"):
        reply = await world.get(f"/repos/{REPO}/commits/{ref}")
        assert reply.status == 200, (ref, reply.body)
        assert reply.body["sha"] == commit.sha
    body = reply.body
    assert body["author"]["login"] == "alice"
    assert body["stats"] == {"total": 11, "additions": 1, "deletions": 10}
    files = {file["filename"]: file for file in body["files"]}
    assert files["README.md"]["status"] == "removed"
    patch = files["src/app.py"]["patch"]
    assert patch.startswith("@@ -1,10 +1,2 @@\n line 1\n-line 2\n")
    assert "+line two" in patch


async def test_unknown_commit(world: World) -> None:
    reply = await world.get(f"/repos/{REPO}/commits/nope")
    assert (reply.status, reply.body["message"]) == (422, "No commit found for SHA: nope")


async def test_list_commits(world: World) -> None:
    root = world.head()
    first = world.commit("main", {"docs/a.md": "a\n"})
    second = world.commit("main", {"src/app.py": "changed\n"})
    third = world.commit("main", {"docs/b.md": "b\n"})
    reply = await world.get(f"/repos/{REPO}/commits?per_page=2")
    assert [c["sha"] for c in reply.body] == [third.sha, second.sha]
    assert 'rel="last"' in reply.headers["Link"]
    docs = await world.get(f"/repos/{REPO}/commits?path=docs")
    assert [c["sha"] for c in docs.body] == [third.sha, first.sha]
    older = await world.get(f"/repos/{REPO}/commits?sha={first.sha}")
    assert [c["sha"] for c in older.body] == [first.sha, root]
    assert (await world.get(f"/repos/{REPO}/commits?sha=nope")).status == 404


@pytest.mark.parametrize(
    ("base", "head", "status", "ahead_by", "behind_by"),
    [
        ("main", "main", "identical", 0, 0),
        ("main", "topic", "ahead", 2, 0),
        ("topic", "main", "behind", 0, 2),
        ("side", "topic", "diverged", 2, 1),
    ],
)
async def test_compare(
    world: World, base: str, head: str, status: str, ahead_by: int, behind_by: int
) -> None:
    root = world.head()
    world.commit("topic", {"src/app.py": "changed\n"})
    world.commit("topic", {"new.txt": "new\n"})
    world.commit("side", {"side.txt": "side\n"}, from_ref="main")
    reply = await world.get(f"/repos/{REPO}/compare/{base}...{head}")
    assert reply.status == 200, reply.body
    body = reply.body
    assert (body["status"], body["ahead_by"], body["behind_by"]) == (status, ahead_by, behind_by)
    assert body["merge_base_commit"]["sha"] == root
    assert (body["total_commits"], len(body["commits"])) == (ahead_by, ahead_by)
    if status in ("ahead", "diverged"):
        assert [c["commit"]["message"] for c in body["commits"]] == ["Update files"] * 2
        assert [f["filename"] for f in body["files"]] == ["new.txt", "src/app.py"]
        assert body["files"][0]["patch"] == "@@ -0,0 +1 @@\n+new"


async def test_compare_with_slashes_and_errors(world: World) -> None:
    world.commit("feature/x", {"x.txt": "x\n"})
    reply = await world.get(f"/repos/{REPO}/compare/acme:main...feature/x")
    assert (reply.status, reply.body["ahead_by"]) == (200, 1)
    for basehead in ("main...nope", "other:main...feature/x", "main..feature/x"):
        assert (await world.get(f"/repos/{REPO}/compare/{basehead}")).status == 404
