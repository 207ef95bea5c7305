"""RQ entry points that share confirmed opt-ins with coalition partners."""

from __future__ import annotations

from campaigns.partners import offers


def share_opt_ins(submission_id: int) -> int:
    """Share a just-confirmed submission's opt-ins with its partners; returns how many."""
    return offers.share_submission(submission_id)


def sweep_opt_ins() -> int:
    """Share the confirmed opt-ins a lost job (a Redis outage, a killed worker) left pending."""
    return offers.sweep()
