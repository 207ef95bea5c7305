"""Where these tasks lived before 0.2: jobs already in Redis (delayed retries, the failed
registry) name this module, so it re-exports them. Removed in 0.3 (see docs/queue.md)."""

from campaigns.integrity.tasks import flag_trends, forget_addresses

__all__ = ["flag_trends", "forget_addresses"]
