"""What the simulated GraphQL fields do: read a pull request, update its branch (merging the base
in or rebasing onto it). Refusals become GitHub's typed GraphQL errors (`Refused`)."""

from __future__ import annotations

from functools import partial
from typing import Any

from graphql import GraphQLResolveInfo

from app.sandbox.context import RequestContext
from app.sandbox.errors import ApiError
from app.sandbox.models import IssuedToken, PullRequest, Repository
from app.sandbox.ops.access import bot_login
from app.sandbox.ops.forks import may_push_head
from app.sandbox.ops.merging import rebase_update, update_branch
from app.sandbox.serializers import legacy_node_id

Json = dict[str, Any]
NOT_ACCESSIBLE = "Resource not accessible by integration"
# GitHub types a GraphQL error after what went wrong; every other refusal is UNPROCESSABLE.
ERROR_TYPES = {403: "FORBIDDEN", 404: "NOT_FOUND"}


class Refused(Exception):
    """A field GitHub refuses: its GraphQL error has this `type` and `message`."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.type = error_type
        self.message = message


def root_value(ctx: RequestContext) -> Json:
    return {
        "repository": partial(_repository, ctx),
        "updatePullRequestBranch": partial(_update_branch, ctx),
    }


def _repository(ctx: RequestContext, _info: GraphQLResolveInfo, owner: str, name: str) -> Json:
    repository = ctx.state.find_repository(f"{owner}/{name}")
    if repository is not None:
        ctx.record.repository = repository.full_name
    if repository is None or not ctx.state.token_covers(_grant(ctx), repository):
        raise Refused(
            "NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'."
        )
    return {"pullRequest": partial(_pull_request, ctx, repository)}


def _pull_request(
    ctx: RequestContext, repository: Repository, _info: GraphQLResolveInfo, number: int
) -> Json:
    pull = ctx.state.find_pull(repository.full_name, number)
    if pull is None:
        raise Refused(
            "NOT_FOUND", f"Could not resolve to a PullRequest with the number of {number}."
        )
    return pull_node(pull)


def _update_branch(ctx: RequestContext, _info: GraphQLResolveInfo, **arguments: Json) -> Json:
    given = arguments["input"]
    pull = _pull_by_node_id(ctx, given["pullRequestId"])
    grant = _grant(ctx)
    if grant.permissions.get("pull_requests") != "write" or not may_push_head(
        ctx.state, grant, pull
    ):
        raise Refused("FORBIDDEN", NOT_ACCESSIBLE)
    update = rebase_update if given.get("updateMethod") == "REBASE" else update_branch
    try:
        update(
            ctx.state,
            pull.repo_full_name,
            pull.number,
            given.get("expectedHeadOid"),
            sender=bot_login(ctx.state),
        )
    except ApiError as error:
        raise Refused(ERROR_TYPES.get(error.status, "UNPROCESSABLE"), error.message) from error
    return {"clientMutationId": given.get("clientMutationId"), "pullRequest": pull_node(pull)}


def _pull_by_node_id(ctx: RequestContext, node_id: str) -> PullRequest:
    grant = _grant(ctx)
    for repository in ctx.state.repositories.values():
        for pull in ctx.state.pulls_in(repository.full_name):
            if legacy_node_id("PullRequest", pull.id) == node_id:
                # Recorded before the refusal, as for REST: a token tried on another
                # installation's pull request shows in the record.
                ctx.record.repository = repository.full_name
                if ctx.state.token_covers(grant, repository):
                    return pull
    raise Refused("NOT_FOUND", f"Could not resolve to a node with the global id of '{node_id}'.")


def pull_node(pull: PullRequest) -> Json:
    return {
        "id": legacy_node_id("PullRequest", pull.id),
        "number": pull.number,
        "headRefName": pull.head_ref,
        "headRefOid": pull.head_sha,
        "baseRefName": pull.base_ref,
    }


def _grant(ctx: RequestContext) -> IssuedToken:
    assert ctx.grant is not None, "the route requires an installation token"
    return ctx.grant
