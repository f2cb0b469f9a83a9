"""JSON of deployments and their statuses (the REST API's and the webhooks' are the same)."""

from __future__ import annotations

from app.sandbox.context import Urls
from app.sandbox.models import Deployment, DeploymentStatus
from app.sandbox.serializers import Json, account_json, legacy_node_id
from app.sandbox.state import SimulatedGitHub
from app.sandbox.timefmt import iso8601


def deployment_json(state: SimulatedGitHub, urls: Urls, deployment: Deployment) -> Json:
    url = urls.api(f"/repos/{deployment.repo_full_name}/deployments/{deployment.id}")
    return {
        "url": url,
        "id": deployment.id,
        "node_id": legacy_node_id("Deployment", deployment.id),
        "sha": deployment.sha,
        "ref": deployment.ref,
        "task": deployment.task,
        "payload": dict(deployment.payload),
        "original_environment": deployment.environment,
        "environment": deployment.environment,
        "description": deployment.description,
        "creator": account_json(urls, state.account(deployment.creator)),
        "created_at": iso8601(deployment.created_at),
        "updated_at": iso8601(deployment.updated_at),
        "statuses_url": f"{url}/statuses",
        "repository_url": urls.api(f"/repos/{deployment.repo_full_name}"),
        "transient_environment": False,
        "production_environment": deployment.environment == "production",
        "performed_via_github_app": None,
    }


def deployment_status_json(
    state: SimulatedGitHub, urls: Urls, deployment: Deployment, status: DeploymentStatus
) -> Json:
    deployment_url = urls.api(f"/repos/{deployment.repo_full_name}/deployments/{deployment.id}")
    body: Json = {
        "url": f"{deployment_url}/statuses/{status.id}",
        "id": status.id,
        "node_id": legacy_node_id("DeploymentStatus", status.id),
        "state": status.state,
        "creator": account_json(urls, state.account(status.creator)),
        "description": status.description,
        "environment": status.environment,
        "target_url": status.log_url,
        "log_url": status.log_url,
        "created_at": iso8601(status.created_at),
        "updated_at": iso8601(status.created_at),
        "deployment_url": deployment_url,
        "repository_url": urls.api(f"/repos/{deployment.repo_full_name}"),
        "performed_via_github_app": None,
    }
    if status.environment_url:
        # ("" would match both of the webhook schema's choices for it, which oneOf refuses.)
        body["environment_url"] = status.environment_url
    return body
