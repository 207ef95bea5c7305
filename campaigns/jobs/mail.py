"""Where these tasks lived before 0.2: jobs already in Redis (delayed retries, the failed
registry) name this module, so it re-exports them. Removed in 0.3 (see docs/queue.md)."""

from campaigns.submissions.tasks import send_confirmation, send_confirmations, sweep_confirmations

__all__ = ["send_confirmations", "send_confirmation", "sweep_confirmations"]
