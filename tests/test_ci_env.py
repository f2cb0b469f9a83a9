import json
from pathlib import Path

import pytest

from app.reports.ci_env import (
    CiTarget,
    IdTokenRequest,
    detect,
    id_token_request,
    repository_from_git_url,
)

SHA = "a" * 40
HEAD = "b" * 40


def no_file(path: str) -> str:
    raise OSError(f"no {path}")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, CiTarget(None, None, None)),
        (
            {"GITHUB_REPOSITORY": "acme/api", "GITHUB_SHA": SHA, "GITHUB_EVENT_NAME": "push"},
            CiTarget("acme/api", SHA, "github-actions"),
        ),
        (
            {"GITHUB_REPOSITORY": "acme/api", "GITHUB_SHA": SHA, "GITHUB_EVENT_PATH": "/x"},
            CiTarget("acme/api", SHA, "github-actions"),
        ),
        (
            {"TRAVIS_REPO_SLUG": "acme/api", "TRAVIS_COMMIT": SHA},
            CiTarget("acme/api", SHA, "travis"),
        ),
        (
            {
                "TRAVIS_REPO_SLUG": "acme/api",
                "TRAVIS_COMMIT": SHA,
                "TRAVIS_PULL_REQUEST_SHA": HEAD,
            },
            CiTarget("acme/api", HEAD, "travis"),
        ),
        (
            {"TRAVIS_REPO_SLUG": "acme/api", "TRAVIS_COMMIT": SHA, "TRAVIS_PULL_REQUEST_SHA": ""},
            CiTarget("acme/api", SHA, "travis"),
        ),
        (
            {"CI_PROJECT_PATH": "group/project", "CI_COMMIT_SHA": SHA},
            CiTarget("group/project", SHA, "gitlab"),
        ),
        (
            {"GIT_URL": "https://ghe.acme.test/acme/api.git", "GIT_COMMIT": SHA},
            CiTarget("acme/api", SHA, "jenkins"),
        ),
        (
            {"GIT_URL": "git@ghe.acme.test:acme/api.git", "GIT_COMMIT": SHA},
            CiTarget("acme/api", SHA, "jenkins"),
        ),
        (
            {"GITHUB_REPOSITORY": "acme/api", "GITHUB_SHA": "HEAD"},
            CiTarget("acme/api", None, "github-actions"),
        ),
        # The first CI that names something wins, even when another one's variables linger.
        (
            {"GITHUB_REPOSITORY": "acme/api", "GITHUB_SHA": SHA, "GIT_COMMIT": HEAD},
            CiTarget("acme/api", SHA, "github-actions"),
        ),
    ],
)
def test_detect(env: dict[str, str], expected: CiTarget) -> None:
    assert detect(env, no_file) == expected


@pytest.mark.parametrize(
    ("event_name", "expected"),
    [("pull_request", HEAD), ("pull_request_target", HEAD), (None, HEAD), ("push", SHA)],
)
def test_github_pull_request_events_use_the_head_sha(
    tmp_path: Path, event_name: str | None, expected: str
) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 3, "head": {"sha": HEAD}}}))
    env = {"GITHUB_REPOSITORY": "acme/api", "GITHUB_SHA": SHA, "GITHUB_EVENT_PATH": str(event)}
    if event_name:
        env["GITHUB_EVENT_NAME"] = event_name
    assert detect(env).sha == expected


@pytest.mark.parametrize("content", ["not json", "[]", '{"pull_request": {"head": 3}}', "{}"])
def test_an_unreadable_event_file_falls_back_to_github_sha(content: str) -> None:
    env = {"GITHUB_REPOSITORY": "acme/api", "GITHUB_SHA": SHA, "GITHUB_EVENT_PATH": "e.json"}
    assert detect(env, lambda _path: content).sha == SHA


@pytest.mark.parametrize(
    ("url", "repository"),
    [
        ("https://github.com/acme/api.git", "acme/api"),
        ("https://github.com/acme/api", "acme/api"),
        ("https://user:pw@ghe.acme.test/acme/api.git/", "acme/api"),
        ("ssh://git@ghe.acme.test:2222/acme/api.git", "acme/api"),
        ("git@github.com:acme/api.git", "acme/api"),
        ("https://ghe.acme.test/api", None),
        ("/srv/git/api", None),
        ("", None),
    ],
)
def test_repository_from_git_url(url: str, repository: str | None) -> None:
    assert repository_from_git_url(url) == repository


def test_a_github_actions_job_with_id_token_write_can_request_a_token() -> None:
    env = {
        "ACTIONS_ID_TOKEN_REQUEST_URL": "https://pipelines.test/idtoken?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runtime-token",
    }
    request = id_token_request(env)
    assert request == IdTokenRequest(
        "https://pipelines.test/idtoken?api-version=2.0", "runtime-token"
    )
    assert "runtime-token" not in repr(request)


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"ACTIONS_ID_TOKEN_REQUEST_URL": "https://pipelines.test/idtoken"},
        {"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runtime-token"},
        {"ACTIONS_ID_TOKEN_REQUEST_URL": " ", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t"},
    ],
)
def test_without_both_variables_there_is_no_token_to_request(env: dict[str, str]) -> None:
    assert id_token_request(env) is None
