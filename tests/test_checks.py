"""`publish_check_run`: a check run on a head SHA, created once, written again only when its content
changes, with its annotations sent 50 a request; against the simulator over real HTTP and the
database on both engines. The payload helpers are pure."""

from __future__ import annotations

import pytest
from gidgethub import GitHubBroken

from app.github.checks import (
    ANNOTATED,
    ANNOTATIONS_PER_REQUEST,
    MAX_OUTPUT_CHARS,
    Annotation,
    CheckRunContent,
    is_current,
    publish_check_run,
)
from app.github.client import InstallationAPI
from app.sandbox.faults import Fault
from app.sandbox.models import CheckRun
from app.store.db import Database
from tests.action_world import NOW, api_calls, open_pull
from tests.facts_world import (  # noqa: F401
    REPO,
    World,
    api_fixture,
    clock_fixture,
    github_fixture,
    simulator_state_fixture,
    world_fixture,
)

CHECK_RUNS = f"/repos/{REPO}/check-runs"


def content(**changes: object) -> CheckRunContent:
    fields: dict[str, object] = {
        "name": "policy",
        "title": "Ready",
        "summary": "All good.",
        "conclusion": "success",
    }
    fields.update(changes)
    return CheckRunContent(**fields)  # type: ignore[arg-type]


def annotations(count: int, message: str = "problem") -> tuple[Annotation, ...]:
    return tuple(
        Annotation(".paasbot.yml", line, line, f"{message} {line}") for line in range(1, count + 1)
    )


def runs(world: World, sha: str, name: str = "policy") -> list[CheckRun]:
    return [run for run in world.state.check_runs_for(REPO, sha) if run.name == name]


def shown(world: World, sha: str, name: str = "policy") -> CheckRun:
    """The run GitHub shows for a name: the newest."""
    return max(runs(world, sha, name), key=lambda run: run.id)


# Payloads (pure)


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        pytest.param(
            Annotation("a.py", 3, 3, "bad", "warning", "Title", 2, 5),
            {
                "path": "a.py",
                "start_line": 3,
                "end_line": 3,
                "annotation_level": "warning",
                "message": "bad",
                "title": "Title",
                "start_column": 2,
                "end_column": 5,
            },
            id="single line with columns",
        ),
        pytest.param(
            Annotation("a.py", 3, 3, "bad", start_column=4),
            {
                "path": "a.py",
                "start_line": 3,
                "end_line": 3,
                "annotation_level": "failure",
                "message": "bad",
                "start_column": 4,
                "end_column": 4,
            },
            id="a start column alone ends there",
        ),
        pytest.param(
            Annotation("a.py", 3, 6, "bad", "notice", None, 2, 5),
            {
                "path": "a.py",
                "start_line": 3,
                "end_line": 6,
                "annotation_level": "notice",
                "message": "bad",
            },
            id="columns dropped on several lines",
        ),
    ],
)
def test_annotation_payload(annotation: Annotation, expected: dict[str, object]) -> None:
    assert annotation.payload() == expected


def test_annotation_texts_are_cut_to_githubs_limits() -> None:
    payload = Annotation("a.py", 1, 1, "m" * 70_000, title="t" * 300).payload()
    assert len(payload["message"]) == 64_000
    assert len(payload["title"]) == 255


def test_output_is_cut_to_githubs_limit_and_says_so() -> None:
    payload = content(title="t" * 300, summary="s" * 70_000, text="x" * 70_000).payload()
    output = payload["output"]
    assert len(output["title"]) == 255
    assert len(output["summary"]) == MAX_OUTPUT_CHARS
    assert output["summary"].endswith("… (cut to GitHub's size limit)")
    assert len(output["text"]) == MAX_OUTPUT_CHARS
    assert payload["status"] == "completed"
    assert payload["conclusion"] == "success"
    assert "annotations" not in output


def test_output_within_the_limit_is_kept_whole() -> None:
    summary = "s" * MAX_OUTPUT_CHARS
    assert content(summary=summary).payload()["output"]["summary"] == summary


@pytest.mark.parametrize(
    ("count", "sizes"),
    [
        pytest.param(0, [0], id="none: one request without"),
        pytest.param(1, [1], id="one"),
        pytest.param(ANNOTATIONS_PER_REQUEST, [50], id="exactly one request's worth"),
        pytest.param(51, [50, 1], id="one more"),
        pytest.param(120, [50, 50, 20], id="three requests"),
    ],
)
def test_annotations_are_sent_fifty_a_request(count: int, sizes: list[int]) -> None:
    batches = content(annotations=annotations(count)).annotation_batches()
    assert [len(batch) for batch in batches] == sizes
    assert [item for batch in batches for item in batch] == list(annotations(count))


@pytest.mark.parametrize(
    "changed",
    [
        {"name": "other"},
        {"title": "Not ready"},
        {"summary": "Nope."},
        {"conclusion": "failure"},
        {"text": "details"},
        {"annotations": annotations(1)},
    ],
    ids=lambda changed: next(iter(changed)),
)
def test_the_digest_changes_with_any_part_of_the_content(changed: dict[str, object]) -> None:
    assert content().digest() == content().digest()
    assert content(**changed).digest() != content().digest()


@pytest.mark.parametrize("count", [0, 1, 120])
def test_the_digest_fits_its_column_and_tells_whether_the_run_is_annotated(count: int) -> None:
    digest = content(annotations=annotations(count)).digest()
    assert len(digest) == 64
    assert digest.startswith(ANNOTATED) is (count > 0)


# Publishing


async def test_a_check_run_is_created_once_and_then_left_alone(
    world: World, api: InstallationAPI, db: Database
) -> None:
    sha = open_pull(world).head_sha
    assert not await is_current(db, REPO, sha, content())
    assert await publish_check_run(db, api, REPO, sha, content(), NOW) == "created"
    (run,) = runs(world, sha)
    assert (run.status, run.conclusion) == ("completed", "success")
    assert run.output["title"] == "Ready"
    assert run.output["summary"] == "All good."
    assert await is_current(db, REPO, sha, content())

    before = len(world.state.requests)
    assert await publish_check_run(db, api, REPO, sha, content(), NOW + 1) == "unchanged"
    assert api_calls(world.state, before) == [], "an unchanged run costs no request at all"
    assert len(runs(world, sha)) == 1


async def test_a_changed_run_without_annotations_is_updated_in_place(
    world: World, api: InstallationAPI, db: Database
) -> None:
    sha = open_pull(world).head_sha
    await publish_check_run(db, api, REPO, sha, content(), NOW)
    (created,) = runs(world, sha)
    before = len(world.state.requests)
    changed = content(title="Not ready", summary="Needs a review.", conclusion="failure")
    assert not await is_current(db, REPO, sha, changed)
    assert await publish_check_run(db, api, REPO, sha, changed, NOW + 1) == "updated"
    assert api_calls(world.state, before) == [f"PATCH {CHECK_RUNS}/{created.id}"]
    (run,) = runs(world, sha)
    assert (run.conclusion, run.output["title"], run.output["summary"]) == (
        "failure",
        "Not ready",
        "Needs a review.",
    )
    assert await is_current(db, REPO, sha, changed)
    assert not await is_current(db, REPO, sha, content())


async def test_each_head_sha_and_name_has_its_own_run(
    world: World, api: InstallationAPI, db: Database
) -> None:
    first = open_pull(world, "first").head_sha
    second = open_pull(world, "second").head_sha
    assert await publish_check_run(db, api, REPO, first, content(), NOW) == "created"
    assert await publish_check_run(db, api, REPO, second, content(), NOW) == "created"
    assert await publish_check_run(db, api, REPO, first, content(name="other"), NOW) == "created"
    assert [len(runs(world, first)), len(runs(world, second))] == [1, 1]
    assert len(runs(world, first, "other")) == 1
    assert not await is_current(db, "acme/other", first, content())


async def test_more_than_fifty_annotations_are_sent_in_batches(
    world: World, api: InstallationAPI, db: Database
) -> None:
    sha = open_pull(world).head_sha
    many = content(conclusion="failure", annotations=annotations(120))
    before = len(world.state.requests)
    assert await publish_check_run(db, api, REPO, sha, many, NOW) == "created"
    (run,) = runs(world, sha)
    assert api_calls(world.state, before) == [
        f"POST {CHECK_RUNS}",
        f"PATCH {CHECK_RUNS}/{run.id}",
        f"PATCH {CHECK_RUNS}/{run.id}",
    ]
    assert [item["message"] for item in run.annotations] == [f"problem {n}" for n in range(1, 121)]
    assert run.conclusion == "failure"
    reply = await api.getitem(f"{CHECK_RUNS}/{run.id}")
    assert reply["output"]["annotations_count"] == 120


async def test_a_run_whose_annotations_changed_is_created_anew(
    world: World, api: InstallationAPI, db: Database
) -> None:
    """GitHub appends the annotations of an update to those already there: updating in place
    would show the old problems with the new ones."""
    sha = open_pull(world).head_sha
    await publish_check_run(db, api, REPO, sha, content(annotations=annotations(3, "old")), NOW)
    new = content(conclusion="failure", annotations=annotations(2, "new"))
    assert await publish_check_run(db, api, REPO, sha, new, NOW + 1) == "updated"
    assert len(runs(world, sha)) == 2
    assert [item["message"] for item in shown(world, sha).annotations] == ["new 1", "new 2"]
    assert shown(world, sha).conclusion == "failure"
    assert await is_current(db, REPO, sha, new)


async def test_a_run_whose_annotations_are_all_fixed_shows_none(
    world: World, api: InstallationAPI, db: Database
) -> None:
    """An update without annotations leaves GitHub's old ones in place, so the fixed run must
    not be the annotated one."""
    sha = open_pull(world).head_sha
    await publish_check_run(db, api, REPO, sha, content(annotations=annotations(3)), NOW)
    fixed = content(title="Valid", summary="No problem.")
    assert await publish_check_run(db, api, REPO, sha, fixed, NOW + 1) == "updated"
    run = shown(world, sha)
    assert run.annotations == []
    assert (run.output["title"], run.conclusion) == ("Valid", "success")
    assert await is_current(db, REPO, sha, fixed)

    before = len(world.state.requests)
    assert await publish_check_run(db, api, REPO, sha, fixed, NOW + 2) == "unchanged"
    assert api_calls(world.state, before) == []
    again = content(title="Valid again", summary="Still no problem.")
    assert await publish_check_run(db, api, REPO, sha, again, NOW + 3) == "updated"
    assert api_calls(world.state, before) == [f"PATCH {CHECK_RUNS}/{run.id}"], (
        "a run without annotations is updated in place"
    )


async def test_a_failed_write_is_not_remembered(
    world: World, api: InstallationAPI, db: Database
) -> None:
    sha = open_pull(world).head_sha
    world.state.faults.queue(Fault.error(502, path_prefix=CHECK_RUNS, method="POST"))
    with pytest.raises(GitHubBroken):
        await publish_check_run(db, api, REPO, sha, content(), NOW)
    assert not await is_current(db, REPO, sha, content())
    assert await publish_check_run(db, api, REPO, sha, content(), NOW + 1) == "created"
    assert len(runs(world, sha)) == 1


async def test_a_creation_whose_answer_was_lost_is_found_not_made_twice(
    world: World, api: InstallationAPI, db: Database
) -> None:
    """The run was created, then the process died (or GitHub failed) before it could remember
    the run's id: the next write finds that run by the id it was created with and updates it."""
    sha = open_pull(world).head_sha
    world.state.faults.queue(Fault.error(502, path_prefix=CHECK_RUNS, method="POST", after=True))
    with pytest.raises(GitHubBroken):
        await publish_check_run(db, api, REPO, sha, content(), NOW)
    (made,) = runs(world, sha)
    assert not await is_current(db, REPO, sha, content())

    changed = content(title="Not ready", conclusion="failure")
    assert await publish_check_run(db, api, REPO, sha, changed, NOW + 1) == "updated"
    (run,) = runs(world, sha)
    assert run.id == made.id
    assert (run.conclusion, run.output["title"]) == ("failure", "Not ready")
    assert await is_current(db, REPO, sha, changed)


async def test_an_interrupted_creation_that_made_nothing_creates_the_run(
    world: World, api: InstallationAPI, db: Database
) -> None:
    sha = open_pull(world).head_sha
    world.state.faults.queue(Fault.error(502, path_prefix=CHECK_RUNS, method="POST"))
    with pytest.raises(GitHubBroken):
        await publish_check_run(db, api, REPO, sha, content(), NOW)
    before = len(world.state.requests)
    assert await publish_check_run(db, api, REPO, sha, content(), NOW + 1) == "created"
    assert api_calls(world.state, before) == [
        f"GET /repos/{REPO}/commits/{sha}/check-runs",
        f"POST {CHECK_RUNS}",
    ]
    assert len(runs(world, sha)) == 1
