"""GitHub Apps registered in the simulator by the app-manifest flow, beside its built-in app.

GitHub's flow (docs: "Registering a GitHub App from a manifest"): a page POSTs a form field
``manifest`` (JSON) to ``/settings/apps/new`` or ``/organizations/{org}/settings/apps/new``; the
user confirms; GitHub registers the app and redirects to the manifest's ``redirect_url`` with
``?code=...&state=...``; within an hour the code is exchanged once for the app's id, private key
(``pem``), webhook secret and client credentials by ``POST /app-manifests/{code}/conversions``.
The simulated user confirms at once.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import rsa

from app.sandbox.keys import new_app_key, private_pem
from app.sandbox.models import AccountType, Installation

if TYPE_CHECKING:
    from app.sandbox.state import SimulatedGitHub

MANIFEST_CODE_TTL_SECONDS = 3600
PERMISSION_VALUES = frozenset({"read", "write", "admin"})
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


class ManifestError(ValueError):
    """The manifest cannot be registered; the message says why, as GitHub's form would."""


@dataclass
class RegisteredApp:
    id: int
    slug: str
    name: str
    owner: str
    description: str
    url: str
    hook_url: str | None
    hook_active: bool
    redirect_url: str | None
    setup_url: str | None
    public: bool
    permissions: dict[str, str]
    events: list[str]
    client_id: str
    client_secret: str
    webhook_secret: str | None
    created_at: float
    private_key: rsa.RSAPrivateKey = field(repr=False, default_factory=new_app_key)

    @property
    def pem(self) -> str:
        return private_pem(self.private_key)

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()


@dataclass
class ManifestCode:
    code: str
    app_id: int
    issued_at: float
    used: bool = False

    def usable(self, now: float) -> bool:
        return not self.used and now < self.issued_at + MANIFEST_CODE_TTL_SECONDS


def parse_manifest(text: str | None) -> dict[str, Any]:
    if text is None or not text.strip():
        raise ManifestError("The manifest is missing (form field 'manifest')")
    try:
        manifest = json.loads(text)
    except ValueError:
        raise ManifestError("The manifest is not valid JSON") from None
    if not isinstance(manifest, dict):
        raise ManifestError("The manifest must be a JSON object")
    if not _text(manifest.get("url")):
        raise ManifestError("The manifest's url (the app's homepage) is required")
    hook = manifest.get("hook_attributes")
    if hook is not None and (not isinstance(hook, dict) or not _text(hook.get("url"))):
        raise ManifestError("The manifest's hook_attributes.url is required")
    permissions = manifest.get("default_permissions") or {}
    if not isinstance(permissions, dict) or any(
        not isinstance(value, str) or value not in PERMISSION_VALUES
        for value in permissions.values()
    ):
        raise ManifestError("default_permissions must map permissions to read, write or admin")
    events = manifest.get("default_events") or []
    if not isinstance(events, list) or not all(isinstance(event, str) for event in events):
        raise ManifestError("default_events must be a list of event names")
    return manifest


def slugify(name: str) -> str:
    return _SLUG_JUNK.sub("-", name.lower()).strip("-")


def register_from_manifest(
    state: SimulatedGitHub,
    manifest: Mapping[str, Any],
    *,
    owner: str,
    owner_type: AccountType = "User",
) -> tuple[RegisteredApp, ManifestCode]:
    """Registers the app for ``owner`` (the signed-in user, or an organisation) and issues the
    one-time code its redirect carries."""
    name = _text(manifest.get("name")) or f"{owner}-app"
    slug = slugify(name)
    if not slug or slug in _taken_slugs(state):
        raise ManifestError(f"Name {name!r} is already taken (or unusable) as an app name")
    state.account(owner, owner_type)
    hook = manifest.get("hook_attributes") or {}
    app = RegisteredApp(
        id=_new_app_id(state),
        slug=slug,
        name=name,
        owner=owner,
        description=_text(manifest.get("description")) or "",
        url=_text(manifest.get("url")) or "",
        hook_url=_text(hook.get("url")),
        hook_active=bool(hook.get("active", True)) if hook else False,
        redirect_url=_text(manifest.get("redirect_url")),
        setup_url=_text(manifest.get("setup_url")),
        public=bool(manifest.get("public", False)),
        permissions={"metadata": "read", **dict(manifest.get("default_permissions") or {})},
        events=list(manifest.get("default_events") or []),
        client_id="Iv1." + secrets.token_hex(8),
        client_secret=secrets.token_hex(20),
        webhook_secret=secrets.token_hex(20) if hook else None,
        created_at=state.now(),
    )
    state.apps[app.id] = app
    code = ManifestCode(code=secrets.token_hex(10), app_id=app.id, issued_at=state.now())
    state.manifest_codes[code.code] = code
    return app, code


def convert_manifest_code(state: SimulatedGitHub, code: str) -> RegisteredApp | None:
    """The app the code was issued for, once; None for an unknown, used or expired code."""
    issued = state.manifest_codes.get(code)
    if issued is None or not issued.usable(state.now()):
        return None
    issued.used = True
    return state.apps.get(issued.app_id)


def install_registered_app(
    state: SimulatedGitHub,
    app_id: int,
    account: str,
    *,
    account_type: AccountType = "Organization",
) -> Installation:
    """An installation of a registered app on ``account`` with the app's permissions and events
    (add repositories to it with ``state.add_repository``)."""
    app = state.apps[app_id]
    installation = state.add_installation(
        account, account_type=account_type, permissions=app.permissions, app_id=app.id
    )
    installation.events = list(app.events)
    return installation


def _taken_slugs(state: SimulatedGitHub) -> set[str]:
    return {state.app_slug, *(app.slug for app in state.apps.values())}


def _new_app_id(state: SimulatedGitHub) -> int:
    app_id = state.next_id()
    while app_id == state.app_id:
        app_id = state.next_id()
    return app_id


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
