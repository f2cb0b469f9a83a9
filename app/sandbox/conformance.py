"""Conformance of the simulator's traffic with GitHub's OpenAPI description of the REST API.

Every request that reaches the simulator, and every response it gives, is checked against
GitHub's own description (``ghes-3.19.json`` from @octokit/openapi) by openapi-core: the
operation (method and path), path and query parameters, the JSON request body, the response
status and the JSON response body. Mismatches are collected as ``Violation`` values; the test
fixtures turn them into test failures.

Operation lookup. openapi-core's own path finder scans every path of the description for each
request and lets a parameter match only one segment. GitHub marks parameters that span several
segments (``/contents/{path}``, ``/git/ref/{ref}``, ``/commits/{ref}/check-runs``...) with
``x-multi-segment``; the checker compiles every path template once (a multi-segment parameter
matches ``.+``, any other one segment), matches the raw, still percent-encoded path, prefers the
most specific template (most literal characters, then fewest multi-segment parameters) and hands
the operation it found to openapi-core's validators. A request for a path or method that the
description does not have is a violation.

Which responses are validated, and how (the status rule):

1. ``304 Not Modified`` carries no body, so only its status is checked: it must answer a
   conditional ``GET``/``HEAD`` (one carrying ``If-None-Match`` or ``If-Modified-Since``) and its
   body must be empty. The description lists 304 for only some reads, but GitHub answers every
   conditional read this way, so the listing is not required.
2. A status the operation documents (exactly, as an ``NXX`` range, or as ``default``) is
   validated in full against that documented response, error statuses included.
3. A status the operation does not document is accepted only if GitHub can send it for any
   operation, and then its body must still be GitHub's error envelope (the description's
   ``basic-error`` schema; ``validation-error`` for 422):

   - 401, 403 (missing permission, primary and secondary rate limits), 404, 429 and every 5xx,
     for every operation;
   - 400 (unparsable JSON) for operations that take a request body;
   - 422 (validation failed) for operations that take a request body or query parameters.

   Any other undocumented status (a 2xx or 3xx, 405, 409...) is a violation.
4. A response that never reached the client (the simulator records 499 when the client hung up
   during an injected timeout) is not a response and is not validated.

Corrections: ``CORRECTIONS`` lists the places where the description itself is wrong about what
GitHub Enterprise Server sends, each one schema (a JSON pointer), one change and the reason. They
are applied to the description when it is loaded, so the rest of the schema still applies; an
entry that no longer matches the description (GitHub fixed it) fails the load, to be removed.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote

from aiohttp import hdrs, web
from jsonschema.exceptions import best_match
from jsonschema_path import SchemaPath
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.datatypes import TemplateResult
from openapi_core.templating.paths.datatypes import PathOperationServer
from openapi_core.validation.request.exceptions import InvalidParameter
from openapi_core.validation.request.validators import V30RequestValidator
from openapi_core.validation.response.exceptions import InvalidData, InvalidHeader
from openapi_core.validation.response.validators import V30ResponseValidator
from openapi_schema_validator import OAS30ReadValidator

from app.sandbox.context import API_PREFIX
from app.sandbox.routing import Handler
from app.sandbox.views import is_view_request

if TYPE_CHECKING:
    from aiohttp.typedefs import Middleware

Direction = Literal["request", "response"]

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
CONDITIONAL_HEADERS = (hdrs.IF_NONE_MATCH, hdrs.IF_MODIFIED_SINCE)
UNSENT_RESPONSE_STATUS = 499
ANY_OPERATION_ERRORS = frozenset({401, 403, 404, 429})
BODY_ERRORS = frozenset({400})
INPUT_ERRORS = frozenset({422})
MAX_DETAIL_CHARS = 300
MAX_DETAILS = 5


@dataclass(frozen=True)
class Violation:
    """One mismatch between the traffic and the description."""

    operation: str
    direction: Direction
    message: str
    request: str = ""

    def __str__(self) -> str:
        where = f" [{self.request}]" if self.request else ""
        return f"{self.operation} {self.direction}{where}: {self.message}"


def admit_null(schema: dict[str, Any]) -> None:
    """OpenAPI 3.0.3: ``nullable`` does not extend ``enum``, so a nullable enum must list null."""
    if not schema.get("nullable") or None in schema["enum"]:
        raise ValueError("the enum is not nullable or already admits null")
    schema["enum"] = [*schema["enum"], None]


def admit_null_alternative(schema: dict[str, Any]) -> None:
    """OpenAPI 3.0.3: ``nullable`` without a ``type`` admits nothing, so a nullable ``oneOf``
    must list null as one of its alternatives."""
    if not schema.get("nullable") or "type" in schema or "oneOf" not in schema:
        raise ValueError("the schema is not a nullable oneOf without a type")
    schema["oneOf"] = [*schema["oneOf"], {"type": "object", "nullable": True, "enum": [None]}]


def drop_discriminator(schema: dict[str, Any]) -> None:
    if "discriminator" not in schema:
        raise ValueError("the schema has no discriminator")
    del schema["discriminator"]


def one_of_to_any_of(schema: dict[str, Any]) -> None:
    if "oneOf" not in schema:
        raise ValueError("the schema has no oneOf")
    schema["anyOf"] = schema.pop("oneOf")


@dataclass(frozen=True)
class Correction:
    """A place where the description is wrong about GitHub Enterprise Server, and its fix."""

    pointer: str
    change: Callable[[dict[str, Any]], None]
    reason: str

    def apply(self, document: dict[str, Any]) -> None:
        node: Any = document
        for part in self.pointer.lstrip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        self.change(node)


CORRECTIONS: tuple[Correction, ...] = (
    Correction(
        "/components/schemas/check-run/properties/conclusion",
        admit_null,
        "A check run that is queued or in progress has no conclusion yet: GitHub sends "
        '"conclusion": null (the description\'s own example '
        "check-run-example-of-in-progress-conclusion shows it), but the enum omits null.",
    ),
    Correction(
        "/components/schemas/issue/properties/state_reason",
        admit_null,
        'An issue that was never closed has no reason for its state: GitHub sends "state_reason": '
        "null (the property is nullable, and the description's own webhooks_issue schema admits "
        "null), but the enum omits null.",
    ),
    Correction(
        "/components/schemas/pull-request-review-comment/properties/start_side",
        admit_null,
        'A single-line review comment has no range: GitHub sends "start_side": null (as the '
        "pull_request_review_comment webhook examples show), but the enum omits null.",
    ),
    *(
        Correction(
            f"/components/schemas/commit/properties/{role}",
            admit_null_alternative,
            f"A commit whose {role} email belongs to no account has no {role} user: GitHub sends "
            f'"{role}": null, which the description means to allow (nullable) but cannot, as '
            "nullable has no effect on a oneOf without a type.",
        )
        for role in ("author", "committer")
    ),
    Correction(
        "/paths/~1repos~1{owner}~1{repo}~1contents~1{path}/get/responses/200/content/"
        "application~1json/schema",
        drop_discriminator,
        "A folder's contents are a JSON array (content-directory), which a discriminator "
        "property cannot be read from: with it every folder listing fails. Without it the "
        "oneOf still tells folders, files, symlinks and submodules apart.",
    ),
    Correction(
        "/paths/~1repos~1{owner}~1{repo}~1contents~1{path}/put/responses/409/content/"
        "application~1json/schema",
        one_of_to_any_of,
        "The conflict body is a oneOf of basic-error and repository-rule-violation-error, and "
        "every error body is valid under both (the latter only adds optional metadata), so no "
        "409 could pass a oneOf.",
    ),
)


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    template: str
    statuses: frozenset[str]
    takes_body: bool
    takes_query: bool

    def documents(self, status: int) -> bool:
        code = str(status)
        return bool({code, f"{code[0]}XX", "default"} & self.statuses)

    def may_answer_undocumented(self, status: int) -> bool:
        if status in ANY_OPERATION_ERRORS or 500 <= status <= 599:
            return True
        if status in BODY_ERRORS:
            return self.takes_body
        return status in INPUT_ERRORS and (self.takes_body or self.takes_query)


@dataclass(frozen=True)
class PathTemplate:
    template: str
    pattern: re.Pattern[str]
    names: tuple[str, ...]
    operations: Mapping[str, Operation]

    def match(self, raw_path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(raw_path)
        if found is None:
            return None
        return {
            name: unquote(value) for name, value in zip(self.names, found.groups(), strict=True)
        }


@dataclass(frozen=True)
class Resolved:
    operation: Operation
    variables: Mapping[str, str]


class OperationNotDescribed(LookupError):
    pass


class OperationIndex:
    """Operations of the description by method and path, multi-segment aware and cached."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        parameters = document.get("components", {}).get("parameters", {})
        templates = [
            _compile_template(template, item, parameters)
            for template, item in document["paths"].items()
        ]
        templates.sort(key=_specificity)
        self._by_first_segment: dict[str, list[PathTemplate]] = {}
        for template in templates:
            self._by_first_segment.setdefault(_first_segment(template.template), []).append(
                template
            )
        self._match = functools.lru_cache(maxsize=4096)(self._match_uncached)

    def resolve(self, method: str, raw_path: str) -> Resolved:
        matched = self._match(raw_path)
        if matched is None:
            raise OperationNotDescribed(f"the description has no path matching {raw_path}")
        template, variables = matched
        operation = template.operations.get(method.lower())
        if operation is None:
            allowed = ", ".join(sorted(name.upper() for name in template.operations))
            raise OperationNotDescribed(
                f"{template.template} has no {method.upper()} operation (only {allowed})"
            )
        return Resolved(operation, variables)

    def _match_uncached(self, raw_path: str) -> tuple[PathTemplate, Mapping[str, str]] | None:
        for template in self._by_first_segment.get(_first_segment(raw_path), ()):
            variables = template.match(raw_path)
            if variables is not None:
                return template, variables
        return None


def _first_segment(path: str) -> str:
    return path.lstrip("/").split("/", 1)[0]


def _specificity(template: PathTemplate) -> tuple[int, int, int]:
    literal = len(re.sub(r"\{[^}]+\}", "", template.template))
    multi = template.pattern.pattern.count("(.+)")
    return (-literal, multi, len(template.names))


def _compile_template(
    template: str, item: Mapping[str, Any], shared: Mapping[str, Any]
) -> PathTemplate:
    declared = {
        method: _parameters(item, body, shared)
        for method, body in item.items()
        if method in HTTP_METHODS
    }
    multi_segment = {
        parameter["name"]
        for parameters in declared.values()
        for parameter in parameters
        if parameter.get("in") == "path" and parameter.get("x-multi-segment")
    }
    names: list[str] = []
    parts: list[str] = []
    for index, piece in enumerate(re.split(r"\{([^}]+)\}", template)):
        if index % 2 == 0:
            parts.append(re.escape(piece))
            continue
        names.append(piece)
        parts.append("(.+)" if piece in multi_segment else "([^/]+)")
    operations = {
        method: _operation(method, template, item[method], parameters)
        for method, parameters in declared.items()
    }
    return PathTemplate(template, re.compile("".join(parts)), tuple(names), operations)


def _parameters(
    item: Mapping[str, Any], body: Mapping[str, Any], shared: Mapping[str, Any]
) -> list[Mapping[str, Any]]:
    declared = [*item.get("parameters", []), *body.get("parameters", [])]
    return [_dereference(parameter, shared) for parameter in declared]


def _dereference(parameter: Mapping[str, Any], shared: Mapping[str, Any]) -> Mapping[str, Any]:
    reference = parameter.get("$ref")
    if reference is None:
        return parameter
    return shared[reference.rsplit("/", 1)[-1]]


def _operation(
    method: str, template: str, body: Mapping[str, Any], path_level: list[Mapping[str, Any]]
) -> Operation:
    return Operation(
        operation_id=body.get("operationId", f"{method.upper()} {template}"),
        method=method,
        template=template,
        statuses=frozenset(body.get("responses", {})),
        takes_body="requestBody" in body,
        takes_query=any(parameter.get("in") == "query" for parameter in path_level),
    )


class _ResolvedPathMixin:
    """openapi-core validators reuse the operation the index resolved instead of finding it."""

    def _find_path(self, request: Any) -> PathOperationServer:
        resolved: PathOperationServer = request.resolved
        return resolved


class _RequestValidator(_ResolvedPathMixin, V30RequestValidator):
    pass


class _ResponseValidator(_ResolvedPathMixin, V30ResponseValidator):
    pass


@dataclass
class _ApiRequest:
    """openapi-core's ``Request`` protocol over an aiohttp request whose body was read."""

    method: str
    host_url: str
    path: str
    parameters: RequestParameters
    body: bytes | None
    content_type: str
    resolved: PathOperationServer


@dataclass
class _ApiResponse:
    """openapi-core's ``Response`` protocol over an aiohttp response."""

    status_code: int
    data: bytes
    content_type: str
    headers: Mapping[str, str]


@dataclass(frozen=True)
class ApiDescription:
    """The parsed description: openapi-core's validators and the operation index."""

    openapi: OpenAPI
    index: OperationIndex
    error_schema: OAS30ReadValidator
    validation_error_schema: OAS30ReadValidator

    def path_operation(self, resolved: Resolved) -> PathOperationServer:
        operation = resolved.operation
        path = self.openapi.spec / "paths" / operation.template
        return PathOperationServer(
            path,
            path / operation.method,
            None,
            TemplateResult(operation.template, dict(resolved.variables)),
            TemplateResult(API_PREFIX, {}),
        )


@functools.lru_cache(maxsize=4)
def load_description(path: Path) -> ApiDescription:
    """Parse the description once per process: the spec validator is off (it takes seconds)."""
    document = json.loads(path.read_text())
    for correction in CORRECTIONS:
        correction.apply(document)
    config = Config(
        spec_validator_cls=None,
        request_validator_cls=_RequestValidator,
        response_validator_cls=_ResponseValidator,
    )
    schemas = document["components"]["schemas"]
    return ApiDescription(
        openapi=OpenAPI(SchemaPath.from_dict(document), config=config),
        index=OperationIndex(document),
        error_schema=OAS30ReadValidator(schemas["basic-error"]),
        validation_error_schema=OAS30ReadValidator(schemas["validation-error"]),
    )


@dataclass
class Exchange:
    """What the request check learnt, for the response check."""

    label: str
    request_line: str
    conditional: bool
    api_request: _ApiRequest | None = None
    operation: Operation | None = None


@dataclass
class ConformanceChecker:
    """Validates simulator requests and responses, and collects the violations."""

    description: ApiDescription
    violations: list[Violation] = field(default_factory=list)

    @classmethod
    def from_path(cls, path: Path) -> ConformanceChecker:
        return cls(load_description(path))

    def drain(self) -> list[Violation]:
        """The violations recorded so far, forgetting them."""
        drained, self.violations = self.violations, []
        return drained

    async def check_request(self, request: web.Request) -> Exchange:
        body = await request.read() if request.body_exists else None
        raw_path = request.rel_url.raw_path
        exchange = Exchange(
            label=f"{request.method} {raw_path}",
            request_line=f"{request.method} {request.rel_url}",
            conditional=any(name in request.headers for name in CONDITIONAL_HEADERS),
        )
        if not raw_path.startswith(API_PREFIX + "/"):
            self._record(exchange, "request", f"outside the API root {API_PREFIX}")
            return exchange
        try:
            resolved = self.description.index.resolve(request.method, raw_path[len(API_PREFIX) :])
        except OperationNotDescribed as exc:
            self._record(exchange, "request", str(exc))
            return exchange
        exchange.operation = resolved.operation
        exchange.label = resolved.operation.operation_id
        exchange.api_request = self._api_request(request, body, resolved)
        validator = self.description.openapi.request_validator
        for error in validator.iter_errors(exchange.api_request):
            self._record(exchange, "request", describe(error))
        return exchange

    def check_response(self, exchange: Exchange, response: web.StreamResponse) -> None:
        if exchange.operation is None or exchange.api_request is None:
            return
        for message in self._response_problems(exchange, exchange.operation, response):
            self._record(exchange, "response", message)

    def middleware(self) -> Middleware:
        """An aiohttp middleware; put it first so that it sees the final answers."""

        @web.middleware
        async def conformance_middleware(
            request: web.Request, handler: Handler
        ) -> web.StreamResponse:
            if is_view_request(request):  # the HTML view is not part of the REST API
                return await handler(request)
            exchange = await self.check_request(request)
            response = await handler(request)
            self.check_response(exchange, response)
            return response

        return conformance_middleware

    def _api_request(
        self, request: web.Request, body: bytes | None, resolved: Resolved
    ) -> _ApiRequest:
        parameters = RequestParameters(
            query=request.query,
            header=request.headers,
            cookie=request.cookies,
            path=dict(resolved.variables),
        )
        return _ApiRequest(
            method=request.method.lower(),
            host_url=f"{request.scheme}://{request.host}",
            path=request.rel_url.path,
            parameters=parameters,
            body=body,
            content_type=request.content_type,
            resolved=self.description.path_operation(resolved),
        )

    def _response_problems(
        self, exchange: Exchange, operation: Operation, response: web.StreamResponse
    ) -> Iterator[str]:
        status = response.status
        data = _body_bytes(response)
        if status == UNSENT_RESPONSE_STATUS:
            return
        if status == 304:
            yield from _not_modified_problems(exchange, data)
        elif operation.documents(status):
            yield from self._documented_problems(exchange, response, data)
        elif status >= 400 and operation.may_answer_undocumented(status):
            yield from self._generic_error_problems(status, data)
        else:
            documented = ", ".join(sorted(operation.statuses))
            yield f"status {status} is not documented for this operation (documented: {documented})"

    def _documented_problems(
        self, exchange: Exchange, response: web.StreamResponse, data: bytes
    ) -> Iterator[str]:
        api_response = _ApiResponse(
            status_code=response.status,
            data=data,
            content_type=response.content_type if data else "",
            headers=response.headers,
        )
        validator = self.description.openapi.response_validator
        for error in validator.iter_errors(exchange.api_request, api_response):
            yield describe(error)

    def _generic_error_problems(self, status: int, data: bytes) -> Iterator[str]:
        try:
            body = json.loads(data)
        except ValueError:
            yield f"undocumented error status {status} without a JSON error body"
            return
        schema = (
            self.description.validation_error_schema
            if status in INPUT_ERRORS
            else self.description.error_schema
        )
        for error in schema.iter_errors(body):
            yield f"undocumented error status {status}: {_schema_error(error)}"

    def _record(self, exchange: Exchange, direction: Direction, message: str) -> None:
        self.violations.append(Violation(exchange.label, direction, message, exchange.request_line))


def _body_bytes(response: web.StreamResponse) -> bytes:
    if isinstance(response, web.Response) and isinstance(response.body, bytes):
        return response.body
    return b""


def _not_modified_problems(exchange: Exchange, data: bytes) -> Iterator[str]:
    method = exchange.api_request.method if exchange.api_request else ""
    if method not in ("get", "head") or not exchange.conditional:
        yield "304 Not Modified answers only a conditional GET"
    if data:
        yield "a 304 Not Modified must not have a body"


def describe(error: BaseException) -> str:
    """A short message for an openapi-core error: what failed, then its schema errors."""
    cause = error.__cause__
    schema_errors = list(getattr(cause, "schema_errors", None) or ())
    if schema_errors:
        details = "; ".join(_schema_error(item) for item in schema_errors[:MAX_DETAILS])
        return f"{_subject(error)} does not match the schema: {details}"
    message = str(error) or type(error).__name__
    if cause is not None and str(cause) not in message:
        message = f"{message}: {cause}"
    return message


def _subject(error: BaseException) -> str:
    if isinstance(error, InvalidParameter):
        return f"{error.location} parameter {error.name!r}"
    if isinstance(error, InvalidHeader):
        return f"response header {error.name!r}"
    if isinstance(error, InvalidData):
        return "response body"
    return "request body"


def _schema_error(error: Any) -> str:
    location = "/".join(str(part) for part in error.absolute_path) or "(root)"
    text = error.message
    if error.context:
        text = f"{text} (closest: {best_match(error.context).message})"
    if len(text) > MAX_DETAIL_CHARS:
        text = text[:MAX_DETAIL_CHARS] + "..."
    return f"at {location}: {text}"
