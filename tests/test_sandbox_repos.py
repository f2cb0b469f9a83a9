"""The simulator's repository endpoints over real HTTP: the repository, its branches and their
protection, and the contents API (reading files and folders, committing files)."""

from __future__ import annotations

import pytest

from app.sandbox.actors_repos import (
    add_org_defaults_repository,
    archive,
    set_protection,
    set_topics,
)
from app.sandbox.errors import ApiError
from app.sandbox.git import blob_sha
from app.sandbox.ops.pulls import create_pull
from tests.repo_world import (  # noqa: F401
    APP_PY,
    BOT,
    REPO,
    World,
    b64,
    clock_fixture,
    simulator_state_fixture,
    unb64,
    world_fixture,
)

CONTENTS = f"/repos/{REPO}/contents"


# --- repository ----------------------------------------------------------------------------


async def test_get_repository(world: World) -> None:
    world.repo.allowed_merge_methods = ("squash",)
    world.repo.topics = ["python", "bots"]
    reply = await world.get(f"/repos/{REPO}")
    assert reply.status == 200, reply.body
    body = reply.body
    assert (body["full_name"], body["name"], body["default_branch"]) == (REPO, "widgets", "main")
    assert (body["allow_merge_commit"], body["allow_squash_merge"], body["allow_rebase_merge"]) == (
        False,
        True,
        False,
    )
    assert body["topics"] == ["python", "bots"]
    assert (body["owner"]["login"], body["private"], body["id"]) == ("acme", True, world.repo.id)


async def test_repository_answers_conditional_requests(world: World) -> None:
    first = await world.get(f"/repos/{REPO}")
    again = await world.get(f"/repos/{REPO}", **{"If-None-Match": first.headers["ETag"]})
    assert (again.status, again.body) == (304, None)
    world.repo.topics = ["changed"]
    changed = await world.get(f"/repos/{REPO}", **{"If-None-Match": first.headers["ETag"]})
    assert changed.status == 200


async def test_unknown_repository_is_404(world: World) -> None:
    reply = await world.get("/repos/acme/nothing")
    assert (reply.status, reply.body["message"]) == (404, "Not Found")


async def test_get_archived_repository(world: World) -> None:
    assert (await world.get(f"/repos/{REPO}")).body["archived"] is False
    archive(world.state, REPO)
    reply = await world.get(f"/repos/{REPO}")
    assert (reply.status, reply.body["archived"]) == (200, True)


# --- the installation's repositories -------------------------------------------------------

INSTALLATION_REPOS = "/installation/repositories"


async def test_installation_repositories_are_the_full_repositories(world: World) -> None:
    set_topics(world.state, REPO, ["Python", "paasbot-managed"])
    archive(world.state, REPO)
    other = world.state.add_installation("umbrella")
    world.state.add_repository(other, "elsewhere")
    reply = await world.get(INSTALLATION_REPOS)
    assert reply.status == 200, reply.body
    assert (reply.body["total_count"], reply.body["repository_selection"]) == (1, "selected")
    [listed] = reply.body["repositories"]
    assert listed == (await world.get(f"/repos/{REPO}")).body
    assert (listed["full_name"], listed["topics"], listed["archived"]) == (
        REPO,
        ["python", "paasbot-managed"],
        True,
    )
    assert "Link" not in reply.headers


async def test_installation_repositories_are_paginated(world: World) -> None:
    for name in ("gadgets", "gizmos", "doohickeys"):
        world.state.add_repository(world.installation, name)
    first = await world.get(f"{INSTALLATION_REPOS}?per_page=3")
    assert first.body["total_count"] == 4
    names = [repository["name"] for repository in first.body["repositories"]]
    assert names == ["widgets", "gadgets", "gizmos"]
    assert 'page=2>; rel="next"' in first.headers["Link"]
    assert 'rel="last"' in first.headers["Link"]
    second = await world.get(f"{INSTALLATION_REPOS}?per_page=3&page=2")
    assert second.body["total_count"] == 4
    assert [repository["name"] for repository in second.body["repositories"]] == ["doohickeys"]
    assert 'rel="prev"' in second.headers["Link"]
    assert 'rel="next"' not in second.headers["Link"]


async def test_installation_repositories_of_a_restricted_token(world: World) -> None:
    world.state.add_repository(world.installation, "gadgets")
    world.installation.repository_selection = "all"
    restricted = world.state.issue_token(world.installation.id, repositories=["acme/gadgets"])
    reply = await world.call("GET", INSTALLATION_REPOS, token=restricted.token)
    assert reply.status == 200, reply.body
    assert [repository["full_name"] for repository in reply.body["repositories"]] == [
        "acme/gadgets"
    ]
    assert (reply.body["total_count"], reply.body["repository_selection"]) == (1, "all")
    everything = await world.get(INSTALLATION_REPOS)
    assert everything.body["total_count"] == 2


async def test_installation_repositories_need_an_installation_token(world: World) -> None:
    reply = await world.call("GET", INSTALLATION_REPOS, token="ghs_unknown")
    assert (reply.status, reply.body["message"]) == (401, "Bad credentials")


# --- topics --------------------------------------------------------------------------------

TOPICS = f"/repos/{REPO}/topics"


async def _admin_token(world: World) -> str:
    world.installation.permissions["administration"] = "write"
    return await world.token_with({"administration": "write", "metadata": "read"})


async def test_topics_round_trip(world: World) -> None:
    assert (await world.get(TOPICS)).body == {"names": []}
    token = await _admin_token(world)
    names = ["Python", "paasbot-managed", "python", "k8s"]
    reply = await world.call("PUT", TOPICS, {"names": names}, token=token)
    assert (reply.status, reply.body) == (200, {"names": ["python", "paasbot-managed", "k8s"]})
    assert world.repo.topics == ["python", "paasbot-managed", "k8s"]
    assert (await world.get(TOPICS)).body == {"names": ["python", "paasbot-managed", "k8s"]}
    assert (await world.get(f"/repos/{REPO}")).body["topics"] == world.repo.topics
    cleared = await world.call("PUT", TOPICS, {"names": []}, token=token)
    assert (cleared.status, cleared.body, world.repo.topics) == (200, {"names": []}, [])


@pytest.mark.parametrize(
    "names",
    [
        ["-leading-hyphen"],
        ["has space"],
        ["under_score"],
        ["a" * 51],
        [""],
        [f"topic-{number}" for number in range(21)],
    ],
)
async def test_invalid_topics_are_refused(world: World, names: list[str]) -> None:
    world.repo.topics = ["kept"]
    token = await _admin_token(world)
    reply = await world.call("PUT", TOPICS, {"names": names}, token=token)
    assert (reply.status, reply.body["message"]) == (422, "Validation Failed")
    assert all(isinstance(error, str) for error in reply.body["errors"])
    assert world.repo.topics == ["kept"]


async def test_topics_limits_are_inclusive(world: World) -> None:
    token = await _admin_token(world)
    names = ["a" * 50, "0"] + [f"t{number}" for number in range(18)]
    reply = await world.call("PUT", TOPICS, {"names": names}, token=token)
    assert (reply.status, len(reply.body["names"])) == (200, 20)


async def test_replacing_topics_needs_administration_write(world: World) -> None:
    reply = await world.call("PUT", TOPICS, {"names": ["x"]})
    assert (reply.status, reply.body["message"]) == (403, "Resource not accessible by integration")


def test_set_topics_helper_validates_like_the_api(world: World) -> None:
    assert set_topics(world.state, REPO, ["Go", "go", "CLI"]) == ["go", "cli"]
    assert world.repo.topics == ["go", "cli"]
    with pytest.raises(ApiError) as refused:
        set_topics(world.state, REPO, ["not valid"])
    assert refused.value.status == 422
    assert world.repo.topics == ["go", "cli"]


# --- archived repositories -----------------------------------------------------------------


async def test_an_archived_repository_is_read_only(world: World) -> None:
    head = world.head()
    tree = world.state.git.commits[head].tree_sha
    world.commit("feature", {"f.txt": "f\n"})
    archive(world.state, REPO)
    world.forget_events()
    git = f"/repos/{REPO}/git"
    entries = [{"path": "x.txt", "mode": "100644", "type": "blob", "content": "x\n"}]
    writes = [
        ("POST", f"{git}/refs", {"ref": "refs/heads/new", "sha": head}),
        ("PATCH", f"{git}/refs/heads/feature", {"sha": head, "force": True}),
        ("DELETE", f"{git}/refs/heads/feature", None),
        ("POST", f"{git}/trees", {"base_tree": tree, "tree": entries}),
        ("POST", f"{git}/commits", {"message": "m", "tree": tree, "parents": [head]}),
        ("POST", f"{git}/blobs", {"content": "x"}),
        ("POST", f"/repos/{REPO}/pulls", {"title": "t", "head": "feature", "base": "main"}),
        ("PUT", f"{CONTENTS}/x.txt", {"message": "m", "content": b64("x")}),
        ("POST", f"/repos/{REPO}/releases", {"tag_name": "v1"}),
    ]
    for method, path, payload in writes:
        reply = await world.call(method, path, payload)
        assert (reply.status, reply.body["message"]) == (
            403,
            "Repository was archived so is read-only.",
        ), (method, path)
    assert world.events() == []
    assert world.repo.branches["feature"] != head
    assert world.state.pulls_in(REPO) == []
    assert (await world.get(f"{CONTENTS}/README.md")).status == 200
    assert (await world.get(f"{git}/ref/heads/feature")).status == 200
    archive(world.state, REPO, archived=False)
    reply = await world.call("POST", f"{git}/refs", {"ref": "refs/heads/new", "sha": head})
    assert reply.status == 201, reply.body


async def test_missing_permission_is_reported_before_the_archive(world: World) -> None:
    archive(world.state, REPO)
    token = await world.token_with({"contents": "read"})
    payload = {"message": "m", "content": b64("x")}
    reply = await world.call("PUT", f"{CONTENTS}/x.txt", payload, token=token)
    assert (reply.status, reply.body["message"]) == (403, "Resource not accessible by integration")


# --- branches ------------------------------------------------------------------------------


async def test_list_branches_sorted_and_paginated(world: World) -> None:
    for name in ("zeta", "alpha", "feature/x"):
        world.commit(name, {name.replace("/", "-"): "1\n"})
    set_protection(world.state, REPO, "main", required_checks=["ci"])
    first = await world.get(f"/repos/{REPO}/branches?per_page=2")
    assert first.status == 200
    assert [branch["name"] for branch in first.body] == ["alpha", "feature/x"]
    assert 'rel="next"' in first.headers["Link"]
    second = await world.get(f"/repos/{REPO}/branches?per_page=2&page=2")
    assert [(b["name"], b["protected"]) for b in second.body] == [("main", True), ("zeta", False)]
    assert second.body[0]["commit"]["sha"] == world.head()
    protected = await world.get(f"/repos/{REPO}/branches?protected=true")
    assert [branch["name"] for branch in protected.body] == ["main"]


async def test_get_branch_with_slashes(world: World) -> None:
    commit = world.commit("feature/deep/x", {"a.txt": "a\n"}, message="On a deep branch")
    reply = await world.get(f"/repos/{REPO}/branches/feature/deep/x")
    assert reply.status == 200, reply.body
    body = reply.body
    assert (body["name"], body["protected"]) == ("feature/deep/x", False)
    assert body["commit"]["sha"] == commit.sha
    assert body["commit"]["commit"]["message"] == "On a deep branch"
    assert body["protection"]["enabled"] is False
    assert body["protection_url"].endswith("/branches/feature/deep/x/protection")


async def test_get_protected_branch_and_missing_branch(world: World) -> None:
    set_protection(world.state, REPO, "main", required_checks=["ci", "lint"])
    body = (await world.get(f"/repos/{REPO}/branches/main")).body
    assert body["protected"] is True
    assert body["protection"]["required_status_checks"]["contexts"] == ["ci", "lint"]
    missing = await world.get(f"/repos/{REPO}/branches/nope")
    assert (missing.status, missing.body["message"]) == (404, "Branch not found")


async def test_branch_protection(world: World) -> None:
    set_protection(
        world.state,
        REPO,
        "main",
        required_checks=["ci"],
        required_approvals=2,
        require_up_to_date=True,
    )
    reply = await world.get(f"/repos/{REPO}/branches/main/protection")
    assert reply.status == 200, reply.body
    checks = reply.body["required_status_checks"]
    assert (checks["strict"], checks["contexts"]) == (True, ["ci"])
    assert checks["checks"] == [{"context": "ci", "app_id": None}]
    reviews = reply.body["required_pull_request_reviews"]
    assert reviews["required_approving_review_count"] == 2
    policy = await world.get(f"/repos/{REPO}/branches/main/protection/required_status_checks")
    assert (policy.status, policy.body["strict"], policy.body["contexts"]) == (200, True, ["ci"])


async def test_protection_leaves_out_rules_that_are_off(world: World) -> None:
    world.commit("release/1.x", {"r.txt": "r\n"})
    set_protection(world.state, REPO, "release/1.x", required_approvals=1)
    reply = await world.get(f"/repos/{REPO}/branches/release/1.x/protection")
    assert reply.status == 200
    assert "required_status_checks" not in reply.body
    assert reply.body["required_pull_request_reviews"]["required_approving_review_count"] == 1
    policy = await world.get(
        f"/repos/{REPO}/branches/release/1.x/protection/required_status_checks"
    )
    assert (policy.status, policy.body["message"]) == (404, "Required status checks not enabled")


async def test_unprotected_branch(world: World) -> None:
    reply = await world.get(f"/repos/{REPO}/branches/main/protection")
    assert (reply.status, reply.body["message"]) == (404, "Branch not protected")
    missing = await world.get(f"/repos/{REPO}/branches/nope/protection")
    assert (missing.status, missing.body["message"]) == (404, "Branch not found")


async def test_protection_needs_administration_permission(world: World) -> None:
    set_protection(world.state, REPO, "main", required_checks=["ci"])
    token = await world.token_with({"contents": "read", "metadata": "read"})
    reply = await world.call("GET", f"/repos/{REPO}/branches/main/protection", token=token)
    assert (reply.status, reply.body["message"]) == (403, "Resource not accessible by integration")


# --- reading contents ----------------------------------------------------------------------


async def test_get_file(world: World) -> None:
    reply = await world.get(f"{CONTENTS}/src/app.py")
    assert reply.status == 200, reply.body
    body = reply.body
    assert (body["type"], body["name"], body["path"], body["encoding"]) == (
        "file",
        "app.py",
        "src/app.py",
        "base64",
    )
    assert unb64(body["content"]) == APP_PY.encode()
    assert (body["sha"], body["size"]) == (blob_sha(APP_PY.encode()), len(APP_PY))
    assert all(len(line) <= 60 for line in body["content"].splitlines())


async def test_get_directory_and_root(world: World) -> None:
    reply = await world.get(f"{CONTENTS}/src")
    assert reply.status == 200, reply.body
    assert [(item["name"], item["type"], item["path"]) for item in reply.body] == [
        ("app.py", "file", "src/app.py"),
        ("lib", "dir", "src/lib"),
    ]
    tree = await world.get(f"/repos/{REPO}/git/trees/main?recursive=1")
    lib = next(entry for entry in tree.body["tree"] if entry["path"] == "src/lib")
    assert reply.body[1]["sha"] == lib["sha"]


@pytest.mark.nonconforming
async def test_get_root_directory(world: World) -> None:
    """GitHub lists the root for an empty path, which the description's path template lacks."""
    for path in (CONTENTS, f"{CONTENTS}/"):
        reply = await world.get(path)
        assert reply.status == 200
        assert [item["name"] for item in reply.body] == ["README.md", "src"]


async def test_get_contents_at_a_ref(world: World) -> None:
    first = world.head()
    world.commit("main", {"README.md": "changed\n"})
    at_sha = await world.get(f"{CONTENTS}/README.md?ref={first}")
    assert unb64(at_sha.body["content"]) == b"hello\n"
    at_branch = await world.get(f"{CONTENTS}/README.md?ref=main")
    assert unb64(at_branch.body["content"]) == b"changed\n"
    unknown_ref = await world.get(f"{CONTENTS}/README.md?ref=nope")
    assert (unknown_ref.status, unknown_ref.body["message"]) == (
        404,
        "No commit found for the ref nope",
    )
    unknown_path = await world.get(f"{CONTENTS}/missing.txt")
    assert (unknown_path.status, unknown_path.body["message"]) == (404, "Not Found")


async def test_contents_answer_conditional_requests(world: World) -> None:
    """A strong ETag on every read, and a free 304 without a body while it still matches."""
    first = await world.get(f"{CONTENTS}/README.md")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.body["sha"] == world.state.git.commits[world.head()].tree["README.md"]
    remaining = int(first.headers["x-ratelimit-remaining"])
    unchanged = await world.get(f"{CONTENTS}/README.md", **{"If-None-Match": etag})
    assert (unchanged.status, unchanged.body, unchanged.headers["ETag"]) == (304, None, etag)
    assert int(unchanged.headers["x-ratelimit-remaining"]) == remaining
    by_sha = await world.get(f"{CONTENTS}/README.md?ref={world.head()}", **{"If-None-Match": etag})
    assert by_sha.status == 200  # the ref is part of the answer: its URLs name it
    world.commit("main", {"README.md": "changed\n"})
    changed = await world.get(f"{CONTENTS}/README.md", **{"If-None-Match": etag})
    assert changed.status == 200 and changed.headers["ETag"] != etag
    assert unb64(changed.body["content"]) == b"changed\n"
    assert changed.body["sha"] == blob_sha(b"changed\n")


async def test_contents_at_a_tag_a_full_ref_and_a_missing_ref(world: World) -> None:
    first = world.head()
    world.repo.tags["v1"] = first
    world.commit("topic", {"README.md": "topic\n"})
    at_tag = await world.get(f"{CONTENTS}/README.md?ref=v1")
    assert unb64(at_tag.body["content"]) == b"hello\n"
    at_full_ref = await world.get(f"{CONTENTS}/README.md?ref=refs/heads/topic")
    assert unb64(at_full_ref.body["content"]) == b"topic\n"
    missing = await world.get(f"{CONTENTS}/README.md?ref=refs/heads/nope")
    assert missing.status == 404
    assert set(missing.body) == {"message", "documentation_url", "status"}
    missing_path = await world.get(f"{CONTENTS}/src/nope.py?ref=topic")
    assert missing_path.body == {
        "message": "Not Found",
        "documentation_url": missing.body["documentation_url"],
        "status": "404",
    }


async def test_the_organisation_defaults_repository(world: World) -> None:
    """The org-wide `.github` repository, read like any other by the installation's token."""
    config = "rules:\n  - merge: {}\n"
    repository = add_org_defaults_repository(world.state, "acme", {".paasbot.yml": config})
    assert (repository.full_name, repository.installation_id) == (
        "acme/.github",
        world.installation.id,
    )
    fetched = await world.get("/repos/acme/.github")
    assert fetched.status == 200, fetched.body
    assert (fetched.body["name"], fetched.body["private"]) == (".github", False)
    reply = await world.get("/repos/acme/.github/contents/.paasbot.yml")
    assert reply.status == 200, reply.body
    assert unb64(reply.body["content"]) == config.encode()
    assert (await world.get("/repos/acme/.github/contents/README.md")).status == 404
    elsewhere = add_org_defaults_repository(world.state, "initech")
    assert elsewhere.full_name == "initech/.github"
    assert world.state.installation_for(elsewhere) is not None


async def test_large_files_come_without_content(world: World) -> None:
    world.commit("main", {"big.bin": "x" * (1024 * 1024 + 1)})
    reply = await world.get(f"{CONTENTS}/big.bin")
    assert reply.status == 200
    assert (reply.body["encoding"], reply.body["content"], reply.body["size"]) == (
        "none",
        "",
        1024 * 1024 + 1,
    )


# --- writing contents ----------------------------------------------------------------------


async def test_create_file_round_trip(world: World) -> None:
    before = world.head()
    data = bytes(range(256)) * 3
    payload = {"message": "Add data", "content": b64(data)}
    reply = await world.call("PUT", f"{CONTENTS}/assets/data.bin", payload)
    assert reply.status == 201, reply.body
    content, commit = reply.body["content"], reply.body["commit"]
    assert (content["path"], content["sha"]) == ("assets/data.bin", blob_sha(data))
    assert (commit["message"], [p["sha"] for p in commit["parents"]]) == ("Add data", [before])
    assert (commit["author"]["name"], commit["committer"]["name"]) == (BOT, BOT)
    assert world.head() == commit["sha"]
    read = await world.get(f"{CONTENTS}/assets/data.bin")
    assert unb64(read.body["content"]) == data
    [push] = world.events()
    assert (push.label, push.sender, push.details["ref"]) == ("push", BOT, "refs/heads/main")
    assert (push.details["before"], push.details["after"]) == (before, commit["sha"])
    assert [pushed.sha for pushed in push.details["commits"]] == [commit["sha"]]


async def test_update_file_needs_the_current_blob_sha(world: World) -> None:
    path = f"{CONTENTS}/README.md"
    current = (await world.get(path)).body["sha"]
    missing = await world.call("PUT", path, {"message": "m", "content": b64("new\n")})
    assert (missing.status, missing.body["message"]) == (
        422,
        'Invalid request.\n\n"sha" wasn\'t supplied.',
    )
    stale = await world.call("PUT", path, {"message": "m", "content": b64("x"), "sha": "f" * 40})
    assert (stale.status, stale.body["message"]) == (409, f"README.md does not match {'f' * 40}")
    assert world.events() == []
    payload = {"message": "Update", "content": b64("new\n"), "sha": current}
    updated = await world.call("PUT", path, payload)
    assert updated.status == 200, updated.body
    assert unb64((await world.get(path)).body["content"]) == b"new\n"


async def test_write_file_on_a_branch_with_an_author(world: World) -> None:
    world.commit("feature", {"f.txt": "f\n"})
    pull = create_pull(world.state, REPO, "feature", "main", "Feature", "alice")
    world.forget_events()
    payload = {
        "message": "Tweak",
        "content": b64("tweaked\n"),
        "branch": "feature",
        "author": {"name": "Ada", "email": "ada@example.test", "date": "2030-01-02T03:04:05Z"},
    }
    reply = await world.call("PUT", f"{CONTENTS}/f.txt", payload | {"sha": blob_sha(b"f\n")})
    assert reply.status == 200, reply.body
    commit = reply.body["commit"]
    assert (commit["author"]["name"], commit["author"]["date"]) == ("Ada", "2030-01-02T03:04:05Z")
    assert commit["committer"]["name"] == BOT
    assert world.labels() == ["push", "pull_request.synchronize"]
    assert pull.head_sha == commit["sha"]


async def test_write_file_errors(world: World) -> None:
    payload = {"message": "m", "content": b64("x"), "branch": "nope"}
    no_branch = await world.call("PUT", f"{CONTENTS}/x.txt", payload)
    assert (no_branch.status, no_branch.body["message"]) == (404, "Branch nope not found")
    token = await world.token_with({"contents": "read"})
    read_only = await world.call(
        "PUT", f"{CONTENTS}/x.txt", {"message": "m", "content": b64("x")}, token=token
    )
    assert read_only.status == 403


@pytest.mark.nonconforming
async def test_write_file_needs_a_message(world: World) -> None:
    reply = await world.call("PUT", f"{CONTENTS}/x.txt", {"content": b64("x")})
    assert (reply.status, reply.body["message"]) == (
        422,
        'Invalid request.\n\n"message" wasn\'t supplied.',
    )


async def test_write_file_over_a_folder_is_refused(world: World) -> None:
    reply = await world.call("PUT", f"{CONTENTS}/src", {"message": "m", "content": b64("x")})
    assert reply.status == 422
    assert "clashes" in reply.body["message"]
