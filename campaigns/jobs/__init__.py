"""RQ jobs by concern, and the one helper that enqueues them.

Jobs take ids, never ORM objects, reload their rows and commit their own work. They run inside
an application context that the worker pushes around every job (see `campaigns.worker`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from redis.exceptions import RedisError
from rq import Retry
from rq.job import Job

from campaigns.extensions import queues

log = logging.getLogger(__name__)

# Back-off in seconds between tries, per queue: mail providers recover within minutes, and a
# confirmation that arrives an hour late is still better than none.
RETRY_INTERVALS = {
    "counts": [5, 30],
    "mail": [10, 60, 300, 900, 3600],
    "exports": [30, 120],
    "default": [10, 60, 300],
}


def enqueue(
    func: Callable,
    *args,
    queue: str = "default",
    job_id: str | None = None,
    delay: timedelta | None = None,
    retry: bool = True,
    **kwargs,
) -> Job | None:
    """Put `func(*args, **kwargs)` on `queue` with its retry policy and the job timeout.

    Returns None when Redis cannot be reached: callers have already committed what the job
    needs, and the periodic sweeps pick it up again, so a Redis outage never fails a request.
    """
    intervals = RETRY_INTERVALS[queue]
    options = {
        "job_id": job_id,
        "job_timeout": current_app.config["JOB_TIMEOUT"],
        "retry": Retry(max=len(intervals), interval=intervals) if retry else None,
        "failure_ttl": 30 * 24 * 3600,
    }
    try:
        q = queues.queue(queue)
        if delay:
            return q.enqueue_in(delay, func, *args, **kwargs, **options)
        # Our own pipeline folds RQ's writes into one round trip to Redis (signing does this
        # once per request).
        pipe = q.connection.pipeline()
        job = q.enqueue(func, *args, **kwargs, **options, pipeline=pipe)
        pipe.execute()
        return job
    except RedisError:
        log.exception("could not enqueue %s on %s; the sweep will retry", func.__name__, queue)
        return None
