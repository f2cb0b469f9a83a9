"""The simulator's read-only HTML view, fetched over real HTTP from the simulator's application."""

from __future__ import annotations

import html
import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from app.sandbox import actors_pulls, actors_repos
from app.sandbox.demo import play
from app.sandbox.faults import Fault
from app.sandbox.models import CheckRunPatch, PullRequest
from app.sandbox.state import SimulatedGitHub
from tests.sim_fixtures import Simulator

REPO = "acme/widgets"
SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = html.escape(SCRIPT, quote=False)
ANNOTATION = {
    "path": "src/app.py",
    "start_line": 2,
    "end_line": 3,
    "annotation_level": "warning",
    "message": "Unused variable 'x'",
}


@dataclass(frozen=True)
class Page:
    status: int
    content_type: str
    text: str
    headers: dict[str, str]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def fetch(simulator: Simulator, http: aiohttp.ClientSession, path: str) -> Page:
    async with http.get(simulator.server.make_url(path)) as reply:
        return Page(reply.status, reply.content_type, await reply.text(), dict(reply.headers))


def organisation(state: SimulatedGitHub) -> None:
    installation = state.add_installation("acme")
    state.add_repository(installation, "widgets", files={"src/app.py": "def run():\n    pass\n"})
    actors_repos.add_team(state, "acme", "backend", members=["carol"])
    for login in ("alice", "bob", "carol"):
        actors_repos.add_collaborator(state, REPO, login, "write")


def open_feature(state: SimulatedGitHub, title: str = "Add the runner") -> PullRequest:
    state.commit(
        REPO,
        "feature",
        {"src/app.py": "def run():\n    return 1\n", "docs/runner.md": "# Runner\n"},
        message="Add the runner",
        author="alice",
    )
    return state.open_pull(REPO, title, head_ref="feature")


def converse(state: SimulatedGitHub, pull: PullRequest) -> None:
    """A review, a comment, labels, assignees and review requests, a status and a check run."""
    actors_pulls.add_labels(state, REPO, pull.number, ["enhancement"], sender="alice")
    actors_pulls.add_assignees(state, REPO, pull.number, ["alice"], sender="alice")
    actors_pulls.request_reviewers(state, REPO, pull.number, ["carol"], ["backend"], sender="alice")
    actors_pulls.review(state, REPO, pull.number, "bob", "APPROVE", "Ship it, nice work")
    actors_pulls.comment(state, REPO, pull.number, "carol", "Does it handle retries?")
    actors_repos.post_status(
        state, REPO, pull.head_sha, "ci/build", "success", description="Build passed"
    )
    output = {"title": "1 warning", "summary": "**Lint** found *1* problem"}
    patch = CheckRunPatch(conclusion="neutral", output=output, annotations=(ANNOTATION,))
    state.create_check_run(REPO, "lint", pull.head_sha, patch)


def merged_pull(state: SimulatedGitHub) -> PullRequest:
    state.commit(REPO, "docs", {"README.md": "# widgets, documented\n"}, author="bob")
    pull = state.open_pull(REPO, "Document the widgets", head_ref="docs", author="bob")
    actors_pulls.merge_pull(state, REPO, pull.number, by="alice")
    return pull


def table_rows(text: str) -> list[str]:
    return re.findall(r"<tr>(.*?)</tr>", text, flags=re.DOTALL)


async def test_the_overview_lists_installations_repositories_and_recent_events(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    state = simulator.state
    organisation(state)
    open_feature(state)
    merged_pull(state)
    for number in range(25):
        actors_repos.post_status(
            state, REPO, state.pull(REPO, 1).head_sha, f"ci/{number}", "pending"
        )

    page = await fetch(simulator, http, "/")

    assert (page.status, page.content_type) == (200, "text/html")
    assert "acme" in page.text and "installation" in page.text
    widgets = next(row for row in table_rows(page.text) if 'href="/acme/widgets"' in row)
    assert re.findall(r"<td>(\d+)</td>", widgets) == ["1", "1"]  # one open, one closed
    events = [row for row in table_rows(page.text) if "<code>status</code>" in row]
    assert len(events) == 20
    assert "status ci/24 pending" in events[0] and "status ci/5 pending" in events[-1]
    assert f"All {len(state.published)} events" in page.text
    assert "<script" not in page.text


async def test_the_repository_page_shows_branches_pulls_and_releases(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    state = simulator.state
    organisation(state)
    feature = open_feature(state)
    merged = merged_pull(state)
    actors_repos.publish_release(state, REPO, "v1.0.0", name="First release")

    page = await fetch(simulator, http, "/acme/widgets")

    assert page.status == 200
    repository = state.repository(REPO)
    for branch in ("main", "feature", "docs"):
        assert f"<code>{branch}</code>" in page.text
        assert repository.branches[branch] in page.text
    open_row = next(row for row in table_rows(page.text) if "Add the runner" in row)
    assert 'href="/acme/widgets/pull/1"' in open_row and "alice" in open_row
    assert "<code>clean</code>" in open_row
    merged_row = next(row for row in table_rows(page.text) if merged.title in row)
    assert "state-merged" in merged_row and "<code>—</code>" in merged_row
    assert feature.number == 1 and merged.number == 2
    assert "v1.0.0" in page.text and "First release" in page.text


async def test_the_pull_request_page_shows_its_conversation_files_and_checks(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    state = simulator.state
    organisation(state)
    pull = open_feature(state)
    converse(state, pull)

    page = await fetch(simulator, http, "/acme/widgets/pull/1")

    assert page.status == 200
    text = page.text
    assert "<h1>Add the runner" in text
    assert "<code>feature</code>" in text and pull.head_sha in text and "<code>main</code>" in text
    assert "<dt>Labels</dt><dd>enhancement</dd>" in text
    assert "<dt>Assignees</dt><dd>alice</dd>" in text
    assert "<dt>Requested reviewers</dt><dd>carol</dd>" in text
    assert "<dt>Requested teams</dt><dd>backend</dd>" in text
    assert "<dt>mergeable_state</dt><dd><code>clean</code></dd>" in text
    assert "<strong>bob</strong>" in text and ">APPROVED<" in text
    assert "Ship it, nice work" in text
    assert "<strong>carol</strong>" in text and "Does it handle retries?" in text
    assert "<code>src/app.py</code>" in text and "<code>docs/runner.md</code>" in text
    assert "+    return 1" in text and "added, +1 -0" in text
    status = next(row for row in table_rows(text) if "ci/build" in row)
    assert "success" in status and "Build passed" in status
    assert "<strong>lint</strong>" in text and ">completed<" in text and ">neutral<" in text
    assert "<strong>1 warning</strong>" in text
    assert "<pre>**Lint** found *1* problem</pre>" in text
    annotation = next(row for row in table_rows(text) if "Unused variable" in row)
    assert "<code>src/app.py</code>" in annotation and "2-3" in annotation
    assert "warning" in annotation


async def test_the_pull_request_timeline_holds_the_events_about_it(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    state = simulator.state
    organisation(state)
    pull = open_feature(state)
    converse(state, pull)
    merged_pull(state)  # events about another PR stay off this one's timeline

    page = await fetch(simulator, http, "/acme/widgets/pull/1")

    timeline = page.text.split("<h2>Timeline</h2>", 1)[1]
    labels = re.findall(r"<td><code>([a-z_.]+)</code></td>", timeline)
    assert labels == [
        "pull_request.opened",
        "pull_request.labeled",
        "pull_request.assigned",
        "pull_request.review_requested",
        "pull_request.review_requested",
        "pull_request_review.submitted",
        "issue_comment.created",
    ]
    assert "review APPROVED by bob on #1" in timeline
    assert "Document the widgets" not in timeline


async def test_the_events_page_is_paginated_newest_first(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    state = simulator.state
    organisation(state)
    pull = open_feature(state)
    for number in range(150):
        actors_repos.post_status(state, REPO, pull.head_sha, f"ci/{number}", "pending")
    total = len(state.published)

    first = await fetch(simulator, http, "/events")
    last = await fetch(simulator, http, "/events?page=2")
    beyond = await fetch(simulator, http, "/events?page=3")

    first_rows = [row for row in table_rows(first.text) if "<td" in row]
    last_rows = [row for row in table_rows(last.text) if "<td" in row]
    assert len(first_rows) == 100 and len(last_rows) == total - 100
    assert "status ci/149 pending" in first_rows[0]
    assert "pull_request.opened" in last_rows[-2] or "pull_request.opened" in last_rows[-1]
    assert 'href="/events?page=2"' in first.text and 'href="/events?page=1"' in last.text
    assert "page 2 of 2" in last.text
    assert beyond.status == 404
    assert (await fetch(simulator, http, "/events?page=zero")).status == 404


async def test_user_controlled_text_is_escaped(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    state = simulator.state
    organisation(state)
    state.commit(REPO, "feature", {f"src/{SCRIPT}.py": f"print('{SCRIPT}')\n"}, author="alice")
    pull = state.open_pull(REPO, SCRIPT, head_ref="feature", body=SCRIPT)
    actors_pulls.add_labels(state, REPO, pull.number, [SCRIPT], sender="alice")
    actors_pulls.review(state, REPO, pull.number, "bob", "COMMENT", SCRIPT)
    actors_pulls.comment(state, REPO, pull.number, "carol", SCRIPT)
    actors_repos.post_status(state, REPO, pull.head_sha, "ci", "failure", description=SCRIPT)
    annotation = {**ANNOTATION, "path": SCRIPT, "message": SCRIPT}
    output = {"title": SCRIPT, "summary": SCRIPT}
    patch = CheckRunPatch(conclusion="failure", output=output, annotations=(annotation,))
    state.create_check_run(REPO, SCRIPT, pull.head_sha, patch)

    for path in ("/", "/events", "/acme/widgets", "/acme/widgets/pull/1"):
        page = await fetch(simulator, http, path)
        assert page.status == 200, path
        assert "<script" not in page.text, path
        assert ESCAPED_SCRIPT in page.text, path
    pull_page = (await fetch(simulator, http, "/acme/widgets/pull/1")).text
    assert pull_page.count(ESCAPED_SCRIPT) >= 10


async def test_unknown_repositories_and_pulls_are_html_404s(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    organisation(simulator.state)
    open_feature(simulator.state)

    for path in ("/acme/nope", "/nobody/widgets", "/acme/widgets/pull/2", "/acme/nope/pull/1"):
        page = await fetch(simulator, http, path)
        assert (page.status, page.content_type) == (404, "text/html"), path
        assert "<h1>Not found</h1>" in page.text
    escaped = await fetch(simulator, http, "/acme/%3Cscript%3E")
    assert escaped.status == 404 and "<script" not in escaped.text


async def test_views_are_not_api_traffic(simulator: Simulator, http: aiohttp.ClientSession) -> None:
    """Neither recorded as API calls nor subject to faults, and without GitHub's API headers."""
    state = simulator.state
    organisation(state)
    state.faults.queue(Fault.error(502))

    pages = [await fetch(simulator, http, path) for path in ("/", "/acme/widgets", "/events")]

    assert [page.status for page in pages] == [200, 200, 200]
    assert pages[0].headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "X-GitHub-Request-Id" not in pages[0].headers
    assert state.requests == []
    assert len(state.faults.pending) == 1


@pytest.mark.nonconforming  # a write outside the API root, on purpose
async def test_the_view_answers_reads_only(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    organisation(simulator.state)
    async with http.post(simulator.server.make_url("/acme/widgets")) as refused:
        assert refused.status == 405
        assert refused.content_type == "application/json"  # GitHub's error, from the API pipeline


async def test_the_api_keeps_its_routes(simulator: Simulator, http: aiohttp.ClientSession) -> None:
    organisation(simulator.state)
    async with http.get(simulator.url("/repos/acme/widgets")) as reply:
        assert reply.status == 401
        assert reply.content_type == "application/json"


async def test_the_demo_prints_the_view_url(tmp_path: Path) -> None:
    out = io.StringIO()
    assert await play([], out, workdir=tmp_path) == 0
    assert re.search(r"^GitHub web view:  http://127\.0\.0\.1:\d+/$", out.getvalue(), re.M)
