"""GitHub Actions OIDC tokens as upload credentials: no secret has to be stored in CI.

A job with `permissions: id-token: write` asks GitHub for an ID token with paasbot's audience and
uploads with it as the bearer token. A bearer token shaped like a JWT (three base64url parts) is
this method's; it is accepted when

- its header says RS256 (`none` and HS* are refused before any key is looked at) and names a key
  id (`kid`) that the issuer publishes (`app.reports.oidc_keys`), and the signature verifies;
- `iss` is the configured issuer (OIDC_ISSUER), `aud` contains the configured audience
  (OIDC_AUDIENCE), and `exp`, `nbf` and `iat` hold with a leeway of 60 s;
- its `repository` claim is the upload's `owner/repo` (case-insensitive): a valid token of another
  repository is refused with 403.

Every other refusal is a 401 naming the problem (never the token); a token that cannot be checked
because the issuer's keys cannot be fetched is a 503.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import jwt

from app.logs import fields
from app.reports.oidc_keys import IssuerKeys, KeysUnavailable
from app.reports.tokens import AuthError, Grant, UploadMethod, normalise_repository

log = logging.getLogger(__name__)

METHOD = "github-actions-oidc"
ALGORITHM = "RS256"
LEEWAY_SECONDS = 60
REQUIRED_CLAIMS = ("iss", "aud", "exp", "nbf", "iat", "repository")
IDENTITY_CLAIMS = ("sub", "workflow_ref", "run_id", "run_attempt", "actor", "event_name")
UNAVAILABLE = "cannot verify the OIDC token now: the issuer's keys could not be fetched"
_JWT_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_CLAIM_PROBLEMS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.InvalidSignatureError, "the OIDC token's signature is not valid"),
    (jwt.ExpiredSignatureError, "the OIDC token has expired"),
    (jwt.ImmatureSignatureError, "the OIDC token is not valid yet (nbf or iat is in the future)"),
    (jwt.InvalidIssuedAtError, "the OIDC token's iat is not a time"),
)


def looks_like_jwt(token: str) -> bool:
    return _JWT_SHAPE.match(token) is not None


def github_actions_oidc_method(
    issuer: str, audience: str, keys: IssuerKeys | None = None
) -> UploadMethod:
    """The method of GitHub Actions OIDC tokens issued by `issuer` for `audience`."""
    issuer_keys = keys or IssuerKeys(issuer)

    async def check(token: str, repository: str) -> Grant | None:
        if not looks_like_jwt(token):
            return None
        claims = await verified_claims(token, issuer_keys, audience)
        claimed = claims["repository"]
        if not isinstance(claimed, str) or normalise_repository(claimed) != normalise_repository(
            repository
        ):
            raise AuthError(403, f"this OIDC token is for {claimed}, not {repository}")
        grant = Grant(normalise_repository(repository), METHOD, workflow_identity(claims))
        log.info("OIDC token accepted", extra=fields(method=METHOD, **grant.identity))
        return grant

    return check


async def verified_claims(token: str, keys: IssuerKeys, audience: str) -> Mapping[str, Any]:
    """The claims of a token whose signature, issuer, audience and times hold; AuthError else."""
    key = await _signing_key(token, keys)
    try:
        return jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=keys.issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.PyJWTError as exc:
        raise AuthError(401, _claims_problem(exc, keys.issuer, audience)) from None


async def _signing_key(token: str, keys: IssuerKeys) -> jwt.PyJWK:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise AuthError(401, "the OIDC token is malformed") from None
    algorithm, kid = header.get("alg"), header.get("kid")
    if algorithm != ALGORITHM:
        raise AuthError(401, f"the OIDC token must be signed with {ALGORITHM}")
    if not isinstance(kid, str) or not kid:
        raise AuthError(401, "the OIDC token does not name its signing key (kid)")
    try:
        key = await keys.key(kid)
    except KeysUnavailable as exc:
        log.warning("OIDC keys not fetched", extra=fields(issuer=keys.issuer, reason=str(exc)))
        raise AuthError(503, UNAVAILABLE) from None
    if key is None:
        raise AuthError(401, "the OIDC token is signed with a key its issuer does not publish")
    return key


def _claims_problem(exc: jwt.PyJWTError, issuer: str, audience: str) -> str:
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"the OIDC token has no {exc.claim!r} claim"
    if isinstance(exc, jwt.InvalidIssuerError):
        return f"the OIDC token was not issued by {issuer} (OIDC_ISSUER)"
    if isinstance(exc, jwt.InvalidAudienceError):
        return f"the OIDC token's audience is not {audience!r} (OIDC_AUDIENCE)"
    for kind, message in _CLAIM_PROBLEMS:
        if isinstance(exc, kind):
            return message
    return "the OIDC token is malformed"


def workflow_identity(claims: Mapping[str, Any]) -> dict[str, str]:
    """Who the token says is uploading (the workflow run), for the logs."""
    return {name: str(claims[name]) for name in IDENTITY_CLAIMS if claims.get(name) is not None}
