"""Which files are manifests of which ecosystem, and the editor each is bumped by."""

from __future__ import annotations

import pytest

from app.bumps.manifests import (
    ECOSYSTEMS,
    bump_manifest,
    ecosystems_of,
    is_lockfile_candidate,
    is_manifest,
)
from app.bumps.model import ManifestError, Outcome

PYTHON = ("pip", "poetry", "pep621")


def test_ecosystems():
    assert ECOSYSTEMS == ("pip", "poetry", "pep621", "npm", "gomod", "maven", "docker")


@pytest.mark.parametrize(
    ("path", "ecosystems"),
    [
        ("requirements.txt", PYTHON),
        ("requirements-dev.txt", PYTHON),
        ("svc/requirements_test.in", PYTHON),
        ("requirements.in", PYTHON),
        ("constraints.txt", PYTHON),
        ("py/constraints-ci.txt", PYTHON),
        ("requirements/base.txt", PYTHON),
        ("svc/requirements/dev.in", PYTHON),
        ("pyproject.toml", PYTHON),
        ("libs/auth/pyproject.toml", PYTHON),
        ("package.json", ("npm",)),
        ("web/package.json", ("npm",)),
        ("go.mod", ("gomod",)),
        ("svc/go.mod", ("gomod",)),
        ("pom.xml", ("maven",)),
        ("java/core/pom.xml", ("maven",)),
        ("Dockerfile", ("docker",)),
        ("Dockerfile.prod", ("docker",)),
        ("deploy/api.Dockerfile", ("docker",)),
        ("deploy/api.dockerfile", ("docker",)),
        ("Containerfile", ("docker",)),
        # not manifests
        ("README.md", ()),
        ("docs/requirements.md", ()),
        ("requirements.txt.bak", ()),
        ("notes.txt", ()),
        ("requirements/README.md", ()),
        ("requirements-x/base.txt", ()),
        ("constraints.in", ()),
        ("package-lock.json", ()),
        ("go.sum", ()),
        ("poetry.lock", ()),
        ("setup.py", ()),
        ("dockerfile", ()),
        ("Pipfile", ()),
        # vendored or generated
        ("node_modules/left-pad/package.json", ()),
        ("web/node_modules/@acme/auth/package.json", ()),
        ("vendor/github.com/acme/auth/go.mod", ()),
        ("third_party/lib/pyproject.toml", ()),
        (".venv/lib/python3.11/site-packages/x/requirements.txt", ()),
        ("venv/requirements.txt", ()),
        ("lib/site-packages/acme/requirements.txt", ()),
        ("svc/testdata/go.mod", ()),
        ("bower_components/x/package.json", ()),
        (".git/Dockerfile", ()),
    ],
)
def test_is_manifest(path, ecosystems):
    assert ecosystems_of(path) == ecosystems
    for ecosystem in ECOSYSTEMS:
        assert is_manifest(path, ecosystem) == (ecosystem in ecosystems)


def test_an_unknown_ecosystem_has_no_manifests():
    assert not is_manifest("package.json", "cargo")


@pytest.mark.parametrize(
    ("path", "candidate"),
    [
        ("requirements.txt", True),
        ("py/requirements-dev.txt", True),
        ("package-lock.json", True),
        ("web/yarn.lock", True),
        ("svc/go.sum", True),
        ("poetry.lock", True),
        ("uv.lock", True),
        ("Pipfile.lock", True),
        ("requirements.in", False),
        ("constraints.txt", False),
        ("requirements/base.txt", False),
        ("package.json", False),
        ("Cargo.lock", False),
        ("vendor/x/go.sum", False),
        ("node_modules/x/package-lock.json", False),
    ],
)
def test_is_lockfile_candidate(path, candidate):
    assert is_lockfile_candidate(path) == candidate


GO_MOD = "module example.com/app\n\ngo 1.22\n\nrequire github.com/acme/auth v1.3.0\n"
POM = """<project>
  <dependencies>
    <dependency>
      <groupId>com.acme</groupId>
      <artifactId>auth</artifactId>
      <version>1.3.0</version>
    </dependency>
  </dependencies>
</project>
"""


@pytest.mark.parametrize(
    ("ecosystem", "path", "text", "package", "expected"),
    [
        ("pip", "requirements.txt", "acme-auth==1.3.0\n", "acme-auth", "acme-auth==1.4.0\n"),
        ("poetry", "requirements/dev.in", "acme-auth==1.3.0\n", "acme-auth", "acme-auth==1.4.0\n"),
        ("pep621", "constraints.txt", "acme-auth<1.4\n", "acme-auth", "acme-auth<1.5\n"),
        (
            "pip",
            "pyproject.toml",
            '[project]\ndependencies = ["acme-auth==1.3.0"]\n',
            "acme-auth",
            '[project]\ndependencies = ["acme-auth==1.4.0"]\n',
        ),
        (
            "poetry",
            "pyproject.toml",
            '[tool.poetry.dependencies]\nacme-auth = "^1.3"\n',
            "acme-auth",
            '[tool.poetry.dependencies]\nacme-auth = "^1.3"\n',
        ),
        (
            "npm",
            "web/package.json",
            '{"dependencies": {"@acme/auth": "^1.3.0"}}\n',
            "@acme/auth",
            '{"dependencies": {"@acme/auth": "^1.4.0"}}\n',
        ),
        ("gomod", "go.mod", GO_MOD, "github.com/acme/auth", GO_MOD.replace("v1.3.0", "v1.4.0")),
        ("maven", "pom.xml", POM, "com.acme:auth", POM.replace("1.3.0", "1.4.0")),
        (
            "docker",
            "Dockerfile.prod",
            "FROM acme/auth:1.3.0\n",
            "acme/auth",
            "FROM acme/auth:1.4.0\n",
        ),
        ("docker", "x.Dockerfile", "FROM acme/auth:v1.3\n", "acme/auth", "FROM acme/auth:v1.4\n"),
    ],
)
def test_bump_manifest_dispatches_by_file_name(ecosystem, path, text, package, expected):
    bump = bump_manifest(ecosystem, path, text, package, "1.4.0")
    assert bump.text == expected
    assert bump.outcome is (Outcome.UPDATED if expected != text else Outcome.ALREADY)


@pytest.mark.parametrize(
    ("ecosystem", "path"),
    [
        ("npm", "requirements.txt"),
        ("pip", "package.json"),
        ("gomod", "pom.xml"),
        ("docker", "go.mod"),
        ("pip", "vendor/requirements.txt"),
        ("pip", "README.md"),
        ("cargo", "Cargo.toml"),
    ],
)
def test_bump_manifest_refuses_other_files(ecosystem, path):
    with pytest.raises(ValueError, match="is not a") as raised:
        bump_manifest(ecosystem, path, "", "acme-auth", "1.4.0")
    assert not isinstance(raised.value, ManifestError)


def test_bump_manifest_lets_the_editors_error_through():
    with pytest.raises(ManifestError, match="line 1"):
        bump_manifest("npm", "package.json", "{", "@acme/auth", "1.4.0")
