"""`find_dependents`: the repositories a release propagates to: named ones (in order, each once,
never the library itself), those with one of the topics (not archived), and with `discover`
those whose manifests use the package, from cached scans in a real database (SQLite and
PostgreSQL) read again when stale or old, reusing the blobs that did not change."""

from __future__ import annotations

from app.bumps.dependents import (
    SCAN_MAX_AGE_SECONDS,
    DependentsQuery,
    find_dependents,
)
from app.github.client import InstallationAPI
from app.sandbox.actors_repos import archive, set_topics
from app.sandbox.git import blob_sha
from app.sandbox.state import Installation, SimulatedGitHub
from app.store.db import Database
from app.store.manifest_cache import load_scan, mark_stale
from tests.bumps_world import (  # noqa: F401
    NOW,
    add_repo,
    api_fixture,
    calls,
    clock_fixture,
    installation_fixture,
    simulator_state_fixture,
)

INSTALLATION = 7
SOURCE = "acme/auth-lib"
PACKAGES = {"pip": "acme-auth", "npm": "@acme/auth"}


def query(**changes: object) -> DependentsQuery:
    values: dict[str, object] = {"source": SOURCE, "packages": PACKAGES, "version": "1.4.0"}
    return DependentsQuery(**(values | changes))  # type: ignore[arg-type]


def scan_requests(state: SimulatedGitHub, since: int = 0) -> list[str]:
    return [call for call in calls(state, since) if "/git/trees/" in call or "/git/blobs/" in call]


def blob_requests(state: SimulatedGitHub, since: int = 0) -> list[str]:
    return [call for call in calls(state, since) if "/git/blobs/" in call]


def company(state: SimulatedGitHub, installation: Installation) -> None:
    """orders and web use the library; docs does not; broken's only manifest is unreadable."""
    add_repo(state, installation, "auth-lib", {"pyproject.toml": '[project]\nname = "acme-auth"\n'})
    add_repo(state, installation, "orders", {"requirements.txt": "acme-auth==1.3.0\nrequests\n"})
    add_repo(
        state,
        installation,
        "web",
        {"package.json": '{"dependencies": {"@acme/auth": "^1.3.0"}}\n', "README.md": "# web\n"},
    )
    add_repo(state, installation, "docs", {"requirements.txt": "mkdocs\n"})
    add_repo(state, installation, "broken", {"package.json": '{"dependencies": {\n'})


async def test_named_repositories_in_order_once_and_never_the_source(
    api: InstallationAPI, db: Database, simulator_state: SimulatedGitHub
) -> None:
    since = len(simulator_state.requests)
    found = await find_dependents(
        api,
        db,
        INSTALLATION,
        query(to=["acme/web", "acme/Orders", "ACME/WEB", "acme/auth-lib", "acme/orders"]),
        NOW,
    )
    assert found.repositories == ("acme/web", "acme/Orders")
    assert found.found_by == {"acme/web": "named", "acme/Orders": "named"}
    assert found.unreadable == {}
    assert calls(simulator_state, since) == [], "names alone need no request"


async def test_repositories_with_a_topic_but_not_archived_ones(
    api: InstallationAPI,
    db: Database,
    simulator_state: SimulatedGitHub,
    installation: Installation,
) -> None:
    company(simulator_state, installation)
    set_topics(simulator_state, "acme/orders", ["python", "uses-auth"])
    set_topics(simulator_state, "acme/web", ["frontend"])
    set_topics(simulator_state, "acme/docs", ["uses-auth"])
    set_topics(simulator_state, "acme/broken", ["uses-auth", "frontend"])
    set_topics(simulator_state, "acme/auth-lib", ["uses-auth"])
    archive(simulator_state, "acme/docs")
    found = await find_dependents(
        api,
        db,
        INSTALLATION,
        query(to=["acme/web"], topics=["uses-auth", "frontend"]),
        NOW,
    )
    assert found.repositories == ("acme/web", "acme/orders", "acme/broken")
    assert found.found_by == {
        "acme/web": "named",
        "acme/orders": "topic uses-auth",
        "acme/broken": "topic frontend",
    }
    assert "GET /installation/repositories" in calls(simulator_state)


async def test_discovery_finds_the_repositories_whose_manifests_use_the_package(
    api: InstallationAPI,
    db: Database,
    simulator_state: SimulatedGitHub,
    installation: Installation,
) -> None:
    company(simulator_state, installation)
    found = await find_dependents(api, db, INSTALLATION, query(discover=True), NOW)
    assert found.repositories == ("acme/orders", "acme/web")
    assert found.found_by == {"acme/orders": "uses it", "acme/web": "uses it"}
    assert found.unreadable == {}
    async with db.reader() as conn:
        scan = await load_scan(conn, "acme/Web")
    assert scan is not None
    assert scan.files == {"package.json": '{"dependencies": {"@acme/auth": "^1.3.0"}}\n'}
    assert (scan.scanned_at, scan.stale, scan.installation_id) == (NOW, False, INSTALLATION)
    assert scan.commit_sha == simulator_state.repository("acme/web").branches["main"]


async def test_discovery_skips_archived_repositories_and_named_ones(
    api: InstallationAPI,
    db: Database,
    simulator_state: SimulatedGitHub,
    installation: Installation,
) -> None:
    company(simulator_state, installation)
    archive(simulator_state, "acme/web")
    found = await find_dependents(
        api, db, INSTALLATION, query(to=["acme/orders"], discover=True), NOW
    )
    assert found.found_by == {"acme/orders": "named"}
    scanned = {call.split("/")[3] for call in scan_requests(simulator_state)}
    assert scanned == {"docs", "broken"}, "neither the source, the named nor archived ones"


async def test_a_second_discovery_reads_the_cache(
    api: InstallationAPI,
    db: Database,
    simulator_state: SimulatedGitHub,
    installation: Installation,
) -> None:
    company(simulator_state, installation)
    await find_dependents(api, db, INSTALLATION, query(discover=True), NOW)
    since = len(simulator_state.requests)
    found = await find_dependents(api, db, INSTALLATION, query(discover=True), NOW + 3600)
    assert found.repositories == ("acme/orders", "acme/web")
    assert scan_requests(simulator_state, since) == []


async def test_a_stale_scan_is_read_again_reusing_unchanged_blobs(
    api: InstallationAPI,
    db: Database,
    simulator_state: SimulatedGitHub,
    installation: Installation,
) -> None:
    company(simulator_state, installation)
    assert (await find_dependents(api, db, INSTALLATION, query(discover=True), NOW)).found_by == {
        "acme/orders": "uses it",
        "acme/web": "uses it",
    }
    # docs starts using the library in a second file; its first file is unchanged.
    simulator_state.commit("acme/docs", "main", {"tools/requirements.txt": "acme-auth>=1\n"})
    async with db.transaction() as conn:
        await mark_stale(conn, ["acme/Docs"])
    since = len(simulator_state.requests)
    found = await find_dependents(api, db, INSTALLATION, query(discover=True), NOW + 60)
    assert found.repositories == ("acme/orders", "acme/web", "acme/docs")
    assert {call.split("/")[3] for call in scan_requests(simulator_state, since)} == {"docs"}
    # requirements.txt's blob is known: only the new file's is fetched.
    sha = blob_sha(b"acme-auth>=1\n")
    assert blob_requests(simulator_state, since) == [f"GET /repos/acme/docs/git/blobs/{sha}"]
    async with db.reader() as conn:
        scan = await load_scan(conn, "acme/docs")
    assert scan is not None and not scan.stale and scan.scanned_at == NOW + 60
    assert scan.files == {
        "requirements.txt": "mkdocs\n",
        "tools/requirements.txt": "acme-auth>=1\n",
    }


async def test_an_old_scan_is_read_again(
    api: InstallationAPI,
    db: Database,
    simulator_state: SimulatedGitHub,
    installation: Installation,
) -> None:
    company(simulator_state, installation)
    await find_dependents(api, db, INSTALLATION, query(discover=True), NOW)
    # A push paasbot missed: the scan is not stale, only old.
    simulator_state.commit("acme/orders", "main", {"requirements.txt": "requests\n"})
    since = len(simulator_state.requests)
    almost = NOW + SCAN_MAX_AGE_SECONDS - 1
    found = await find_dependents(api, db, INSTALLATION, query(discover=True), almost)
    assert found.repositories == ("acme/orders", "acme/web")
    assert scan_requests(simulator_state, since) == []
    found = await find_dependents(
        api, db, INSTALLATION, query(discover=True), NOW + SCAN_MAX_AGE_SECONDS
    )
    assert found.repositories == ("acme/web",)
    read_again = {call.split("/")[3] for call in scan_requests(simulator_state, since)}
    assert read_again == {"orders", "web", "docs", "broken"}
    # Nothing changed in web, docs and broken: only orders' new blob is fetched.
    assert [call.split("/")[3] for call in blob_requests(simulator_state, since)] == ["orders"]
