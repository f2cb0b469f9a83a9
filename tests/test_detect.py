"""What a repository's tree says about it, for its starter configuration."""

from __future__ import annotations

import pytest

from app.onboarding.detect import RepoFacts, detect, files_to_read, has_config, workflow_paths

RELEASE_ON_PUBLISH = "on:\n  release:\n    types: [published]\njobs: {}\n"
RELEASE_ON_TAGS = "on:\n  push:\n    tags: ['v*']\njobs: {}\n"
CI_ONLY = "on: [push, pull_request]\njobs: {}\n"


@pytest.mark.parametrize(
    ("paths", "texts", "expected"),
    [
        pytest.param(["README.md"], {}, RepoFacts("acme/x"), id="nothing"),
        pytest.param(
            [".github/CODEOWNERS", "pyproject.toml", "src/x.py"],
            {"pyproject.toml": '[project]\nname = "acme-x"\n'},
            RepoFacts("acme/x", ".github/CODEOWNERS", ("python",), None, "acme-x"),
            id="python with owners",
        ),
        pytest.param(
            ["web/package.json", "go.mod", "node_modules/left-pad/package.json"],
            {"go.mod": "module github.acme.io/acme/x // main\n\ngo 1.22\n"},
            RepoFacts("acme/x", None, ("javascript", "go"), None, "github.acme.io/acme/x"),
            id="two languages, the root's name",
        ),
        pytest.param(
            ["vendor/github.com/y/go.mod", "docs/index.md"],
            {},
            RepoFacts("acme/x"),
            id="vendored build files do not count",
        ),
        pytest.param(
            ["pom.xml", ".github/workflows/release.yml", ".github/workflows/ci.yml"],
            {
                ".github/workflows/release.yml": RELEASE_ON_TAGS,
                ".github/workflows/ci.yml": CI_ONLY,
            },
            RepoFacts("acme/x", None, ("java",), ".github/workflows/release.yml"),
            id="release on tags",
        ),
        pytest.param(
            ["package.json", ".github/workflows/publish.yaml"],
            {
                "package.json": '{"name": "@acme/x"}',
                ".github/workflows/publish.yaml": RELEASE_ON_PUBLISH,
            },
            RepoFacts("acme/x", None, ("javascript",), ".github/workflows/publish.yaml", "@acme/x"),
            id="release published",
        ),
        pytest.param(
            [
                "pyproject.toml",
                ".github/workflows/a.yml",
                ".github/workflows/b.yml",
                ".github/workflows/c.yml",
            ],
            {
                "pyproject.toml": "a = " + "[" * 20_000,
                ".github/workflows/a.yml": "on: [release\n",
                ".github/workflows/b.yml": "- a list\n",
                ".github/workflows/c.yml": "[" * 20_000,
            },
            RepoFacts("acme/x", None, ("python",)),
            id="broken files are no facts",
        ),
    ],
)
def test_detect(paths: list[str], texts: dict[str, str], expected: RepoFacts) -> None:
    assert detect("acme/x", paths, texts) == expected


def test_which_files_are_read_and_what_counts_as_configured() -> None:
    paths = [
        ".github/workflows/ci.yml",
        ".github/workflows/sub/x.yml",
        ".github/workflows/notes.md",
        "pyproject.toml",
        "lib/package.json",
    ]
    assert workflow_paths(paths) == [".github/workflows/ci.yml"]
    assert files_to_read(paths) == [".github/workflows/ci.yml", "pyproject.toml"]
    many = [f".github/workflows/w{n:02d}.yml" for n in range(30)]
    assert len(workflow_paths(many)) == 20
    assert has_config([".github/paasbot.yml"]) and has_config([".paasbot.yml"])
    assert not has_config(["docs/.paasbot.yml"])
