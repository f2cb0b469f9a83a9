import gzip

from sqlalchemy import select

from app.store.db import Database
from app.store.reports import compress_body, load_reports, store_report
from app.store.tables import reports

SHA = "c" * 40


async def put(
    db: Database, body: bytes, *, name: str = "unit", kind: str = "coverage", at: float = 1.0
) -> int:
    async with db.transaction() as conn:
        return await store_report(
            conn,
            repository="Acme/API",
            sha=SHA.upper(),
            kind=kind,
            name=name,
            format="lcov",
            compressed=compress_body(body),
            size=len(body),
            received_at=at,
        )


async def test_reports_are_stored_compressed_and_loaded_whole(db: Database) -> None:
    body = b"SF:a.py\nDA:1,1\nend_of_record\n" * 1000
    await put(db, body)
    async with db.reader() as conn:
        row = (await conn.execute(select(reports))).mappings().one()
        [loaded] = await load_reports(conn, "acme/api", SHA, "coverage")
    assert (row["repository"], row["sha"], row["size"]) == ("acme/api", SHA, len(body))
    assert len(row["body"]) < len(body) // 10 and gzip.decompress(row["body"]) == body
    assert (loaded.name, loaded.format, loaded.body, loaded.received_at) == (
        "unit",
        "lcov",
        body,
        1.0,
    )


async def test_the_same_key_is_replaced_and_other_keys_kept(db: Database) -> None:
    first = await put(db, b"one")
    again = await put(db, b"two", at=2.0)
    await put(db, b"e2e", name="e2e")
    await put(db, b"lint", kind="lint")
    assert first == again
    async with db.reader() as conn:
        coverage = await load_reports(conn, "ACME/api", SHA, "coverage")
        lint = await load_reports(conn, "acme/api", SHA, "lint")
        other = await load_reports(conn, "acme/api", "d" * 40, "coverage")
    assert [(r.name, r.body, r.received_at) for r in coverage] == [
        ("e2e", b"e2e", 1.0),
        ("unit", b"two", 2.0),
    ]
    assert [r.body for r in lint] == [b"lint"]
    assert other == []
