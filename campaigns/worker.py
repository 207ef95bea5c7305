"""The RQ worker that runs jobs inside the application, and the periodic jobs it schedules."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask
from rq import Worker
from rq.utils import import_attribute
from sqlalchemy.orm import configure_mappers

from campaigns.extensions import db, queues
from campaigns.letters.digests import DIGEST_CRON
from campaigns.scheduler import LeasedCronScheduler

log = logging.getLogger(__name__)


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
