"""Where these tasks lived before 0.2: jobs already in Redis (delayed retries, the failed
registry) name this module, so it re-exports them. Removed in 0.3 (see docs/queue.md)."""

from campaigns.webhooks.tasks import (
    deliver_webhook,
    dispatch_event,
    retry_webhooks,
    send_pause_notice,
)

__all__ = ["dispatch_event", "deliver_webhook", "retry_webhooks", "send_pause_notice"]
