"""The HTML pages of the registration flow: the auto-submitting manifest form, done, and errors.
Everything interpolated is escaped; the one script runs by nonce (CSP)."""

from __future__ import annotations

import html
import json
import secrets
from collections.abc import Mapping
from typing import Any

from aiohttp import web

STYLE = "body{font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;line-height:1.5}"


def _response(status: int, title: str, body: str, *, nonce: str | None = None) -> web.Response:
    script_src = f"'nonce-{nonce}'" if nonce else "'none'"
    headers = {
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'unsafe-inline'; script-src {script_src}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
    }
    text = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>{body}</body></html>"
    )
    return web.Response(status=status, text=text, content_type="text/html", headers=headers)


def form_page(action: str, manifest: Mapping[str, Any], *, target: str) -> web.Response:
    """The form that posts the manifest to GitHub, submitted at once (a button without script)."""
    nonce = secrets.token_urlsafe(16)
    value = html.escape(json.dumps(manifest), quote=True)
    body = (
        f"<h1>Register paasbot on {html.escape(target)}</h1>"
        "<p>Sending the app's manifest to GitHub; confirm the app's name there.</p>"
        f"<form id='register' method='post' action='{html.escape(action, quote=True)}'>"
        f"<input type='hidden' name='manifest' value='{value}'>"
        "<button type='submit'>Register the GitHub App</button></form>"
        f"<script nonce='{nonce}'>document.getElementById('register').submit();</script>"
    )
    return _response(200, "Register paasbot", body, nonce=nonce)


def done_page(app_name: str, install_url: str, env_file: str, next_step: str) -> web.Response:
    body = (
        f"<h1>done: {html.escape(app_name)} is registered</h1>"
        f"<p>Its credentials are in <code>{html.escape(env_file)}</code> (mode 0600).</p>"
        f"<p>Install the app at <a href='{html.escape(install_url, quote=True)}'>"
        f"{html.escape(install_url)}</a></p>"
        f"<p>{html.escape(next_step)}</p>"
    )
    return _response(200, "paasbot registered", body)


def error_page(status: int, problem: str, remedy: str) -> web.Response:
    body = (
        "<h1>Registration failed</h1>"
        f"<p><strong>{html.escape(problem)}</strong></p><p>{html.escape(remedy)}</p>"
    )
    return _response(status, "Registration failed", body)
