"""The HTTP side of the simulated Actions OIDC provider (`app.sandbox.oidc`):

- `GET /_services/token/.well-known/openid-configuration`: the discovery document;
- `GET /_services/token/.well-known/jwks`: the published keys;
- `GET {IDTOKEN_PATH}?api-version=2.0&audience=X`, with `Authorization: Bearer <the job's request
  token>`: `{"value": "<ID token>"}` for the job's run. Without `audience`, the token's audience is
  the URL of the repository's owner, as on GitHub.

These are not REST API endpoints, so, like the HTML view, they bypass the simulator's pipeline
(request log, faults, rate limits) and the OpenAPI conformance checker: their route names carry the
view's prefix, which is what `is_view_request` recognises.
"""

from __future__ import annotations

from aiohttp import hdrs, web

from app.sandbox.errors import ApiError, json_response
from app.sandbox.oidc import (
    ALGORITHM,
    CLAIMS_SUPPORTED,
    IDTOKEN_PATH,
    ISSUER_PATH,
    ActionsOidc,
    WorkflowRun,
    issuer_url,
)
from app.sandbox.security import parse_authorization
from app.sandbox.views import ROUTE_NAME_PREFIX

OIDC_KEY = web.AppKey("actions_oidc", ActionsOidc)
JWKS_PATH = ISSUER_PATH + "/.well-known/jwks"
UNKNOWN_JOB = "The request token is missing or not valid for this job."
NOT_PERMITTED = "The job has no 'id-token: write' permission."


def add_oidc_routes(app: web.Application, oidc: ActionsOidc) -> None:
    app[OIDC_KEY] = oidc
    routes = (
        (ISSUER_PATH + "/.well-known/openid-configuration", openid_configuration, "oidc-discovery"),
        (JWKS_PATH, jwks, "oidc-jwks"),
        (IDTOKEN_PATH, id_token, "oidc-id-token"),
    )
    for path, handler, name in routes:
        app.router.add_get(path, handler, name=f"{ROUTE_NAME_PREFIX}.{name}")


def _origin(request: web.Request) -> str:
    return str(request.url.origin())


async def openid_configuration(request: web.Request) -> web.Response:
    origin = _origin(request)
    return json_response(
        {
            "issuer": issuer_url(origin),
            "jwks_uri": origin + JWKS_PATH,
            "subject_types_supported": ["public", "pairwise"],
            "response_types_supported": ["id_token"],
            "claims_supported": list(CLAIMS_SUPPORTED),
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "scopes_supported": ["openid"],
        }
    )


async def jwks(request: web.Request) -> web.Response:
    return json_response(request.app[OIDC_KEY].jwks())


async def id_token(request: web.Request) -> web.Response:
    oidc = request.app[OIDC_KEY]
    try:
        run = _requesting_run(request, oidc)
    except ApiError as error:
        return error.to_response()
    origin = _origin(request)
    audience = request.query.get("audience") or f"{origin}/{run.repository.owner}"
    token = oidc.id_token(run, issuer=issuer_url(origin), audience=audience)
    return json_response({"value": token})


def _requesting_run(request: web.Request, oidc: ActionsOidc) -> WorkflowRun:
    credentials = parse_authorization(request.headers.get(hdrs.AUTHORIZATION))
    bearer = credentials.value if credentials and credentials.scheme == "bearer" else None
    run = None if bearer is None else oidc.run_for(bearer)
    job = (request.match_info["plan_id"], request.match_info["job_id"])
    if run is None or (run.plan_id, run.job_id) != job:
        raise ApiError(401, UNKNOWN_JOB)
    if not run.id_token_permission:
        raise ApiError(403, NOT_PERMITTED)
    return run
