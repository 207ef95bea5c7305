"""Jobs that share confirmed opt-ins with coalition partners (services.partners)."""

from __future__ import annotations

from campaigns.jobs import enqueue
from campaigns.partners import offers as partners


def queue_sharing(submission_id: int) -> None:
    enqueue(share_opt_ins, submission_id, queue="default")


def share_opt_ins(submission_id: int) -> int:
    """Share a just-confirmed submission's opt-ins with its partners; returns how many."""
    return partners.share_submission(submission_id)


def sweep_opt_ins() -> int:
    """Share the confirmed opt-ins a lost job (a Redis outage, a killed worker) left pending."""
    return partners.sweep()
