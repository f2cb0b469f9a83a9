"""Small helpers shared by the tests."""

from __future__ import annotations

from app.routing.subjects import SubjectRef, pull_request
from app.store.db import Database
from app.store.queue import WorkQueue


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


PR = pull_request(7, "acme/api", 12)


async def mark(
    db: Database,
    queue: WorkQueue,
    ref: SubjectRef = PR,
    delivery: str = "d",
    event: str = "pull_request",
) -> int:
    async with db.transaction() as conn:
        return await queue.mark(conn, ref, delivery_id=delivery, event=event, action="synchronize")


def rsa_private_key_pem() -> str:
    from app.sandbox.keys import new_app_key_pem

    return new_app_key_pem()


def make_settings(database_url: str, private_key: str, **overrides: object):
    from dataclasses import replace

    from app.settings import load_settings

    env = {
        "APP_ID": "4242",
        "PRIVATE_KEY": private_key,
        "WEBHOOK_SECRET": "It's a Secret to Everybody",
        "DATABASE_URL": database_url,
        "GHE_HOST": "ghe.invalid",
    }
    return replace(load_settings(env), **overrides)
