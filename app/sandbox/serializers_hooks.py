"""The app webhook's delivery log as GitHub lists it (`hook-delivery-item`)."""

from __future__ import annotations

from app.sandbox.serializers import Json
from app.sandbox.timefmt import iso8601
from app.sandbox.webhooks.dispatcher import Delivery


def hook_delivery_item_json(delivery: Delivery) -> Json:
    """One attempt: `id` is the attempt's number, `guid` the event's delivery id (the
    `X-GitHub-Delivery` header, shared by its redeliveries); no answer at all is status code 0."""
    repository = delivery.payload.get("repository")
    return {
        "id": delivery.attempt_id,
        "guid": delivery.id,
        "delivered_at": iso8601(delivery.delivered_at or 0.0),
        "redelivery": delivery.redelivery,
        "duration": round(delivery.duration or 0.0, 2),
        "status": delivery_status_text(delivery),
        "status_code": delivery.status or 0,
        "event": delivery.event,
        "action": delivery.action,
        "installation_id": delivery.installation_id,
        "repository_id": repository.get("id") if isinstance(repository, dict) else None,
        "throttled_at": None,
    }


def delivery_status_text(delivery: Delivery) -> str:
    if delivery.status is None:
        return (
            "timed out" if (delivery.error or "").startswith("timed out") else "failed to connect"
        )
    if 200 <= delivery.status < 300:
        return "OK"
    return f"Invalid HTTP Response: {delivery.status}"
