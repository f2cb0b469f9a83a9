"""`paasbot upload`: gzip a report and POST it to paasbot's report intake (the CI side).

It authenticates with an upload token (`--token`, PAASBOT_TOKEN) or, without one, on GitHub
Actions, with the job's OIDC token: asked for paasbot's audience (`--audience`, PAASBOT_AUDIENCE,
else the server's default) the way `core.getIDToken` asks, `GET $ACTIONS_ID_TOKEN_REQUEST_URL`
with `audience` added and `ACTIONS_ID_TOKEN_REQUEST_TOKEN` as bearer, answered `{"value": jwt}`.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

import aiohttp
from yarl import URL

from app.reports import ci_env
from app.settings import DEFAULT_OIDC_AUDIENCE

GZIP_MAGIC = b"\x1f\x8b"
TIMEOUT_SECONDS = 300
NO_CREDENTIALS = (
    "no upload token: pass --token or set PAASBOT_TOKEN (`paasbot token owner/repo`), or, on "
    "GitHub Actions, give the job `permissions: id-token: write` to upload with its OIDC token"
)


class UploadSetupError(Exception):
    """Something needed is missing here (exit 2)."""


class IdTokenError(Exception):
    """GitHub Actions did not hand out an OIDC token (exit 1)."""


@dataclass(frozen=True)
class OidcCredential:
    request: ci_env.IdTokenRequest
    audience: str


Credential = str | OidcCredential  # an upload token, or how to get the job's OIDC token


@dataclass(frozen=True)
class Target:
    url: str
    credential: Credential
    repository: str
    sha: str


def run_upload(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    try:
        target = _target(args, env)
        raw = _read(args.file)
    except UploadSetupError as exc:
        print(f"paasbot: {exc}", file=err)
        return 2
    body = raw if raw.startswith(GZIP_MAGIC) else gzip.compress(raw, mtime=0)
    endpoint = f"{target.url.rstrip('/')}/api/reports/{quote(target.repository)}/{target.sha}"
    print(
        f"paasbot: uploading {args.kind} report {args.name!r} for {target.repository}@"
        f"{target.sha[:12]}: {len(raw)} bytes, {len(body)} sent gzip-compressed, to {endpoint}",
        file=out,
    )
    if isinstance(target.credential, OidcCredential):
        print(
            "paasbot: authenticating with this job's GitHub Actions OIDC token "
            f"(audience {target.credential.audience!r})",
            file=out,
        )
    try:
        status, answer = asyncio.run(
            _send(endpoint, target.credential, body, {"kind": args.kind, "name": args.name})
        )
    except IdTokenError as exc:
        print(f"paasbot: {exc}", file=err)
        return 1
    except (aiohttp.ClientError, TimeoutError) as exc:
        print(f"paasbot: the upload failed: {exc or type(exc).__name__}", file=err)
        return 1
    if status >= 400:
        message = answer.get("error")
        print(f"paasbot: paasbot refused the report (HTTP {status}): {message}", file=err)
        return 1
    pulls = answer.get("pull_requests") or []
    marked = ", ".join(f"#{n}" for n in pulls) if pulls else "none open with that head yet"
    print(
        f"paasbot: stored (HTTP {status}, format {answer.get('format')}, "
        f"{answer.get('bytes')} bytes); pull requests: {marked}",
        file=out,
    )
    return 0


def _target(args: argparse.Namespace, env: Mapping[str, str]) -> Target:
    url = args.url or env.get("PAASBOT_URL", "").strip()
    if not url:
        raise UploadSetupError("no paasbot URL: pass --url or set PAASBOT_URL")
    credential = _credential(args, env)
    found = ci_env.detect(env) if not (args.repo and args.sha) else None
    repository = args.repo or (found.repository if found else None)
    sha = args.sha or (found.sha if found else None)
    if not repository or "/" not in repository:
        raise UploadSetupError(
            "which repository? pass --repo owner/repo (no CI variable names it here)"
        )
    if not sha:
        raise UploadSetupError("which commit? pass --sha (no CI variable names it here)")
    return Target(url, credential, repository, sha)


def _credential(args: argparse.Namespace, env: Mapping[str, str]) -> Credential:
    token = args.token or env.get("PAASBOT_TOKEN", "").strip()
    if token:
        return token
    request = ci_env.id_token_request(env)
    if request is None:
        raise UploadSetupError(NO_CREDENTIALS)
    audience = args.audience or env.get("PAASBOT_AUDIENCE", "").strip() or DEFAULT_OIDC_AUDIENCE
    return OidcCredential(request, audience)


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UploadSetupError(f"{path}: {exc.strerror}") from None


async def _send(
    endpoint: str, credential: Credential, body: bytes, params: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        token = credential if isinstance(credential, str) else await id_token(session, credential)
        return await _post(session, endpoint, token, body, params)


async def id_token(session: aiohttp.ClientSession, credential: OidcCredential) -> str:
    """The job's OIDC token for the credential's audience, from GitHub Actions."""
    url = URL(credential.request.url, encoded=True).update_query(audience=credential.audience)
    headers = {
        "Authorization": f"Bearer {credential.request.bearer}",
        "Accept": "application/json",
    }
    try:
        async with session.get(url, headers=headers) as response:
            status, text = response.status, await response.text()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise IdTokenError(
            f"cannot ask GitHub Actions for an OIDC token: {exc or type(exc).__name__}"
        ) from None
    if status != 200:
        raise IdTokenError(
            f"GitHub Actions refused an OIDC token (HTTP {status}): {text.strip()[:300]}"
        )
    value = _json_object(text).get("value")
    if not isinstance(value, str) or not value:
        raise IdTokenError("GitHub Actions answered without an OIDC token (no 'value')")
    return value


async def _post(
    session: aiohttp.ClientSession, endpoint: str, token: str, body: bytes, params: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/octet-stream",
        "Content-Encoding": "gzip",
    }
    async with session.post(endpoint, data=body, headers=headers, params=params) as response:
        text = await response.text()
        answer = _json_object(text) or {"error": text.strip()[:500] or response.reason}
        return response.status, answer


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
