"""The conformance checker: the simulator's traffic against GitHub's OpenAPI description."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from app.sandbox import SimulatedGitHub, create_simulator_app
from app.sandbox.conformance import (
    ApiDescription,
    ConformanceChecker,
    OperationNotDescribed,
    Violation,
    admit_null,
    load_description,
)
from app.sandbox.context import API_PREFIX
from app.sandbox.errors import error_body
from tests.corpora import OPENAPI_DESCRIPTION

ClientFactory = Callable[[web.Application], Awaitable[TestClient]]
PULL = "/repos/acme/widgets/pulls/1"


@pytest.fixture(scope="module")
def description() -> ApiDescription:
    if not OPENAPI_DESCRIPTION.is_file():
        pytest.skip(f"GitHub's OpenAPI description is absent ({OPENAPI_DESCRIPTION}); CI has it")
    return load_description(OPENAPI_DESCRIPTION)


@pytest.fixture
def checker(description: ApiDescription) -> ConformanceChecker:
    return ConformanceChecker(description)


@pytest.fixture
def github() -> SimulatedGitHub:
    state = SimulatedGitHub()
    installation = state.add_installation("acme")
    state.add_repository(installation, "widgets")
    state.open_pull("acme/widgets", "Add widget", "a" * 40, "feature", body="Hello")
    return state


@pytest.fixture
async def simulator_client(
    aiohttp_client: ClientFactory, github: SimulatedGitHub, checker: ConformanceChecker
) -> TestClient:
    return await aiohttp_client(create_simulator_app(github, conformance=checker))


def token_header(github: SimulatedGitHub) -> dict[str, str]:
    installation_id = next(iter(github.installations))
    return {"Authorization": f"token {github.issue_token(installation_id).token}"}


async def canned_client(
    aiohttp_client: ClientFactory,
    checker: ConformanceChecker,
    path: str,
    response: Callable[[], web.StreamResponse],
    method: str = "GET",
) -> TestClient:
    """A bare app answering ``path`` with ``response``, behind the checker only."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return response()

    app = web.Application(middlewares=[checker.middleware()])
    app.router.add_route(method, API_PREFIX + path, handler)
    return await aiohttp_client(app)


async def pull_body(simulator_client: TestClient, github: SimulatedGitHub) -> dict[str, Any]:
    async with simulator_client.get(API_PREFIX + PULL, headers=token_header(github)) as reply:
        assert reply.status == 200
        return await reply.json()


def json_answer(body: Any, status: int = 200) -> Callable[[], web.Response]:
    return lambda: web.json_response(body, status=status)


def summary(violations: list[Violation]) -> list[tuple[str, str]]:
    return [(violation.operation, violation.direction) for violation in violations]


async def test_a_conforming_pull_request_get_passes(
    simulator_client: TestClient, github: SimulatedGitHub, checker: ConformanceChecker
) -> None:
    body = await pull_body(simulator_client, github)
    assert body["number"] == 1
    assert checker.violations == []


async def test_a_response_missing_a_required_field_fails(
    simulator_client: TestClient,
    github: SimulatedGitHub,
    checker: ConformanceChecker,
    aiohttp_client: ClientFactory,
) -> None:
    body = await pull_body(simulator_client, github)
    del body["number"]
    client = await canned_client(aiohttp_client, checker, PULL, json_answer(body))
    async with client.get(API_PREFIX + PULL):
        pass
    (violation,) = checker.drain()
    assert (violation.operation, violation.direction) == ("pulls/get", "response")
    assert "'number' is a required property" in violation.message
    assert "pulls/get response [GET /api/v3/repos/acme/widgets/pulls/1]" in str(violation)


async def test_an_undocumented_path_fails(
    simulator_client: TestClient, github: SimulatedGitHub, checker: ConformanceChecker
) -> None:
    async with simulator_client.get(API_PREFIX + "/nope", headers=token_header(github)) as reply:
        assert reply.status == 404
    (violation,) = checker.drain()
    assert violation.direction == "request"
    assert "no path matching /nope" in violation.message


async def test_an_undocumented_method_fails(
    simulator_client: TestClient, github: SimulatedGitHub, checker: ConformanceChecker
) -> None:
    url = API_PREFIX + "/repos/acme/widgets/pulls"
    async with simulator_client.delete(url, headers=token_header(github)) as reply:
        assert reply.status == 405
    (violation,) = checker.drain()
    assert "has no DELETE operation (only GET, POST)" in violation.message


async def test_a_request_body_is_validated(
    simulator_client: TestClient, github: SimulatedGitHub, checker: ConformanceChecker
) -> None:
    url = API_PREFIX + "/repos/acme/widgets/check-runs"
    async with simulator_client.post(url, json={}, headers=token_header(github)) as reply:
        assert reply.status == 422
    assert summary(checker.violations) == [("checks/create", "request")]
    assert "'head_sha' is a required property" in checker.violations[0].message


async def test_query_parameters_are_validated(
    simulator_client: TestClient, github: SimulatedGitHub, checker: ConformanceChecker
) -> None:
    url = API_PREFIX + "/repos/acme/widgets/pulls?per_page=many"
    async with simulator_client.get(url, headers=token_header(github)):
        pass
    (violation,) = checker.drain()
    assert violation.operation == "pulls/list"
    assert "per_page: Failed to cast value to integer" in violation.message


@pytest.mark.parametrize(
    ("path", "operation", "variable", "value"),
    [
        (
            "/repos/acme/widgets/contents/docs/guide/index.md",
            "repos/get-content",
            "path",
            "docs/guide/index.md",
        ),
        ("/repos/acme/widgets/git/ref/heads/feature/x", "git/get-ref", "ref", "heads/feature/x"),
        (
            "/repos/acme/widgets/git/ref/heads%2Ffeature%2Fx",
            "git/get-ref",
            "ref",
            "heads/feature/x",
        ),
        (
            "/repos/acme/widgets/commits/heads/a/b/check-runs",
            "checks/list-for-ref",
            "ref",
            "heads/a/b",
        ),
        ("/repos/acme/widgets/commits/heads/a/b", "repos/get-commit", "ref", "heads/a/b"),
        (
            "/repos/acme/widgets/commits/heads/a/pulls",
            "repos/list-pull-requests-associated-with-commit",
            "commit_sha",
            "heads/a",
        ),
    ],
)
def test_multi_segment_parameters_match(
    description: ApiDescription, path: str, operation: str, variable: str, value: str
) -> None:
    resolved = description.index.resolve("GET", path)
    assert resolved.operation.operation_id == operation
    assert resolved.variables[variable] == value
    assert (resolved.variables["owner"], resolved.variables["repo"]) == ("acme", "widgets")


def test_single_segment_parameters_do_not_span_slashes(description: ApiDescription) -> None:
    with pytest.raises(OperationNotDescribed):
        description.index.resolve("GET", "/repos/acme/widgets/pulls/1/extra/segments")


async def test_a_304_answering_a_conditional_get_is_accepted(
    simulator_client: TestClient, github: SimulatedGitHub, checker: ConformanceChecker
) -> None:
    headers = token_header(github)
    async with simulator_client.get(API_PREFIX + PULL, headers=headers) as first:
        etag = first.headers["ETag"]
    url = API_PREFIX + f"/repos/acme/widgets/commits/{'a' * 40}/check-runs"
    async with simulator_client.get(url, headers=headers) as listing:
        listing_etag = listing.headers["ETag"]
    for path, tag in ((PULL, etag), (url.removeprefix(API_PREFIX), listing_etag)):
        conditional = {**headers, "If-None-Match": tag}
        async with simulator_client.get(API_PREFIX + path, headers=conditional) as reply:
            assert reply.status == 304
    assert checker.violations == [], "checks/list-for-ref does not list 304 and is still fine"


async def test_a_304_without_a_conditional_request_fails(
    checker: ConformanceChecker, aiohttp_client: ClientFactory
) -> None:
    client = await canned_client(aiohttp_client, checker, PULL, lambda: web.Response(status=304))
    async with client.get(API_PREFIX + PULL):
        pass
    (violation,) = checker.drain()
    assert "answers only a conditional GET" in violation.message


@pytest.mark.parametrize(
    ("method", "path", "status", "body", "accepted"),
    [
        pytest.param("GET", PULL, 404, error_body(404, "Not Found"), True, id="documented-404"),
        pytest.param("GET", PULL, 502, error_body(502, "Bad Gateway"), True, id="any-5xx"),
        pytest.param(
            "GET", PULL, 403, error_body(403, "Forbidden"), True, id="undocumented-403-is-generic"
        ),
        pytest.param("GET", PULL, 500, {"message": 500}, False, id="generic-error-with-a-bad-body"),
        pytest.param("GET", PULL, 409, error_body(409, "Conflict"), False, id="undocumented-409"),
        pytest.param("GET", PULL, 202, {}, False, id="undocumented-2xx"),
        pytest.param(
            "POST",
            "/repos/acme/widgets/check-runs",
            422,
            error_body(422, "Validation Failed", [{"code": "missing_field"}]),
            True,
            id="422-for-an-operation-with-a-body",
        ),
        pytest.param(
            "GET",
            "/repos/acme/widgets/check-runs/1",
            422,
            error_body(422, "Validation Failed"),
            False,
            id="422-for-an-operation-without-input",
        ),
    ],
)
async def test_the_error_status_rule(
    checker: ConformanceChecker,
    aiohttp_client: ClientFactory,
    method: str,
    path: str,
    status: int,
    body: Any,
    accepted: bool,
) -> None:
    client = await canned_client(aiohttp_client, checker, path, json_answer(body, status), method)
    payload = {"name": "lint", "head_sha": "a" * 40} if method == "POST" else None
    async with client.request(method, API_PREFIX + path, json=payload):
        pass
    violations = checker.drain()
    assert (violations == []) is accepted, violations
    assert all(violation.direction == "response" for violation in violations)


async def test_a_client_that_hung_up_is_not_a_response(
    checker: ConformanceChecker, aiohttp_client: ClientFactory
) -> None:
    client = await canned_client(aiohttp_client, checker, PULL, lambda: web.Response(status=499))
    async with client.get(API_PREFIX + PULL):
        pass
    assert checker.violations == []


async def test_an_in_progress_check_run_has_a_null_conclusion(
    simulator_client: TestClient, github: SimulatedGitHub, checker: ConformanceChecker
) -> None:
    url = API_PREFIX + "/repos/acme/widgets/check-runs"
    run = {"name": "lint", "head_sha": "a" * 40, "status": "in_progress"}
    async with simulator_client.post(url, json=run, headers=token_header(github)) as reply:
        assert (reply.status, (await reply.json())["conclusion"]) == (201, None)
    assert checker.violations == []


def test_a_stale_correction_fails_loudly() -> None:
    with pytest.raises(ValueError, match="already admits null"):
        admit_null({"type": "string", "nullable": True, "enum": ["a", None]})


def test_the_description_is_parsed_once(description: ApiDescription) -> None:
    assert load_description(OPENAPI_DESCRIPTION) is description
