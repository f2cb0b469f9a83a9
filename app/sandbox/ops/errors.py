"""The refusals of pull-request operations, raised as `ApiError`s carrying GitHub's status code
and message so that scripted actors and REST handlers fail the same way."""

from __future__ import annotations

from aiohttp import web

from app.sandbox.errors import DOCUMENTATION_URL, ApiError, json_response

UNPROCESSABLE = "Unprocessable Entity"


class UnprocessableEntity(ApiError):
    """GitHub's "simple" validation error, whose ``errors`` are plain sentences."""

    def __init__(self, *reasons: str) -> None:
        super().__init__(422, UNPROCESSABLE)
        self.reasons = list(reasons)

    def to_response(self) -> web.Response:
        body = {
            "message": self.message,
            "errors": self.reasons,
            "documentation_url": DOCUMENTATION_URL,
            "status": str(self.status),
        }
        return json_response(body, status=self.status)


def custom_validation(resource: str, message: str) -> ApiError:
    """A ``Validation Failed`` whose single error explains itself with a ``custom`` code."""
    return ApiError(
        422,
        "Validation Failed",
        errors=[{"resource": resource, "code": "custom", "message": message}],
    )


def not_mergeable(message: str) -> ApiError:
    return ApiError(405, message)
