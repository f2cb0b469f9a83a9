"""GitHub Enterprise Server's GraphQL endpoint, `POST /api/graphql` (beside the REST root
`/api/v3`), with the schema of `graphql_schema.py`. As on GitHub, a query that fails validation
or a field refused answers HTTP 200 with `errors`; only transport problems (no token, a body
that is not JSON) are HTTP errors."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from graphql import ExecutionResult, GraphQLError, graphql_sync

from app.sandbox.context import context
from app.sandbox.errors import json_response, not_found, read_json_object
from app.sandbox.graphql_resolvers import Refused, root_value
from app.sandbox.graphql_schema import schema_for
from app.sandbox.routing import Route, guarded

GRAPHQL_PATH = "/api/graphql"
NO_QUERY = "A query attribute must be specified and must be a string."
BAD_VARIABLES = "Variables must be a JSON object."

Json = dict[str, Any]


async def graphql(request: web.Request) -> web.Response:
    ctx = context(request)
    if not ctx.state.graphql_enabled:
        raise not_found()
    body = await read_json_object(request)
    query, variables = body.get("query"), body.get("variables") or {}
    if not isinstance(query, str):
        return json_response({"errors": [{"message": NO_QUERY}]})
    if not isinstance(variables, dict):
        return json_response({"errors": [{"message": BAD_VARIABLES}]})
    result = graphql_sync(
        schema_for(ctx.state.graphql_update_methods),
        query,
        root_value=root_value(ctx),
        variable_values=variables,
        operation_name=body.get("operationName"),
    )
    return json_response(result_json(result))


def result_json(result: ExecutionResult) -> Json:
    """GitHub leaves `data` out when the query did not validate."""
    body: Json = {} if result.data is None else {"data": result.data}
    if result.errors:
        body["errors"] = [_error_json(error) for error in result.errors]
    return body


def _error_json(error: GraphQLError) -> Json:
    original = error.original_error
    if error.path and original is not None and not isinstance(original, Refused):
        raise original  # a resolver's bug, not an answer GitHub would give
    body: Json = {"type": original.type} if isinstance(original, Refused) else {}
    if error.path:
        body["path"] = list(error.path)
    if error.locations:
        body["locations"] = [{"line": at.line, "column": at.column} for at in error.locations]
    body["message"] = error.message
    return body


def add_graphql_routes(app: web.Application) -> None:
    app.router.add_route("POST", GRAPHQL_PATH, guarded(Route("POST", GRAPHQL_PATH, graphql)))
