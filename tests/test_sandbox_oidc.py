"""The simulator as GitHub Actions' OIDC provider (GHES's /_services/token), over real HTTP."""

from typing import Any

import aiohttp
import jwt
import pytest

from app.sandbox import Fault, SimulatedGitHub
from app.sandbox.oidc import CLAIMS_SUPPORTED, ActionsOidc
from tests.helpers import FakeClock
from tests.oidc_world import (  # noqa: F401 (fixtures)
    REPO,
    clock_fixture,
    get_json,
    http_fixture,
    oidc_fixture,
    origin_fixture,
    request_id_token,
    simulator_state_fixture,
)


async def verified(http: aiohttp.ClientSession, origin: str, token: str) -> dict[str, Any]:
    """The token's claims, checked the way a relying party does, from the discovery document."""
    status, configuration = await get_json(
        http, f"{origin}/_services/token/.well-known/openid-configuration"
    )
    assert status == 200
    _, jwks = await get_json(http, configuration["jwks_uri"])
    keys = {key.key_id: key for key in jwt.PyJWKSet.from_dict(jwks).keys}
    kid = jwt.get_unverified_header(token)["kid"]
    return jwt.decode(
        token,
        keys[kid],
        algorithms=["RS256"],
        issuer=configuration["issuer"],
        options={"verify_aud": False},
    )


async def test_the_discovery_document_and_the_keys(
    http: aiohttp.ClientSession, origin: str, oidc: ActionsOidc
) -> None:
    status, configuration = await get_json(
        http, f"{origin}/_services/token/.well-known/openid-configuration"
    )
    assert status == 200
    assert configuration["issuer"] == f"{origin}/_services/token"
    assert configuration["jwks_uri"] == f"{origin}/_services/token/.well-known/jwks"
    assert configuration["id_token_signing_alg_values_supported"] == ["RS256"]
    assert configuration["response_types_supported"] == ["id_token"]
    assert set(configuration["claims_supported"]) == set(CLAIMS_SUPPORTED)
    status, jwks = await get_json(http, configuration["jwks_uri"])
    assert status == 200
    [key] = jwks["keys"]
    assert (key["kid"], key["kty"], key["alg"], key["use"], key["e"]) == (
        oidc.signing_key.kid,
        "RSA",
        "RS256",
        "sig",
        "AQAB",
    )
    assert "d" not in key, "only the public key is published"


async def test_a_job_gets_an_id_token_with_githubs_claims(
    http: aiohttp.ClientSession,
    origin: str,
    oidc: ActionsOidc,
    simulator_state: SimulatedGitHub,
    clock: FakeClock,
) -> None:
    run = oidc.start_run(REPO)
    token = await request_id_token(http, run, origin)
    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["typ"], header["kid"]) == ("RS256", "JWT", oidc.signing_key.kid)
    claims = await verified(http, origin, token)
    repository = simulator_state.repository(REPO)
    now = int(clock())
    assert set(claims) == set(CLAIMS_SUPPORTED)
    assert claims | {"jti": "?"} == {
        "jti": "?",
        "iss": f"{origin}/_services/token",
        "aud": "paasbot",
        "sub": "repo:acme/api:ref:refs/heads/main",
        "ref": "refs/heads/main",
        "ref_type": "branch",
        "ref_protected": "false",
        "sha": repository.branches["main"],
        "repository": "acme/api",
        "repository_id": str(repository.id),
        "repository_owner": "acme",
        "repository_owner_id": str(simulator_state.account("acme").id),
        "repository_visibility": "private",
        "run_id": str(run.run_id),
        "run_number": "1",
        "run_attempt": "1",
        "runner_environment": "self-hosted",
        "actor": "acme",
        "actor_id": str(simulator_state.account("acme").id),
        "workflow": "CI",
        "workflow_ref": "acme/api/.github/workflows/ci.yml@refs/heads/main",
        "workflow_sha": repository.branches["main"],
        "job_workflow_ref": "acme/api/.github/workflows/ci.yml@refs/heads/main",
        "job_workflow_sha": repository.branches["main"],
        "head_ref": "",
        "base_ref": "",
        "event_name": "push",
        "iat": now,
        "nbf": now - 600,
        "exp": now + 300,
    }
    again = await verified(http, origin, await request_id_token(http, run, origin))
    assert again["jti"] != claims["jti"]


async def test_the_default_audience_is_the_owners_url(
    http: aiohttp.ClientSession, origin: str, oidc: ActionsOidc
) -> None:
    token = await request_id_token(http, oidc.start_run(REPO), origin, audience=None)
    assert (await verified(http, origin, token))["aud"] == f"{origin}/acme"


async def test_a_pull_request_run_has_the_pull_request_subject(
    http: aiohttp.ClientSession, origin: str, oidc: ActionsOidc
) -> None:
    run = oidc.start_run(
        REPO,
        event_name="pull_request",
        ref="refs/pull/4/merge",
        sha="c" * 40,
        head_ref="feature",
        base_ref="main",
        actor="alice",
    )
    claims = await verified(http, origin, await request_id_token(http, run, origin))
    assert claims["sub"] == "repo:acme/api:pull_request"
    assert (claims["ref"], claims["sha"], claims["head_ref"], claims["base_ref"]) == (
        "refs/pull/4/merge",
        "c" * 40,
        "feature",
        "main",
    )
    assert claims["actor"] == "alice"


def test_the_environment_of_a_job(oidc: ActionsOidc, origin: str) -> None:
    run = oidc.start_run(REPO, ref="refs/tags/v1", sha="d" * 40)
    env = run.environment(origin)
    assert env["GITHUB_REPOSITORY"] == REPO and env["GITHUB_SHA"] == "d" * 40
    assert env["GITHUB_REF"] == "refs/tags/v1" and env["GITHUB_RUN_ID"] == str(run.run_id)
    assert env["ACTIONS_ID_TOKEN_REQUEST_URL"].startswith(f"{origin}/_services/pipelines/")
    assert env["ACTIONS_ID_TOKEN_REQUEST_URL"].endswith("/idtoken?api-version=2.0")
    assert env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] == env["ACTIONS_RUNTIME_TOKEN"]
    without = oidc.start_run(REPO, id_token_permission=False).environment(origin)
    assert "ACTIONS_ID_TOKEN_REQUEST_URL" not in without
    assert "ACTIONS_ID_TOKEN_REQUEST_TOKEN" not in without


def test_a_run_needs_a_known_repository_and_ref(oidc: ActionsOidc) -> None:
    with pytest.raises(KeyError):
        oidc.start_run("acme/nope")
    with pytest.raises(ValueError, match="has no refs/heads/feature"):
        oidc.start_run(REPO, ref="refs/heads/feature")


async def test_an_id_token_needs_the_jobs_request_token(
    http: aiohttp.ClientSession, origin: str, oidc: ActionsOidc
) -> None:
    run, other = oidc.start_run(REPO), oidc.start_run(REPO)
    url = run.environment(origin)["ACTIONS_ID_TOKEN_REQUEST_URL"]
    for bearer in (None, "nope", other.request_token):
        status, body = await get_json(http, url, bearer)
        assert status == 401, bearer
        assert body["message"] == "The request token is missing or not valid for this job."
    async with http.get(url, headers={"Authorization": f"token {run.request_token}"}) as response:
        assert response.status == 401
    denied = oidc.start_run(REPO, id_token_permission=False)
    status, body = await get_json(http, denied.id_token_request_url(origin), denied.request_token)
    assert (status, body["message"]) == (403, "The job has no 'id-token: write' permission.")


async def test_rotated_keys_sign_new_tokens(
    http: aiohttp.ClientSession, origin: str, oidc: ActionsOidc
) -> None:
    run = oidc.start_run(REPO)
    old_token = await request_id_token(http, run, origin)
    first = oidc.signing_key
    second = oidc.rotate_key()
    new_token = await request_id_token(http, run, origin)
    assert jwt.get_unverified_header(new_token)["kid"] == second.kid
    _, jwks = await get_json(http, f"{origin}/_services/token/.well-known/jwks")
    assert [key["kid"] for key in jwks["keys"]] == [second.kid, first.kid]
    assert (await verified(http, origin, old_token))["repository"] == REPO
    third = oidc.rotate_key(keep_previous=False)
    _, jwks = await get_json(http, f"{origin}/_services/token/.well-known/jwks")
    assert [key["kid"] for key in jwks["keys"]] == [third.kid]


async def test_oidc_traffic_is_not_api_traffic(
    http: aiohttp.ClientSession,
    origin: str,
    oidc: ActionsOidc,
    simulator_state: SimulatedGitHub,
) -> None:
    """Not in the request log, not subject to faults (the conformance checker, on in this
    fixture, lets it through too)."""
    simulator_state.faults.queue(Fault.error(500))
    await request_id_token(http, oidc.start_run(REPO), origin)
    assert simulator_state.requests == []
    assert len(simulator_state.faults.pending) == 1
