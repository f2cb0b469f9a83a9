"""Hostile webhooks (issue 13): forged and malformed signatures, replays, bodies at and over the
size cap, lying framing, odd JSON, wrong content types and encodings, and header tricks.

Cases tests/test_webhooks.py already proves are not repeated here (a wrong secret, an all-zero
digest, an empty header, `sha1=abc`, a body over the cap, chunked over the cap, malformed JSON,
10 000-deep nesting, missing GitHub headers, a redelivery under the same id). Every refusal
asserts its status, an error naming the problem, and that nothing was stored or marked."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient
from multidict import CIMultiDict
from sqlalchemy import func, select

from app.sandbox import SimulatedGitHub
from app.sandbox.actors_repos import add_collaborator
from app.sandbox.ops.issues import comment
from app.service import Paasbot
from app.store.tables import deliveries, subject_events, subjects
from app.web.server import WEBHOOK_PATH, create_web_app
from app.web.signature import sign
from tests.corpora import webhook_example
from tests.helpers import make_settings

SECRET = "It's a Secret to Everybody"
CAP = 64 * 1024
ClientFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """Refusals happen before any database is touched: SQLite is enough for them."""
    path = tmp_path / "paasbot.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def bot(sqlite_url: str, private_key: str) -> Paasbot:
    return Paasbot(make_settings(sqlite_url, private_key, webhook_max_bytes=CAP))


@pytest.fixture
async def client(bot: Paasbot, aiohttp_client: ClientFactory) -> TestClient:
    return await aiohttp_client(create_web_app(bot, run_workers=False))


@pytest.fixture
def stored_bot(database_url: str, private_key: str) -> Paasbot:
    """For what reaches the database: SQLite and PostgreSQL differ in what they refuse."""
    return Paasbot(make_settings(database_url, private_key, webhook_max_bytes=CAP))


@pytest.fixture
async def stored_client(stored_bot: Paasbot, aiohttp_client: ClientFactory) -> TestClient:
    return await aiohttp_client(create_web_app(stored_bot, run_workers=False))


def pr_opened(**changes: Any) -> dict[str, Any]:
    payload = webhook_example("pull_request", "opened")
    payload["installation"] = {"id": 7}
    payload.update(changes)
    return payload


def signed_headers(body: bytes, event: str = "pull_request", delivery: str = "d-1") -> CIMultiDict:
    return CIMultiDict(
        {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": sign(SECRET, body),
            "Content-Type": "application/json",
        }
    )


async def post(client: TestClient, body: bytes, headers: CIMultiDict) -> tuple[int, str]:
    response = await client.post(WEBHOOK_PATH, data=body, headers=headers)
    return response.status, await response.text()


async def nothing_stored(bot: Paasbot) -> bool:
    await bot.intake.settle()
    async with bot.db.reader() as conn:
        counts = [
            await conn.scalar(select(func.count()).select_from(table))
            for table in (deliveries, subjects, subject_events)
        ]
    return counts == [0, 0, 0]


def error_of(text: str) -> str:
    return str(json.loads(text)["error"])


# --- signatures -----------------------------------------------------------------------------

BODY = json.dumps(pr_opened()).encode()
VALID = sign(SECRET, BODY)
SIGNATURES: dict[str, str | None] = {
    "absent": None,
    "sha1-of-this-body": "sha1=" + hmac.new(SECRET.encode(), BODY, hashlib.sha1).hexdigest(),
    "upper-case-prefix": "SHA256=" + VALID.removeprefix("sha256="),
    "upper-case-hex": "sha256=" + VALID.removeprefix("sha256=").upper(),
    "no-prefix": VALID.removeprefix("sha256="),
    "prefix-only": "sha256=",
    "one-digit-short": VALID[:-1],
    "one-digit-long": VALID + "0",
    "non-hex": "sha256=" + "z" * 64,
    "another-body": sign(SECRET, BODY + b" "),
    "empty-secret": sign("", BODY),
    "two-signatures": f"{VALID},{VALID}",
    "base64-digest": "sha256="
    + base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha256).digest()).decode(),
    "unicode-digits": "sha256=" + VALID.removeprefix("sha256=").replace("1", "\uff11"),
}


@pytest.mark.parametrize("signature", SIGNATURES.values(), ids=SIGNATURES.keys())
async def test_a_forged_signature_is_refused(
    client: TestClient, bot: Paasbot, signature: str | None
) -> None:
    headers = signed_headers(BODY)
    del headers["X-Hub-Signature-256"]
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    status, text = await post(client, BODY, headers)
    assert status == 401
    assert "X-Hub-Signature-256" in error_of(text)
    assert await nothing_stored(bot)


async def test_githubs_sha1_header_alone_is_not_enough(client: TestClient, bot: Paasbot) -> None:
    headers = signed_headers(BODY)
    del headers["X-Hub-Signature-256"]
    headers["X-Hub-Signature"] = SIGNATURES["sha1-of-this-body"] or ""
    status, text = await post(client, BODY, headers)
    assert status == 401 and "X-Hub-Signature-256" in error_of(text)
    assert await nothing_stored(bot)


async def test_a_second_signature_header_is_refused(client: TestClient, bot: Paasbot) -> None:
    headers = signed_headers(BODY)
    headers.add("X-Hub-Signature-256", sign("another secret", BODY))
    status, text = await post(client, BODY, headers)
    assert status == 401 and "X-Hub-Signature-256" in error_of(text)
    assert await nothing_stored(bot)


async def test_an_empty_webhook_secret_verifies_nothing(
    database_url: str, private_key: str, aiohttp_client: ClientFactory
) -> None:
    """Anyone can compute HMAC("", body): with no secret every signature must fail."""
    bot = Paasbot(make_settings(database_url, private_key, webhook_secret=""))
    client = await aiohttp_client(create_web_app(bot, run_workers=False))
    headers = signed_headers(BODY)
    headers["X-Hub-Signature-256"] = sign("", BODY)
    status, text = await post(client, BODY, headers)
    assert status == 401 and "X-Hub-Signature-256" in error_of(text)
    assert await nothing_stored(bot)


# --- GitHub's headers -------------------------------------------------------------------------

EVENT_HEADERS = {
    "upper-case": "Pull_Request",
    "two-events": "pull_request,push",
    "path": "../push",
    "parameter": "pull_request;x=1",
    "space": "pull request",
    "long-s": "pull_reque\u017ft",
    "too-long": "a" * 65,
    "non-ascii-digits": "push\u0661",
}


@pytest.mark.parametrize("event", EVENT_HEADERS.values(), ids=EVENT_HEADERS.keys())
async def test_a_malformed_event_header_is_refused(
    client: TestClient, bot: Paasbot, event: str
) -> None:
    status, text = await post(client, BODY, signed_headers(BODY, event=event))
    assert status == 400 and "X-GitHub-Event" in error_of(text)
    assert await nothing_stored(bot)


DELIVERY_HEADERS = {
    "path": "../../etc/passwd",
    "space": "d 1",
    "too-long": "d" * 65,
    "markup": "<script>",
    "sql": "d-1';--",
    "non-ascii": "d-\u0661",
}


@pytest.mark.parametrize("delivery", DELIVERY_HEADERS.values(), ids=DELIVERY_HEADERS.keys())
async def test_a_malformed_delivery_id_is_refused(
    client: TestClient, bot: Paasbot, delivery: str
) -> None:
    status, text = await post(client, BODY, signed_headers(BODY, delivery=delivery))
    assert status == 400 and "X-GitHub-Delivery" in error_of(text)
    assert await nothing_stored(bot)


@pytest.mark.parametrize("header", ["X-GitHub-Event", "X-GitHub-Delivery"])
async def test_a_github_header_sent_twice_is_refused(
    client: TestClient, bot: Paasbot, header: str
) -> None:
    """Proxies disagree on which of two values counts; paasbot takes neither."""
    headers = signed_headers(BODY)
    headers.add(header, "push" if header == "X-GitHub-Event" else "d-2")
    status, text = await post(client, BODY, headers)
    assert status == 400 and header in error_of(text) and "more than once" in error_of(text)
    assert await nothing_stored(bot)


# --- replays ------------------------------------------------------------------------------------


async def test_a_reused_delivery_id_with_another_signed_body_changes_nothing(
    stored_client: TestClient, stored_bot: Paasbot
) -> None:
    first = json.dumps(pr_opened()).encode()
    other = json.dumps(pr_opened(action="closed")).encode()
    assert (await post(stored_client, first, signed_headers(first, delivery="same")))[0] == 202
    status, text = await post(stored_client, other, signed_headers(other, delivery="same"))
    assert status == 202 and json.loads(text)["status"] == "duplicate"
    await stored_bot.intake.settle()
    async with stored_bot.db.reader() as conn:
        stored = (await conn.execute(select(deliveries))).mappings().one()
        events = await conn.scalar(select(func.count()).select_from(subject_events))
    assert stored["action"] == "opened" and stored["payload"] == first.decode()
    assert events == 1


# --- size and framing ---------------------------------------------------------------------------


def padded_to(size: int) -> bytes:
    """A signed-able pull_request body of exactly `size` bytes."""
    base = json.dumps(pr_opened(padding="")).encode()
    body = base.replace(b'"padding": ""', b'"padding": "' + b"x" * (size - len(base)) + b'"')
    assert len(body) == size
    return body


async def test_a_body_exactly_at_the_cap_is_stored(
    stored_client: TestClient, stored_bot: Paasbot
) -> None:
    body = padded_to(CAP)
    status, text = await post(stored_client, body, signed_headers(body))
    assert status == 202, text
    assert not await nothing_stored(stored_bot)


async def test_a_chunked_body_exactly_at_the_cap_is_stored(
    client: TestClient, bot: Paasbot
) -> None:
    body = padded_to(CAP)

    async def chunks():
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    response = await client.post(WEBHOOK_PATH, data=chunks(), headers=signed_headers(body))
    assert response.status == 202, await response.text()
    assert not await nothing_stored(bot)


async def test_one_byte_over_the_cap_is_refused(client: TestClient, bot: Paasbot) -> None:
    body = padded_to(CAP + 1)
    status, text = await post(client, body, signed_headers(body))
    assert status == 413 and f"{CAP} bytes" in error_of(text)
    assert await nothing_stored(bot)


async def raw_exchange(client: TestClient, request: bytes, *, half_close: bool = False) -> bytes:
    """Sends bytes as they are (no client fixing the framing) and reads until the server closes
    or goes quiet after an answer."""
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    try:
        writer.write(request)
        await writer.drain()
        if half_close:
            writer.write_eof()
        answer = b""
        while True:
            try:
                chunk = await asyncio.wait_for(reader.read(65536), timeout=1.0 if answer else 10.0)
            except TimeoutError:
                break
            if not chunk:
                break
            answer += chunk
        return answer
    finally:
        writer.close()


def raw_request(body: bytes, *, content_length: int | None, extra: str = "") -> bytes:
    headers = "".join(f"{k}: {v}\r\n" for k, v in signed_headers(BODY).items())
    length = "" if content_length is None else f"Content-Length: {content_length}\r\n"
    head = f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: x\r\n{headers}{length}{extra}\r\n"
    return head.encode() + body


async def test_a_content_length_shorter_than_the_body_verifies_only_what_it_counts(
    client: TestClient, bot: Paasbot
) -> None:
    """What it counts no longer matches the signature, and the rest is no request."""
    answer = await raw_exchange(client, raw_request(BODY, content_length=len(BODY) - 10))
    assert not answer.startswith(b"HTTP/1.1 2"), answer[:200]
    assert b" 401 " in answer or b" 400 " in answer.split(b"\r\n")[0], answer[:200]
    assert await nothing_stored(bot)


async def test_a_content_length_over_twice_the_cap_is_refused_unread(
    client: TestClient, bot: Paasbot
) -> None:
    answer = await raw_exchange(client, raw_request(BODY, content_length=3 * CAP))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert f"{CAP} bytes".encode() in answer
    assert await nothing_stored(bot)


async def test_a_body_shorter_than_its_content_length_is_not_acknowledged(
    client: TestClient, bot: Paasbot
) -> None:
    answer = await raw_exchange(
        client, raw_request(BODY, content_length=len(BODY) + 100), half_close=True
    )
    assert not answer.startswith(b"HTTP/1.1 2"), answer[:200]
    assert await nothing_stored(bot)


async def test_content_length_beside_chunked_encoding_is_refused(
    client: TestClient, bot: Paasbot
) -> None:
    """Two framings in one request are how requests are smuggled past a proxy."""
    chunked = f"{len(BODY):x}\r\n".encode() + BODY + b"\r\n0\r\n\r\n"
    request = raw_request(chunked, content_length=10, extra="Transfer-Encoding: chunked\r\n")
    answer = await raw_exchange(client, request)
    assert b" 400 " in answer.split(b"\r\n")[0], answer[:200]
    assert b"Transfer-Encoding" in answer
    assert await nothing_stored(bot)


# --- the body's JSON ----------------------------------------------------------------------------

SMALL = {"action": "opened", "installation": {"id": 7}, "repository": {"full_name": "acme/api"}}
BODIES = {
    "top-level-array-within-the-cap": b"[" + b"0," * 30_000 + b"0]",
    "deep-arrays-within-the-cap": b"[" * 30_000 + b"]" * 30_000,
    "utf-16": json.dumps(SMALL).encode("utf-16"),
    "utf-16-le-without-bom": json.dumps(SMALL).encode("utf-16-le"),
    "utf-32": json.dumps(SMALL).encode("utf-32"),
    "utf-8-bom": b"\xef\xbb\xbf" + json.dumps(pr_opened()).encode(),
    "latin-1-in-a-string": json.dumps(pr_opened()).replace("Hello", "H\u00e9llo").encode("latin-1"),
    "overlong-utf-8": BODY.replace(b'"opened"', b'"\xc0\xafopened"'),
    "empty": b"",
    "json-string": b'"pull_request"',
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
async def test_a_body_that_is_not_a_utf8_json_object_is_refused(
    client: TestClient, bot: Paasbot, body: bytes
) -> None:
    status, text = await post(client, body, signed_headers(body))
    assert status == 400, text
    assert "JSON" in error_of(text) or "UTF-8" in error_of(text)
    assert await nothing_stored(bot)


def _with_repository_name(name: str) -> dict[str, Any]:
    payload = pr_opened()
    payload["repository"]["full_name"] = name
    return payload


# Values GitHub never sends, in the fields paasbot keeps beside the payload: a database must not
# be asked to hold them (PostgreSQL refuses NUL and over-long text, and a refused insert fails the
# whole group commit it shares with other deliveries).
FIELDS = {
    "action-with-nul": pr_opened(action="opened\u0000"),
    "action-lone-surrogate": pr_opened(action="\ud800"),
    "action-too-long": pr_opened(action="o" * 65),
    "repository-with-nul": _with_repository_name("acme/api\u0000"),
    "repository-too-long": _with_repository_name("acme/" + "a" * 300),
    "repository-lone-surrogate": _with_repository_name("acme/\udfff"),
    "installation-over-64-bits": pr_opened(installation={"id": 2**64}),
    "installation-negative-over-64-bits": pr_opened(installation={"id": -(2**64)}),
}


@pytest.mark.parametrize("payload", FIELDS.values(), ids=FIELDS.keys())
async def test_fields_no_database_column_can_hold_are_a_400(
    stored_client: TestClient, stored_bot: Paasbot, payload: dict[str, Any]
) -> None:
    body = json.dumps(payload).encode()
    status, text = await post(stored_client, body, signed_headers(body))
    assert status == 400, text
    assert "payload" in error_of(text)
    assert await nothing_stored(stored_bot)


async def test_a_poisoned_delivery_does_not_fail_its_neighbours(
    stored_client: TestClient, stored_bot: Paasbot
) -> None:
    """Deliveries arriving together share one transaction: one the database refuses must not
    take the others down with it."""
    poisoned = json.dumps(pr_opened(action="o" * 65)).encode()
    good = [json.dumps(pr_opened(number=n)).encode() for n in range(20)]
    answers = await asyncio.gather(
        post(stored_client, poisoned, signed_headers(poisoned, delivery="poisoned")),
        *(
            post(stored_client, body, signed_headers(body, delivery=f"g{n}"))
            for n, body in enumerate(good)
        ),
    )
    assert answers[0][0] == 400
    assert [status for status, _ in answers[1:]] == [202] * 20
    await stored_bot.intake.settle()
    async with stored_bot.db.reader() as conn:
        stored = set((await conn.execute(select(deliveries.c.id))).scalars())
    assert stored == {f"g{n}" for n in range(20)}


async def test_nesting_just_under_the_parsers_limit_is_stored_and_routed(
    stored_client: TestClient, stored_bot: Paasbot
) -> None:
    payload = pr_opened()
    payload["pull_request"]["body"] = json.loads("[" * 500 + "]" * 500)
    body = json.dumps(payload).encode()
    status, text = await post(stored_client, body, signed_headers(body))
    assert status == 202, text
    await stored_bot.intake.settle()
    async with stored_bot.db.reader() as conn:
        row = (await conn.execute(select(deliveries))).mappings().one()
    assert row["routed_at"] is not None and row["route_attempts"] == 0


async def test_a_huge_array_inside_the_payload_is_stored_and_routed(
    stored_client: TestClient, stored_bot: Paasbot
) -> None:
    payload = pr_opened()
    payload["pull_request"]["labels"] = [0] * 10_000
    body = json.dumps(payload).encode()
    status, text = await post(stored_client, body, signed_headers(body))
    assert status == 202, text
    await stored_bot.intake.settle()
    async with stored_bot.db.reader() as conn:
        row = (await conn.execute(select(deliveries))).mappings().one()
    assert row["routed_at"] is not None and row["route_attempts"] == 0


# --- content types ------------------------------------------------------------------------------


def form_body(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def multipart_body(payload: dict[str, Any]) -> bytes:
    part = b'--x\r\nContent-Disposition: form-data; name="payload"\r\n\r\n'
    return part + json.dumps(payload).encode() + b"\r\n--x--\r\n"


CONTENT_TYPES = {
    "form-urlencoded": ("application/x-www-form-urlencoded", form_body(pr_opened())),
    "form-urlencoded-charset": (
        "application/x-www-form-urlencoded; charset=utf-8",
        form_body(pr_opened()),
    ),
    "form-urlencoded-upper-case": ("APPLICATION/X-WWW-FORM-URLENCODED", form_body(pr_opened())),
    "multipart": ("multipart/form-data; boundary=x", multipart_body(pr_opened())),
}


@pytest.mark.parametrize(("content_type", "body"), CONTENT_TYPES.values(), ids=CONTENT_TYPES.keys())
async def test_form_encoded_webhooks_are_refused_with_a_415(
    client: TestClient, bot: Paasbot, content_type: str, body: bytes
) -> None:
    """GitHub sends `payload=<json>` when a hook is set to form encoding; paasbot takes JSON only
    and says so, rather than a JSON parse error that does not name the setting to change."""
    headers = signed_headers(body)
    headers["Content-Type"] = content_type
    status, text = await post(client, body, headers)
    assert status == 415
    assert "application/json" in error_of(text)
    assert await nothing_stored(bot)


async def test_json_with_a_charset_parameter_is_taken(client: TestClient, bot: Paasbot) -> None:
    headers = signed_headers(BODY)
    headers["Content-Type"] = "application/json; charset=utf-8"
    status, text = await post(client, BODY, headers)
    assert status == 202, text


# --- a captured body replayed under a new delivery id -------------------------------------------

REVIEWS_AND_LABEL = """
rules:
  - name: Ask the owners
    do:
      request_reviews: {users: [bob]}
  - name: Label
    do:
      label: {add: [seen]}
"""


async def test_a_body_replayed_under_a_new_id_does_nothing_twice(
    stage_for: Callable[..., Any],
) -> None:
    """The signature covers the body, not the delivery id: whoever holds a signed body can send
    it again as a new delivery. The intake knows the body (its digest is stored with it) and
    answers "duplicate": nothing is stored, no PR is marked, the command is not answered again."""
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    files = {".paasbot.yml": REVIEWS_AND_LABEL, "README.md": "#\n"}
    state.add_repository(installation, "shop", files=files)
    add_collaborator(state, "acme/shop", "bob", "write")
    async with stage_for(state) as stage:
        state.commit("acme/shop", "feature", {"src/app.py": "x = 1\n"}, author="alice")
        pull = state.open_pull("acme/shop", "A change", head_ref="feature")
        await stage.settle()
        assert "seen" in state.pull("acme/shop", pull.number).labels
        comment(state, "acme/shop", pull.number, "bob", "/paasbot refresh")
        await stage.settle()
        captured = [
            d
            for d in stage.dispatcher.deliveries
            if (d.event, d.action) in (("pull_request", "opened"), ("issue_comment", "created"))
        ]
        assert len(captured) == 2
        before = len(state.requests)

        replays = [
            stage.dispatcher.send_again(d, delivery_id=f"replayed-{n}")
            for n, d in enumerate(captured)
        ]
        await stage.settle()

        assert [d.status for d in replays] == [202, 202]
        reactions = [r for r in state.requests if r.method == "POST" and "/reactions" in r.path]
        assert len(reactions) == 1, "the command was answered, once"
        async with stage.bot.db.reader() as conn:
            stored = await conn.scalar(
                select(func.count())
                .select_from(deliveries)
                .where(deliveries.c.id.in_(["replayed-0", "replayed-1"]))
            )
        assert stored == 0, "a replayed body is not stored again"
        assert [r for r in state.requests[before:] if r.method not in ("GET", "HEAD")] == []
        assert state.pull("acme/shop", pull.number).labels.count("seen") == 1
