"""POST /api/github/webhooks: verify, store, route, acknowledge."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from app.intake import Intake, IntakeOutcome
from app.logs import fields, log_context
from app.metrics import Metrics
from app.routing.plan import HANDLED_EVENTS
from app.store.deliveries import StoredDelivery
from app.web.signature import signature_is_valid
from app.web.webhook_payload import PayloadError, WebhookPayload, parse_payload

log = logging.getLogger(__name__)
_DELIVERY_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_EVENT_NAME = re.compile(r"^[a-z0-9_]{1,64}$")
SIGNATURE_HEADER = "X-Hub-Signature-256"
EVENT_HEADER = "X-GitHub-Event"
DELIVERY_HEADER = "X-GitHub-Delivery"
# What GitHub sends when a hook is set to form encoding (`payload=<json>`); a GitHub App's
# webhook is JSON, so such a body means a misconfigured hook, and the 415 names the fix.
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


@dataclass(frozen=True)
class WebhookConfig:
    secret: str
    max_bytes: int


WEBHOOK_CONFIG = web.AppKey("webhook_config", WebhookConfig)
INTAKE = web.AppKey("intake", Intake)
WEBHOOK_METRICS = web.AppKey("webhook_metrics", Metrics)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def handle_webhook(request: web.Request) -> web.Response:
    response = await _handle(request)
    metrics = request.app.get(WEBHOOK_METRICS)
    if metrics is not None:
        _count(metrics, request, response)
    return response


def _count(metrics: Metrics, request: web.Request, response: web.Response) -> None:
    """accepted | duplicate | ignored (ping, events paasbot does not handle) | refused (anything
    not stored: bad signature, malformed, too large, the database unavailable). The event is
    only named from a signed request (an unsigned one could name anything)."""
    event = request.headers.get(EVENT_HEADER, "") if request.get(_SIGNED) else ""
    named = event if _EVENT_NAME.match(event) else "unknown"
    metrics.delivery(named, request.get(_ACTION), request.get(_OUTCOME, "refused"))


# What the handler learnt, for the metrics (request-scoped keys).
_SIGNED = "paasbot_webhook_signed"
_ACTION = "paasbot_webhook_action"
_OUTCOME = "paasbot_webhook_outcome"


async def _handle(request: web.Request) -> web.Response:
    config = request.app[WEBHOOK_CONFIG]
    body = await _read_capped(request, config.max_bytes)
    if body is None:
        return _error(413, f"payload larger than {config.max_bytes} bytes")
    signatures = request.headers.getall(SIGNATURE_HEADER, [])
    # Two signatures are refused: which one a proxy would have checked is anyone's guess.
    if len(signatures) != 1 or not signature_is_valid(config.secret, body, signatures[0]):
        log.warning("webhook signature missing or wrong", extra=fields(remote=request.remote))
        return _error(401, "X-Hub-Signature-256 is missing or does not match the payload")
    request[_SIGNED] = True
    for name in (EVENT_HEADER, DELIVERY_HEADER):
        if len(request.headers.getall(name, [])) > 1:
            return _error(400, f"{name} header is sent more than once")
    event = request.headers.get(EVENT_HEADER, "")
    delivery_id = request.headers.get(DELIVERY_HEADER, "")
    if not _EVENT_NAME.fullmatch(event):
        return _error(400, "X-GitHub-Event header is missing or malformed")
    if not _DELIVERY_ID.fullmatch(delivery_id):
        return _error(400, "X-GitHub-Delivery header is missing or malformed")
    if request.content_type.lower() in _FORM_TYPES:
        return _error(
            415,
            f"webhooks must be sent as application/json, not {request.content_type}: "
            "set the webhook's content type to application/json",
        )
    try:
        parsed = parse_payload(body)
    except PayloadError as exc:
        return _error(400, str(exc))
    payload = parsed.payload
    request[_ACTION] = parsed.action
    with log_context(
        delivery=delivery_id,
        installation=parsed.installation_id,
        repository=parsed.repository,
        pull=_pull_number(payload),
    ):
        response, request[_OUTCOME] = await _accept(request.app[INTAKE], event, delivery_id, parsed)
    return response


def _pull_number(payload: dict) -> int | None:
    """The PR (or issue) a delivery is about, for the log lines."""
    for key in ("pull_request", "issue"):
        item = payload.get(key)
        if isinstance(item, dict) and isinstance(item.get("number"), int):
            return item["number"]
    return None


async def _accept(
    intake: Intake, event: str, delivery_id: str, parsed: WebhookPayload
) -> tuple[web.Response, str]:
    """The answer, and the outcome the metrics count."""
    payload, action = parsed.payload, parsed.action
    if event == "ping":
        return web.json_response({"msg": "pong", "zen": payload.get("zen")}, status=200), "ignored"
    if event not in HANDLED_EVENTS:
        log.debug("event ignored", extra=fields(event=event, action=action))
        answer = web.json_response({"status": "ignored", "event": event}, status=202)
        return answer, "ignored"
    delivery = StoredDelivery(
        id=delivery_id,
        event=event,
        action=action,
        installation_id=parsed.installation_id,
        repository=parsed.repository,
        received_at=time.time(),
        payload=parsed.text,
    )
    try:
        outcome = await intake.accept(delivery)
    except (SQLAlchemyError, OSError):
        # Never acknowledge what was not stored: GitHub shows the failure and it can be redelivered.
        log.exception("delivery not stored")
        return _error(503, "the delivery could not be stored; redeliver it later"), "refused"
    log.info(
        "delivery accepted",
        extra=fields(
            event=event,
            action=action,
            outcome=outcome.value,
        ),
    )
    counted = "duplicate" if outcome is IntakeOutcome.DUPLICATE else "accepted"
    return web.json_response({"status": outcome.value}, status=202), counted


async def _read_capped(request: web.Request, max_bytes: int) -> bytes | None:
    """The body, or None when it is over the cap. A body up to twice the cap is read to its end
    and discarded, so the sender sees the 413 instead of a reset connection; a larger one is
    refused without reading it."""
    if request.content_length is not None and request.content_length > 2 * max_bytes:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > 2 * max_bytes:
            return None
        if size <= max_bytes:
            chunks.append(chunk)
    return b"".join(chunks) if size <= max_bytes else None
