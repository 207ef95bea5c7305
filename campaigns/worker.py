"""The RQ worker that runs jobs inside the application, and the periodic jobs it schedules."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask
from rq import Worker
from rq.cron import CronScheduler

from campaigns.extensions import db, queues
from campaigns.jobs import audit as audit_jobs
from campaigns.jobs import counts as count_jobs
from campaigns.jobs import digests as digest_jobs
from campaigns.jobs import exports as export_jobs
from campaigns.jobs import integrity as integrity_jobs
from campaigns.jobs import letters as letter_jobs
from campaigns.jobs import mail as mail_jobs
from campaigns.jobs import partners as partner_jobs
from campaigns.jobs import retention as retention_jobs
from campaigns.jobs import webhooks as webhook_jobs

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


def build_worker(app: Flask, queue_names: list[str] | None = None) -> AppWorker:
    """A worker bound to `app`, listening to the named queues (all of them by default)."""
    with app.app_context():
        queue_list = [queues.queue(n) for n in queue_names] if queue_names else queues.all()
        connection = queues.connection
    worker = AppWorker(queue_list, connection=connection)
    worker.app = app
    return worker


def periodic_jobs() -> list[tuple[Callable, str, int]]:
    """(job function, queue, interval in seconds) for the cron scheduler."""
    return [
        # Signing and confirming queue a tally themselves; this one catches what a Redis
        # outage or a lost job left uncounted.
        (count_jobs.tally_counts, "counts", 30),
        (mail_jobs.sweep_confirmations, "mail", 300),
        (audit_jobs.prune_audit_log, "default", 24 * 60 * 60),
        (letter_jobs.sweep_messages, "mail", 60),
        (export_jobs.delete_expired_exports, "exports", 15 * 60),
        (retention_jobs.apply_retention_policies, "default", 24 * 60 * 60),
        # Bulk signing from one address or domain, for organizers to review.
        (integrity_jobs.flag_trends, "default", 300),
        (integrity_jobs.forget_addresses, "default", 24 * 60 * 60),
        (webhook_jobs.retry_webhooks, "default", 60),
        # Confirming queues the sharing itself; this catches what a Redis outage dropped.
        (partner_jobs.sweep_opt_ins, "default", 300),
    ]


def build_cron(app: Flask) -> CronScheduler:
    """The scheduler that enqueues the periodic sweeps; run exactly one per deployment."""
    with app.app_context():
        cron = CronScheduler(connection=queues.connection, name="campaigns-cron")
    for func, queue_name, interval in periodic_jobs():
        cron.register(func, queue_name, interval=interval, job_timeout=app.config["JOB_TIMEOUT"])
    cron.register(
        digest_jobs.send_digests,
        "mail",
        cron=digest_jobs.DIGEST_CRON,
        job_timeout=app.config["JOB_TIMEOUT"] * 10,
    )
    return cron
