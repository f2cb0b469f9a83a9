"""Which repository and commit a CI job is building, from its environment variables (pure).

Checked in order, the first CI that sets its variables wins:

- GitHub Actions: `GITHUB_REPOSITORY`, `GITHUB_SHA`; for `pull_request` events GITHUB_SHA is a merge
  commit, so the PR's head SHA is read from the event file (`GITHUB_EVENT_PATH`,
  `pull_request.head.sha`).
- Travis CI: `TRAVIS_REPO_SLUG`, `TRAVIS_PULL_REQUEST_SHA` (PR builds) or `TRAVIS_COMMIT`.
- GitLab-style: `CI_PROJECT_PATH`, `CI_COMMIT_SHA`.
- Jenkins (git plugin): `GIT_URL` (https, ssh or scp-like) -> owner/repo, `GIT_COMMIT`.

And whether a GitHub Actions job may ask for an OIDC token (`id_token_request`): Actions sets
`ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN` in jobs with
`permissions: id-token: write`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

_SHA = re.compile(r"^[0-9a-fA-F]{40}$")
# https://host/owner/repo(.git), ssh://git@host(:port)/owner/repo(.git), git@host:owner/repo(.git)
_GIT_URL = re.compile(r"^(?:[a-z+]+://[^/]+/|[^@/\s]+@[^:/\s]+:)(?P<path>[^\s]+?)(?:\.git)?/?$")

ReadText = Callable[[str], str]


@dataclass(frozen=True)
class CiTarget:
    repository: str | None
    sha: str | None
    source: str | None  # the CI the values came from


def detect(env: Mapping[str, str], read_text: ReadText | None = None) -> CiTarget:
    """The repository (owner/repo) and commit the environment names; None where it names none.
    `read_text` reads GitHub's event file (a parameter, so this stays testable without files)."""
    for name, finder in _FINDERS:
        repository, sha = finder(env, read_text or _read_file)
        if repository or sha:
            return CiTarget(repository, sha if sha and _SHA.match(sha) else None, name)
    return CiTarget(None, None, None)


@dataclass(frozen=True)
class IdTokenRequest:
    """Where a GitHub Actions job asks for an OIDC token, and the bearer token to ask with."""

    url: str
    bearer: str = field(repr=False)


def id_token_request(env: Mapping[str, str]) -> IdTokenRequest | None:
    url = _value(env, "ACTIONS_ID_TOKEN_REQUEST_URL")
    bearer = _value(env, "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    return IdTokenRequest(url, bearer) if url and bearer else None


def repository_from_git_url(url: str) -> str | None:
    match = _GIT_URL.match(url.strip())
    if match is None:
        return None
    parts = [p for p in match.group("path").split("/") if p]
    if len(parts) < 2:
        return None
    return "/".join(parts[-2:])


def _value(env: Mapping[str, str], name: str) -> str | None:
    return env.get(name, "").strip() or None


def _github(env: Mapping[str, str], read_text: ReadText) -> tuple[str | None, str | None]:
    repository, sha = _value(env, "GITHUB_REPOSITORY"), _value(env, "GITHUB_SHA")
    event_path = _value(env, "GITHUB_EVENT_PATH")
    if event_path and _value(env, "GITHUB_EVENT_NAME") in (
        None,
        "pull_request",
        "pull_request_target",
    ):
        head = _pull_request_head(event_path, read_text)
        sha = head or sha
    return repository, sha


def _pull_request_head(path: str, read_text: ReadText) -> str | None:
    try:
        event = json.loads(read_text(path))
    except (OSError, ValueError):
        return None
    pull = event.get("pull_request") if isinstance(event, dict) else None
    head = pull.get("head") if isinstance(pull, dict) else None
    sha = head.get("sha") if isinstance(head, dict) else None
    return sha if isinstance(sha, str) else None


def _travis(env: Mapping[str, str], _read: ReadText) -> tuple[str | None, str | None]:
    sha = _value(env, "TRAVIS_PULL_REQUEST_SHA") or _value(env, "TRAVIS_COMMIT")
    return _value(env, "TRAVIS_REPO_SLUG"), sha


def _gitlab(env: Mapping[str, str], _read: ReadText) -> tuple[str | None, str | None]:
    return _value(env, "CI_PROJECT_PATH"), _value(env, "CI_COMMIT_SHA")


def _jenkins(env: Mapping[str, str], _read: ReadText) -> tuple[str | None, str | None]:
    url = _value(env, "GIT_URL")
    return (repository_from_git_url(url) if url else None), _value(env, "GIT_COMMIT")


def _read_file(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


_FINDERS = (
    ("github-actions", _github),
    ("travis", _travis),
    ("gitlab", _gitlab),
    ("jenkins", _jenkins),
)
