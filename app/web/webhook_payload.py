"""A webhook's body as paasbot takes it: UTF-8 JSON holding an object, and the fields the
deliveries table keeps beside it (action, installation id, repository) within what its columns
can hold. A value no column can hold (NUL, a lone surrogate, over-long text, an id beyond 64
bits) is refused here: the database would refuse the insert, and with it the whole group commit
the delivery shares with others."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.routing.plan import installation_id_of, repository_of
from app.store.tables import deliveries

_ACTION_MAX = deliveries.c.action.type.length
_REPOSITORY_MAX = deliveries.c.repository.type.length
_BIGINT = range(-(2**63), 2**63)


class PayloadError(ValueError):
    """The body is not a payload paasbot can store; the message says why."""


@dataclass(frozen=True)
class WebhookPayload:
    payload: dict[str, Any]
    text: str
    action: str | None
    installation_id: int | None
    repository: str | None


def parse_payload(body: bytes) -> WebhookPayload:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError(f"payload is not UTF-8 JSON: {exc.reason} at byte {exc.start}") from None
    try:
        payload = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise PayloadError(f"payload is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise PayloadError("payload must be a JSON object")
    action = payload.get("action") if isinstance(payload.get("action"), str) else None
    repository = repository_of(payload)
    installation_id = installation_id_of(payload)
    _check_text("action", action, _ACTION_MAX)
    _check_text("repository.full_name", repository, _REPOSITORY_MAX)
    if installation_id is not None and installation_id not in _BIGINT:
        raise PayloadError("payload's installation.id is not a 64-bit integer")
    return WebhookPayload(payload, text, action, installation_id, repository)


def _check_text(name: str, value: str | None, max_length: int | None) -> None:
    if value is None:
        return
    if max_length is not None and len(value) > max_length:
        raise PayloadError(f"payload's {name} is longer than {max_length} characters")
    if "\x00" in value:
        raise PayloadError(f"payload's {name} holds a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PayloadError(f"payload's {name} holds a lone surrogate (\\ud800-\\udfff)") from None
