from typing import Any

import pytest

from app.routing.plan import (
    BaseLookup,
    HeadLookup,
    IndexRemoval,
    IndexUpsert,
    plan_routing,
)
from app.routing.subjects import SubjectKind, SubjectRef, pull_request
from tests.corpora import webhook_example

OWN_APP = 4242


def plan(event: str, payload: dict[str, Any]):
    return plan_routing(event, payload, own_app_id=OWN_APP)


def with_installation(payload: dict[str, Any], installation_id: int = 99) -> dict[str, Any]:
    return {**payload, "installation": {"id": installation_id}}


def test_pull_request_opened_marks_the_pr_and_indexes_its_head() -> None:
    payload = with_installation(webhook_example("pull_request", "opened"))
    routing = plan("pull_request", payload)
    repo = payload["repository"]["full_name"]
    number = payload["pull_request"]["number"]
    assert routing.subjects == [pull_request(99, repo, number)]
    assert routing.index_changes == [
        IndexUpsert(
            repo,
            number,
            payload["pull_request"]["head"]["sha"],
            payload["pull_request"]["base"]["ref"],
        )
    ]


def test_pull_request_closed_leaves_the_index() -> None:
    payload = with_installation(webhook_example("pull_request", "closed"))
    routing = plan("pull_request", payload)
    assert routing.index_changes == [
        IndexRemoval(payload["repository"]["full_name"], payload["pull_request"]["number"])
    ]
    assert len(routing.subjects) == 1


def test_status_looks_up_the_prs_whose_head_is_the_sha() -> None:
    payload = with_installation(webhook_example("status", "payload"))
    routing = plan("status", payload)
    assert routing.subjects == []
    assert routing.lookups == [HeadLookup(payload["repository"]["full_name"], payload["sha"])]


def test_check_run_marks_its_listed_prs_and_looks_up_its_head() -> None:
    payload = with_installation(webhook_example("check_run", "completed"))
    routing = plan("check_run", payload)
    repo = payload["repository"]["full_name"]
    assert routing.subjects == [pull_request(99, repo, 2)]
    assert routing.lookups == [HeadLookup(repo, payload["check_run"]["head_sha"])]


def test_paasbots_own_check_runs_do_not_wake_it_up() -> None:
    payload = with_installation(webhook_example("check_run", "completed"))
    payload["check_run"]["app"]["id"] = OWN_APP
    routing = plan("check_run", payload)
    assert routing.subjects == [] and routing.lookups == []


def test_check_run_prs_of_other_repositories_are_ignored() -> None:
    payload = with_installation(webhook_example("check_run", "completed"))
    payload["check_run"]["pull_requests"][0]["base"]["repo"]["url"] = (
        "https://x/api/v3/repos/o/other"
    )
    assert plan("check_run", payload).subjects == []


def test_push_to_a_branch_looks_up_the_prs_based_on_it() -> None:
    payload = with_installation(webhook_example("push", "with-new-branch"))
    assert payload["ref"].startswith("refs/heads/") and not payload["deleted"]
    routing = plan("push", payload)
    branch = payload["ref"].removeprefix("refs/heads/")
    assert routing.lookups == [BaseLookup(payload["repository"]["full_name"], branch)]


@pytest.mark.parametrize("ref, deleted", [("refs/tags/v1.0.0", False), ("refs/heads/main", True)])
def test_tag_pushes_and_branch_deletions_concern_no_pr(ref: str, deleted: bool) -> None:
    payload = {
        **with_installation(webhook_example("push", "payload")),
        "ref": ref,
        "deleted": deleted,
    }
    assert plan("push", payload).lookups == []


def test_comment_on_a_pr_marks_it_but_not_on_an_issue() -> None:
    payload = with_installation(webhook_example("issue_comment", "created"))
    payload["issue"]["pull_request"] = {"url": "https://x"}
    repo = payload["repository"]["full_name"]
    assert plan("issue_comment", payload).subjects == [
        pull_request(99, repo, payload["issue"]["number"])
    ]
    payload["issue"].pop("pull_request")
    assert plan("issue_comment", payload).subjects == []


def test_release_and_installation_subjects() -> None:
    release = with_installation(webhook_example("release", "published"))
    tag = release["release"]["tag_name"]
    repo = release["repository"]["full_name"]
    assert plan("release", release).subjects == [
        SubjectRef(SubjectKind.RELEASE, 99, repo, name=tag)
    ]
    installation = webhook_example("installation", "created")
    assert (
        plan("installation", installation).subjects[0].key
        == f"installation/{installation['installation']['id']}"
    )


def test_malformed_payloads_route_nowhere() -> None:
    for event in ("pull_request", "status", "check_run", "push", "release", "issue_comment"):
        routing = plan(event, {"repository": "not an object", "pull_request": []})
        assert routing.subjects == [] and routing.lookups == []


def test_subject_keys() -> None:
    assert pull_request(1, "acme/api", 3).key == "acme/api#3"
    assert SubjectRef(SubjectKind.RELEASE, 1, "acme/lib", name="v1.2.0").key == "acme/lib@v1.2.0"
    assert SubjectRef(SubjectKind.INSTALLATION, 5).key == "installation/5"
    assert SubjectRef(SubjectKind.REPOSITORY_INDEX, 5, "acme/api").key == "acme/api/open-pulls"
