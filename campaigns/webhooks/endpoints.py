"""Webhooks: owners' endpoints, and what happened, as events for them.

`emit(organization_id, event, payload)` is all the rest of the code calls. It costs nothing
when the organization has no endpoint for the event: which organizations have endpoints is
held in memory for WEBHOOK_CACHE_SECONDS, so signing adds no database round trip. Otherwise
it enqueues one job; the worker writes a delivery per endpoint and posts it.

`webhook_delivery` posts them, signed as Stripe's webhooks are:
`Campaigns-Signature: t=<unix>,v1=<hex>`, the HMAC-SHA256 under the endpoint's secret of
`"<t>.<body>"`, so a receiver can check both who sent it and that it is recent
(docs/api.md#verifying-a-webhook).
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from campaigns.core import audit
from campaigns.core.cache import MISSING, TTLCache
from campaigns.extensions import db
from campaigns.models import (
    WEBHOOK_EVENTS,
    Action,
    ActionKind,
    Message,
    Organization,
    Submission,
    Supporter,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from campaigns.queues import enqueue

log = logging.getLogger(__name__)

# The events each organization's endpoints want: one entry, read again when it expires.
SUBSCRIPTIONS = TTLCache("webhook_subscriptions", seconds="WEBHOOK_CACHE_SECONDS", max_size=1)


class WebhookError(ValueError):
    pass


# --- endpoints ------------------------------------------------------------------------------


def check_url(url: str) -> str:
    """HTTPS to a public host name; http://localhost only with WEBHOOK_ALLOW_HTTP_LOCALHOST."""
    url = url.strip()
    parts = urlsplit(url)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme == "http" and local and current_app.config["WEBHOOK_ALLOW_HTTP_LOCALHOST"]:
        return url
    if parts.scheme != "https" or not parts.hostname:
        raise WebhookError("The address must start with https://.")
    if parts.username or parts.password:
        raise WebhookError("The address may not contain a user name or password.")
    if local or parts.hostname.endswith((".local", ".internal", ".localhost")):
        raise WebhookError("The address must be reachable on the internet.")
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        address = None
    if address is not None and not address.is_global:
        # A private address would let the server be pointed at its own network.
        raise WebhookError("The address must be reachable on the internet.")
    if len(url) > 500:
        raise WebhookError("The address is too long.")
    return url


def create_endpoint(
    organization: Organization, url: str, events: list[str], actor: User
) -> WebhookEndpoint:
    url = check_url(url)
    events = [e for e in WEBHOOK_EVENTS if e in set(events)]
    if not events:
        raise WebhookError("Choose at least one event.")
    endpoint = WebhookEndpoint(
        organization_id=organization.id,
        url=url,
        events=events,
        secret="whsec_" + secrets.token_urlsafe(32),
        created_by_id=actor.id,
    )
    db.session.add(endpoint)
    audit.record(
        "webhook_created",
        organization=organization,
        actor=actor,
        subject=url,
        details={"events": events},
    )
    db.session.commit()
    forget_cache()
    return endpoint


def delete_endpoint(organization: Organization, endpoint_id: int, actor: User) -> None:
    endpoint = endpoint_of(organization, endpoint_id)
    audit.record("webhook_deleted", organization=organization, actor=actor, subject=endpoint.url)
    db.session.delete(endpoint)
    db.session.commit()
    forget_cache()


def resume_endpoint(organization: Organization, endpoint_id: int) -> WebhookEndpoint:
    endpoint = endpoint_of(organization, endpoint_id)
    endpoint.paused_at = None
    endpoint.failing_since = None
    db.session.commit()
    forget_cache()
    return endpoint


def endpoint_of(organization: Organization, endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.organization_id != organization.id:
        raise WebhookError("No such endpoint.")
    return endpoint


def endpoints_of(organization: Organization) -> list[WebhookEndpoint]:
    return list(
        db.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.organization_id == organization.id)
            .order_by(WebhookEndpoint.created_at)
        )
    )


def recent_deliveries(endpoint: WebhookEndpoint, limit: int = 50) -> list[WebhookDelivery]:
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


# --- emitting -------------------------------------------------------------------------------


def _subscriptions() -> dict[int, frozenset[str]]:
    """Events each organization's active endpoints want, kept in memory for a short while."""
    value = SUBSCRIPTIONS.get(None)
    if value is not MISSING:
        return value
    wanted: dict[int, set[str]] = {}
    rows = db.session.execute(
        select(WebhookEndpoint.organization_id, WebhookEndpoint.events).where(
            WebhookEndpoint.paused_at.is_(None)
        )
    )
    for organization_id, events in rows:
        wanted.setdefault(organization_id, set()).update(events or [])
    return SUBSCRIPTIONS.put(None, {k: frozenset(v) for k, v in wanted.items()})


def anyone_listens() -> bool:
    """Whether any organization has an active endpoint (from the cache)."""
    return bool(_subscriptions())


def forget_cache() -> None:
    SUBSCRIPTIONS.forget()


def emit(organization_id: int, event: str, payload: dict) -> None:
    """Tell the organization's endpoints that `event` happened (a no-op without any)."""
    if event not in WEBHOOK_EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    if event not in _subscriptions().get(organization_id, ()):
        return
    occurred = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    enqueue(
        "campaigns.webhooks.tasks.dispatch_event",
        organization_id,
        event,
        payload,
        occurred,
        queue="default",
    )


def dispatch(organization_id: int, event: str, payload: dict, occurred: str) -> list[int]:
    """Write one delivery per subscribed endpoint; their ids."""
    endpoints = db.session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.organization_id == organization_id,
            WebhookEndpoint.paused_at.is_(None),
        )
    )
    data = describe(event, payload)
    if data is None:
        return []  # the row is gone (erased) before the worker got to it
    deliveries = []
    for endpoint in endpoints:
        if event not in (endpoint.events or []):
            continue
        event_id = secrets.token_hex(16)
        body = {"id": event_id, "event": event, "created_date": occurred, "data": data}
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id, event_id=event_id, event=event, payload=body
        )
        db.session.add(delivery)
        deliveries.append(delivery)
    db.session.commit()
    return [d.id for d in deliveries]


def describe(event: str, payload: dict) -> dict | None:
    """What a receiver gets: the rows `payload` names, as the API shows them (identifiers and
    links to fetch more with a key), read in the worker so the request that emitted stays
    cheap. Never more personal data than the API itself gives."""
    base = current_app.config["PUBLIC_URL"].rstrip("/") + "/api/v1"

    def person(supporter: Supporter) -> dict:
        return {
            "identifiers": [f"campaigns:{supporter.uuid}"],
            "href": f"{base}/people/{supporter.uuid}",
        }

    if "submission_id" in payload:
        submission = db.session.get(Submission, payload["submission_id"])
        if submission is None:
            return None
        action = submission.action
        data = {
            "action": {
                "identifiers": [f"campaigns:{action.uuid}"],
                "kind": action.kind.value,
                "browser_url": f"{current_app.config['PUBLIC_URL'].rstrip('/')}/a/{action.slug}",
            },
            "submission": {
                "identifiers": [f"campaigns:{submission.uuid}"],
                "created_date": _iso(submission.created_at),
                "confirmed": submission.confirmed_at is not None,
            },
            "person": person(submission.supporter),
        }
        if action.kind == ActionKind.petition:
            data["submission"]["href"] = (
                f"{base}/petitions/{action.uuid}/signatures/{submission.uuid}"
            )
        return data
    if "person_id" in payload:
        supporter = db.session.get(Supporter, payload["person_id"])
        return None if supporter is None else {"person": person(supporter)}
    if "message_id" in payload:
        message = db.session.get(Message, payload["message_id"])
        if message is None:
            return None
        return {
            "message": {
                "id": message.id,
                "status": message.status.value,
                "target": message.to_name,
                "action": {
                    "identifiers": [f"campaigns:{db.session.get(Action, message.action_id).uuid}"]
                },
            }
        }
    return dict(payload)


def _iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def send_test(endpoint: WebhookEndpoint) -> int:
    """A `ping` delivery to one endpoint, whatever it subscribes to."""
    event_id = secrets.token_hex(16)
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id,
        event_id=event_id,
        event="ping",
        payload={
            "id": event_id,
            "event": "ping",
            "created_date": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "data": {"message": "A test from campaigns: this endpoint is set up."},
        },
    )
    db.session.add(delivery)
    db.session.commit()
    return delivery.id
