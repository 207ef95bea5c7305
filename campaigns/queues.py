"""The Redis connection, the RQ queues, and the one helper that puts a task on them.

Tasks are named by their dotted path (`campaigns.letters.tasks.deliver_message`), never passed
as function objects: a service that queues work imports no tasks module, so tasks may import
services and nothing points back. RQ stores the same dotted path in Redis and resolves it when
a worker runs the job.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.job import Job

from campaigns import redis_connection

log = logging.getLogger(__name__)

# Queues by concern, so a flood of letters never delays a confirmation's retry budget or an
# export: a worker listens to them in this order. Tallies come first: they are short, and
# counts that wait behind a spike's confirmation emails would stand still during the spike.
QUEUE_NAMES = ("counts", "mail", "exports", "default")

# Back-off in seconds between tries, per queue: mail providers recover within minutes, and a
# confirmation that arrives an hour late is still better than none.
RETRY_INTERVALS = {
    "counts": [5, 30],
    "mail": [10, 60, 300, 900, 3600],
    "exports": [30, 120],
    "default": [10, 60, 300],
}

# How long a failed job stays in RQ's failed registry for someone to look at.
FAILURE_TTL = 30 * 24 * 3600


class RedisQueues:
    def init_app(self, app: Flask) -> None:
        # With a Sentinel URL this client follows the master through a failover; every
        # process (web, worker, cron) takes its connection from here (redis_connection.py).
        app.extensions["redis"] = redis_connection.connect(
            app.config["REDIS_URL"],
            sentinel_password=app.config.get("REDIS_SENTINEL_PASSWORD", ""),
            socket_connect_timeout=5,
            socket_timeout=30,
        )

    @property
    def connection(self) -> Redis:
        return current_app.extensions["redis"]

    def queue(self, name: str) -> Queue:
        if name not in QUEUE_NAMES:
            raise ValueError(f"unknown queue {name!r}")
        return Queue(name, connection=self.connection)

    def all(self) -> list[Queue]:
        return [self.queue(name) for name in QUEUE_NAMES]


def enqueue(
    task: str,
    *args,
    queue: str = "default",
    job_id: str | None = None,
    delay: timedelta | None = None,
    retry: bool = True,
    **kwargs,
) -> Job | None:
    """Put the task named `task` (a dotted path) on `queue` with its retry policy.

    Returns None when Redis cannot be reached: callers have already committed what the job
    needs, and the periodic sweeps pick it up again, so a Redis outage never fails a request.
    """
    if not isinstance(task, str) or "." not in task:
        raise TypeError(f"tasks are enqueued by dotted name, not {task!r}")
    if queue not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {queue!r}")
    intervals = RETRY_INTERVALS[queue]
    options = {
        "job_id": job_id,
        "job_timeout": current_app.config["JOB_TIMEOUT"],
        "retry": Retry(max=len(intervals), interval=intervals) if retry else None,
        "failure_ttl": FAILURE_TTL,
    }
    try:
        q = Queue(queue, connection=current_app.extensions["redis"])
        if delay:
            return q.enqueue_in(delay, task, *args, **kwargs, **options)
        # Our own pipeline folds RQ's writes into one round trip to Redis (signing does this
        # once per request).
        pipe = q.connection.pipeline()
        job = q.enqueue(task, *args, **kwargs, **options, pipeline=pipe)
        pipe.execute()
        return job
    except RedisError:
        log.exception("could not enqueue %s on %s; the sweep will retry", task, queue)
        return None
