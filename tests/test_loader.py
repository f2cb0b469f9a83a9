"""`app/config/loader.py`: configuration files read from the simulator over real HTTP (contents
API, org defaults, `extends:`), assembled into one configuration, and cached by `ConfigLoader`
until a generation changes or `max_age` passes. API requests are counted in `state.requests`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import gidgethub
import pytest

from app.config.loader import (
    MAX_LAYERS,
    ConfigLoader,
    FetchedFile,
    LayerReader,
    LoadedConfig,
    assemble,
    fetch_config_file,
    fetch_file,
    load_at_ref,
)
from app.config.model import ConfigLayer
from app.config.problems import Problem
from app.config.validate import parse_config_file
from app.config.yaml_source import MAX_BYTES
from app.github.client import InstallationAPI
from app.sandbox.actors_repos import add_org_defaults_repository
from app.sandbox.faults import Fault
from app.sandbox.state import SimulatedGitHub
from app.store.config_generations import bump_generations
from app.store.db import Database
from tests.facts_world import (  # noqa: F401 (fixtures)
    FAST,
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

ORG = "acme/.github"
ORG_PATHS = [
    f"GET /repos/{ORG}/contents/.paasbot.yml",
    f"GET /repos/{ORG}/contents/.github/paasbot.yml",
]


def config(rule: str, *, extends: Sequence[str] = ()) -> str:
    """A file with one rule named `rule`, extending `extends`."""
    head = f"extends: [{', '.join(extends)}]\n" if extends else ""
    return head + f"rules:\n  - name: {rule}\n    do:\n      label: {{add: [{rule.lower()}]}}\n"


def add_repo(world: World, name: str, files: Mapping[str, str]) -> str:
    world.state.add_repository(world.installation, name, files=dict(files))
    return f"acme/{name}"


def configure(world: World, text: str, path: str = ".paasbot.yml") -> None:
    world.commit("main", {path: text})


def blob_sha(world: World, path: str, branch: str = "main") -> str:
    return world.state.git.commits[world.head(branch)].tree[path]


def names(loaded: LoadedConfig) -> list[str]:
    assert loaded.config is not None, loaded.problems
    return [rule.name for rule in loaded.config.rules]


async def read_layers(api: InstallationAPI, repository: str = REPO) -> LoadedConfig:
    reader = LayerReader(api, repository)
    await reader.read()
    return assemble(reader)


# --- fetch_file, fetch_config_file ---------------------------------------------------------------


async def test_fetch_file_reads_the_default_branch(
    api: InstallationAPI, world: World, log: CallLog
) -> None:
    fetched = await fetch_file(api, REPO, "README.md", None)
    assert fetched == FetchedFile("README.md", b"# widgets\n", blob_sha(world, "README.md"))
    assert log.calls() == [f"GET /repos/{REPO}/contents/README.md"]
    assert world.state.requests[-1].query == {}


async def test_fetch_file_reads_a_ref(api: InstallationAPI, world: World) -> None:
    world.commit("feature", {"README.md": "# widgets v2\n"})
    fetched = await fetch_file(api, REPO, "README.md", "feature")
    assert fetched == FetchedFile(
        "README.md", b"# widgets v2\n", blob_sha(world, "README.md", "feature")
    )
    assert world.state.requests[-1].query == {"ref": "feature"}
    at_sha = await fetch_file(api, REPO, "README.md", world.head("main"))
    assert at_sha is not None and at_sha.text == b"# widgets\n"


@pytest.mark.parametrize(
    ("repository", "path", "ref"),
    [
        (REPO, "missing.yml", None),  # no such file
        (REPO, "src/missing.yml", "main"),
        (REPO, "README.md", "no-such-branch"),  # no such ref
        ("acme/ghost", ".paasbot.yml", None),  # no such repository
    ],
)
async def test_fetch_file_answers_none_for_a_404(
    api: InstallationAPI, repository: str, path: str, ref: str | None
) -> None:
    assert await fetch_file(api, repository, path, ref) is None


async def test_fetch_file_lets_server_errors_through(api: InstallationAPI, world: World) -> None:
    world.state.faults.queue(Fault.error(502), times=FAST.read_attempts)
    with pytest.raises(gidgethub.GitHubBroken):
        await fetch_file(api, REPO, "README.md", None)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({".paasbot.yml": "a: 1\n"}, ".paasbot.yml"),
        ({".github/paasbot.yml": "b: 2\n"}, ".github/paasbot.yml"),
        ({".paasbot.yml": "a: 1\n", ".github/paasbot.yml": "b: 2\n"}, ".paasbot.yml"),
        ({"paasbot.yml": "c: 3\n", ".github/.paasbot.yml": "d: 4\n"}, None),
        ({}, None),
    ],
)
async def test_fetch_config_file_takes_the_first_path_that_exists(
    api: InstallationAPI, world: World, files: dict[str, str], expected: str | None
) -> None:
    if files:
        world.commit("main", files)
    fetched = await fetch_config_file(api, REPO, None)
    if expected is None:
        assert fetched is None
    else:
        assert fetched is not None and fetched.path == expected
        assert fetched.text == files[expected].encode()


async def test_fetch_config_file_at_a_ref_ignores_the_default_branch(
    api: InstallationAPI, world: World
) -> None:
    configure(world, config("Main"))
    world.commit("feature", {".paasbot.yml": None, ".github/paasbot.yml": config("Feature")})
    fetched = await fetch_config_file(api, REPO, "feature")
    assert fetched is not None and fetched.path == ".github/paasbot.yml"
    assert fetched.text == config("Feature").encode()


async def test_a_folder_named_like_the_file_is_reported(api: InstallationAPI, world: World) -> None:
    world.commit("main", {".paasbot.yml/rules.yml": config("Nested")})
    loaded = await read_layers(api)
    assert loaded.config is None
    assert loaded.problems == (
        Problem(".paasbot.yml", 1, 1, "this is a folder; the configuration must be a file"),
    )


@pytest.mark.parametrize("size", [MAX_BYTES + 1, 1024 * 1024 + 1])
async def test_an_oversized_file_is_reported_with_its_size(
    api: InstallationAPI, world: World, size: int
) -> None:
    # Above 1 MB the contents API sends no content at all (encoding "none"), only the size.
    configure(world, "#" * (size - 1) + "\n")
    loaded = await read_layers(api)
    assert loaded.config is None
    assert loaded.problems == (
        Problem(".paasbot.yml", 1, 1, f"the file is {size:,} bytes; the limit is {MAX_BYTES:,}"),
    )


@pytest.mark.parametrize("content", ["%%%%", "cnVsZXM6IFt\n", "not base64 at all"])
async def test_content_that_is_not_base64_is_reported(
    api: InstallationAPI, world: World, monkeypatch: pytest.MonkeyPatch, content: str
) -> None:
    configure(world, config("Own"))
    monkeypatch.setattr("app.sandbox.serializers_contents.base64_lines", lambda _data: content)
    loaded = await read_layers(api)
    assert loaded.config is None
    assert loaded.problems == (
        Problem(".paasbot.yml", 1, 1, "the file's content is not valid base64"),
    )


async def test_base64_in_lines_as_github_sends_it_is_decoded(
    api: InstallationAPI, world: World
) -> None:
    text = config("Long" + "x" * 200)  # several 60-character lines of base64
    configure(world, text)
    fetched = await fetch_file(api, REPO, ".paasbot.yml", None)
    assert fetched is not None and fetched.text == text.encode()


# --- LayerReader and assemble --------------------------------------------------------------------


async def test_no_file_anywhere_is_no_configuration(api: InstallationAPI, log: CallLog) -> None:
    loaded = await read_layers(api)
    assert loaded == LoadedConfig(None, (), (), (ORG, REPO))
    assert loaded.valid
    assert log.calls() == [
        *ORG_PATHS,
        f"GET /repos/{REPO}/contents/.paasbot.yml",
        f"GET /repos/{REPO}/contents/.github/paasbot.yml",
    ]


async def test_the_repository_file_alone(api: InstallationAPI, world: World) -> None:
    configure(world, config("Own"))
    loaded = await read_layers(api)
    assert names(loaded) == ["Own"]
    assert loaded.files == (".paasbot.yml",)
    assert loaded.dependencies == (ORG, REPO)


@pytest.mark.parametrize("org_path", [".paasbot.yml", ".github/paasbot.yml"])
async def test_org_defaults_come_from_the_github_repositorys_own_file(
    api: InstallationAPI, world: World, org_path: str
) -> None:
    add_org_defaults_repository(world.state, "acme", {org_path: config("Org")})
    configure(world, config("Own"))
    loaded = await read_layers(api)
    assert names(loaded) == ["Org", "Own"]
    assert loaded.files == (f"{ORG}:{org_path}", ".paasbot.yml")


async def test_org_defaults_govern_a_repository_without_a_file(
    api: InstallationAPI, world: World
) -> None:
    add_org_defaults_repository(world.state, "acme", {".paasbot.yml": config("Org")})
    loaded = await read_layers(api)
    assert names(loaded) == ["Org"]
    assert loaded.files == (f"{ORG}:.paasbot.yml",)


async def test_the_github_repository_itself_reads_its_file_once(
    api: InstallationAPI, world: World, log: CallLog
) -> None:
    add_org_defaults_repository(world.state, "acme", {".paasbot.yml": config("Org")})
    loaded = await read_layers(api, ORG)
    assert names(loaded) == ["Org"]
    assert loaded.files == (".paasbot.yml",)
    assert loaded.dependencies == (ORG,)
    assert log.calls() == ORG_PATHS[:1]


async def test_an_invalid_org_file_is_named_after_its_repository(
    api: InstallationAPI, world: World
) -> None:
    add_org_defaults_repository(world.state, "acme", {".paasbot.yml": "rules: 3\n"})
    configure(world, config("Own"))
    loaded = await read_layers(api)
    assert loaded.config is None
    assert [problem.file for problem in loaded.problems] == [f"{ORG}:.paasbot.yml"]


async def test_the_file_at_a_ref_with_org_defaults_from_the_default_branch(
    api: InstallationAPI, world: World
) -> None:
    add_org_defaults_repository(world.state, "acme", {".paasbot.yml": config("Org")})
    configure(world, config("Main"))
    world.commit("feature", {".paasbot.yml": config("Feature")})
    reader = LayerReader(api, REPO)
    await reader.read(ref="feature")
    assert names(assemble(reader)) == ["Org", "Feature"]


async def test_extends_a_preset(api: InstallationAPI, world: World) -> None:
    configure(world, config("Own", extends=["minimal"]))
    loaded = await read_layers(api)
    assert loaded.files == ("preset:minimal", ".paasbot.yml")
    assert names(loaded) == ["Ask the code owners", "Mark work in progress", "Own"]


async def test_extends_a_repository(api: InstallationAPI, world: World) -> None:
    policies = add_repo(world, "policies", {".github/paasbot.yml": config("Policy")})
    configure(world, config("Own", extends=[policies]))
    loaded = await read_layers(api)
    assert loaded.files == (f"{policies}:.github/paasbot.yml", ".paasbot.yml")
    assert names(loaded) == ["Policy", "Own"]
    assert loaded.dependencies == (ORG, policies, REPO)


async def test_nested_extends_come_before_what_extends_them(
    api: InstallationAPI, world: World
) -> None:
    add_org_defaults_repository(
        world.state, "acme", {".paasbot.yml": config("Org", extends=["minimal"])}
    )
    base = add_repo(world, "base", {".paasbot.yml": config("Base")})
    middle = add_repo(world, "middle", {".paasbot.yml": config("Middle", extends=[base])})
    configure(world, config("Own", extends=[middle, "golden-path"]))
    loaded = await read_layers(api)
    assert loaded.files == (
        "preset:minimal",
        f"{ORG}:.paasbot.yml",
        f"{base}:.paasbot.yml",
        f"{middle}:.paasbot.yml",
        "preset:golden-path",
        ".paasbot.yml",
    )
    assert loaded.dependencies == (ORG, base, middle, REPO)
    assert loaded.valid


async def test_a_file_extended_twice_is_read_once(
    api: InstallationAPI, world: World, log: CallLog
) -> None:
    shared = add_repo(world, "shared", {".paasbot.yml": config("Shared")})
    left = add_repo(world, "left", {".paasbot.yml": config("Left", extends=[shared])})
    right = add_repo(world, "right", {".paasbot.yml": config("Right", extends=[shared, "minimal"])})
    configure(world, config("Own", extends=[left, right, "minimal"]))
    loaded = await read_layers(api)
    assert names(loaded) == [
        "Shared", "Left", "Ask the code owners", "Mark work in progress", "Right", "Own"
    ]  # fmt: skip
    assert log.calls().count(f"GET /repos/{shared}/contents/.paasbot.yml") == 1


async def test_cycles_are_read_once_and_a_repository_extending_itself_is_ignored(
    api: InstallationAPI, world: World, log: CallLog
) -> None:
    first = add_repo(world, "first", {".paasbot.yml": config("First", extends=["acme/second"])})
    second = add_repo(world, "second", {".paasbot.yml": config("Second", extends=[first, REPO])})
    configure(world, config("Own", extends=[REPO, first]))
    loaded = await read_layers(api)
    assert loaded.valid
    assert loaded.files == (f"{second}:.paasbot.yml", f"{first}:.paasbot.yml", ".paasbot.yml")
    assert names(loaded) == ["Second", "First", "Own"]
    fetched = [call.split("/contents/")[0] for call in log.calls() if call.endswith(".paasbot.yml")]
    assert sorted(fetched) == sorted(set(fetched)), "a repository was read twice"


@pytest.mark.parametrize("extended", ["acme/ghost", "acme/empty"])
async def test_an_extended_repository_paasbot_cannot_read_is_a_problem(
    api: InstallationAPI, world: World, extended: str
) -> None:
    add_repo(world, "empty", {"README.md": "nothing to see\n"})
    configure(world, config("Own", extends=["minimal", extended]))
    loaded = await read_layers(api)
    assert loaded.config is None
    message = f"extends {extended!r}, which has no .paasbot.yml paasbot can read"
    column = len("extends: [minimal, ") + 1
    assert loaded.problems == (Problem(".paasbot.yml", 1, column, message, "extends"),)
    assert extended in loaded.dependencies


@pytest.mark.parametrize("extended", ["other/shared", "other/private", "Other/Shared"])
async def test_a_repository_of_another_owner_is_not_read(
    api: InstallationAPI, world: World, log: CallLog, extended: str
) -> None:
    other = world.state.add_installation("other")
    world.state.add_repository(
        other, "shared", private=False, files={".paasbot.yml": config("Other")}
    )
    world.state.add_repository(other, "private", files={".paasbot.yml": config("Secret")})
    configure(world, config("Own", extends=["minimal", extended]))
    loaded = await read_layers(api)
    assert loaded.config is None
    message = f"extends {extended!r}: only repositories of acme can be extended"
    column = len("extends: [minimal, ") + 1
    assert loaded.problems == (Problem(".paasbot.yml", 1, column, message, "extends"),)
    assert not [call for call in log.calls() if "/other/" in call.casefold()]
    assert extended not in loaded.dependencies


async def test_a_missing_repository_extended_by_an_extended_file_is_blamed_on_that_file(
    api: InstallationAPI, world: World
) -> None:
    middle = add_repo(world, "middle", {".paasbot.yml": config("Middle", extends=["acme/ghost"])})
    configure(world, config("Own", extends=[middle]))
    loaded = await read_layers(api)
    assert [problem.file for problem in loaded.problems] == [f"{middle}:.paasbot.yml"]


@pytest.mark.parametrize("shape", ["list", "chain"])
@pytest.mark.parametrize("extra", [0, 1])
async def test_more_than_max_layers_files_is_a_problem(
    api: InstallationAPI, world: World, shape: str, extra: int
) -> None:
    count = MAX_LAYERS - 1 + extra  # extended files, besides the repository's own
    repos = [f"acme/r{i}" for i in range(count)]
    for i, repo in enumerate(repos):
        nested = [repos[i + 1]] if shape == "chain" and i + 1 < count else []
        add_repo(world, repo.split("/")[1], {".paasbot.yml": config(f"R{i}", extends=nested)})
    configure(world, config("Own", extends=repos if shape == "list" else repos[:1]))
    loaded = await read_layers(api)
    if not extra:
        assert loaded.valid and len(loaded.files) == MAX_LAYERS
        return
    assert loaded.config is None
    assert len(loaded.problems) == 1
    assert loaded.problems[0].message == f"more than {MAX_LAYERS} files extend each other"


async def test_the_org_file_counts_towards_max_layers(api: InstallationAPI, world: World) -> None:
    add_org_defaults_repository(world.state, "acme", {".paasbot.yml": config("Org")})
    repos = [
        add_repo(world, f"r{i}", {".paasbot.yml": config(f"R{i}")}) for i in range(MAX_LAYERS - 1)
    ]
    configure(world, config("Own", extends=repos))
    loaded = await read_layers(api)
    assert [problem.message for problem in loaded.problems] == [
        f"more than {MAX_LAYERS} files extend each other"
    ]


def layer(name: str, text: str) -> ConfigLayer:
    return parse_config_file(text, name, presets=["minimal"])


@pytest.mark.parametrize(
    ("layers", "problems", "expected_names", "expected_problems"),
    [
        ([], [], None, 0),
        ([("a.yml", config("A")), ("b.yml", config("B"))], [], ["A", "B"], 0),
        ([("a.yml", config("Same")), ("b.yml", config("same"))], [], ["same"], 0),
        (
            [("a.yml", config("A"))],
            [Problem("b.yml", 2, 1, "z"), Problem("a.yml", 3, 1, "y")],
            None,
            2,
        ),
        ([("a.yml", "rules:\n  - name: C\n    do:\n      comment: {}\n")], [], None, 1),
    ],
)
async def test_assemble(
    api: InstallationAPI,
    layers: list[tuple[str, str]],
    problems: list[Problem],
    expected_names: list[str] | None,
    expected_problems: int,
) -> None:
    reader = LayerReader(api, REPO)
    reader.layers = [layer(name, text) for name, text in layers]
    reader.problems = list(problems)
    reader.dependencies = {REPO, ORG}
    loaded = assemble(reader)
    assert loaded.files == tuple(name for name, _text in layers)
    assert loaded.dependencies == (ORG, REPO)
    assert len(loaded.problems) == expected_problems
    assert list(loaded.problems) == sorted(loaded.problems)
    if expected_names is None:
        assert loaded.config is None
    else:
        assert names(loaded) == expected_names


# --- load_at_ref ---------------------------------------------------------------------------------


async def test_load_at_ref_combines_a_prs_file_with_the_org_defaults(
    api: InstallationAPI, world: World
) -> None:
    add_org_defaults_repository(world.state, "acme", {".paasbot.yml": config("Org")})
    configure(world, config("Main"))
    own = FetchedFile(".github/paasbot.yml", config("Proposed", extends=["minimal"]).encode(), "x")
    loaded = await load_at_ref(api, REPO, own, ())
    assert loaded.files == (f"{ORG}:.paasbot.yml", "preset:minimal", ".github/paasbot.yml")
    assert names(loaded)[0] == "Org" and names(loaded)[-1] == "Proposed"


async def test_load_at_ref_reports_the_prs_problems(api: InstallationAPI) -> None:
    own = FetchedFile(".paasbot.yml", config("Proposed", extends=["acme/ghost"]).encode(), "x")
    loaded = await load_at_ref(api, REPO, own, ("acme/ghost",))
    assert not loaded.valid and loaded.config is None
    assert [problem.file for problem in loaded.problems] == [".paasbot.yml"]
    assert loaded.withheld == ()


async def test_load_at_ref_reads_no_repository_the_default_branch_does_not_extend(
    api: InstallationAPI, world: World, log: CallLog
) -> None:
    # A PR's file naming a private repository of the owner learns nothing of it: not whether it
    # has a file, nor its rules or their problems; paasbot does not even ask GitHub.
    add_repo(world, "private", {".paasbot.yml": "rules: [oops\n"})
    add_repo(world, "shared", {".paasbot.yml": config("Shared")})
    text = config("Proposed", extends=["acme/Shared", "acme/private", "acme/ghost"])
    own = FetchedFile(".paasbot.yml", text.encode(), "x")
    log.reset()
    loaded = await load_at_ref(api, REPO, own, ("acme/shared", REPO))
    assert names(loaded) == ["Shared", "Proposed"]
    assert [(p.line, p.message) for p in loaded.withheld] == [
        (
            1,
            "extends 'acme/private': not read, because the default branch's configuration does"
            " not extend it; it is read once this change is on the default branch",
        ),
        (
            1,
            "extends 'acme/ghost': not read, because the default branch's configuration does"
            " not extend it; it is read once this change is on the default branch",
        ),
    ]
    assert not [call for call in log.calls() if "/private/" in call or "/ghost/" in call]
    assert loaded.valid  # what was read is valid: the check is neutral, not failed


# --- ConfigLoader --------------------------------------------------------------------------------


@pytest.fixture
def loader(db: Database, world: World) -> ConfigLoader:
    return ConfigLoader(db, world.clock)


async def bump(db: Database, world: World, *repositories: str) -> None:
    async with db.transaction() as conn:
        await bump_generations(conn, repositories, world.clock())


def requests_made(state: SimulatedGitHub, since: int) -> list[str]:
    return [f"{r.method} {r.path}" for r in state.requests[since:]]


@pytest.fixture
def layered(world: World) -> World:
    """acme/widgets extends acme/policies; the org has defaults."""
    add_org_defaults_repository(world.state, "acme", {".paasbot.yml": config("Org")})
    add_repo(world, "policies", {".paasbot.yml": config("Policy")})
    add_repo(world, "unrelated", {".paasbot.yml": config("Unrelated")})
    configure(world, config("Own", extends=["acme/policies"]))
    return world


async def test_a_loaded_configuration_is_reused_without_any_request(
    loader: ConfigLoader, api: InstallationAPI, layered: World
) -> None:
    first = await loader.load(api, REPO)
    assert names(first) == ["Org", "Policy", "Own"]
    assert first.dependencies == (ORG, "acme/policies", REPO)
    start = len(layered.state.requests)
    for _ in range(3):
        assert await loader.load(api, REPO) is first
    assert requests_made(layered.state, start) == []


@pytest.mark.parametrize(
    ("changed", "path", "expected"),
    [
        (REPO, ".paasbot.yml", ["Org", "Policy", "Own2"]),
        (ORG, ".paasbot.yml", ["Org2", "Policy", "Own"]),
        ("acme/policies", ".paasbot.yml", ["Org", "Policy2", "Own"]),
    ],
)
async def test_a_bumped_generation_reloads(
    loader: ConfigLoader,
    api: InstallationAPI,
    db: Database,
    layered: World,
    changed: str,
    path: str,
    expected: list[str],
) -> None:
    first = await loader.load(api, REPO)
    old = {REPO: "Own", ORG: "Org", "acme/policies": "Policy"}[changed]
    extends = ["acme/policies"] if changed == REPO else []
    layered.state.commit(changed, "main", {path: config(old + "2", extends=extends)})
    # The file changed, but until the router bumps the generation the cache is trusted.
    assert await loader.load(api, REPO) is first
    await bump(db, layered, changed)
    start = len(layered.state.requests)
    again = await loader.load(api, REPO)
    assert names(again) == expected
    assert requests_made(layered.state, start)
    start = len(layered.state.requests)
    assert await loader.load(api, REPO) is again
    assert requests_made(layered.state, start) == []


async def test_a_bumped_generation_of_another_repository_changes_nothing(
    loader: ConfigLoader, api: InstallationAPI, db: Database, layered: World
) -> None:
    first = await loader.load(api, REPO)
    await bump(db, layered, "acme/unrelated", "other/.github")
    start = len(layered.state.requests)
    assert await loader.load(api, REPO) is first
    assert requests_made(layered.state, start) == []


async def test_an_extends_spelled_in_another_case_still_follows_its_repository(
    loader: ConfigLoader, api: InstallationAPI, db: Database, world: World
) -> None:
    add_repo(world, "policies", {".paasbot.yml": config("Policy")})
    configure(world, config("Own", extends=["Acme/Policies"]))
    assert names(await loader.load(api, REPO)) == ["Policy", "Own"]
    world.state.commit("acme/policies", "main", {".paasbot.yml": config("Policy2")})
    await bump(db, world, "acme/policies")  # as the push webhook spells it
    assert names(await loader.load(api, REPO)) == ["Policy2", "Own"]


async def test_a_configuration_is_read_again_after_max_age_conditionally(
    loader: ConfigLoader, api: InstallationAPI, layered: World
) -> None:
    first = await loader.load(api, REPO)
    layered.clock.advance(loader.max_age - 1)
    start = len(layered.state.requests)
    assert await loader.load(api, REPO) is first
    assert requests_made(layered.state, start) == []
    layered.clock.advance(2)
    again = await loader.load(api, REPO)
    assert again == first
    reads = [r for r in layered.state.requests[start:] if not r.path.startswith("/app/")]
    found = [r for r in reads if r.status != 404]
    assert len(found) == 3  # the org's, policies' and the repository's files
    assert all(r.if_none_match and r.status == 304 for r in found)


async def test_forget_reads_again(
    loader: ConfigLoader, api: InstallationAPI, layered: World
) -> None:
    await loader.load(api, REPO)
    configure(layered, config("Own2"))
    loader.forget(REPO)
    loader.forget("acme/never-loaded")
    assert names(await loader.load(api, REPO)) == ["Org", "Own2"]


async def test_configurations_are_cached_per_repository(
    loader: ConfigLoader, api: InstallationAPI, db: Database, layered: World
) -> None:
    own = await loader.load(api, REPO)
    policies = await loader.load(api, "acme/policies")
    assert names(policies) == ["Org", "Policy"]
    await bump(db, layered, REPO)
    start = len(layered.state.requests)
    assert await loader.load(api, "acme/policies") is policies
    assert requests_made(layered.state, start) == []
    assert await loader.load(api, REPO) is not own


async def test_an_invalid_configuration_is_cached_too(
    loader: ConfigLoader, api: InstallationAPI, world: World
) -> None:
    configure(world, config("Own", extends=["acme/ghost"]))
    first = await loader.load(api, REPO)
    assert not first.valid
    start = len(world.state.requests)
    assert await loader.load(api, REPO) is first
    assert requests_made(world.state, start) == []
