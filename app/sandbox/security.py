"""Authorization headers: app JWTs (RS256) and installation access tokens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from app.sandbox.context import Credentials
from app.sandbox.errors import ApiError, bad_credentials
from app.sandbox.models import IssuedToken
from app.sandbox.state import SimulatedGitHub

CLOCK_SKEW_SECONDS = 60
MAX_JWT_LIFETIME_SECONDS = 600

UNDECODABLE_JWT = "A JSON web token could not be decoded"
BAD_IAT = "'Issued at' claim ('iat') must be an Integer representing a time in the past"
BAD_EXP = (
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at "
    "which the assertion expires"
)
EXP_TOO_FAR = "'Expiration time' claim ('exp') is too far in the future"
TOKEN_SCHEMES = frozenset({"token", "bearer"})


def parse_authorization(header: str | None) -> Credentials | None:
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if not value:
        return None
    return Credentials(scheme=scheme.lower(), value=value)


def find_grant(state: SimulatedGitHub, credentials: Credentials | None) -> IssuedToken | None:
    if credentials is None or credentials.scheme not in TOKEN_SCHEMES:
        return None
    return state.resolve_token(credentials.value)


def verify_app_jwt(state: SimulatedGitHub, credentials: Credentials | None) -> int:
    """The id of the app whose JWT authenticates the request (the built-in app or one registered
    by the manifest flow, each checked with its own key)."""
    if credentials is None or credentials.scheme != "bearer":
        raise ApiError(401, UNDECODABLE_JWT)
    app_id, key = state.app_signing_key(_unverified_issuer(credentials.value))
    claims = _decode(key, credentials.value)
    if str(claims.get("iss")) != str(app_id):
        raise bad_credentials()
    _check_times(claims, state.now())
    return app_id


def _unverified_issuer(token: str) -> str:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return ""
    return str(claims.get("iss", ""))


def _decode(key: RSAPublicKey, token: str) -> Mapping[str, Any]:
    options: Any = {"verify_exp": False, "verify_iat": False, "verify_nbf": False}
    try:
        claims = jwt.decode(token, key, algorithms=["RS256"], options=options)
    except jwt.PyJWTError as exc:
        raise ApiError(401, UNDECODABLE_JWT) from exc
    if not {"iat", "exp", "iss"} <= claims.keys():
        raise ApiError(401, UNDECODABLE_JWT)
    return claims


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_times(claims: Mapping[str, Any], now: float) -> None:
    iat, exp = claims["iat"], claims["exp"]
    if not _is_integer(iat) or iat > now + CLOCK_SKEW_SECONDS:
        raise ApiError(401, BAD_IAT)
    if not _is_integer(exp) or exp + CLOCK_SKEW_SECONDS < now:
        raise ApiError(401, BAD_EXP)
    if exp - iat > MAX_JWT_LIFETIME_SECONDS:
        raise ApiError(401, EXP_TOO_FAR)
