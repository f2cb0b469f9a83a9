import base64
import hashlib
import hmac

import pytest

from app.reports.tokens import (
    AuthError,
    Grant,
    authenticate,
    secret_token_method,
    upload_token,
)

SECRET = "s3cret"
METHODS = (secret_token_method(SECRET),)


def test_the_token_is_an_hmac_of_the_lower_case_repository() -> None:
    digest = hmac.new(b"s3cret", b"upload:acme/api", hashlib.sha256).digest()
    expected = "pbu_" + base64.b32encode(digest).decode().rstrip("=").lower()
    assert upload_token(SECRET, "acme/api") == expected
    assert upload_token(SECRET, "ACME/Api") == expected
    assert len(expected) == 56


def test_tokens_differ_by_repository_and_secret() -> None:
    tokens = {
        upload_token(SECRET, "acme/api"),
        upload_token(SECRET, "acme/web"),
        upload_token("other", "acme/api"),
    }
    assert len(tokens) == 3


async def test_the_right_token_is_granted() -> None:
    grant = await authenticate(f"Bearer {upload_token(SECRET, 'acme/api')}", "Acme/API", METHODS)
    assert grant == Grant("acme/api", "upload-token")
    assert await authenticate(f"bearer  {upload_token(SECRET, 'acme/api')} ", "acme/api", METHODS)


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        ("", 401),
        ("Basic dXNlcjpwYXNz", 401),
        ("Bearer", 401),
        ("Bearer a b", 401),
        ("Bearer ghs_installationtoken", 401),
        ("Bearer pbu_", 401),
        ("Bearer pbu_" + "A" * 52, 401),
        ("Bearer " + upload_token(SECRET, "acme/api")[:-1], 401),
        ("Bearer " + upload_token(SECRET, "acme/web"), 403),
        ("Bearer " + upload_token("old secret", "acme/api"), 403),
    ],
)
async def test_refused_tokens(authorization: str | None, status: int) -> None:
    with pytest.raises(AuthError) as refused:
        await authenticate(authorization, "acme/api", METHODS)
    assert refused.value.status == status


async def test_a_second_method_is_tried_after_the_first() -> None:
    async def oidc(token: str, repository: str) -> Grant | None:
        return Grant(repository, "oidc") if token.startswith("eyJ") else None

    methods = (*METHODS, oidc)
    assert (await authenticate("Bearer eyJhbGci", "acme/api", methods)).method == "oidc"
    token = upload_token(SECRET, "acme/api")
    assert (await authenticate(f"Bearer {token}", "acme/api", methods)).method == "upload-token"


async def test_a_methods_refusal_keeps_its_status() -> None:
    async def unavailable(token: str, repository: str) -> Grant | None:
        raise AuthError(503, "cannot verify the token now")

    with pytest.raises(AuthError) as refused:
        await authenticate("Bearer eyJhbGci", "acme/api", (*METHODS, unavailable))
    assert (refused.value.status, refused.value.message) == (503, "cannot verify the token now")


def test_a_grant_says_who_uploads() -> None:
    assert Grant("acme/api", "upload-token").identity == {}
    grant = Grant("acme/api", "github-actions-oidc", {"run_id": "7"})
    assert grant.identity == {"run_id": "7"}
