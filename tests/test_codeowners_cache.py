"""`CodeOwnersCache`: a CODEOWNERS file is read once per repository and branch, again when a push
changed it (the repository's generation) or after `max_age`, against the simulator over real
HTTP and a real database."""

from __future__ import annotations

from app.github.client import InstallationAPI
from app.reviewers.codeowners_cache import CodeOwnersCache
from app.store.config_generations import bump_generations
from app.store.db import Database
from tests.facts_world import (  # noqa: F401
    REPO,
    CallLog,
    World,
    api_fixture,
    clock_fixture,
    github_fixture,
    log_fixture,
    simulator_state_fixture,
    world_fixture,
)

CODEOWNERS = f"GET /repos/{REPO}/contents/.github/CODEOWNERS"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def owner_lines(found: object) -> list[str]:
    assert found is not None
    return [rule.pattern for rule in found.owners.rules]  # type: ignore[attr-defined]


async def test_read_once_until_a_push_changes_it(
    api: InstallationAPI, world: World, db: Database, log: CallLog
) -> None:
    world.state.commit(REPO, "main", {".github/CODEOWNERS": "*.py @acme/backend\n"})
    clock = Clock()
    cache = CodeOwnersCache(db, clock, max_age=600.0)
    log.reset()
    first = await cache.load(api, REPO, "main")
    assert await cache.load(api, REPO, "main") is first
    assert [c for c in log.calls() if c.startswith(CODEOWNERS)] == [CODEOWNERS]
    # Another branch is another file.
    await cache.load(api, REPO, "release")
    assert len([c for c in log.calls() if c.startswith(CODEOWNERS)]) == 2
    # A push that changed it (the router bumps the generation): read again, once.
    world.state.commit(REPO, "main", {".github/CODEOWNERS": "*.md @carol\n"})
    async with db.transaction() as conn:
        await bump_generations(conn, [REPO], clock.now)
    log.reset()
    changed = await cache.load(api, REPO, "main")
    await cache.load(api, REPO, "main")
    assert owner_lines(changed) == ["*.md"]
    assert [c for c in log.calls() if c.startswith(CODEOWNERS)] == [CODEOWNERS]


async def test_read_again_after_max_age(
    api: InstallationAPI, world: World, db: Database, log: CallLog
) -> None:
    clock = Clock()
    cache = CodeOwnersCache(db, clock, max_age=600.0)
    await cache.load(api, REPO, "main")
    clock.now += 601
    log.reset()
    await cache.load(api, REPO, "main")
    assert any(c.startswith(f"GET /repos/{REPO}/contents/") for c in log.calls())
