"""`paasbot upload`: gzip a report and POST it to paasbot's report intake (the CI side)."""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

import aiohttp

from app.reports import ci_env

GZIP_MAGIC = b"\x1f\x8b"
TIMEOUT_SECONDS = 300


class UploadSetupError(Exception):
    """Something needed is missing here (exit 2)."""


def run_upload(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    try:
        url, token, repository, sha = _target(args, env)
        raw = _read(args.file)
    except UploadSetupError as exc:
        print(f"paasbot: {exc}", file=err)
        return 2
    body = raw if raw.startswith(GZIP_MAGIC) else gzip.compress(raw, mtime=0)
    endpoint = f"{url.rstrip('/')}/api/reports/{quote(repository)}/{sha}"
    print(
        f"paasbot: uploading {args.kind} report {args.name!r} for {repository}@{sha[:12]}: "
        f"{len(raw)} bytes, {len(body)} sent gzip-compressed, to {endpoint}",
        file=out,
    )
    try:
        status, answer = asyncio.run(
            _post(endpoint, token, body, {"kind": args.kind, "name": args.name})
        )
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


def _target(args: argparse.Namespace, env: Mapping[str, str]) -> tuple[str, str, str, str]:
    url = args.url or env.get("PAASBOT_URL", "").strip()
    if not url:
        raise UploadSetupError("no paasbot URL: pass --url or set PAASBOT_URL")
    token = args.token or env.get("PAASBOT_TOKEN", "").strip()
    if not token:
        raise UploadSetupError(
            "no upload token: pass --token or set PAASBOT_TOKEN (`paasbot token owner/repo`)"
        )
    found = ci_env.detect(env) if not (args.repo and args.sha) else None
    repository = args.repo or (found.repository if found else None)
    sha = args.sha or (found.sha if found else None)
    if not repository or "/" not in repository:
        raise UploadSetupError(
            "which repository? pass --repo owner/repo (no CI variable names it here)"
        )
    if not sha:
        raise UploadSetupError("which commit? pass --sha (no CI variable names it here)")
    return url, token, repository, sha


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UploadSetupError(f"{path}: {exc.strerror}") from None


async def _post(
    endpoint: str, token: str, body: bytes, params: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/octet-stream",
        "Content-Encoding": "gzip",
    }
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(endpoint, data=body, headers=headers, params=params) as response,
    ):
        text = await response.text()
        try:
            answer = json.loads(text)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            answer = {"error": text.strip()[:500] or response.reason}
        return response.status, answer
