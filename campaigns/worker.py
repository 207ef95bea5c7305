"""The RQ worker that runs jobs inside the application, and the periodic jobs it schedules."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Flask
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Worker
from rq.scheduler import RQScheduler
from rq.utils import import_attribute
from sqlalchemy.orm import configure_mappers

from campaigns.extensions import db, queues
from campaigns.letters.digests import DIGEST_CRON
from campaigns.scheduler import LeasedCronScheduler

log = logging.getLogger(__name__)


class FailoverScheduler(RQScheduler):
    """RQ's scheduler (delayed jobs, retries' back-off), kept alive when Redis goes away.

    RQ's own ends its process on the first connection error, and the worker starts it again
    only at its next maintenance, ten minutes later: through a Sentinel failover, or a Redis
    restart, retries and delayed jobs would wait that long. This one waits a moment and
    carries on; its connection finds the new master by itself (redis_connection.py).
    """

    def work(self):
        while True:
            try:
                return super().work()
            except (RedisConnectionError, RedisTimeoutError) as exc:
                if self._stop_requested:
                    return None
                self.log.warning("scheduler: Redis unreachable (%s); again in 1 s", exc)
                time.sleep(1)


class AppWorker(Worker):
    """An RQ worker that pushes a fresh application context around every job."""

    app: Flask

    def perform_job(self, job, queue, execution) -> bool:
        with self.app.app_context():
            if self.is_horse:
                # The forked horse inherited the parent's pooled connections; sharing a
                # socket between processes corrupts it. Drop them without closing the
                # parent's (SQLAlchemy's documented recipe for fork).
                db.engine.dispose(close=False)
            try:
                return super().perform_job(job, queue, execution)
            finally:
                db.session.remove()

    def _start_scheduler(
        self, burst=False, logging_level="INFO", date_format=None, log_format=None
    ) -> None:
        """RQ's start of its scheduler (rq/worker/base.py), with FailoverScheduler."""
        options = {"date_format": date_format, "log_format": log_format}
        self.scheduler = FailoverScheduler(
            self.queues,
            connection=self.connection,
            logging_level=logging_level if logging_level is not None else self.log.level,
            serializer=self.serializer,
            **{name: value for name, value in options.items() if value is not None},
        )
        self.scheduler.acquire_locks()
        if not self.scheduler.acquired_locks:
            return
        if not burst:
            self.scheduler.start()
            return
        try:
            self.scheduler.register_birth()
            self.scheduler.enqueue_scheduled_jobs()
        finally:
            self.scheduler.release_locks()
            self.scheduler.register_death()

    def unsubscribe(self) -> None:
        """Stop listening for commands without the 60-second stall RQ's own order risks:
        UNSUBSCRIBE's reply wakes the listening thread, which, if its stop flag is not set
        yet, waits a full minute for the next message. Set the flag first."""
        thread = self.pubsub_thread
        if thread:
            try:
                thread.stop(timeout=0)  # redis-py 8: clear the flag, do not wait
            except TypeError:
                thread.stop()  # earlier redis-py: stop() only clears the flag
        super().unsubscribe()


def build_worker(app: Flask, queue_names: list[str] | None = None) -> AppWorker:
    """A worker bound to `app`, listening to the named queues (all of them by default)."""
    with app.app_context():
        queue_list = [queues.queue(n) for n in queue_names] if queue_names else queues.all()
        connection = queues.connection
    # Configured once here, not again in every forked work horse (about 0.1 s a job).
    configure_mappers()
    worker = AppWorker(queue_list, connection=connection)
    worker.app = app
    return worker


# (task, queue, interval in seconds) for the cron scheduler (campaigns/scheduler.py).
PERIODIC_TASKS: list[tuple[str, str, int]] = [
    # Signing and confirming queue a tally themselves; this one catches what a Redis outage
    # or a lost job left uncounted.
    ("campaigns.tracking.tasks.tally_counts", "counts", 30),
    ("campaigns.submissions.tasks.sweep_confirmations", "mail", 300),
    ("campaigns.core.tasks.prune_audit_log", "default", 24 * 60 * 60),
    ("campaigns.letters.tasks.sweep_messages", "mail", 60),
    ("campaigns.supporters.tasks.delete_expired_exports", "exports", 15 * 60),
    ("campaigns.supporters.tasks.apply_retention_policies", "default", 24 * 60 * 60),
    # Bulk signing from one address or domain, for organizers to review.
    ("campaigns.integrity.tasks.flag_trends", "default", 300),
    ("campaigns.integrity.tasks.forget_addresses", "default", 24 * 60 * 60),
    # Owners hear when many submissions are held in an hour (a table, a hall, an attack).
    ("campaigns.integrity.tasks.notify_held", "mail", 10 * 60),
    ("campaigns.webhooks.tasks.retry_webhooks", "default", 60),
    # Confirming queues the sharing itself; this catches what a Redis outage dropped.
    ("campaigns.partners.tasks.sweep_opt_ins", "default", 300),
    # Which congressional offices take CWC messages (letters.channels reads the lists).
    ("campaigns.congress.tasks.refresh_offices", "default", 24 * 60 * 60),
]

# (task, queue, cron expression in UTC, job timeout as a multiple of JOB_TIMEOUT).
SCHEDULED_TASKS: list[tuple[str, str, str, int]] = [
    ("campaigns.letters.tasks.send_digests", "mail", DIGEST_CRON, 10),
]


def periodic_jobs() -> list[tuple[Callable, str, int]]:
    """PERIODIC_TASKS with each task resolved to its function (a name that does not resolve
    fails here, when the scheduler starts, not an hour later in a worker)."""
    return [(import_attribute(task), queue, interval) for task, queue, interval in PERIODIC_TASKS]


def build_cron(app: Flask) -> LeasedCronScheduler:
    """The scheduler that enqueues the periodic sweeps. Run it on as many machines as you
    like: one at a time holds the lease and enqueues, the others take over if it dies."""
    with app.app_context():
        cron = LeasedCronScheduler(
            queues.connection, lease_seconds=app.config["CRON_LEASE_SECONDS"]
        )
    timeout = app.config["JOB_TIMEOUT"]
    scale = app.config["CRON_INTERVAL_SCALE"]
    for func, queue_name, interval in periodic_jobs():
        cron.register(func, queue_name, interval=interval * scale, job_timeout=timeout)
    for task, queue_name, expression, times in SCHEDULED_TASKS:
        cron.register(
            import_attribute(task), queue_name, cron=expression, job_timeout=timeout * times
        )
    return cron


def run_cron(app: Flask) -> None:
    """Run the cron scheduler until it is stopped, starting it again when Redis went away.

    A round that meets a Redis error waits and tries again (scheduler.py); this covers the
    start, which registers the scheduler in Redis: through a Sentinel failover a stopped cron
    would stop the sweeps, which are what finds the work a failover lost
    (docs/configuration.md).
    """
    while True:
        try:
            build_cron(app).start()
            return
        except (RedisConnectionError, RedisTimeoutError) as exc:
            log.warning("cron: Redis unreachable (%s); starting again in 1 s", exc)
            time.sleep(1)
