"""Where these tasks lived before 0.2: jobs already in Redis (delayed retries, the failed
registry) name this module, so it re-exports them. Removed in 0.3 (see docs/queue.md)."""

from campaigns.partners.tasks import share_opt_ins, sweep_opt_ins

__all__ = ["share_opt_ins", "sweep_opt_ins"]
