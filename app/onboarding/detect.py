"""What a repository contains that shapes its starter configuration: a CODEOWNERS file, the
languages its build files say it uses, a workflow that runs on releases, and the package it
publishes. Pure: from the paths of its tree and the text of a few files."""

from __future__ import annotations

import json
import posixpath
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from app.bumps.manifests import is_ignored

CONFIG_FILES = (".paasbot.yml", ".github/paasbot.yml")
CODEOWNERS_FILES = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
WORKFLOWS = ".github/workflows/"
MAX_WORKFLOWS_READ = 20

# language -> the build files that say a project uses it, and the ecosystem its packages use
LANGUAGES: dict[str, tuple[tuple[str, ...], str]] = {
    "python": (("pyproject.toml", "setup.py", "setup.cfg", "requirements.txt"), "pip"),
    "javascript": (("package.json",), "npm"),
    "java": (("pom.xml", "build.gradle", "build.gradle.kts"), "maven"),
    "go": (("go.mod",), "gomod"),
}
# The file a package's name is read from, by language (at the repository's root).
NAME_FILES = {"python": "pyproject.toml", "javascript": "package.json", "go": "go.mod"}


@dataclass(frozen=True)
class RepoFacts:
    repository: str
    codeowners: str | None = None  # its path
    languages: tuple[str, ...] = ()  # in LANGUAGES' order
    release_workflow: str | None = None  # the path of a workflow that runs on releases or tags
    package: str | None = None  # the name the repository publishes (its main language's)


def has_config(paths: Sequence[str]) -> bool:
    return any(path in CONFIG_FILES for path in paths)


def workflow_paths(paths: Sequence[str]) -> list[str]:
    """The workflow files worth reading (at most MAX_WORKFLOWS_READ, sorted)."""
    found = sorted(
        path
        for path in paths
        if path.startswith(WORKFLOWS)
        and "/" not in path.removeprefix(WORKFLOWS)
        and path.endswith((".yml", ".yaml"))
    )
    return found[:MAX_WORKFLOWS_READ]


def files_to_read(paths: Sequence[str]) -> list[str]:
    """The files whose text `detect` uses: workflows, and the root's package name files."""
    wanted = set(workflow_paths(paths))
    wanted |= {name for name in NAME_FILES.values() if name in paths}
    return sorted(wanted)


def detect(repository: str, paths: Sequence[str], texts: Mapping[str, str]) -> RepoFacts:
    """`texts`: path -> text of (some of) `files_to_read(paths)`."""
    own = [path for path in paths if not is_ignored(path)]
    names = {posixpath.basename(path) for path in own}
    languages = tuple(language for language, (files, _) in LANGUAGES.items() if names & set(files))
    codeowners = next((path for path in CODEOWNERS_FILES if path in paths), None)
    release = next(
        (path for path in workflow_paths(paths) if _runs_on_release(texts.get(path, ""))), None
    )
    package = next(
        (
            name
            for language in languages
            if (name := _package_name(language, texts.get(NAME_FILES.get(language, ""), "")))
        ),
        None,
    )
    return RepoFacts(repository, codeowners, languages, release, package)


def ecosystem_of(language: str) -> str:
    return LANGUAGES[language][1]


def _runs_on_release(text: str) -> bool:
    """Whether a workflow runs when a release is published or a tag is pushed."""
    try:
        workflow = yaml.safe_load(text) if text else None
    except (yaml.YAMLError, RecursionError):
        # A hostile file nests deep enough to exhaust the parser's recursion: not a workflow.
        return False
    if not isinstance(workflow, dict):
        return False
    # YAML 1.1 reads the key `on` as the boolean true.
    triggers = workflow.get("on", workflow.get(True))
    if isinstance(triggers, str):
        return triggers == "release"
    if isinstance(triggers, list):
        return "release" in triggers
    if isinstance(triggers, dict):
        push = triggers.get("push")
        return "release" in triggers or (isinstance(push, dict) and "tags" in push)
    return False


def _package_name(language: str, text: str) -> str | None:
    if not text:
        return None
    try:
        return _NAME_READERS[language](text)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


def _python_name(text: str) -> str | None:
    document: dict[str, Any] = tomllib.loads(text)
    name = (document.get("project") or {}).get("name")
    if name is None:
        name = ((document.get("tool") or {}).get("poetry") or {}).get("name")
    return name if isinstance(name, str) and name else None


def _npm_name(text: str) -> str | None:
    name = json.loads(text).get("name")
    return name if isinstance(name, str) and name else None


def _go_name(text: str) -> str | None:
    for line in text.splitlines():
        words = line.split("//")[0].split()
        if len(words) == 2 and words[0] == "module":
            return words[1].strip('"')
    return None


_NAME_READERS = {"python": _python_name, "javascript": _npm_name, "go": _go_name}
