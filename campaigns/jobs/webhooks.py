"""Jobs for webhooks: write an event's deliveries and post them; retry what is due; tell
owners when an endpoint is paused."""

from __future__ import annotations

import logging

from flask import current_app

from campaigns import mail
from campaigns.extensions import db
from campaigns.jobs import enqueue
from campaigns.models import WebhookEndpoint
from campaigns.webhooks import delivery as webhook_delivery
from campaigns.webhooks import endpoints as webhooks

log = logging.getLogger(__name__)


def dispatch_event(organization_id: int, event: str, payload: dict, occurred: str) -> int:
    ids = webhooks.dispatch(organization_id, event, payload, occurred)
    for delivery_id in ids:
        enqueue(deliver_webhook, delivery_id, queue="default", retry=False)
    return len(ids)


def deliver_webhook(delivery_id: int) -> str:
    # Not retried by RQ: a failed try is rescheduled in the database with its back-off, and
    # `retry_webhooks` (every minute) sends it when it is due.
    return webhook_delivery.deliver(delivery_id)


def retry_webhooks() -> int:
    ids = webhook_delivery.due()
    for delivery_id in ids:
        enqueue(deliver_webhook, delivery_id, queue="default", retry=False)
    return len(ids)


def send_pause_notice(endpoint_id: int) -> int:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        return 0
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    page = f"{base}/organize/{endpoint.organization.slug}/webhooks"
    hours = current_app.config["WEBHOOK_PAUSE_AFTER_HOURS"]
    sent = 0
    for owner in webhook_delivery.owners_of(endpoint.organization_id):
        mail.send(
            mail.EmailMessage(
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
        )
        sent += 1
    return sent
