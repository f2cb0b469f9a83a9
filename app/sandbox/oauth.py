"""User-to-server tokens of GitHub Apps: the web flow GitHub documents in "Generating a user access
token for a GitHub App".

``GET /login/oauth/authorize?client_id&redirect_uri&state`` asks the signed-in user to authorise
the app; the simulated user (``state.web_user``, or the ``login`` the request suggests) does at
once, and the answer is a 302 to ``redirect_uri`` with a one-time ``code`` (ten minutes) and the
caller's ``state``. ``POST /login/oauth/access_token`` exchanges the code, with the app's client
id and secret, for a ``ghu_`` token (eight hours) and a ``ghr_`` refresh token. A user token acts
as the user *through the app*: it sees what both can see (``GET /user/installations`` and
``GET /user/installations/{id}/repositories``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.sandbox.models import Installation, Repository
from app.sandbox.ops.roles import repository_role
from app.sandbox.ops.teams import is_org_member, is_org_owner

if TYPE_CHECKING:
    from app.sandbox.state import SimulatedGitHub

OAUTH_CODE_TTL_SECONDS = 600
USER_TOKEN_TTL_SECONDS = 8 * 3600
REFRESH_TOKEN_TTL_SECONDS = 15_897_600  # six months, as GitHub says


class OAuthError(ValueError):
    """An access-token request GitHub answers with an ``error`` (still HTTP 200)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


INCORRECT_CLIENT_CREDENTIALS = (
    "incorrect_client_credentials",
    "The client_id and/or client_secret passed are incorrect.",
)
BAD_VERIFICATION_CODE = ("bad_verification_code", "The code passed is incorrect or expired.")
REDIRECT_URI_MISMATCH = (
    "redirect_uri_mismatch",
    "The redirect_uri MUST match the registered callback URL for this application.",
)


@dataclass
class OAuthCode:
    code: str
    app_id: int
    login: str
    redirect_uri: str | None
    issued_at: float
    used: bool = False

    def usable(self, now: float) -> bool:
        return not self.used and now < self.issued_at + OAUTH_CODE_TTL_SECONDS


@dataclass(frozen=True)
class UserToken:
    token: str
    refresh_token: str
    app_id: int
    login: str
    issued_at: float
    expires_at: float

    def is_valid(self, now: float) -> bool:
        return now < self.expires_at


def app_for_client_id(state: SimulatedGitHub, client_id: str | None) -> int | None:
    """The app (built-in or registered) whose client id this is; None when none is."""
    if not client_id:
        return None
    if secrets.compare_digest(client_id, state.client_id):
        return state.app_id
    for app in state.apps.values():
        if secrets.compare_digest(client_id, app.client_id):
            return app.id
    return None


def client_secret_of(state: SimulatedGitHub, app_id: int) -> str:
    registered = state.apps.get(app_id)
    return state.client_secret if registered is None else registered.client_secret


def authorize(
    state: SimulatedGitHub, app_id: int, login: str, redirect_uri: str | None
) -> OAuthCode:
    """The user authorises the app: a one-time code for its redirect."""
    state.account(login)
    code = OAuthCode(
        code=secrets.token_hex(10),
        app_id=app_id,
        login=login,
        redirect_uri=redirect_uri,
        issued_at=state.now(),
    )
    state.oauth_codes[code.code] = code
    return code


def exchange_code(
    state: SimulatedGitHub,
    *,
    client_id: str | None,
    client_secret: str | None,
    code: str | None,
    redirect_uri: str | None,
) -> UserToken:
    """A user token for a code, once; OAuthError as GitHub words it otherwise."""
    app_id = app_for_client_id(state, client_id)
    if app_id is None or not secrets.compare_digest(
        client_secret or "", client_secret_of(state, app_id)
    ):
        raise OAuthError(*INCORRECT_CLIENT_CREDENTIALS)
    issued = state.oauth_codes.get(code or "")
    if issued is None or issued.app_id != app_id or not issued.usable(state.now()):
        raise OAuthError(*BAD_VERIFICATION_CODE)
    if redirect_uri and issued.redirect_uri and redirect_uri != issued.redirect_uri:
        raise OAuthError(*REDIRECT_URI_MISMATCH)
    issued.used = True
    now = state.now()
    token = UserToken(
        token="ghu_" + secrets.token_hex(18),
        refresh_token="ghr_" + secrets.token_hex(38),
        app_id=app_id,
        login=issued.login,
        issued_at=now,
        expires_at=now + USER_TOKEN_TTL_SECONDS,
    )
    state.user_tokens[token.token] = token
    return token


def resolve_user_token(state: SimulatedGitHub, value: str) -> UserToken | None:
    token = state.user_tokens.get(value)
    if token is None or not token.is_valid(state.now()):
        return None
    return token


def user_repositories(
    state: SimulatedGitHub, token: UserToken, installation: Installation
) -> list[Repository]:
    """The installation's repositories the user has a role on (owner, collaborator, team, member
    of the owning organisation), oldest first: what both the user and the app can see."""
    found = []
    for name in installation.repositories:
        repository = state.find_repository(name)
        if repository is None or state.installation_for(repository) is not installation:
            continue
        if repository_role(state, repository, token.login) is not None:
            found.append(repository)
    return sorted(found, key=lambda repository: repository.id)


def user_installations(state: SimulatedGitHub, token: UserToken) -> list[Installation]:
    """The token's app's installations the user can reach: on their own account, on an
    organisation they belong to, or holding a repository they have a role on."""
    found = []
    for installation in state.installations.values():
        if state.installation_app_id(installation) != token.app_id:
            continue
        account = installation.account
        if (
            account.lower() == token.login.lower()
            or is_org_member(state, account, token.login)
            or is_org_owner(state, account, token.login)
            or user_repositories(state, token, installation)
        ):
            found.append(installation)
    return sorted(found, key=lambda installation: installation.id)
