"""Deployments and their statuses, as GitHub keeps them: a deployment names a commit (resolved from
the ref when it is created) and an environment; each status it is given is published as a
`deployment_status.created` event. (The `deployment.created` event is not published: paasbot does
not subscribe to it.)"""

from __future__ import annotations

from app.sandbox.errors import field_error, validation_failed
from app.sandbox.models import Deployment, DeploymentStatus, Repository, repo_key
from app.sandbox.ops.refs import resolve_commit
from app.sandbox.state import SimulatedGitHub

RESOURCE = "Deployment"
STATUS_RESOURCE = "DeploymentStatus"
STATES = ("error", "failure", "inactive", "in_progress", "queued", "pending", "success")


def create_deployment(
    state: SimulatedGitHub,
    repository: Repository,
    ref: str,
    *,
    creator: str,
    environment: str = "production",
    task: str = "deploy",
    description: str | None = None,
) -> Deployment:
    sha = resolve_commit(state, repository, ref)
    if sha is None:
        raise validation_failed([field_error(RESOURCE, "ref", "invalid")])
    state.account(creator)
    now = state.now()
    deployment = Deployment(
        id=state.next_id(),
        repo_full_name=repository.full_name,
        sha=sha,
        ref=ref,
        environment=environment,
        creator=creator,
        created_at=now,
        updated_at=now,
        task=task,
        description=description,
    )
    state.deployments[deployment.id] = deployment
    return deployment


def create_deployment_status(
    state: SimulatedGitHub,
    deployment: Deployment,
    status_state: str,
    *,
    creator: str,
    environment: str | None = None,
    description: str = "",
    log_url: str = "",
    environment_url: str = "",
) -> DeploymentStatus:
    if status_state not in STATES:
        raise validation_failed([field_error(STATUS_RESOURCE, "state", "invalid")])
    state.account(creator)
    status = DeploymentStatus(
        id=state.next_id(),
        state=status_state,
        environment=environment or deployment.environment,
        creator=creator,
        created_at=state.now(),
        description=description,
        log_url=log_url,
        environment_url=environment_url,
    )
    deployment.statuses.append(status)
    deployment.updated_at = status.created_at
    repository = state.repository(deployment.repo_full_name)
    state.publish(
        "deployment_status", "created", repository, creator, status, deployment=deployment
    )
    return status


def deployments_in(
    state: SimulatedGitHub,
    repository: Repository,
    *,
    sha: str | None = None,
    ref: str | None = None,
    task: str | None = None,
    environment: str | None = None,
) -> list[Deployment]:
    """Newest first, filtered as the query asks."""
    key = repo_key(repository.full_name)
    found = [
        d
        for d in state.deployments.values()
        if repo_key(d.repo_full_name) == key
        and (sha is None or d.sha == sha)
        and (ref is None or d.ref == ref)
        and (task is None or d.task == task)
        and (environment is None or d.environment == environment)
    ]
    return sorted(found, key=lambda d: (d.created_at, d.id), reverse=True)


def find_deployment(
    state: SimulatedGitHub, repository: Repository, deployment_id: int
) -> Deployment | None:
    deployment = state.deployments.get(deployment_id)
    if deployment is None or repo_key(deployment.repo_full_name) != repo_key(repository.full_name):
        return None
    return deployment
