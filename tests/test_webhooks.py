import gzip
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from app.service import Paasbot
from app.store.config_generations import generations
from app.store.manifest_cache import load_scan, save_scan
from app.store.tables import deliveries, subject_events, subjects
from app.web.server import WEBHOOK_PATH, create_web_app
from app.web.signature import sign
from tests.corpora import all_webhook_examples, webhook_example
from tests.helpers import make_settings

SECRET = "It's a Secret to Everybody"
ClientFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def bot(database_url: str, private_key: str):
    paasbot = Paasbot(make_settings(database_url, private_key, webhook_max_bytes=64 * 1024))
    yield paasbot


@pytest.fixture
async def client(bot: Paasbot, aiohttp_client: ClientFactory) -> TestClient:
    return await aiohttp_client(create_web_app(bot, run_workers=False))


def headers(body: bytes, event: str, delivery: str, secret: str = SECRET) -> dict[str, str]:
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign(secret, body),
        "Content-Type": "application/json",
    }


async def post(client: TestClient, event: str, payload: Any, delivery: str = "d-1", **kw: Any):
    body = json.dumps(payload).encode()
    return await client.post(WEBHOOK_PATH, data=body, headers=headers(body, event, delivery, **kw))


async def count(bot: Paasbot, table: Any) -> int:
    async with bot.db.reader() as conn:
        return await conn.scalar(select(func.count()).select_from(table))


def pr_opened(number: int = 1, sha: str = "a" * 40, installation: int = 7) -> dict[str, Any]:
    payload = webhook_example("pull_request", "opened")
    payload["installation"] = {"id": installation}
    payload["pull_request"]["number"] = number
    payload["pull_request"]["head"]["sha"] = sha
    return payload


def test_githubs_documented_signature_vector() -> None:
    assert sign("It's a Secret to Everybody", b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


async def test_a_signed_delivery_is_stored_and_marks_its_subject(
    client: TestClient, bot: Paasbot
) -> None:
    response = await post(client, "pull_request", pr_opened())
    assert response.status == 202
    assert (await response.json())["status"] == "stored"
    await bot.intake.settle()
    async with bot.db.reader() as conn:
        row = (await conn.execute(select(deliveries))).mappings().one()
        subject = (await conn.execute(select(subjects))).mappings().one()
    assert row["id"] == "d-1" and row["event"] == "pull_request" and row["action"] == "opened"
    assert row["installation_id"] == 7 and row["routed_at"] is not None
    assert subject["key"] == "Codertocat/Hello-World#1"
    assert bot.intake.work_available.is_set()


@pytest.mark.parametrize(
    "signature_secret, header",
    [("wrong secret", None), (SECRET, "sha256=" + "0" * 64), (SECRET, ""), (SECRET, "sha1=abc")],
)
async def test_a_missing_or_wrong_signature_is_refused_and_nothing_stored(
    client: TestClient, bot: Paasbot, signature_secret: str, header: str | None
) -> None:
    body = json.dumps(pr_opened()).encode()
    request_headers = headers(body, "pull_request", "d-1", secret=signature_secret)
    if header is not None:
        request_headers["X-Hub-Signature-256"] = header
    response = await client.post(WEBHOOK_PATH, data=body, headers=request_headers)
    assert response.status == 401
    assert await count(bot, deliveries) == 0


async def test_a_body_over_the_cap_is_refused(client: TestClient, bot: Paasbot) -> None:
    payload = {**pr_opened(), "padding": "x" * (64 * 1024)}
    response = await post(client, "pull_request", payload)
    assert response.status == 413
    assert await count(bot, deliveries) == 0


async def test_a_chunked_body_over_the_cap_is_refused(client: TestClient, bot: Paasbot) -> None:
    body = json.dumps({**pr_opened(), "padding": "x" * (64 * 1024)}).encode()

    async def chunks():
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    response = await client.post(
        WEBHOOK_PATH, data=chunks(), headers=headers(body, "pull_request", "d-1")
    )
    assert response.status == 413
    assert await count(bot, deliveries) == 0


# mtime=0: a gzip header holds its time, and the test ids must be the same on every xdist worker.
@pytest.mark.parametrize(
    "body", [b"{not json", b"[1, 2]", gzip.compress(b"{}", mtime=0), b"\xff\xfe"]
)
async def test_malformed_json_is_a_400(client: TestClient, bot: Paasbot, body: bytes) -> None:
    response = await client.post(
        WEBHOOK_PATH, data=body, headers=headers(body, "pull_request", "d-1")
    )
    assert response.status == 400
    assert "JSON" in (await response.json())["error"]
    assert await count(bot, deliveries) == 0


async def test_deeply_nested_json_is_a_400_not_a_crash(client: TestClient) -> None:
    body = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
    response = await client.post(WEBHOOK_PATH, data=body, headers=headers(body, "push", "d-1"))
    assert response.status == 400


@pytest.mark.parametrize("missing", ["X-GitHub-Event", "X-GitHub-Delivery"])
async def test_missing_github_headers_are_a_400(client: TestClient, missing: str) -> None:
    body = json.dumps(pr_opened()).encode()
    request_headers = headers(body, "pull_request", "d-1")
    del request_headers[missing]
    response = await client.post(WEBHOOK_PATH, data=body, headers=request_headers)
    assert response.status == 400
    assert missing in (await response.json())["error"]


async def test_a_redelivery_is_acknowledged_but_not_processed_twice(
    client: TestClient, bot: Paasbot
) -> None:
    first = await post(client, "pull_request", pr_opened(), delivery="same-id")
    second = await post(client, "pull_request", pr_opened(), delivery="same-id")
    assert first.status == second.status == 202
    assert (await second.json())["status"] == "duplicate"
    await bot.intake.settle()
    assert await count(bot, deliveries) == 1
    assert await count(bot, subject_events) == 1


async def test_a_body_replayed_under_a_new_id_is_a_duplicate(
    client: TestClient, bot: Paasbot
) -> None:
    """The signature covers the body, not the delivery id: the body's digest recognises a captured
    delivery sent again under another id; the same event in other bytes is a new delivery."""
    first = await post(client, "pull_request", pr_opened(), delivery="original")
    replayed = await post(client, "pull_request", pr_opened(), delivery="replayed")
    reencoded = await client.post(
        WEBHOOK_PATH,
        data=(body := json.dumps(pr_opened(), indent=1).encode()),
        headers=headers(body, "pull_request", "reencoded"),
    )
    assert [first.status, replayed.status, reencoded.status] == [202, 202, 202]
    assert (await replayed.json())["status"] == "duplicate"
    assert (await reencoded.json())["status"] == "stored"
    await bot.intake.settle()
    async with bot.db.reader() as conn:
        stored = set((await conn.execute(select(deliveries.c.id))).scalars())
    assert stored == {"original", "reencoded"}


async def test_ping_is_answered(client: TestClient, bot: Paasbot) -> None:
    response = await post(client, "ping", {"zen": "Keep it logically awesome.", "hook_id": 1})
    assert response.status == 200
    assert (await response.json())["msg"] == "pong"


async def test_unhandled_events_are_acknowledged_and_ignored(
    client: TestClient, bot: Paasbot
) -> None:
    response = await post(client, "watch", {"action": "started"})
    assert response.status == 202
    assert (await response.json())["status"] == "ignored"
    assert await count(bot, deliveries) == 0


async def test_statuses_find_their_prs_through_the_index(client: TestClient, bot: Paasbot) -> None:
    sha = "b" * 40
    await post(client, "pull_request", pr_opened(number=5, sha=sha), delivery="open-5")
    await post(client, "pull_request", pr_opened(number=6, sha=sha), delivery="open-6")
    status = {**webhook_example("status", "payload"), "sha": sha, "installation": {"id": 7}}
    response = await post(client, "status", status, delivery="status-1")
    assert response.status == 202
    await bot.intake.settle()
    async with bot.db.reader() as conn:
        marked = (
            await conn.execute(
                select(subjects.c.key)
                .join(subject_events)
                .where(subject_events.c.delivery_id == "status-1")
            )
        ).scalars()
        keys = sorted(marked)
    # Not yet listed from the API: the repository's index is listed once, then trusted.
    assert keys == [
        "Codertocat/Hello-World#5",
        "Codertocat/Hello-World#6",
        "Codertocat/Hello-World/open-pulls",
    ]


async def test_a_routing_bug_does_not_lose_the_delivery(
    client: TestClient, bot: Paasbot, monkeypatch
) -> None:
    def broken(_delivery: Any) -> Any:
        raise KeyError("surprise")

    monkeypatch.setattr(bot.router, "plan", broken)
    response = await post(client, "pull_request", pr_opened())
    assert response.status == 202
    assert (await response.json())["status"] == "stored"
    await bot.intake.settle()
    assert await count(bot, subjects) == 0
    async with bot.db.reader() as conn:
        row = (await conn.execute(select(deliveries))).mappings().one()
    assert row["routed_at"] is None and row["route_attempts"] >= 1
    monkeypatch.undo()
    # The background router may be in a pass of its own (woken at start and by the store): one
    # of them routes it, never both.
    await bot.intake.route_pending()
    assert await count(bot, subjects) == 1
    async with bot.db.reader() as conn:
        row = (await conn.execute(select(deliveries))).mappings().one()
    assert row["routed_at"] is not None
    assert await bot.intake.route_pending() == 0


def config_push(paths: list[str], branch: str = "master") -> dict[str, Any]:
    """A real push to Hello-World (default branch `master`) whose one commit modifies `paths`."""
    payload = webhook_example("push", "with-new-branch")
    payload["installation"] = {"id": 7}
    payload["ref"] = f"refs/heads/{branch}"
    payload["commits"][0]["added"] = []
    payload["commits"][0]["modified"] = paths
    return payload


async def generation(bot: Paasbot, repository: str = "Codertocat/Hello-World") -> int:
    async with bot.db.reader() as conn:
        return (await generations(conn, [repository]))[repository]


async def test_a_push_changing_the_config_bumps_its_generation_when_routed(
    client: TestClient, bot: Paasbot, monkeypatch
) -> None:
    def broken(_delivery: Any) -> Any:
        raise KeyError("surprise")

    monkeypatch.setattr(bot.router, "plan", broken)
    await post(client, "push", config_push([".paasbot.yml"]), delivery="push-1")
    await bot.intake.settle()
    assert await generation(bot) == 0  # stored, not routed yet
    monkeypatch.undo()
    await bot.intake.route_pending()  # or the background router's pass routes it
    assert await generation(bot) == 1
    # A redelivery is not routed again; other pushes leave the configuration alone.
    await post(client, "push", config_push([".paasbot.yml"]), delivery="push-1")
    await post(client, "push", config_push(["README.md"]), delivery="push-2")
    await post(client, "push", config_push([".paasbot.yml"], "feature"), delivery="push-3")
    await bot.intake.settle()
    assert await generation(bot) == 1
    await post(client, "push", config_push([".github/paasbot.yml"]), delivery="push-4")
    await bot.intake.settle()
    assert await generation(bot) == 2


async def test_a_push_to_the_default_branch_makes_its_manifest_scan_stale(
    client: TestClient, bot: Paasbot
) -> None:
    async def stale() -> bool:
        async with bot.db.reader() as conn:
            scan = await load_scan(conn, "Codertocat/Hello-World")
        assert scan is not None
        return scan.stale

    async with bot.db.transaction() as conn:
        await save_scan(conn, 7, "codertocat/hello-world", "c1", "t1", False, {}, 1.0)
    await post(client, "push", config_push(["README.md"], "feature"), delivery="push-1")
    await bot.intake.settle()
    assert await stale() is False
    await post(client, "push", config_push(["README.md"]), delivery="push-2")
    await bot.intake.settle()
    assert await stale() is True


async def test_deliveries_stored_before_a_crash_are_routed_at_start(
    database_url: str, private_key: str
) -> None:
    """A crash between storing and routing: the next process routes what was left."""
    from app.store.deliveries import StoredDelivery, insert_deliveries

    crashed = Paasbot(make_settings(database_url, private_key))
    async with crashed.db.transaction() as conn:
        await insert_deliveries(
            conn,
            [
                StoredDelivery(
                    "left-over",
                    "pull_request",
                    "opened",
                    7,
                    "Codertocat/Hello-World",
                    1.0,
                    json.dumps(pr_opened(3)),
                )
            ],
        )
    await crashed.db.close()
    restarted = Paasbot(make_settings(database_url, private_key))
    await restarted.start(workers=False)
    try:
        await restarted.intake.settle()
        async with restarted.db.reader() as conn:
            keys = list((await conn.execute(select(subjects.c.key))).scalars())
        assert keys == ["Codertocat/Hello-World#3"]
    finally:
        await restarted.stop()


async def test_a_burst_is_stored_in_shared_transactions(client: TestClient, bot: Paasbot) -> None:
    import asyncio

    responses = await asyncio.gather(
        *(
            post(client, "pull_request", pr_opened(n % 3, f"{n:040x}"), delivery=f"b{n}")
            for n in range(60)
        ),
        post(client, "pull_request", pr_opened(0, f"{0:040x}"), delivery="b0"),
    )
    statuses = sorted([(await r.json())["status"] for r in responses])
    assert statuses.count("stored") == 60 and statuses.count("duplicate") == 1
    await bot.intake.settle()
    assert await count(bot, deliveries) == 60
    assert await count(bot, subject_events) == 60
    assert await count(bot, subjects) == 3


async def test_a_database_outage_is_a_503_not_an_acknowledgement(
    client: TestClient, bot: Paasbot
) -> None:
    await bot.db.close()
    bot.db.engine = bot.db.read_engine = _unreachable_engine(bot.db.is_postgres)
    response = await post(client, "pull_request", pr_opened())
    assert response.status == 503
    ready = await client.get("/readyz")
    assert ready.status == 503


def _unreachable_engine(is_postgres: bool):
    from sqlalchemy.ext.asyncio import create_async_engine

    if is_postgres:
        return create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    return create_async_engine("sqlite+aiosqlite:////nonexistent-dir/paasbot.db")


async def test_probes(client: TestClient) -> None:
    assert (await client.get("/healthz")).status == 200
    # readyz gives the database 2 s, as a probe must; on a machine busy with the suite's kill
    # and fault tests a ping can take longer once, and Kubernetes too asks more than once.
    for _ in range(3):
        ready = await client.get("/readyz")
        if ready.status == 200:
            break
    assert ready.status == 200 and (await ready.json())["database"] == "ok"


def _expected_keys(event: str, payload: dict[str, Any]) -> set[str]:
    """What each real example must mark, stated independently of the router."""
    repo = (payload.get("repository") or {}).get("full_name")
    installation = payload["installation"]["id"]
    if event in ("pull_request", "pull_request_review"):
        return {f"{repo}#{payload['pull_request']['number']}"}
    if event == "issue_comment":
        return (
            {f"{repo}#{payload['issue']['number']}"}
            if payload["issue"].get("pull_request")
            else set()
        )
    if event == "release":
        return {f"{repo}@{payload['release']['tag_name']}"}
    if event in ("installation", "installation_repositories"):
        return {f"installation/{installation}"}
    if event in ("check_run", "check_suite"):
        check = payload[event]
        keys = {f"{repo}#{pr['number']}" for pr in check.get("pull_requests") or ()}
        return keys | {f"{repo}/open-pulls"}
    if event == "status":
        return {f"{repo}/open-pulls"}
    if event == "push":
        branch = payload["ref"].startswith("refs/heads/") and not payload.get("deleted")
        return {f"{repo}/open-pulls"} if branch else set()
    return set()


@pytest.mark.parametrize(
    "event, name, path",
    all_webhook_examples()
    or [
        pytest.param(
            "", "", None, marks=pytest.mark.skip(reason="shared corpora absent; CI has them")
        )
    ],
)
async def test_real_payloads_come_out_as_the_right_subjects(
    client: TestClient, bot: Paasbot, event: str, name: str, path: Any
) -> None:
    payload = json.loads(path.read_text())
    payload.setdefault("installation", {"id": 31337})
    response = await post(client, event, payload, delivery="example")
    handled = event in {
        "pull_request",
        "pull_request_review",
        "status",
        "check_run",
        "check_suite",
        "push",
        "release",
        "installation",
        "installation_repositories",
        "issue_comment",
        "deployment_status",
    }
    if event == "ping":
        assert response.status == 200
        return
    assert response.status == 202, await response.text()
    body = await response.json()
    assert body["status"] == ("stored" if handled else "ignored")
    await bot.intake.settle()
    async with bot.db.reader() as conn:
        keys = set((await conn.execute(select(subjects.c.key))).scalars())
    assert keys == (_expected_keys(event, payload) if handled else set())


def repositories_changed(action: str, full_name: str, installation: int = 7) -> dict[str, Any]:
    payload = webhook_example("installation_repositories", "added")
    payload["installation"]["id"] = installation
    repository = {**payload["repositories_added"][0], "full_name": full_name}
    payload["action"] = action
    payload["repositories_added"] = [repository] if action == "added" else []
    payload["repositories_removed"] = [repository] if action == "removed" else []
    return payload


async def pull_subjects(bot: Paasbot) -> list[str]:
    async with bot.db.reader() as conn:
        keys = await conn.scalars(select(subjects.c.key).where(subjects.c.kind == "pull_request"))
        return list(keys)


async def test_a_delivery_for_a_repository_the_installation_lost_routes_to_nothing(
    client: TestClient, bot: Paasbot
) -> None:
    repository = "Codertocat/Hello-World"
    await post(
        client, "installation_repositories", repositories_changed("removed", repository), "r-1"
    )
    assert (await post(client, "pull_request", pr_opened(1), "late-1")).status == 202
    await bot.intake.settle()
    assert await pull_subjects(bot) == []
    # Another installation still covering a repository of that name is not concerned.
    await post(client, "pull_request", pr_opened(2, installation=8), "other-1")
    await post(
        client, "installation_repositories", repositories_changed("added", repository), "a-1"
    )
    await post(client, "pull_request", pr_opened(3), "after-1")
    await bot.intake.settle()
    assert sorted(await pull_subjects(bot)) == [f"{repository}#2", f"{repository}#3"]
