"""The slice of GitHub's GraphQL schema the simulator serves: a pull request read by repository
and number, and the `updatePullRequestBranch` mutation. Its `PullRequestBranchUpdateMethod`
offers what the simulated instance offers (older GHES versions lack REBASE; older still, the
input has no `updateMethod`), so a request beyond it fails validation as it does on GitHub."""

from __future__ import annotations

from collections.abc import Set
from functools import cache

from graphql import GraphQLSchema, build_schema

UPDATE_METHODS = ("MERGE", "REBASE")

_TYPES = """
scalar GitObjectID

type Query {
  repository(owner: String!, name: String!): Repository
}

type Repository {
  pullRequest(number: Int!): PullRequest
}

type PullRequest {
  id: ID!
  number: Int!
  headRefName: String!
  headRefOid: GitObjectID!
  baseRefName: String!
}

type UpdatePullRequestBranchPayload {
  clientMutationId: String
  pullRequest: PullRequest
}

type Mutation {
  updatePullRequestBranch(input: UpdatePullRequestBranchInput!): UpdatePullRequestBranchPayload
}
"""


def schema_for(methods: Set[str]) -> GraphQLSchema:
    """The schema of an instance offering the update methods `methods` (MERGE, REBASE)."""
    return _schema(tuple(method for method in UPDATE_METHODS if method in methods))


@cache
def _schema(methods: tuple[str, ...]) -> GraphQLSchema:
    return build_schema(_TYPES + _update_input(methods))


def _update_input(methods: tuple[str, ...]) -> str:
    fields = ["clientMutationId: String", "pullRequestId: ID!", "expectedHeadOid: GitObjectID"]
    enum = ""
    if methods:
        fields.append("updateMethod: PullRequestBranchUpdateMethod")
        enum = f"enum PullRequestBranchUpdateMethod {{ {' '.join(methods)} }}\n"
    return enum + "input UpdatePullRequestBranchInput {\n  " + "\n  ".join(fields) + "\n}\n"
