"""Schema migrations (Alembic), run by `paasbot db upgrade` and at `paasbot serve` start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on a "%" in a password.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None, "the migrations have one head"
    return head


def upgrade(database_url: str, revision: str = "head") -> None:
    """Blocking: runs its own event loop, so call it before serving or from a worker thread."""
    command.upgrade(alembic_config(database_url), revision)


async def upgrade_in_thread(database_url: str, revision: str = "head") -> None:
    """`upgrade` from inside a running event loop."""
    import asyncio

    await asyncio.to_thread(upgrade, database_url, revision)
