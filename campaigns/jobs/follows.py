"""Where these tasks lived before 0.2: jobs already in Redis (delayed retries, the failed
registry) name this module, so it re-exports them. Removed in 0.3 (see docs/queue.md)."""

from campaigns.actions.tasks import deliver_update, send_update

__all__ = ["send_update", "deliver_update"]
