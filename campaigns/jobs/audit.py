"""Where these tasks lived before 0.2: jobs already in Redis (delayed retries, the failed
registry) name this module, so it re-exports them. Removed in 0.3 (see docs/queue.md)."""

from campaigns.core.tasks import prune_audit_log

__all__ = ["prune_audit_log"]
