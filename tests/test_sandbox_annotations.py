"""Check-run output and annotations on the simulator: given on create and on update (at most 50 a
request, accumulating), listed back, and counted in the HTML view."""

from __future__ import annotations

from typing import Any

import pytest

from tests.pull_world import (  # noqa: F401
    REPO,
    World,
    clock_fixture,
    simulator_state_fixture,
    world_fixture,
)

RUNS = f"/repos/{REPO}/check-runs"


def annotation(line: int, level: str = "warning", **extra: Any) -> dict[str, Any]:
    return {
        "path": "src/app.py",
        "start_line": line,
        "end_line": line,
        "annotation_level": level,
        "message": f"Problem on line {line}",
        **extra,
    }


def output(annotations: list[dict[str, Any]], **extra: str) -> dict[str, Any]:
    return {"title": "Lint", "summary": "Some problems", "annotations": annotations, **extra}


async def new_run(world: World, annotations: list[dict[str, Any]]) -> dict[str, Any]:
    pull = world.open_pull("feature", {"src/app.py": "x = 1\n"})
    payload = {"name": "lint", "head_sha": pull.head_sha, "output": output(annotations)}
    reply = await world.call("POST", RUNS, payload)
    assert reply.status == 201, reply.body
    return reply.body


async def test_annotations_accumulate_across_updates(world: World) -> None:
    first = [annotation(1), annotation(2, "failure", title="E1", start_column=1, end_column=4)]
    run = await new_run(world, first)
    assert run["output"]["annotations_count"] == 2
    url = f"{RUNS}/{run['id']}"
    more = {"output": output([annotation(3, "notice", raw_details="details")], text="All of it")}
    updated = await world.call("PATCH", url, more)
    assert updated.status == 200, updated.body
    assert updated.body["output"]["annotations_count"] == 3
    fetched = await world.call("GET", url)
    assert {key: fetched.body["output"][key] for key in ("title", "summary", "text")} == {
        "title": "Lint",
        "summary": "Some problems",
        "text": "All of it",
    }
    listed = await world.call("GET", f"{url}/annotations")
    assert listed.status == 200, listed.body
    assert [(item["start_line"], item["annotation_level"]) for item in listed.body] == [
        (1, "warning"),
        (2, "failure"),
        (3, "notice"),
    ]
    second, third = listed.body[1], listed.body[2]
    assert (second["title"], second["start_column"], second["end_column"]) == ("E1", 1, 4)
    assert (third["raw_details"], third["title"], third["start_column"]) == ("details", None, None)
    assert listed.body[0]["message"] == "Problem on line 1"
    assert listed.body[0]["blob_href"] == world.sim.url("").removesuffix("/api/v3") + (
        f"/{REPO}/blob/{run['head_sha']}/src/app.py"
    )
    stored = world.state.check_runs[run["id"]].annotations
    assert [item["start_line"] for item in stored] == [1, 2, 3]


async def test_an_update_without_annotations_keeps_them(world: World) -> None:
    run = await new_run(world, [annotation(1)])
    url = f"{RUNS}/{run['id']}"
    done = await world.call("PATCH", url, {"conclusion": "neutral"})
    assert done.body["output"]["annotations_count"] == 1
    assert done.body["output"]["title"] == "Lint"


async def test_annotations_are_paginated(world: World) -> None:
    run = await new_run(world, [annotation(line) for line in range(1, 51)])
    url = f"{RUNS}/{run['id']}"
    await world.call("PATCH", url, {"output": output([annotation(51)])})
    first = await world.call("GET", f"{url}/annotations")
    assert len(first.body) == 30 and 'rel="next"' in first.headers["Link"]
    last = await world.call("GET", f"{url}/annotations?per_page=50&page=2")
    assert [item["start_line"] for item in last.body] == [51]


@pytest.mark.nonconforming
async def test_more_than_fifty_annotations_a_request_are_refused(world: World) -> None:
    pull = world.open_pull("feature", {"src/app.py": "x = 1\n"})
    many = output([annotation(line) for line in range(1, 52)])
    created = await world.call(
        "POST", RUNS, {"name": "lint", "head_sha": pull.head_sha, "output": many}
    )
    assert created.status == 422
    assert created.body["errors"] == [
        {"resource": "CheckRun", "code": "invalid", "field": "output.annotations"}
    ]
    assert world.state.check_runs == {}
    run = await world.call("POST", RUNS, {"name": "lint", "head_sha": pull.head_sha})
    updated = await world.call("PATCH", f"{RUNS}/{run.body['id']}", {"output": many})
    assert updated.status == 422
    assert world.state.check_runs[run.body["id"]].annotations == []


@pytest.mark.nonconforming
@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"message": None}, id="no-message"),
        pytest.param({"path": None}, id="no-path"),
        pytest.param({"end_line": None}, id="no-end-line"),
        pytest.param({"annotation_level": "error"}, id="unknown-level"),
        pytest.param({"annotation_level": ["warning"]}, id="level-not-a-string"),
        pytest.param({"start_line": "1"}, id="line-not-an-integer"),
        pytest.param({"start_column": True}, id="column-not-an-integer"),
    ],
)
async def test_each_annotation_needs_path_lines_level_and_message(
    world: World, bad: dict[str, Any]
) -> None:
    broken = {key: value for key, value in (annotation(1) | bad).items() if value is not None}
    pull = world.open_pull("feature", {"src/app.py": "x = 1\n"})
    payload = {"name": "lint", "head_sha": pull.head_sha, "output": output([broken])}
    reply = await world.call("POST", RUNS, payload)
    assert reply.status == 422, reply.body
    assert world.state.check_runs == {}


async def test_annotations_of_a_run_of_another_repository_are_not_found(world: World) -> None:
    world.state.add_repository(world.installation, "gadgets")
    other = world.state.create_check_run("acme/gadgets", "lint", "a" * 40)
    reply = await world.call("GET", f"{RUNS}/{other.id}/annotations")
    assert reply.status == 404


async def test_the_view_counts_a_runs_annotations(world: World) -> None:
    await new_run(world, [annotation(1), annotation(2)])
    async with world.http.get(world.sim.server.make_url(f"/{REPO}/pull/1")) as page:
        text = await page.text()
    assert page.status == 200
    assert "2 annotations" in text
