"""Folding new submissions into the hourly counts soon, without one job per submission.

"A tally job is waiting" is a marker in Redis. It expires on its own, so a job lost on the way
to Redis delays the counts only until the periodic tally, never for good.
"""

from __future__ import annotations

import logging

from redis.client import Pipeline
from redis.exceptions import RedisError

from campaigns.extensions import queues
from campaigns.queues import enqueue
from campaigns.tracking import counts, milestones

log = logging.getLogger(__name__)

PENDING_KEY = "campaigns:tally-pending"
PENDING_SECONDS = 60


def mark_pending(pipe: Pipeline) -> None:
    """Add the marker to `pipe`; its result is true when the caller must enqueue the job.

    Signing sends this in the same round trip to Redis as the confirmation job.
    """
    pipe.set(PENDING_KEY, "1", nx=True, ex=PENDING_SECONDS)


def enqueue_tally() -> None:
    enqueue("campaigns.tracking.tasks.tally_counts", queue="counts", retry=False)


def queue_tally() -> None:
    """Make sure a tally job runs soon, without one job per submission.

    Only the caller that sets the marker enqueues; the job clears it before it reads, so a
    submission committed while the marker stands is read by that job, and one committed after
    the job cleared it sets the marker again and gets a job of its own.
    """
    try:
        if queues.connection.set(PENDING_KEY, "1", nx=True, ex=PENDING_SECONDS):
            enqueue_tally()
    except RedisError:
        log.exception("could not queue a tally; the periodic one will count")


def tally() -> int:
    """Fold every submission not yet counted into the counts; returns how many."""
    queues.connection.delete(PENDING_KEY)
    return milestones.after_tally(counts.tally_all())
