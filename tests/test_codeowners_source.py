"""Reading CODEOWNERS from a repository of the simulator over real HTTP, as GitHub does: the first
of `.github/CODEOWNERS`, `CODEOWNERS` and `docs/CODEOWNERS`, at the ref given (a pull request's
base branch); a file over 1 MB through the blob API (the contents API leaves its content out); a
file over 3 MB ignored."""

from __future__ import annotations

import pytest
from gidgethub import BadRequest

from app.github.client import InstallationAPI
from app.reviewers.codeowners import MAX_BYTES
from app.reviewers.codeowners_source import load_codeowners
from app.sandbox.serializers_contents import INLINE_LIMIT_BYTES
from tests.action_world import api_calls
from tests.facts_world import (  # noqa: F401
    REPO,
    World,
    api_fixture,
    clock_fixture,
    github_fixture,
    simulator_state_fixture,
    world_fixture,
)

CONTENTS = f"/repos/{REPO}/contents"
BLOBS = f"/repos/{REPO}/git/blobs/"


def sized(size: int, rules: str) -> str:
    """A CODEOWNERS of exactly `size` bytes: `rules` after comment lines."""
    line = "#" + "x" * 98 + "\n"
    lines, rest = divmod(size - len(rules), len(line))
    head = "#" * (rest - 1) + "\n" if rest else ""
    text = head + line * lines + rules
    assert len(text.encode()) == size
    return text


@pytest.mark.parametrize(
    ("files", "found"),
    [
        pytest.param(
            {
                ".github/CODEOWNERS": "* @bob\n",
                "CODEOWNERS": "* @erin\n",
                "docs/CODEOWNERS": "* @x\n",
            },
            ".github/CODEOWNERS",
            id="all three: .github/ first",
        ),
        pytest.param(
            {"CODEOWNERS": "* @erin\n", "docs/CODEOWNERS": "* @frank\n"},
            "CODEOWNERS",
            id="then the root",
        ),
        pytest.param({"docs/CODEOWNERS": "* @frank\n"}, "docs/CODEOWNERS", id="then docs/"),
        pytest.param(
            {".github/CODEOWNERS/README.md": "a folder\n", "CODEOWNERS": "* @erin\n"},
            "CODEOWNERS",
            id="a folder named CODEOWNERS is no file",
        ),
        pytest.param({"src/CODEOWNERS": "* @bob\n"}, None, id="nowhere else"),
        pytest.param({}, None, id="none"),
    ],
)
async def test_the_first_file_found_wins(
    world: World, api: InstallationAPI, files: dict[str, str | None], found: str | None
) -> None:
    if files:
        world.commit("main", files)
    loaded = await load_codeowners(api, REPO, "main")
    if found is None:
        assert loaded is None
        return
    assert loaded is not None
    assert loaded.path == found
    assert loaded.owners.owners_of("README.md") == tuple((files[found] or "").split()[1:])


@pytest.mark.parametrize(
    ("files", "calls"),
    [
        pytest.param({".github/CODEOWNERS": "* @bob\n"}, 1, id=".github/: one call"),
        pytest.param({"docs/CODEOWNERS": "* @bob\n"}, 3, id="docs/: after two 404s"),
        pytest.param({}, 3, id="none: three 404s"),
    ],
)
async def test_one_request_per_place_looked_at(
    world: World, api: InstallationAPI, files: dict[str, str | None], calls: int
) -> None:
    if files:
        world.commit("main", files)
    since = len(world.state.requests)
    await load_codeowners(api, REPO, "main")
    paths = [
        f"{CONTENTS}/{path}" for path in (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
    ]
    assert api_calls(world.state, since) == [f"GET {path}" for path in paths[:calls]]
    assert [record.query for record in world.state.requests[since:]][-calls:] == [
        {"ref": "main"}
    ] * calls


@pytest.mark.parametrize("branch", ["release", "release/2.x"])
async def test_the_file_is_read_at_the_ref_given(
    world: World, api: InstallationAPI, branch: str
) -> None:
    world.commit("main", {".github/CODEOWNERS": "* @bob\n"})
    world.commit(branch, {".github/CODEOWNERS": "* @erin\n"}, from_ref="main")
    world.commit("only-root", {".github/CODEOWNERS": None, "CODEOWNERS": "* @frank\n"})

    on_main = await load_codeowners(api, REPO, "main")
    on_branch = await load_codeowners(api, REPO, branch)
    on_root = await load_codeowners(api, REPO, "only-root")

    assert on_main is not None and on_main.owners.owners_of("a.py") == ("@bob",)
    assert on_branch is not None and on_branch.owners.owners_of("a.py") == ("@erin",)
    assert on_root is not None and (on_root.path, on_root.owners.owners_of("a.py")) == (
        "CODEOWNERS",
        ("@frank",),
    )


async def test_invalid_lines_are_reported_and_the_rest_kept(
    world: World, api: InstallationAPI
) -> None:
    text = "* @bob\n!*.md @erin\n[ab].py @frank\n*.md carol\n*.txt docs@example.com @acme/backend\n"
    world.commit("main", {"CODEOWNERS": text})
    loaded = await load_codeowners(api, REPO, "main")
    assert loaded is not None
    assert [problem.line for problem in loaded.owners.problems] == [2, 3, 4]
    assert "negation" in loaded.owners.problems[0].message
    assert "invalid owner 'carol'" in loaded.owners.problems[2].message
    assert loaded.owners.owners_of("a.md") == ("@bob",)
    assert loaded.owners.owners_of("a.txt") == ("docs@example.com", "@acme/backend")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param("", None, id="empty"),
        pytest.param("# nobody owns anything yet\n", None, id="comments only"),
        pytest.param(b"* @bob\n\xff\xfe @erin\n", "not valid UTF-8", id="not UTF-8"),
    ],
)
async def test_files_with_no_rules_or_odd_bytes(
    world: World, api: InstallationAPI, content: str | bytes, problem: str | None
) -> None:
    world.state.commit(REPO, "main", {"CODEOWNERS": content})
    loaded = await load_codeowners(api, REPO, "main")
    assert loaded is not None and loaded.path == "CODEOWNERS"
    messages = [found.message for found in loaded.owners.problems]
    if problem is None:
        assert (loaded.owners.rules, messages) == ((), [])
    else:
        assert len(messages) == 1 and problem in messages[0]
        assert loaded.owners.owners_of("a.py") == ("@bob",)


async def test_the_contents_api_leaves_out_a_file_over_1_mb(world: World) -> None:
    """As GitHub does (files of 1-100 MB), which is why the loader reads the blob."""
    world.commit("main", {"big": sized(INLINE_LIMIT_BYTES + 1, "* @bob\n")})
    reply = await world.get(f"{CONTENTS}/big")
    assert reply.status == 200
    assert (reply.body["size"], reply.body["content"], reply.body["encoding"]) == (
        INLINE_LIMIT_BYTES + 1,
        "",
        "none",
    )


@pytest.mark.parametrize(
    ("size", "through_blob"),
    [
        pytest.param(INLINE_LIMIT_BYTES, False, id="1 MB: in the contents answer"),
        pytest.param(INLINE_LIMIT_BYTES + 1, True, id="over 1 MB: through the blob API"),
        pytest.param(MAX_BYTES, True, id="3 MB: still read"),
    ],
)
async def test_a_large_file_is_read_through_the_blob_api(
    world: World, api: InstallationAPI, size: int, through_blob: bool
) -> None:
    world.commit("main", {".github/CODEOWNERS": sized(size, "* @bob\n/src/ @erin\n")})
    since = len(world.state.requests)

    loaded = await load_codeowners(api, REPO, "main")

    assert loaded is not None
    assert loaded.owners.problems == ()
    assert loaded.owners.owners_of("src/app.py") == ("@erin",)
    assert loaded.owners.owners_of("README.md") == ("@bob",)
    blob_calls = [call for call in api_calls(world.state, since) if BLOBS in call]
    assert len(blob_calls) == (1 if through_blob else 0)


async def test_a_file_over_3_mb_is_ignored_without_reading_it(
    world: World, api: InstallationAPI
) -> None:
    world.commit("main", {".github/CODEOWNERS": sized(MAX_BYTES + 1, "* @bob\n")})
    since = len(world.state.requests)

    loaded = await load_codeowners(api, REPO, "main")

    assert loaded is not None and loaded.path == ".github/CODEOWNERS"
    assert loaded.owners.rules == ()
    (problem,) = loaded.owners.problems
    assert problem.line == 1
    assert problem.message == "the file is 3,145,729 bytes; GitHub ignores a CODEOWNERS over 3 MB"
    assert api_calls(world.state, since) == [f"GET {CONTENTS}/.github/CODEOWNERS"]


async def test_a_refusal_other_than_not_found_is_not_hidden(
    world: World, api: InstallationAPI
) -> None:
    """Without access to the contents, CODEOWNERS is not "absent": the refusal propagates."""
    world.commit("main", {".github/CODEOWNERS": "* @bob\n"})
    world.installation.permissions = {
        name: level for name, level in world.installation.permissions.items() if name != "contents"
    }
    with pytest.raises(BadRequest) as refused:
        await load_codeowners(api, REPO, "main")
    assert refused.value.status_code == 403
