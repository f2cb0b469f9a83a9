"""Webhooks out: the simulator's events POSTed to the webhook URL of the app they concern, signed,
in order.

Like GitHub's hookshot: one delivery per event the installation subscribes to, built when the
event happens, sent once with a 10 s timeout and recorded (a failure is not retried; it can be
redelivered by hand with the same delivery id). An event goes to the app of the installation it
concerns: the built-in app's installations to the dispatcher's `url`, signed with its `secret`;
an installation of an app registered by the manifest flow to that app's `hook_attributes.url`,
signed with its webhook secret (nothing when it has no active webhook).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from app.sandbox.events import SimEvent
from app.sandbox.middleware import ENTERPRISE_VERSION
from app.sandbox.models import Installation, fake_sha
from app.sandbox.serializers import Json
from app.sandbox.state import SimulatedGitHub
from app.sandbox.webhooks.payloads import UnsupportedEvent, build_payload, urls_for

log = logging.getLogger(__name__)

DELIVERY_TIMEOUT_SECONDS = 10.0
DEFAULT_BASE_URL = "http://ghe.invalid/api/v3"
HOOKSHOT_VERSION = fake_sha("hookshot")[:7]
# Delivered to every app, whatever events it subscribes to.
ALWAYS_DELIVERED = frozenset({"installation", "installation_repositories"})

SessionFactory = Callable[[], aiohttp.ClientSession]


@dataclass
class Delivery:
    """One attempt to deliver one event; a redelivery is a new attempt with the same id."""

    id: str
    event: str
    action: str | None
    installation_id: int
    payload: Json
    body: bytes
    redelivery: bool = False
    app_id: int | None = None  # the registered app it is for; None: the built-in app
    status: int | None = None
    error: str | None = None
    duration: float | None = None
    # The attempt's own number (GitHub's delivery `id`); `id` above is the event's guid.
    attempt_id: int = 0
    delivered_at: float | None = None

    @property
    def pending(self) -> bool:
        return self.status is None and self.error is None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def signature_256(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def reserialised(delivery: Delivery) -> bytes:
    """The delivery's payload serialised anew: the same event in other bytes, as GitHub sends
    when it announces one change twice (a replay of the very same bytes is refused)."""
    return json.dumps(delivery.payload, indent=2).encode()


def signature_1(secret: str, body: bytes) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def default_hook_id(app_id: int) -> int:
    """The id of the app's webhook, stable for an app id."""
    return int(fake_sha(f"hook:{app_id}")[:7], 16)


@dataclass(frozen=True)
class HookTarget:
    """Where one app's deliveries go and how they are signed."""

    url: str
    secret: str
    hook_id: int
    app_id: int


class WebhookDispatcher:
    """Delivers the events of `state` to the app each concerns: the built-in app's to `url`,
    signed with `secret`; a registered app's to its manifest's webhook, signed with its secret.

    `base_url` is the simulator's API root as the receiver should see it in payload URLs
    (http://127.0.0.1:PORT/api/v3); set it before events happen once the port is known.
    """

    def __init__(
        self,
        state: SimulatedGitHub,
        url: str,
        secret: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        hook_id: int | None = None,
        session_factory: SessionFactory | None = None,
        timeout: float = DELIVERY_TIMEOUT_SECONDS,
    ) -> None:
        self.state = state
        self.url = url
        self.secret = secret
        self.base_url = base_url
        self.hook_id = default_hook_id(state.app_id) if hook_id is None else hook_id
        self.timeout = timeout
        self.deliveries: list[Delivery] = []
        self._session_factory = session_factory or aiohttp.ClientSession
        self._session: aiohttp.ClientSession | None = None
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._attempts = 0

    # --- subscription ------------------------------------------------------------------------

    def attach(self) -> None:
        if self.on_event not in self.state.subscribers:
            self.state.subscribers.append(self.on_event)

    def detach(self) -> None:
        if self.on_event in self.state.subscribers:
            self.state.subscribers.remove(self.on_event)

    def on_event(self, event: SimEvent) -> None:
        installation = self._installation_of(event)
        if installation is None or not self._subscribed(installation, event.name):
            return
        if installation.app_id is not None and self._registered_target(installation.app_id) is None:
            return  # a registered app without an active webhook hears nothing
        try:
            payload = build_payload(self.state, event, self.base_url)
        except UnsupportedEvent as exc:
            log.debug("no webhook for %s: %s", event.label, exc)
            return
        delivery = Delivery(
            id=str(uuid.uuid4()),
            event=event.name,
            action=event.action,
            installation_id=installation.id,
            payload=payload,
            body=json.dumps(payload).encode(),
            app_id=installation.app_id,
        )
        self._enqueue(delivery)

    def _installation_of(self, event: SimEvent) -> Installation | None:
        if isinstance(event.subject, Installation):
            return event.subject
        if event.repository is None:
            return None
        repository = self.state.find_repository(event.repository)
        return None if repository is None else self.state.installation_for(repository)

    @staticmethod
    def _subscribed(installation: Installation, event_name: str) -> bool:
        return event_name in ALWAYS_DELIVERED or event_name in installation.events

    # --- the delivery log --------------------------------------------------------------------

    def find(self, delivery_id: str) -> Delivery:
        """The first attempt of a delivery."""
        for delivery in self.deliveries:
            if delivery.id == delivery_id:
                return delivery
        raise KeyError(f"no delivery {delivery_id!r}")

    def find_attempt(self, attempt_id: int) -> Delivery:
        """One attempt by its number, as `POST /app/hook/deliveries/{id}/attempts` names it."""
        for delivery in self.deliveries:
            if delivery.attempt_id == attempt_id:
                return delivery
        raise KeyError(f"no delivery attempt {attempt_id}")

    def attempts_for_app(self, app_id: int) -> list[Delivery]:
        """The attempts made (not those still queued) to the webhook of app `app_id`, newest
        first, as GitHub lists them."""
        return [
            delivery
            for delivery in reversed(self.deliveries)
            if not delivery.pending and self.app_id_of(delivery) == app_id
        ]

    def app_id_of(self, delivery: Delivery) -> int:
        return self.state.app_id if delivery.app_id is None else delivery.app_id

    def redeliver(self, delivery_id: str) -> Delivery:
        """Queues the same body again under the same delivery id, as GitHub's "Redeliver"."""
        original = self.find(delivery_id)
        again = Delivery(
            id=original.id,
            event=original.event,
            action=original.action,
            installation_id=original.installation_id,
            payload=original.payload,
            body=original.body,
            redelivery=True,
            app_id=original.app_id,
        )
        self._enqueue(again)
        return again

    def send_again(
        self, delivery: Delivery, *, delivery_id: str, body: bytes | None = None
    ) -> Delivery:
        """The same event as a new delivery (another id): what a receiver sees when an event is
        replayed from an archive (the same body), or, with `body`, when GitHub announces one
        change twice (the payload serialised anew)."""
        again = dataclasses.replace(
            delivery,
            id=delivery_id,
            body=delivery.body if body is None else body,
            redelivery=False,
            status=None,
            error=None,
            duration=None,
        )
        self._enqueue(again)
        return again

    def _enqueue(self, delivery: Delivery) -> None:
        self._attempts += 1
        delivery.attempt_id = self._attempts
        self.deliveries.append(delivery)
        self._queue.put_nowait(delivery)

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        if self.running:
            return
        self._session = self._session_factory()
        self._task = asyncio.create_task(self._run(), name="webhook-dispatcher")

    async def stop(self) -> None:
        """Stops sending; deliveries still queued stay pending in the log."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def drain(self) -> None:
        """Waits until every delivery queued so far has been attempted."""
        if not self.running:
            if self._queue.empty():
                return
            raise RuntimeError("the webhook dispatcher is not running; start() it first")
        await self._queue.join()

    async def _run(self) -> None:
        while True:
            delivery = await self._queue.get()
            try:
                await self._send(delivery)
            except Exception as exc:
                # One broken delivery must not stop the ones behind it.
                log.exception("webhook delivery %s failed unexpectedly", delivery.id)
                delivery.error = f"{type(exc).__name__}: {exc}"
            finally:
                self._queue.task_done()

    # --- sending -----------------------------------------------------------------------------

    def target(self, delivery: Delivery) -> HookTarget | None:
        """The webhook the delivery goes to (None: its registered app has no active webhook)."""
        if delivery.app_id is None:
            return HookTarget(self.url, self.secret, self.hook_id, self.state.app_id)
        return self._registered_target(delivery.app_id)

    def _registered_target(self, app_id: int) -> HookTarget | None:
        app = self.state.apps.get(app_id)
        if app is None or not app.hook_active or not app.hook_url:
            return None
        return HookTarget(app.hook_url, app.webhook_secret or "", default_hook_id(app.id), app.id)

    def headers(self, delivery: Delivery) -> dict[str, str]:
        target = self.target(delivery)
        if target is None:
            raise RuntimeError(f"delivery {delivery.id} has no webhook to go to")
        return {
            "Content-Type": "application/json",
            "User-Agent": f"GitHub-Hookshot/{HOOKSHOT_VERSION}",
            "X-GitHub-Event": delivery.event,
            "X-GitHub-Delivery": delivery.id,
            "X-GitHub-Hook-ID": str(target.hook_id),
            "X-GitHub-Hook-Installation-Target-Type": "integration",
            "X-GitHub-Hook-Installation-Target-ID": str(target.app_id),
            # GitHub Enterprise Server names itself in every delivery.
            "X-GitHub-Enterprise-Version": ENTERPRISE_VERSION,
            "X-GitHub-Enterprise-Host": urls_for(self.base_url).origin.split("://", 1)[-1],
            "X-Hub-Signature": signature_1(target.secret, delivery.body),
            "X-Hub-Signature-256": signature_256(target.secret, delivery.body),
        }

    async def _send(self, delivery: Delivery) -> None:
        if self._session is None:
            raise RuntimeError("the webhook dispatcher has no HTTP session")
        target = self.target(delivery)
        if target is None:
            delivery.error = "the app has no active webhook"
            return
        started = time.perf_counter()
        delivery.delivered_at = self.state.now()
        try:
            async with self._session.post(
                target.url,
                data=delivery.body,
                headers=self.headers(delivery),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as response:
                await response.read()
                delivery.status = response.status
        except TimeoutError:
            delivery.error = f"timed out after {self.timeout:g} s"
        except aiohttp.ClientError as exc:
            delivery.error = f"{type(exc).__name__}: {exc}"
        finally:
            delivery.duration = time.perf_counter() - started
        log.info(
            "webhook %s %s: %s",
            delivery.event,
            delivery.id,
            delivery.status if delivery.error is None else delivery.error,
        )


# The simulator application's dispatcher, for the routes listing and redelivering its attempts.
WEBHOOK_KEY = web.AppKey("webhook_dispatcher", WebhookDispatcher)
