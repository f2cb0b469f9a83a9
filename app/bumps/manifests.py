"""Which files of a dependent are manifests of an ecosystem, and which editor bumps each. Pure.

`pip`, `poetry` and `pep621` all name the Python ecosystem: a Python library can be required from
requirements files and from `pyproject.toml` alike, so the three find the same files and use the
same editors. A path under a vendored or generated directory (`node_modules`, `vendor`, …) is never
a manifest: it is someone else's code, or it is rewritten by a tool."""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable
from typing import Literal, get_args

from app.bumps.dockerfile import bump_dockerfile
from app.bumps.go_mod import bump_go_mod
from app.bumps.lockfiles import lock_pattern
from app.bumps.maven_pom import bump_pom
from app.bumps.model import Bump
from app.bumps.package_json import bump_package_json
from app.bumps.pip_requirements import bump_requirements
from app.bumps.pyproject import bump_pyproject

Ecosystem = Literal["pip", "poetry", "pep621", "npm", "gomod", "maven", "docker"]
ECOSYSTEMS: tuple[str, ...] = get_args(Ecosystem)
PYTHON_ECOSYSTEMS = frozenset({"pip", "poetry", "pep621"})

# Directories whose files are never edited: vendored, generated or tool-owned.
IGNORED_DIRECTORIES = frozenset(
    {
        "node_modules",
        "vendor",
        "third_party",
        ".git",
        ".venv",
        "venv",
        "site-packages",
        "testdata",
        "bower_components",
    }
)

Kind = Literal["requirements", "pyproject", "package.json", "go.mod", "pom.xml", "dockerfile"]
Editor = Callable[[str, str, str], Bump]

EDITORS: dict[Kind, Editor] = {
    "requirements": bump_requirements,
    "pyproject": bump_pyproject,
    "package.json": bump_package_json,
    "go.mod": bump_go_mod,
    "pom.xml": bump_pom,
    "dockerfile": bump_dockerfile,
}

# ecosystem -> the kinds of file it is declared in
KINDS: dict[str, frozenset[Kind]] = {
    **{name: frozenset({"requirements", "pyproject"}) for name in PYTHON_ECOSYSTEMS},
    "npm": frozenset({"package.json"}),
    "gomod": frozenset({"go.mod"}),
    "maven": frozenset({"pom.xml"}),
    "docker": frozenset({"dockerfile"}),
}

REQUIREMENTS_NAMES = ("requirements*.txt", "requirements*.in", "constraints*.txt")
DOCKERFILE_NAMES = ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "*.dockerfile", "Containerfile")
EXACT_NAMES: dict[str, Kind] = {
    "pyproject.toml": "pyproject",
    "package.json": "package.json",
    "go.mod": "go.mod",
    "pom.xml": "pom.xml",
}


def is_ignored(path: str) -> bool:
    """Whether the path lies under a vendored or generated directory."""
    return any(segment in IGNORED_DIRECTORIES for segment in path.split("/")[:-1])


def manifest_kind(path: str) -> Kind | None:
    """The kind of manifest a path is, by its name (and, for `requirements/*.txt`, its
    directory), or None; a path under an ignored directory is none."""
    if is_ignored(path):
        return None
    directory, name = posixpath.split(path)
    if name in EXACT_NAMES:
        return EXACT_NAMES[name]
    if _matches(name, REQUIREMENTS_NAMES):
        return "requirements"
    if posixpath.basename(directory) == "requirements" and _matches(name, ("*.txt", "*.in")):
        return "requirements"
    if _matches(name, DOCKERFILE_NAMES):
        return "dockerfile"
    return None


def is_manifest(path: str, ecosystem: str) -> bool:
    """Whether `path` is a manifest of `ecosystem` (never for an ecosystem paasbot does not
    know)."""
    kind = manifest_kind(path)
    return kind is not None and kind in KINDS.get(ecosystem, frozenset())


def ecosystems_of(path: str) -> tuple[str, ...]:
    """The ecosystems `path` is a manifest of, in `ECOSYSTEMS` order."""
    kind = manifest_kind(path)
    return tuple(name for name in ECOSYSTEMS if kind is not None and kind in KINDS[name])


def is_lockfile_candidate(path: str) -> bool:
    """Whether `path` may be a lock file `app.bumps.lockfiles` lists (its name matches one of
    `lockfiles.REFRESH`), outside ignored directories. A `requirements*.txt` is one only when
    pip-compile wrote it: the caller reads those to check the header (`is_pip_compiled`)."""
    return not is_ignored(path) and lock_pattern(posixpath.basename(path)) is not None


def bump_manifest(ecosystem: str, path: str, text: str, package: str, version: str) -> Bump:
    """`text`, the content of `path`, moved onto `version` of `package` by the file's editor.

    Raises ValueError when `path` is not a manifest of `ecosystem`, and lets the editor's
    ManifestError (a ValueError too) through when the file cannot be read."""
    kind = manifest_kind(path)
    if kind is None or kind not in KINDS.get(ecosystem, frozenset()):
        raise ValueError(f"{path} is not a {ecosystem} manifest")
    return EDITORS[kind](text, package, version)


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
