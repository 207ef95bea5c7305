"""Posting webhook deliveries: signed, timed, retried with back-off, pausing an endpoint
that has failed for WEBHOOK_PAUSE_AFTER_HOURS and telling its owners (docs/api.md#webhooks).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from campaigns import mail
from campaigns.extensions import db
from campaigns.models import (
    DeliveryStatus,
    Membership,
    Role,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from campaigns.queues import enqueue
from campaigns.webhooks import endpoints
from campaigns.webhooks.endpoints import forget_cache

# Waits between tries; after the last one, every BACK_OFF[-1] until the endpoint has failed
# for WEBHOOK_PAUSE_AFTER_HOURS, when it is paused and its owners told.
BACK_OFF = [60, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600]
TIMEOUT_SECONDS = 10
RESPONSE_KEPT = 500


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could lead a signed post anywhere, an internal address included.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def deliver(delivery_id: int, now: datetime | None = None) -> str:
    """Try a delivery once; returns its status afterwards ("skipped" if it was not due)."""
    now = now or utcnow()
    claimed = db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == DeliveryStatus.pending,
        )
        .values(status=DeliveryStatus.sending, attempts=WebhookDelivery.attempts + 1)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return "skipped"
    delivery = db.session.get(WebhookDelivery, delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.active:
        delivery.status = DeliveryStatus.failed
        delivery.last_error = "endpoint paused"
        db.session.commit()
        return delivery.status.value
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "campaigns-webhooks/1",
            "Campaigns-Event": delivery.event,
            "Campaigns-Delivery": delivery.event_id,
            "Campaigns-Signature": signature(endpoint.secret, int(now.timestamp()), body),
        },
    )
    started = time.monotonic()
    status_code, error = None, None
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status_code = response.status
    except urllib.error.HTTPError as exc:
        status_code = exc.code
        error = (exc.read(RESPONSE_KEPT) or b"").decode("utf-8", "replace") or exc.reason
    except (urllib.error.URLError, OSError) as exc:
        error = str(getattr(exc, "reason", exc))
    delivery.last_duration_ms = int((time.monotonic() - started) * 1000)
    delivery.last_status_code = status_code
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = DeliveryStatus.delivered
        delivery.delivered_at = now
        delivery.last_error = None
        endpoint.failing_since = None
        db.session.commit()
        return delivery.status.value
    delivery.last_error = (error or f"HTTP {status_code}")[:RESPONSE_KEPT]
    _failed_try(delivery, endpoint, now)
    db.session.commit()
    return delivery.status.value


def _failed_try(delivery: WebhookDelivery, endpoint: WebhookEndpoint, now: datetime) -> None:
    if endpoint.failing_since is None:
        endpoint.failing_since = now
    pause_after = timedelta(hours=current_app.config["WEBHOOK_PAUSE_AFTER_HOURS"])
    if delivery.event != "ping" and now - endpoint.failing_since >= pause_after:
        endpoint.paused_at = now
        delivery.status = DeliveryStatus.failed
        # Everything else still waiting for this endpoint is given up with it.
        db.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.endpoint_id == endpoint.id,
                WebhookDelivery.status == DeliveryStatus.pending,
            )
            .values(status=DeliveryStatus.failed, last_error="endpoint paused")
        )
        _tell_owners(endpoint)
        forget_cache()
        return
    if delivery.event == "ping":
        delivery.status = DeliveryStatus.failed  # a test is shown, not retried
        return
    wait = BACK_OFF[min(delivery.attempts, len(BACK_OFF)) - 1]
    delivery.status = DeliveryStatus.pending
    delivery.next_attempt_at = now + timedelta(seconds=wait)


def _tell_owners(endpoint: WebhookEndpoint) -> None:
    enqueue("campaigns.webhooks.tasks.send_pause_notice", endpoint.id, queue="mail")


def owners_of(organization_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organization_id == organization_id, Membership.role == Role.owner)
        )
    )


def due(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Deliveries waiting for a try whose time has come."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == DeliveryStatus.pending,
                (WebhookDelivery.next_attempt_at.is_(None))
                | (WebhookDelivery.next_attempt_at <= now),
            )
            .order_by(WebhookDelivery.id)
            .limit(limit)
        )
    )


def queue(delivery_id: int) -> None:
    # Not retried by RQ: a failed try is rescheduled in the database with its back-off, and
    # `queue_due` (every minute) sends it when it is due.
    enqueue("campaigns.webhooks.tasks.deliver_webhook", delivery_id, queue="default", retry=False)


def dispatch(organization_id: int, event: str, payload: dict, occurred: str) -> int:
    """Write the event's deliveries, one per subscribed endpoint, and queue each; how many."""
    ids = endpoints.dispatch(organization_id, event, payload, occurred)
    for delivery_id in ids:
        queue(delivery_id)
    return len(ids)


def queue_due() -> int:
    """Queue every delivery whose next try has come; returns how many."""
    ids = due()
    for delivery_id in ids:
        queue(delivery_id)
    return len(ids)


def pause_notice(endpoint: WebhookEndpoint, owner: User) -> mail.EmailMessage:
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    page = f"{base}/organize/{endpoint.organization.slug}/webhooks"
    hours = current_app.config["WEBHOOK_PAUSE_AFTER_HOURS"]
    return mail.EmailMessage(
        to=owner.email,
        to_name=owner.name or "",
        subject=f"Webhook paused: {endpoint.url}",
        text=(
            f"The webhook endpoint {endpoint.url} of {endpoint.organization.name} has "
            f"failed every delivery for {hours} hours, so we paused it and stopped "
            f"sending it events.\n\nSee what it answered and resume it at {page}\n"
        ),
        organization_id=endpoint.organization_id,
    )


def send_pause_notice(endpoint_id: int) -> int:
    """Tell the organization's owners that an endpoint was paused; returns how many."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        return 0
    sent = 0
    for owner in owners_of(endpoint.organization_id):
        mail.send(pause_notice(endpoint, owner))
        sent += 1
    return sent
