"""POST /api/reports/{owner}/{repo}/{sha}: CI uploads a coverage or lint report for a commit.

Order of checks, cheapest refusal first: the path (400), the bearer token (401/403), `kind` and
`name` (400), the size (413: `Content-Length` over the cap before reading, then the body counted
while read and, when gzip-compressed, while decompressed), an empty body (400), the kind's
validator (422). Past the authentication, uploads are read and checked `UploadSlots.size` at a
time (a JSON report takes about ten times its size in memory while checked); one more waits for a
slot up to `UploadSlots.wait_seconds`, then is a 503 with `Retry-After`. Then the report is stored
(replacing its namesake) and the open PRs whose head is that SHA are marked, in one transaction;
the 202 is sent after the commit. Formats are not parsed here.
"""

from __future__ import annotations

import asyncio
import logging
import re
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError
from sqlalchemy.exc import SQLAlchemyError

from app.logs import fields, log_context
from app.reports.coverage_model import ReportError
from app.reports.tokens import AuthError, UploadMethod, authenticate
from app.reports.validation import REPORT_KINDS, VALIDATORS
from app.routing.apply import Router
from app.store.db import Database
from app.store.reports import compress_body, indexed_heads, store_report

log = logging.getLogger(__name__)

REPORTS_PATH = "/api/reports/{owner}/{repo}/{sha}"
DEFAULT_NAME = "default"
GZIP_MAGIC = b"\x1f\x8b"
REPORT_EVENT = "report"
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_OWNER_OR_REPO = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_SHA = re.compile(r"^[0-9a-fA-F]{40}$")
_FIELD_MAX_BYTES = 1024
_CHUNK = 64 * 1024


@dataclass
class UploadSlots:
    """How many uploads are read and checked at once, and how long one more waits for a slot."""

    size: int = 4
    wait_seconds: float = 30.0
    _free: asyncio.Semaphore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._free = asyncio.Semaphore(self.size)

    async def acquire(self) -> None:
        try:
            async with asyncio.timeout(self.wait_seconds):
                await self._free.acquire()
        except TimeoutError:
            raise UploadBusy(self.size, self.wait_seconds) from None

    def release(self) -> None:
        self._free.release()


@dataclass(frozen=True)
class ReportIntake:
    db: Database
    router: Router
    max_bytes: int  # the raw body and the uncompressed report, each
    methods: tuple[UploadMethod, ...]
    wake: Callable[[], None] = lambda: None
    slots: UploadSlots = field(default_factory=UploadSlots)


REPORT_INTAKE = web.AppKey("report_intake", ReportIntake)


class UploadRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class UploadBusy(UploadRefused):
    RETRY_AFTER_SECONDS = 10

    def __init__(self, slots: int, waited: float) -> None:
        super().__init__(
            503,
            f"{slots} uploads are being checked (REPORT_UPLOADS_AT_ONCE) and none ended within "
            f"{waited:g} s; retry in {self.RETRY_AFTER_SECONDS} s",
        )


@dataclass(frozen=True)
class PreparedReport:
    size: int
    format: str
    compressed: bytes


def add_report_routes(app: web.Application) -> None:
    resource = app.router.add_resource(REPORTS_PATH)
    resource.add_route("POST", handle_report_upload)
    resource.add_route("*", _method_not_allowed)


async def _method_not_allowed(request: web.Request) -> web.Response:
    return web.json_response(
        {"error": f"{request.method} is not allowed here: POST a report"},
        status=405,
        headers={"Allow": "POST"},
    )


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def handle_report_upload(request: web.Request) -> web.Response:
    intake = request.app[REPORT_INTAKE]
    owner, repo = request.match_info["owner"], request.match_info["repo"]
    repository = f"{owner}/{repo}".lower()
    with log_context(repository=repository):
        try:
            return await _upload(request, intake, owner, repo)
        except UploadRefused as exc:
            log.info("report refused", extra=fields(status=exc.status, reason=exc.message))
            response = _error(exc.status, exc.message)
            if isinstance(exc, UploadBusy):
                response.headers["Retry-After"] = str(exc.RETRY_AFTER_SECONDS)
            return response
        except AuthError as exc:
            log.warning("report upload not authorised", extra=fields(reason=exc.message))
            return _error(exc.status, exc.message)


async def _upload(
    request: web.Request, intake: ReportIntake, owner: str, repo: str
) -> web.Response:
    sha = request.match_info["sha"]
    for part in (owner, repo):
        if not _OWNER_OR_REPO.match(part) or part in (".", ".."):
            raise UploadRefused(400, f"{part!r} is not a repository owner or name")
    if not _SHA.match(sha):
        raise UploadRefused(400, "the commit must be a full 40-character hexadecimal SHA")
    repository, sha = f"{owner}/{repo}".lower(), sha.lower()
    grant = await authenticate(request.headers.get("Authorization"), repository, intake.methods)
    _check_fields(request.query.get("kind"), request.query.get("name"), required=False)
    await intake.slots.acquire()
    try:
        raw, form = await _read_body(request, intake.max_bytes)
        kind = form.get("kind") or request.query.get("kind")
        name = form.get("name") or request.query.get("name") or DEFAULT_NAME
        _check_fields(kind, name, required=True)
        assert kind is not None
        prepared = await asyncio.to_thread(_prepare, raw, kind, intake.max_bytes)
    finally:
        intake.slots.release()
    received_at = intake.router.queue.clock()
    try:
        async with intake.db.transaction() as conn:
            report_id = await store_report(
                conn,
                repository=repository,
                sha=sha,
                kind=kind,
                name=name,
                format=prepared.format,
                compressed=prepared.compressed,
                size=prepared.size,
                received_at=received_at,
            )
            numbers: list[int] = []
            for head in await indexed_heads(conn, repository, sha):
                refs = await intake.router.mark_head(
                    conn,
                    head.installation_id,
                    head.repository,
                    sha,
                    event_id=f"report:{report_id}",
                    event=REPORT_EVENT,
                    action=kind,
                )
                numbers.extend(ref.number for ref in refs if ref.number is not None)
    except (SQLAlchemyError, OSError):
        log.exception("report not stored")
        return _error(503, "the report could not be stored; upload it again later")
    if numbers:
        intake.wake()
    log.info(
        "report stored",
        extra=fields(
            sha=sha,
            kind=kind,
            name=name,
            format=prepared.format,
            size=prepared.size,
            pulls=numbers,
            method=grant.method,
        ),
    )
    return web.json_response(
        {
            "stored": True,
            "repository": repository,
            "sha": sha,
            "kind": kind,
            "name": name,
            "format": prepared.format,
            "bytes": prepared.size,
            "pull_requests": sorted(set(numbers)),
        },
        status=202,
    )


def _check_fields(kind: str | None, name: str | None, *, required: bool) -> None:
    if kind is None:
        if required:
            raise UploadRefused(400, f"kind is missing: one of {', '.join(REPORT_KINDS)}")
    elif kind not in VALIDATORS:
        raise UploadRefused(400, f"kind {kind[:64]!r} is not one of {', '.join(REPORT_KINDS)}")
    if name is not None and not _NAME.match(name):
        raise UploadRefused(400, "name must be 1 to 64 characters among A-Z a-z 0-9 _ . -")


def _too_large(max_bytes: int) -> UploadRefused:
    return UploadRefused(
        413, f"the report is larger than {max_bytes} bytes (REPORT_MAX_BYTES), uncompressed"
    )


async def _read_body(request: web.Request, max_bytes: int) -> tuple[bytes, dict[str, str]]:
    """The report's bytes (aiohttp has already undone a `Content-Encoding: gzip`, in bounded
    steps) and the form fields of a multipart upload."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise _too_large(max_bytes)
    try:
        if request.content_type == "multipart/form-data":
            return await _read_multipart(request, max_bytes)
        return await _collect(request.content.iter_chunked(_CHUNK), max_bytes), {}
    except web.HTTPException as exc:  # a malformed multipart body
        raise UploadRefused(400, f"the body cannot be read: {exc.reason}") from None
    except (HttpProcessingError, RequestPayloadError):
        raise UploadRefused(
            400, "the body cannot be read: it does not match its Content-Encoding"
        ) from None
    except ValueError as exc:
        raise UploadRefused(400, f"the body cannot be read: {exc}") from None


async def _read_multipart(request: web.Request, max_bytes: int) -> tuple[bytes, dict[str, str]]:
    reader = await request.multipart()
    form: dict[str, str] = {}
    report: bytes | None = None
    async for part in reader:
        if not isinstance(part, BodyPartReader):
            raise UploadRefused(400, "nested multipart bodies are not accepted")
        if part.filename is None and part.name in ("kind", "name"):
            try:
                value = await _collect(_part_chunks(part), _FIELD_MAX_BYTES)
            except UploadRefused:  # _collect's 413 speaks of the report's size
                raise UploadRefused(
                    400, f"the form field {part.name} is longer than {_FIELD_MAX_BYTES} bytes"
                ) from None
            form[part.name] = value.decode(errors="replace").strip()
        elif part.filename is not None or part.name in ("file", "report"):
            if report is not None:
                raise UploadRefused(400, "upload one report per request")
            report = await _collect(_part_chunks(part), max_bytes)
    if report is None:
        raise UploadRefused(400, "the form has no file part (e.g. file=@coverage.xml)")
    return report, form


async def _part_chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await part.read_chunk(_CHUNK):
        yield chunk


async def _collect(chunks: AsyncIterator[bytes], max_bytes: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes)
        parts.append(chunk)
    return b"".join(parts)


def _prepare(raw: bytes, kind: str, max_bytes: int) -> PreparedReport:
    """CPU-bound, run in a thread: decompress (capped), validate, compress for storage."""
    body = gunzip_capped(raw, max_bytes) if raw.startswith(GZIP_MAGIC) else raw
    if not body:
        raise UploadRefused(400, "the report is empty")
    try:
        report_format = VALIDATORS[kind](body)
    except ReportError as exc:
        raise UploadRefused(422, f"the {kind} report cannot be used: {exc}") from None
    return PreparedReport(len(body), report_format, compress_body(body))


def gunzip_capped(data: bytes, max_bytes: int) -> bytes:
    """Decompresses gzip `data` (one or more members), stopping as soon as the output passes
    `max_bytes`: a gzip bomb costs at most `max_bytes` of memory."""
    out = bytearray()
    while data:
        if not data.startswith(GZIP_MAGIC):
            if data.strip(b"\0"):
                raise UploadRefused(400, "the gzip body has trailing data that is not gzip")
            break
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        pending = data
        try:
            while not inflater.eof:
                piece = inflater.decompress(pending, max_bytes - len(out) + 1)
                out += piece
                if len(out) > max_bytes:
                    raise _too_large(max_bytes)
                pending = inflater.unconsumed_tail
                if not piece and not pending and not inflater.eof:
                    raise UploadRefused(400, "the gzip body is truncated")
        except zlib.error as exc:
            raise UploadRefused(400, f"the body is not valid gzip: {exc}") from None
        data = inflater.unused_data
    return bytes(out)
