"""app.yml -> the manifest GitHub registers, with this deployment's URLs; GitHub's URLs. Pure."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import yaml

WEBHOOK_PATH = "/api/github/webhooks"
# The keys GitHub reads from a manifest; anything else in app.yml stays out of it.
MANIFEST_KEYS = (
    "name",
    "url",
    "description",
    "hook_attributes",
    "redirect_url",
    "callback_urls",
    "setup_url",
    "public",
    "default_permissions",
    "default_events",
    "request_oauth_on_install",
    "setup_on_update",
)


class ManifestSourceError(ValueError):
    """app.yml is missing or is not a manifest."""


def app_yml_candidates() -> tuple[Path, ...]:
    """The checkout's app.yml, then one in the current folder (app.yml is not packaged)."""
    return (Path(__file__).resolve().parents[2] / "app.yml", Path.cwd() / "app.yml")


def load_app_definition(path: Path | None = None) -> dict[str, Any]:
    candidates = (path,) if path is not None else app_yml_candidates()
    for candidate in candidates:
        if candidate.is_file():
            try:
                data = yaml.safe_load(candidate.read_text())
            except yaml.YAMLError as exc:
                raise ManifestSourceError(f"{candidate} is not valid YAML: {exc}") from None
            if not isinstance(data, dict) or not data.get("name"):
                raise ManifestSourceError(f"{candidate} is not an app manifest (no name)")
            return data
    names = ", ".join(str(candidate) for candidate in candidates)
    raise ManifestSourceError(f"app.yml not found (looked at {names})")


def public_base_url(url: str) -> str:
    """PUBLIC_URL checked (http(s), a host, no query) and without a trailing slash."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"the public URL must look like https://paasbot.example.com, got {url!r}")
    return url.strip().rstrip("/")


def build_manifest(
    definition: Mapping[str, Any], *, public_url: str, redirect_url: str
) -> dict[str, Any]:
    """The manifest: app.yml's name, description, permissions and events, with the homepage and
    webhook URL at ``public_url`` and GitHub's redirect to ``redirect_url``."""
    base = public_base_url(public_url)
    manifest = {key: copy.deepcopy(definition[key]) for key in MANIFEST_KEYS if key in definition}
    hook = dict(manifest.get("hook_attributes") or {})
    hook["url"] = base + WEBHOOK_PATH
    hook.setdefault("active", True)
    manifest["hook_attributes"] = hook
    manifest["url"] = base
    manifest["redirect_url"] = redirect_url
    # Where GitHub sends users back after they log in to the insights dashboard (app/web/auth.py).
    manifest["callback_urls"] = [base + "/oauth/callback"]
    manifest.pop("setup_url", None)  # paasbot has no post-installation page
    return manifest


def web_url(ghe_host: str, ghe_protocol: str = "https") -> str:
    return f"{ghe_protocol}://{ghe_host}"


def api_url(ghe_host: str, ghe_protocol: str = "https") -> str:
    if ghe_host.lower() == "github.com":
        return "https://api.github.com"
    return web_url(ghe_host, ghe_protocol) + "/api/v3"


def new_app_url(ghe_host: str, ghe_protocol: str = "https", org: str | None = None) -> str:
    """Where the manifest form posts: the signed-in user's apps, or the organisation's."""
    if org:
        return (
            web_url(ghe_host, ghe_protocol)
            + f"/organizations/{quote(org, safe='')}/settings/apps/new"
        )
    return web_url(ghe_host, ghe_protocol) + "/settings/apps/new"


def conversion_url(ghe_host: str, ghe_protocol: str, code: str) -> str:
    return api_url(ghe_host, ghe_protocol) + f"/app-manifests/{quote(code, safe='')}/conversions"
