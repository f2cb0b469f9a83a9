"""Who may upload reports for a repository: upload tokens, and the authentication of an upload.

Methods are tried in order (`ReportIntake.methods`, built in `app.web.server`). Each is an async
callable that returns a `Grant` when the token is its own and valid, None when the token is
not its kind, and raises `AuthError` when it is its kind but refused. Two methods exist:

- Upload tokens (here): a per-repository token derived from the app's webhook secret,

      pbu_ + base32 (lower-case, unpadded) of HMAC-SHA256(WEBHOOK_SECRET, "upload:" + owner/repo)

  with `owner/repo` lower-cased. Nothing is stored: paasbot recomputes the token of the
  repository the upload names and compares in constant time. A token that is not shaped like one
  is refused with 401; a well-formed token that is not this repository's (another repository's,
  or a forged one) with 403. Rotating WEBHOOK_SECRET revokes every upload token.
- GitHub Actions OIDC tokens (`app.reports.oidc`): a JWT signed by the Actions issuer whose
  `repository` claim names the repository, so that no secret has to be stored in CI.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

TOKEN_PREFIX = "pbu_"  # noqa: S105 (a prefix, not a secret)
_TOKEN_SHAPE = re.compile(r"^pbu_[a-z2-7]{52}$")
_BEARER = re.compile(r"^Bearer\s+(\S+)\s*$", re.IGNORECASE)


def normalise_repository(repository: str) -> str:
    return repository.strip().lower()


def upload_token(secret: str, repository: str) -> str:
    """The upload token of `owner/repo` (any case) for this webhook secret."""
    message = ("upload:" + normalise_repository(repository)).encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return TOKEN_PREFIX + base64.b32encode(digest).decode().rstrip("=").lower()


class AuthError(Exception):
    """A refused upload: 401 (no usable credentials), 403 (credentials not for this repo), or 503
    (the credentials cannot be checked now); `status` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Grant:
    repository: str  # lower-case owner/repo
    method: str  # which method accepted the token, for the logs
    identity: Mapping[str, str] = field(default_factory=dict)  # who uploads, e.g. a workflow run


UploadMethod = Callable[[str, str], Awaitable[Grant | None]]


def secret_token_method(secret: str) -> UploadMethod:
    """The method of tokens derived from the webhook secret."""

    async def check(token: str, repository: str) -> Grant | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        if not _TOKEN_SHAPE.match(token):
            raise AuthError(401, "the upload token is malformed")
        expected = upload_token(secret, repository)
        if not hmac.compare_digest(token.encode(), expected.encode()):
            raise AuthError(403, f"this upload token is not valid for {repository}")
        return Grant(normalise_repository(repository), "upload-token")

    return check


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise AuthError(401, "Authorization: Bearer <upload token> is missing")
    match = _BEARER.match(authorization)
    if match is None:
        raise AuthError(401, "Authorization must be 'Bearer <upload token>'")
    return match.group(1)


async def authenticate(
    authorization: str | None, repository: str, methods: Sequence[UploadMethod]
) -> Grant:
    """The grant of the first method that recognises the token; AuthError otherwise."""
    token = bearer_token(authorization)
    for method in methods:
        grant = await method(token, repository)
        if grant is not None:
            return grant
    raise AuthError(401, "the bearer token is not a paasbot upload token")
