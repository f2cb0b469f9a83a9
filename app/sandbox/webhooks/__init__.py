"""Webhooks out of the simulator: GitHub-shaped payloads and a signed, ordered dispatcher."""

from app.sandbox.webhooks.dispatcher import Delivery, WebhookDispatcher
from app.sandbox.webhooks.payloads import UnsupportedEvent, build_payload

__all__ = ["Delivery", "UnsupportedEvent", "WebhookDispatcher", "build_payload"]
