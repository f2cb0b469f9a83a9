"""Mapping coverage report paths onto repository files: fixes, CI prefixes, source roots and the
longest matching suffix."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.reports.path_mapping import (
    RepoIndex,
    apply_fixes,
    map_paths,
    parse_fix,
    relative_components,
    resolve_paths,
)

REPO = [
    "setup.py",
    "a.py",
    "src/a.py",
    "src/pkg/__init__.py",
    "src/pkg/core.py",
    "src/pkg/util/io.py",
    "src/a/b/c.py",
    "xa/b/c.py",
    "app/models.py",
    "app/app/models.py",
    "lib/__init__.py",
    "tests/test_core.py",
    "web/index.js",
    "api/index.js",
    "cmd/server/main.go",
    "internal/store/store.go",
]

GH = "/home/runner/work/repo/repo"

# (report path, sources, fixes, expected repository path or None)
CASES = {
    # Relative paths: exact, cleaned up, or by their longest suffix.
    "exact": ("src/pkg/core.py", (), (), "src/pkg/core.py"),
    "leading ./": ("./src/pkg/core.py", (), (), "src/pkg/core.py"),
    "repeated slashes": ("src//pkg///core.py", (), (), "src/pkg/core.py"),
    "dot components": ("src/./pkg/./core.py", (), (), "src/pkg/core.py"),
    "dot-dot inside": ("src/pkg/../a.py", (), (), "src/a.py"),
    "suffix of a deeper file": ("pkg/util/io.py", (), (), "src/pkg/util/io.py"),
    "component-wise: a/ is not xa/": ("a/b/c.py", (), (), "src/a/b/c.py"),
    "tie: fewest components": ("b/c.py", (), (), "xa/b/c.py"),
    "exact beats a deeper file with the same suffix": ("a.py", (), (), "a.py"),
    "exact beats a shallower one": ("src/a.py", (), (), "src/a.py"),
    "unknown leading directories": ("build/tmp/pkg/core.py", (), (), "src/pkg/core.py"),
    "name only, when nothing longer matches": ("other/io.py", (), (), "src/pkg/util/io.py"),
    "case-sensitive": ("src/pkg/Core.py", (), (), None),
    "no such file": ("nothing/here.py", (), (), None),
    "not a component suffix": ("ore.py", (), (), None),
    # Outside the repository.
    "dot-dot above the root": ("../outside/core.py", (), (), None),
    "dot-dot above the root, later": ("src/../../core.py", (), (), None),
    "dot-dot above /": ("/../core.py", (), (), None),
    "empty": ("", (), (), None),
    "only a dot": (".", (), (), None),
    # CI checkouts.
    "GitHub Actions": (f"{GH}/src/pkg/core.py", (), (), "src/pkg/core.py"),
    "GitHub Actions, repo named like a directory": (
        "/home/runner/work/app/app/app/models.py",
        (),
        (),
        "app/models.py",
    ),
    "GitHub Actions, dot-dot": (f"{GH}/src/pkg/../../setup.py", (), (), "setup.py"),
    "GitHub Actions, macOS": (
        "/Users/runner/work/r/r/cmd/server/main.go",
        (),
        (),
        "cmd/server/main.go",
    ),
    "GitHub Actions, Windows": (
        "D:\\a\\repo\\repo\\src\\pkg\\util\\io.py",
        (),
        (),
        "src/pkg/util/io.py",
    ),
    "GitHub Actions, container": (
        "/__w/r/r/internal/store/store.go",
        (),
        (),
        "internal/store/store.go",
    ),
    "GitHub Actions, self-hosted": (
        "/home/ci/actions-runner/_work/repo/repo/app/models.py",
        (),
        (),
        "app/models.py",
    ),
    "GitHub Actions, Docker action": ("/github/workspace/app/models.py", (), (), "app/models.py"),
    "GitLab": ("/builds/group/project/app/models.py", (), (), "app/models.py"),
    "GitLab, nested group": (
        "/builds/group/sub/project/src/pkg/core.py",
        (),
        (),
        "src/pkg/core.py",
    ),
    "GitLab, shell executor": (
        "/home/gitlab-runner/builds/x7Yz/0/group/project/app/models.py",
        (),
        (),
        "app/models.py",
    ),
    "Jenkins": ("/var/lib/jenkins/workspace/job/app/models.py", (), (), "app/models.py"),
    "Jenkins, concurrent build": (
        "/var/jenkins_home/workspace/job@2/app/models.py",
        (),
        (),
        "app/models.py",
    ),
    "Jenkins, Windows": ("C:\\Jenkins\\workspace\\job\\app\\models.py", (), (), "app/models.py"),
    "Travis": ("/home/travis/build/owner/repo/web/index.js", (), (), "web/index.js"),
    "CircleCI": ("/home/circleci/project/app/models.py", (), (), "app/models.py"),
    "CircleCI, home": ("~/project/app/models.py", (), (), "app/models.py"),
    "Azure Pipelines": ("/home/vsts/work/1/s/app/models.py", (), (), "app/models.py"),
    "Azure Pipelines, Windows": ("D:\\a\\1\\s\\app\\models.py", (), (), "app/models.py"),
    "Bitbucket": ("/opt/atlassian/pipelines/agent/build/app/models.py", (), (), "app/models.py"),
    "Buildkite": (
        "/var/lib/buildkite-agent/builds/agent-1/org/pipeline/app/models.py",
        (),
        (),
        "app/models.py",
    ),
    "Docker WORKDIR /app": ("/app/app/models.py", (), (), "app/models.py"),
    "file URI": (f"file://{GH}/setup.py", (), (), "setup.py"),
    "unknown absolute: longest suffix": (
        "/srv/checkout/src/pkg/core.py",
        (),
        (),
        "src/pkg/core.py",
    ),
    "unknown Windows absolute": ("C:\\Users\\dev\\proj\\src\\a.py", (), (), "src/a.py"),
    "installed elsewhere": ("/usr/lib/python3.11/site-packages/requests/api.py", (), (), None),
    # Fixes, applied first.
    "fix: replace a prefix": (
        "mylib/__init__.py",
        (),
        ("mylib/::src/pkg/",),
        "src/pkg/__init__.py",
    ),
    "without the fix": ("mylib/__init__.py", (), (), "lib/__init__.py"),
    "fix: strip a prefix": ("/mnt/src/a.py", (), ("/mnt/src/::",), "a.py"),
    "without the strip": ("/mnt/src/a.py", (), (), "src/a.py"),
    "fix: add a prefix": ("a.py", (), ("::src/",), "src/a.py"),
    "fix: the first matching one": ("/mnt/src/a.py", (), ("/mnt/::", "/mnt/src/::"), "src/a.py"),
    "fix: order matters": ("/mnt/src/a.py", (), ("/mnt/src/::", "/mnt/::"), "a.py"),
    "fix: backslashes": ("C:\\build\\src\\a.py", (), ("C:\\build\\::",), "src/a.py"),
    "fix: no match leaves the path": ("src/a.py", (), ("lib/::x/",), "src/a.py"),
    "fix then CI prefix": (
        "/checkout/app/models.py",
        (),
        ("/checkout/::/builds/g/p/",),
        "app/models.py",
    ),
    # Source roots.
    "source: absolute CI root": ("a.py", (f"{GH}/src",), (), "src/a.py"),
    "source: relative root": ("__init__.py", ("src/pkg",), (), "src/pkg/__init__.py"),
    "source: dot-dot out of the root": (
        "../lib/__init__.py",
        (f"{GH}/src",),
        (),
        "lib/__init__.py",
    ),
    "source: the second root": (
        "__init__.py",
        ("/nowhere/else", f"{GH}/lib"),
        (),
        "lib/__init__.py",
    ),
    "source: Windows root": ("pkg\\core.py", ("D:\\a\\r\\r\\src",), (), "src/pkg/core.py"),
    "source: not for absolute paths": (f"{GH}/a.py", (f"{GH}/src",), (), "a.py"),
    "source: an unknown root does not beat an exact path": (
        "a.py",
        ("/opt/build/lib",),
        (),
        "a.py",
    ),
    "source: unknown root, longer suffix": ("a.py", ("/opt/build/src",), (), "src/a.py"),
    "source and fix": ("core.py", ("/ci/x/pkg",), ("/ci/x/::src/",), "src/pkg/core.py"),
}


@pytest.mark.parametrize(
    ("report_path", "sources", "fixes", "expected"), CASES.values(), ids=CASES.keys()
)
def test_map_paths(
    report_path: str,
    sources: tuple[str, ...],
    fixes: tuple[str, ...],
    expected: str | None,
) -> None:
    mapping = map_paths([report_path], REPO, sources=sources, fixes=fixes)
    assert mapping == ({} if expected is None else {report_path: expected})


def test_what_does_not_map_cleanly_is_reported() -> None:
    result = resolve_paths(
        ["b/c.py", "__init__.py", "src/a.py", "../x.py", "nothing.py", "", "b/c.py"], REPO
    )
    assert result.mapping == {
        "b/c.py": "xa/b/c.py",
        "__init__.py": "lib/__init__.py",
        "src/a.py": "src/a.py",
    }
    assert result.ambiguous == {
        "b/c.py": ("xa/b/c.py", "src/a/b/c.py"),
        "__init__.py": ("lib/__init__.py", "src/pkg/__init__.py"),
    }
    assert result.unmatched == ("nothing.py",)
    assert result.escaped == ("../x.py", "")


def test_ambiguity_lists_a_few_candidates_best_first() -> None:
    repo = [f"d{i:02}/x/index.js" for i in range(20)] + ["z/index.js"]
    result = resolve_paths(["index.js"], repo)
    assert result.mapping == {"index.js": "z/index.js"}
    assert result.ambiguous["index.js"] == (
        "z/index.js",
        "d00/x/index.js",
        "d01/x/index.js",
        "d02/x/index.js",
        "d03/x/index.js",
    )


def test_the_order_of_the_inputs_does_not_matter() -> None:
    paths = [case[0] for case in CASES.values() if not case[1] and not case[2]]
    expected = map_paths(paths, REPO)
    shuffler = random.Random(7)
    for _ in range(5):
        repo, shuffled = REPO[:], paths[:]
        shuffler.shuffle(repo)
        shuffler.shuffle(shuffled)
        assert map_paths(shuffled, repo) == expected


def test_repository_paths_come_back_as_given() -> None:
    assert map_paths(["x/y.py"], ["./x/y.py"]) == {"x/y.py": "./x/y.py"}
    assert map_paths(["y.py"], ["../y.py", "x/../y.py"]) == {}


@pytest.mark.parametrize(
    ("fix", "parsed"),
    [
        ("before/::after/", ("before/", "after/")),
        ("before/::", ("before/", "")),
        ("::after/", ("", "after/")),
        ("C:\\ci\\::", ("C:/ci/", "")),
        ("a::b::c", ("a", "b::c")),
    ],
)
def test_parse_fix(fix: str, parsed: tuple[str, str]) -> None:
    assert parse_fix(fix) == parsed


@pytest.mark.parametrize(
    ("path", "fixes", "fixed"),
    [
        ("srcs/a.py", [("src", "lib")], "libs/a.py"),  # a plain prefix, not a directory
        ("srcs/a.py", [("src/", "lib/")], "srcs/a.py"),
        ("a/b.py", [("", "x/")], "x/a/b.py"),
        ("a/b.py", [("a/", ""), ("", "x/")], "b.py"),
        ("a/b.py", [("b", "c")], "a/b.py"),  # a prefix, not anywhere in the path
        ("a/b.py", [], "a/b.py"),
    ],
)
def test_apply_fixes(path: str, fixes: list[tuple[str, str]], fixed: str) -> None:
    assert apply_fixes(path, fixes) == fixed


@pytest.mark.parametrize("fix", ["before/", "", "a:b"])
def test_a_fix_without_separator_is_refused(fix: str) -> None:
    with pytest.raises(ValueError, match="before::after"):
        map_paths(["a.py"], ["a.py"], fixes=[fix])


@pytest.mark.parametrize(
    ("path", "components"),
    [
        ("a/b.py", ("a", "b.py")),
        ("/home/runner/work/r/r/", None),
        ("/home/runner/work/r/r", None),
        ("/home/runner/work/r", ("home", "runner", "work", "r")),
        ("/home/runner/work/r/r/x", ("x",)),
        ("C:/a/r/r/x", ("x",)),
        ("c:\\A\\r\\r\\x", ("A", "r", "r", "x")),
        ("C:relative\\x", ("relative", "x")),
        ("\\\\server\\share\\x.py", ("server", "share", "x.py")),
        ("/a/../..", None),
        ("~", None),
        ("~/x.py", ("x.py",)),
        ("~x/y.py", ("~x", "y.py")),
    ],
)
def test_relative_components(path: str, components: tuple[str, ...] | None) -> None:
    assert relative_components(path) == components


def test_index_lookup() -> None:
    index = RepoIndex(REPO)
    assert len(index) == len(REPO)
    assert index.lookup(("pkg", "core.py")) == (2, False, ("src/pkg/core.py",))
    assert index.lookup(("src", "a.py")) == (2, True, ("src/a.py",))
    assert index.lookup(("q", "index.js")) == (1, False, ("api/index.js", "web/index.js"))
    assert index.lookup(("zz.py",)) == (0, False, ())


def naive_longest_suffix(report_path: str, repo: list[str]) -> str | None:
    """The rule, written out: compare with every file, keep the longest component suffix; an
    equal path wins; then fewest components, then lexicographic order."""
    parts = [c for c in report_path.split("/") if c]
    best: list[tuple[int, bool, int, str]] = []
    for repo_file in repo:
        others = repo_file.split("/")
        common = 0
        while common < min(len(parts), len(others)) and parts[-1 - common] == others[-1 - common]:
            common += 1
        if common:
            best.append((-common, others != parts, len(others), repo_file))
    return min(best)[3] if best else None


NAMES = st.sampled_from(["a", "b", "c", "src", "lib", "x.py", "y.py", "__init__.py"])
RELATIVE = st.lists(NAMES, min_size=1, max_size=5).map("/".join)


@settings(max_examples=300, deadline=None)
@given(repo=st.lists(RELATIVE, min_size=1, max_size=30, unique=True), paths=st.lists(RELATIVE))
def test_agrees_with_a_naive_longest_suffix(repo: list[str], paths: list[str]) -> None:
    expected = {p: found for p in paths if (found := naive_longest_suffix(p, repo)) is not None}
    assert map_paths(paths, repo) == expected


def test_ten_thousand_report_paths_against_fifty_thousand_files() -> None:
    """Runs at scale (no timing asserted; about half a second)."""
    rnd = random.Random(2024)
    words = [f"w{i}" for i in range(400)]
    repo: set[str] = set()
    while len(repo) < 50_000:
        depth = rnd.randint(1, 7)
        repo.add("/".join(rnd.choice(words) for _ in range(depth)) + rnd.choice([".py", ".go"]))
    repo_files = sorted(repo)
    checked_out = rnd.sample(repo_files, 5_000)
    report = [f"{GH}/{path}" for path in checked_out]
    report += [f"/opt/x/{rnd.choice(words)}/{rnd.choice(repo_files)}" for _ in range(4_000)]
    report += [f"gen/{i}/nowhere{i}.rs" for i in range(1_000)]
    result = resolve_paths(report, repo_files, sources=[f"{GH}/src"], fixes=["/opt/x/::"])
    assert len(report) == 10_000
    for path in checked_out:
        assert result.mapping[f"{GH}/{path}"] == path
    assert len(result.unmatched) == 1_000
    assert len(result.mapping) == 9_000
