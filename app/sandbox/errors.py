"""GitHub-shaped error bodies and the exception handlers raise to produce them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

DOCUMENTATION_URL = "https://docs.github.com/enterprise-server@3.19/rest"

FieldError = dict[str, str]
# Most validation errors list objects naming the resource and field; a few endpoints (topics)
# list plain sentences, GitHub's "validation error simple".
ErrorItem = FieldError | str


def json_response(
    data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.json_response(data, status=status, headers=headers)


def error_body(
    status: int, message: str, errors: Sequence[ErrorItem] | None = None
) -> dict[str, Any]:
    """GitHub puts ``errors`` between the message and the documentation link and echoes the
    status code as a string."""
    body: dict[str, Any] = {"message": message}
    if errors:
        body["errors"] = list(errors)
    body["documentation_url"] = DOCUMENTATION_URL
    body["status"] = str(status)
    return body


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: Sequence[ErrorItem] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = dict(headers or {})

    def to_response(self) -> web.Response:
        body = error_body(self.status, self.message, self.errors)
        return json_response(body, status=self.status, headers=self.headers)


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def bad_credentials() -> ApiError:
    return ApiError(401, "Bad credentials")


def requires_authentication() -> ApiError:
    return ApiError(401, "Requires authentication")


def forbidden_for_integration() -> ApiError:
    return ApiError(403, "Resource not accessible by integration")


def validation_failed(errors: Sequence[ErrorItem]) -> ApiError:
    return ApiError(422, "Validation Failed", errors=errors)


ARCHIVED = "Repository was archived so is read-only."


def archived_repository() -> ApiError:
    return ApiError(403, ARCHIVED)


def field_error(resource: str, field: str, code: str) -> FieldError:
    return {"resource": resource, "code": code, "field": field}


def from_http_exception(exc: web.HTTPException) -> web.Response:
    headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
    return ApiError(exc.status, exc.reason, headers=headers).to_response()


async def read_json_object(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise ApiError(400, "Problems parsing JSON") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "Body should be a JSON object")
    return body
