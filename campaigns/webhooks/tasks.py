"""RQ entry points of webhooks: write and post an event's deliveries, retry what is due, and
tell owners when an endpoint is paused."""

from __future__ import annotations

from campaigns.webhooks import delivery


def dispatch_event(organization_id: int, event: str, payload: dict, occurred: str) -> int:
    """Write and queue one delivery per subscribed endpoint; returns how many."""
    return delivery.dispatch(organization_id, event, payload, occurred)


def deliver_webhook(delivery_id: int) -> str:
    """Post one delivery; returns its status."""
    return delivery.deliver(delivery_id)


def retry_webhooks() -> int:
    """Queue the deliveries whose next try has come; returns how many."""
    return delivery.queue_due()


def send_pause_notice(endpoint_id: int) -> int:
    return delivery.send_pause_notice(endpoint_id)
