"""Writes of the webhooks app: record deliveries, make one attempt, schedule the next.

Each attempt is a job of the plugin's outbox (``workflows.jobs``), written with the delivery row or
with the failed attempt's log: a broker outage or a dead worker delays a delivery, never loses it.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from workflows.jobs.outbox import job_enqueue

from .addresses import delivery_address
from .conf import backoff_seconds, setting
from .models import WebhookDelivery, WebhookSubscription
from .signing import SIGNATURE_HEADER, signature

logger = logging.getLogger(__name__)

RESPONSE_EXCERPT_CHARS = 500
DELIVER_TASK = "webhooks.deliver"


def webhooks_dispatch(
    *,
    event: str,
    payload: dict | Callable[[], dict],
    audiences: Iterable[str] | Callable[[], Iterable[str]] = (),
) -> list[WebhookDelivery]:
    """Record a delivery of ``event`` for every subscription that hears it; send after commit.

    A subscription hears the event if it is active, lists the event kind, and its audience is
    blank or one of ``audiences``. The body is fixed here: every attempt sends the same bytes.
    ``payload`` and ``audiences`` may be given as functions: they are called only when an active
    subscription lists the event (most events of most archives have none), and ``audiences``
    only when one of those names an audience.
    """
    listening = [s for s in WebhookSubscription.objects.filter(active=True) if event in s.events]
    if not listening:
        return []
    if callable(audiences) and any(s.audience for s in listening):
        audiences = audiences()
    audiences = () if callable(audiences) else list(audiences)
    subscriptions = [s for s in listening if s.hears(event, audiences)]
    if not subscriptions:
        return []
    if callable(payload):
        payload = payload()
    with transaction.atomic():
        return [webhook_send(subscription=s, event=event, payload=payload) for s in subscriptions]


def webhook_send(
    *, subscription: WebhookSubscription, event: str, payload: dict
) -> WebhookDelivery:
    """Record one delivery of ``event`` to ``subscription`` and queue its first attempt.

    For a receiver the caller chose itself (a partner archive), not by subscription: the same
    signed body, outbox job and backoff as every delivery. The body is fixed here: every attempt
    sends the same bytes.
    """
    with transaction.atomic():
        delivery = WebhookDelivery(subscription=subscription, event=event)
        delivery.body = json.dumps(
            {
                "id": str(delivery.delivery_id),
                "event": event,
                "created_at": delivery.created_at.isoformat(),
                "data": payload,
            },
            cls=DjangoJSONEncoder,
            ensure_ascii=False,
            separators=(",", ":"),
            sort_keys=True,
        )
        delivery.next_attempt_at = delivery.created_at
        delivery.save()
        job_enqueue(DELIVER_TASK, delivery.pk)
    return delivery


@dataclass(frozen=True)
class Answer:
    """What one attempt got back: an HTTP status, or ``None`` and the network error."""

    status_code: int | None
    excerpt: str = ""
    error: str = ""
    # Not worth another attempt (the address is refused).
    final: bool = False

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to log, not a second receiver to sign for."""

    def redirect_request(self, *args, **kwargs):
        return None


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address checked for this attempt; the URL's host stays in ``Host``."""

    def __init__(self, *args, pinned_ip: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.pinned_ip = pinned_ip

    def connect(self):
        self.sock = socket.create_connection((self.pinned_ip, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above, with TLS checked against the URL's host name (SNI and certificate)."""

    def __init__(self, *args, pinned_ip: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.pinned_ip = pinned_ip

    def connect(self):
        sock = socket.create_connection((self.pinned_ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, pinned_ip: str):
        super().__init__()
        self.pinned_ip = pinned_ip

    def http_open(self, req):
        return self.do_open(partial(_PinnedHTTPConnection, pinned_ip=self.pinned_ip), req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, pinned_ip: str):
        super().__init__(context=ssl.create_default_context())
        self.pinned_ip = pinned_ip

    def https_open(self, req):
        return self.do_open(
            partial(_PinnedHTTPSConnection, pinned_ip=self.pinned_ip),
            req,
            context=self._context,
        )


def _opener(pinned_ip: str) -> urllib.request.OpenerDirector:
    # No proxy: the checked address is the one connected to.
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        _NoRedirect,
        _PinnedHTTPHandler(pinned_ip),
        _PinnedHTTPSHandler(pinned_ip),
    )


def _read_excerpt(response) -> str:
    try:
        return response.read(RESPONSE_EXCERPT_CHARS * 4).decode("utf-8", "replace")[
            :RESPONSE_EXCERPT_CHARS
        ]
    except OSError:
        return ""


def _post(delivery: WebhookDelivery) -> Answer:
    address = delivery_address(
        delivery.subscription.url, allow_private=delivery.subscription.private_network_allowed
    )
    if address.refusal is not None:
        return Answer(None, error=f"not sent: {address.refusal}", final=True)
    body = delivery.body.encode("utf-8")
    request = urllib.request.Request(
        delivery.subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": setting("WEBHOOKS_USER_AGENT"),
            SIGNATURE_HEADER: signature(delivery.subscription.secret, body),
            "X-Webhook-Event": delivery.event,
            "X-Webhook-Delivery": str(delivery.delivery_id),
            "X-Webhook-Attempt": str(delivery.attempts),
        },
    )
    try:
        opener = _opener(address.ip)
        with opener.open(request, timeout=setting("WEBHOOKS_TIMEOUT_SECONDS")) as response:
            return Answer(response.status, _read_excerpt(response))
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, _read_excerpt(exc))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Answer(None, error=f"{type(exc).__name__}: {exc}")


def _take(delivery_pk: int) -> WebhookDelivery | None:
    """Mark the delivery as being sent, under lock; ``None`` if it needs no attempt now."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("subscription")
            .filter(pk=delivery_pk)
            .first()
        )
        # Only the holder of the attempt's job lease gets here: a SENDING delivery is one whose
        # sender died mid-attempt, so it is sent again.
        if delivery is None or delivery.status in WebhookDelivery.FINAL:
            return None
        delivery.status = WebhookDelivery.Status.SENDING
        delivery.attempts += 1
        delivery.save(update_fields=("status", "attempts", "updated_at"))
    return delivery


def webhook_deliver(*, delivery_pk: int) -> int | None:
    """Make one attempt at a delivery and log it.

    Returns the seconds until the next attempt, which is then queued in the transaction that logs
    this one, or ``None`` when there is none to make (delivered, given up). The row is locked only
    to take the delivery and to record the answer, never during the HTTP request.
    """
    delivery = _take(delivery_pk)
    if delivery is None:
        return None
    started = time.monotonic()
    answer = _post(delivery)
    duration_ms = round((time.monotonic() - started) * 1000)
    retry_in = None
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("subscription")
            .get(pk=delivery_pk)
        )
        now = timezone.now()
        if answer.ok:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
        elif (
            answer.final
            or delivery.attempts >= setting("WEBHOOKS_MAX_ATTEMPTS")
            or not delivery.subscription.active
        ):
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            retry_in = backoff_seconds(delivery.attempts)
            delivery.status = WebhookDelivery.Status.RETRYING
            delivery.next_attempt_at = now + timedelta(seconds=retry_in)
            job_enqueue(DELIVER_TASK, delivery.pk, delay=retry_in)
        delivery.response_codes = [*delivery.response_codes, answer.status_code]
        delivery.log = [
            *delivery.log,
            {
                "attempt": delivery.attempts,
                "at": now.isoformat(),
                "status_code": answer.status_code,
                "error": answer.error,
                "response": answer.excerpt,
                "duration_ms": duration_ms,
                "retry_in": retry_in,
            },
        ]
        delivery.save()
    if not answer.ok:
        logger.warning(
            "webhook delivery %s to %s: attempt %s got %s%s",
            delivery.delivery_id,
            delivery.subscription.url,
            delivery.attempts,
            answer.status_code or answer.error,
            f", retry in {retry_in}s" if retry_in is not None else ", giving up",
        )
    return retry_in


def webhook_subscription_create(
    *, owner, url: str, events: list[str], name: str = "", audience: str = "", active: bool = True
) -> WebhookSubscription:
    """A new subscription with a fresh signing secret."""
    return WebhookSubscription.objects.create(
        owner=owner, url=url, events=list(events), name=name, audience=audience, active=active
    )


def webhook_subscription_update(
    *, subscription: WebhookSubscription, **changes
) -> WebhookSubscription:
    """Change a subscription's ``name``, ``url``, ``events`` or ``active``; never its secret."""
    allowed = {"name", "url", "events", "active"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(subscription, name, value)
    subscription.save(update_fields=list(changes) or None)
    return subscription


def webhook_subscription_delete(*, subscription: WebhookSubscription) -> None:
    """Remove a subscription and its delivery log."""
    subscription.delete()
