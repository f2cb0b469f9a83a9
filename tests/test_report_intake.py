"""POST /api/reports/{owner}/{repo}/{sha}, through real HTTP, on SQLite and PostgreSQL."""

import asyncio
import gzip
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from sqlalchemy import func, insert, select

from app.reports.coverage_model import ReportError
from app.reports.tokens import upload_token
from app.reports.validation import VALIDATORS
from app.routing.plan import IndexUpsert
from app.service import Paasbot
from app.settings import SettingsError, load_settings
from app.store.pull_index import apply_index_changes
from app.store.reports import load_reports
from app.store.tables import installations, reports, subject_events, subjects
from app.web.reports import REPORT_INTAKE
from app.web.server import create_web_app
from tests.helpers import make_settings

SECRET = "It's a Secret to Everybody"
MAX = 64 * 1024
REPO = "Codertocat/Hello-World"
SHA = "ab" * 20
TOKEN = upload_token(SECRET, REPO)
# A real (tiny) LCOV report: the format parsers validate every upload.
LCOV = b"SF:src/a.py\nDA:1,1\nend_of_record\n"
ClientFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def bot(database_url: str, private_key: str):
    yield Paasbot(make_settings(database_url, private_key, report_max_bytes=MAX))


@pytest.fixture
async def client(bot: Paasbot, aiohttp_client: ClientFactory) -> TestClient:
    return await aiohttp_client(create_web_app(bot, run_workers=False))


async def upload(
    client: TestClient,
    body: bytes = LCOV,
    *,
    repo: str = REPO,
    sha: str = SHA,
    token: str | None = TOKEN,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    sent = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = await client.post(
        f"/api/reports/{repo}/{sha}",
        data=body,
        params={"kind": "coverage"} if params is None else params,
        headers={**sent, **(headers or {})},
    )
    return response.status, await response.json()


async def stored(bot: Paasbot, kind: str = "coverage") -> list:
    async with bot.db.reader() as conn:
        return await load_reports(conn, REPO, SHA, kind)


async def count(bot: Paasbot, table: Any) -> int:
    async with bot.db.reader() as conn:
        return await conn.scalar(select(func.count()).select_from(table))


async def index_pull(
    bot: Paasbot, number: int, sha: str = SHA, installation: int | None = 7
) -> None:
    async with bot.db.transaction() as conn:
        await apply_index_changes(conn, installation, [IndexUpsert(REPO, number, sha, "main")], 1.0)


async def test_a_report_is_stored_and_acknowledged(client: TestClient, bot: Paasbot) -> None:
    status, answer = await upload(client, LCOV)
    assert status == 202
    assert answer == {
        "stored": True,
        "repository": "codertocat/hello-world",
        "sha": SHA,
        "kind": "coverage",
        "name": "default",
        "format": "lcov",
        "bytes": len(LCOV),
        "pull_requests": [],
    }
    [report] = await stored(bot)
    assert (report.name, report.format, report.body) == (
        "default",
        "lcov",
        LCOV,
    )
    async with bot.db.reader() as conn:
        row = (await conn.execute(select(reports))).mappings().one()
    assert row["repository"] == "codertocat/hello-world" and row["size"] == len(LCOV)
    assert gzip.decompress(row["body"]) == LCOV


async def test_an_upload_replaces_the_report_of_the_same_name(
    client: TestClient, bot: Paasbot
) -> None:
    first, second, other = LCOV, LCOV.replace(b"1,1", b"1,2"), LCOV.replace(b"a.py", b"b.py")
    assert (await upload(client, first))[0] == 202
    assert (await upload(client, second, sha=SHA.upper()))[0] == 202
    assert (await upload(client, other, params={"kind": "coverage", "name": "e2e"}))[0] == 202
    assert (await upload(client, b"lint!", params={"kind": "lint", "name": "e2e"}))[0] == 202
    assert [(r.name, r.body) for r in await stored(bot)] == [
        ("default", second),
        ("e2e", other),
    ]
    assert [(r.name, r.body) for r in await stored(bot, "lint")] == [("e2e", b"lint!")]
    assert await count(bot, reports) == 3


async def test_gzip_bodies_are_decompressed(client: TestClient, bot: Paasbot) -> None:
    report = b"SF:app/x.py\nDA:1,1\nend_of_record\n" * 100
    status, answer = await upload(
        client, gzip.compress(report), headers={"Content-Encoding": "gzip"}
    )
    assert status == 202 and answer["bytes"] == len(report)
    status, answer = await upload(
        client, gzip.compress(report[:50]) + gzip.compress(report[50:]), params={"kind": "lint"}
    )
    assert status == 202 and answer["bytes"] == len(report)
    assert (await stored(bot))[0].body == report
    assert (await stored(bot, "lint"))[0].body == report


@pytest.mark.parametrize("header", [True, False], ids=["content-encoding", "magic-number"])
async def test_a_gzip_bomb_is_refused_and_not_stored(
    client: TestClient, bot: Paasbot, header: bool
) -> None:
    bomb = gzip.compress(b"\0" * (50 * MAX))
    assert len(bomb) < MAX
    status, answer = await upload(
        client, bomb, headers={"Content-Encoding": "gzip"} if header else None
    )
    assert status == 413
    assert answer == {
        "error": f"the report is larger than {MAX} bytes (REPORT_MAX_BYTES), uncompressed"
    }
    assert await count(bot, reports) == 0


async def test_a_body_over_the_cap_is_refused(client: TestClient, bot: Paasbot) -> None:
    text = {"kind": "lint"}  # any UTF-8 text is a lint report
    status, answer = await upload(client, b"x" * (MAX + 1), params=text)
    assert status == 413 and "REPORT_MAX_BYTES" in answer["error"]

    async def chunked():
        for _ in range(3):
            yield b"y" * (MAX // 2)

    status, answer = await upload(client, chunked(), params=text)  # type: ignore[arg-type]
    assert status == 413
    assert (await upload(client, b"x" * MAX, params=text))[0] == 202
    assert await count(bot, reports) == 1


async def test_uploads_past_the_slots_wait_then_are_a_503_naming_the_setting(
    database_url: str, private_key: str, aiohttp_client: ClientFactory
) -> None:
    bot = Paasbot(make_settings(database_url, private_key, report_uploads_at_once=1))
    client = await aiohttp_client(create_web_app(bot, run_workers=False))
    client.app[REPORT_INTAKE].slots.wait_seconds = 0.2
    release = asyncio.Event()

    async def slow_body():
        yield LCOV[:10]
        await release.wait()
        yield LCOV[10:]

    held = asyncio.create_task(upload(client, slow_body()))  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    response = await client.post(
        f"/api/reports/{REPO}/{SHA}",
        data=LCOV,
        params={"kind": "coverage", "name": "second"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status == 503
    assert response.headers["Retry-After"] == "10"
    assert "REPORT_UPLOADS_AT_ONCE" in (await response.json())["error"]
    release.set()
    assert (await held)[0] == 202
    assert (await upload(client, params={"kind": "coverage", "name": "third"}))[0] == 202
    assert sorted(r.name for r in await stored(bot)) == ["default", "third"]


@pytest.mark.parametrize(
    ("body", "kw", "status", "message"),
    [
        (b"", {}, 400, "the report is empty"),
        (gzip.compress(b"", mtime=0), {}, 400, "the report is empty"),
        (b"\x1f\x8bnot gzip at all", {}, 400, "the body is not valid gzip"),
        (gzip.compress(b"abc", mtime=0)[:-6], {}, 400, "the gzip body is truncated"),
        (b"plain", {"headers": {"Content-Encoding": "gzip"}}, 400, "the body cannot be read"),
        (b"r", {"params": {"kind": "junit"}}, 400, "kind 'junit' is not one of coverage, lint"),
        (b"r", {"params": {}}, 400, "kind is missing: one of coverage, lint"),
        (b"r", {"params": {"kind": "lint", "name": "a/b"}}, 400, "name must be 1 to 64"),
        (b"r", {"params": {"kind": "lint", "name": "n" * 65}}, 400, "name must be 1 to 64"),
        (b"r", {"sha": "abc123"}, 400, "full 40-character hexadecimal SHA"),
        (b"r", {"sha": "g" * 40}, 400, "full 40-character hexadecimal SHA"),
        (b"r", {"token": None}, 401, "Authorization: Bearer <upload token> is missing"),
        (b"r", {"token": "pbu_short"}, 401, "the upload token is malformed"),
        (b"r", {"token": "ghp_abc"}, 401, "the bearer token is not a paasbot upload token"),
        (b"r", {"token": upload_token(SECRET, "acme/api")}, 403, "not valid for"),
        (b"r", {"token": upload_token("another secret", REPO)}, 403, "not valid for"),
        (b"r", {"headers": {"Authorization": f"token {TOKEN}"}}, 401, "must be 'Bearer"),
    ],
)
async def test_refusals_store_nothing(
    client: TestClient, bot: Paasbot, body: bytes, kw: dict, status: int, message: str
) -> None:
    answer_status, answer = await upload(client, body, **kw)
    assert answer_status == status
    assert message in answer["error"]
    assert await count(bot, reports) == 0


async def test_a_token_of_one_repository_is_refused_for_another(client: TestClient) -> None:
    status, answer = await upload(client, repo="acme/api")
    assert status == 403
    assert answer == {"error": "this upload token is not valid for acme/api"}
    status, _ = await upload(client, repo="acme/api", token=upload_token(SECRET, "ACME/Api"))
    assert status == 202


async def test_other_methods_are_not_allowed(client: TestClient) -> None:
    response = await client.get(f"/api/reports/{REPO}/{SHA}")
    assert response.status == 405
    assert response.headers["Allow"] == "POST"
    assert "POST" in (await response.json())["error"]
    response = await client.put(f"/api/reports/{REPO}/{SHA}", data=b"x")
    assert response.status == 405


async def test_a_multipart_form_upload(client: TestClient, bot: Paasbot) -> None:
    form = FormData()
    form.add_field("kind", "lint")
    form.add_field("name", "ruff")
    form.add_field("file", gzip.compress(b"x.py:1:1: E501"), filename="ruff.txt.gz")
    response = await client.post(
        f"/api/reports/{REPO}/{SHA}", data=form, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status == 202, await response.text()
    assert (await response.json())["name"] == "ruff"
    assert [(r.name, r.body) for r in await stored(bot, "lint")] == [("ruff", b"x.py:1:1: E501")]


async def test_a_validator_refusal_is_a_422(
    client: TestClient, bot: Paasbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(_body: bytes) -> str:
        raise ReportError("no <coverage> element")

    monkeypatch.setitem(VALIDATORS, "coverage", refuse)
    status, answer = await upload(client)
    assert status == 422
    assert answer == {"error": "the coverage report cannot be used: no <coverage> element"}
    assert await count(bot, reports) == 0


async def test_coverage_is_validated_by_the_format_parsers(
    client: TestClient, bot: Paasbot
) -> None:
    cobertura = b'<coverage><packages><package><classes><class filename="a.py"><lines>'
    cobertura += b'<line number="1" hits="1"/></lines></class></classes></package></packages>'
    cobertura += b"</coverage>"
    status, answer = await upload(client, cobertura)
    assert (status, answer["format"]) == (202, "cobertura")
    status, answer = await upload(client, b"garbage", params={"kind": "coverage", "name": "x"})
    assert status == 422
    assert answer["error"].startswith("the coverage report cannot be used: unknown coverage format")
    assert [r.format for r in await stored(bot)] == ["cobertura"]


async def test_lint_reports_are_validated_by_the_lint_formats(
    client: TestClient, bot: Paasbot
) -> None:
    eslint = b'[{"filePath": "/w/a.js", "messages": []}]'
    status, answer = await upload(client, eslint, params={"kind": "lint"})
    assert (status, answer["format"]) == (202, "eslint")
    # Text is kept even when no line is readable yet: the repository may configure patterns.
    text = b"a.py:1:1: E501 line too long\nsomething else\n"
    status, answer = await upload(client, text, params={"kind": "lint", "name": "flake8"})
    assert (status, answer["format"]) == (202, "text")
    for body, error in (
        (b'{"version": "2.0.0", "runs": []}', "SARIF version '2.0.0': only SARIF 2.1.0 is read"),
        (b"a.py:1:1: E1 m\n\xff\xfe", "text lint report line 2: not UTF-8 text (byte 15)"),
    ):
        status, answer = await upload(client, body, params={"kind": "lint", "name": "bad"})
        assert (status, answer["error"]) == (422, f"the lint report cannot be used: {error}")
    assert [(r.name, r.format) for r in await stored(bot, "lint")] == [
        ("default", "eslint"),
        ("flake8", "text"),
    ]


async def test_the_open_pull_requests_with_that_head_are_marked(
    client: TestClient, bot: Paasbot
) -> None:
    await index_pull(bot, 1)
    await index_pull(bot, 2)
    await index_pull(bot, 3, sha="cd" * 20)
    status, answer = await upload(client, repo=REPO.lower())
    assert status == 202 and answer["pull_requests"] == [1, 2]
    assert bot.intake.work_available.is_set()
    async with bot.db.reader() as conn:
        marked = (await conn.execute(select(subjects).order_by(subjects.c.key))).mappings().all()
        links = (await conn.execute(select(subject_events))).mappings().all()
        report_id = await conn.scalar(select(reports.c.id))
    assert [(s["key"], s["installation_id"]) for s in marked] == [
        (f"{REPO}#1", 7),
        (f"{REPO}#2", 7),
    ]
    assert all(s["due_at"] is not None for s in marked)
    assert {(e["delivery_id"], e["event"], e["action"]) for e in links} == {
        (f"report:{report_id}", "report", "coverage")
    }


async def test_a_head_without_installation_in_the_index_takes_the_owners(
    client: TestClient, bot: Paasbot
) -> None:
    await index_pull(bot, 4, installation=None)
    async with bot.db.transaction() as conn:
        await conn.execute(
            insert(installations).values(id=9, account="codertocat", state="active", updated_at=1)
        )
    status, answer = await upload(client)
    assert status == 202 and answer["pull_requests"] == [4]
    async with bot.db.reader() as conn:
        assert await conn.scalar(select(subjects.c.installation_id)) == 9


async def test_a_report_for_an_unknown_head_is_stored_without_marking(
    client: TestClient, bot: Paasbot
) -> None:
    await index_pull(bot, 1, sha="cd" * 20)
    status, answer = await upload(client)
    assert status == 202 and answer["stored"] is True and answer["pull_requests"] == []
    assert await count(bot, subjects) == 0
    assert len(await stored(bot)) == 1


def test_report_max_bytes_setting(private_key: str) -> None:
    env = {"APP_ID": "1", "PRIVATE_KEY": private_key, "WEBHOOK_SECRET": "s"}
    assert load_settings(env).report_max_bytes == 50 * 1024 * 1024
    assert load_settings({**env, "REPORT_MAX_BYTES": "1000"}).report_max_bytes == 1000
    for bad in ("0", "-5", "50MB"):
        with pytest.raises(SettingsError, match="REPORT_MAX_BYTES must be a positive whole number"):
            load_settings({**env, "REPORT_MAX_BYTES": bad})


@pytest.mark.parametrize("field", ["kind", "name"])
async def test_an_oversized_form_field_is_named(
    client: TestClient, bot: Paasbot, field: str
) -> None:
    form = FormData()
    form.add_field(field, "x" * 2000)
    form.add_field("file", b"x.py:1:1: E501", filename="ruff.txt")
    response = await client.post(
        f"/api/reports/{REPO}/{SHA}", data=form, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status == 400
    assert (await response.json())["error"] == f"the form field {field} is longer than 1024 bytes"
    assert await count(bot, reports) == 0
