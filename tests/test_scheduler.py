"""The cron scheduler's schedule in Redis: each period enqueued once, whoever enqueues it."""

import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from rq import Queue
from rq.cron import CronJob

from campaigns.core.tasks import prune_audit_log
from campaigns.extensions import queues
from campaigns.letters.tasks import send_digests
from campaigns.scheduler import LeasedCronScheduler, last_enqueued_key, next_due
from campaigns.tracking.tasks import tally_counts
from campaigns.worker import PERIODIC_TASKS, SCHEDULED_TASKS, build_cron


@pytest.fixture
def connection(app):
    with app.app_context():
        yield queues.connection


def scheduler(connection, interval=0.3) -> LeasedCronScheduler:
    cron = LeasedCronScheduler(connection, lease_seconds=3)
    cron.register(tally_counts, "counts", interval=interval)
    cron.register(prune_audit_log, "default", interval=3600)
    return cron


def enqueued(connection) -> Counter:
    """How many jobs of each task wait in the queues."""
    counts = Counter()
    for name in ("counts", "default", "mail"):
        for job in Queue(name, connection=connection).get_jobs():
            counts[job.func_name] += 1
    return counts


TALLY = "campaigns.tracking.tasks.tally_counts"
PRUNE = "campaigns.core.tasks.prune_audit_log"


def test_build_cron_schedules_every_task_of_the_tables(app):
    """`campaigns cron` schedules what PERIODIC_TASKS and SCHEDULED_TASKS name, no more."""
    app.config["CRON_INTERVAL_SCALE"] = 0.5
    cron = build_cron(app)
    intervals = {job.func_name: job.interval for job in cron.get_jobs() if job.interval}
    assert intervals == {task: seconds * 0.5 for task, _, seconds in PERIODIC_TASKS}
    crons = {job.func_name: job.cron for job in cron.get_jobs() if job.cron}
    assert crons == {task: expression for task, _, expression, _ in SCHEDULED_TASKS}
    assert cron.lease.seconds == app.config["CRON_LEASE_SECONDS"]


def test_only_the_lease_holder_enqueues(connection):
    """Of two schedulers, the one holding the lease enqueues; the other waits."""
    holder, standby = scheduler(connection), scheduler(connection)
    holder.tick()
    standby.tick()
    assert holder.lease.held and not standby.lease.held
    assert enqueued(connection) == {TALLY: 1, PRUNE: 1}
    job = Queue("counts", connection=connection).get_jobs()[0]
    assert job.meta["enqueued_by"] == holder.lease.owner


def test_a_period_is_enqueued_once_by_two_schedulers_that_both_think_they_hold_the_lease(
    connection,
):
    """A paused holder that resumes after another took over does not double a sweep."""
    paused, successor = scheduler(connection), scheduler(connection)
    paused.enqueue_due()
    successor.enqueue_due()
    assert enqueued(connection) == {TALLY: 1, PRUNE: 1}
    time.sleep(0.35)  # the tally's period is over, the prune's is not
    successor.enqueue_due()
    paused.enqueue_due()
    assert enqueued(connection) == {TALLY: 2, PRUNE: 1}


def test_an_enqueue_loses_to_one_made_since_it_read_the_schedule(connection):
    """The job and the record of its period are written together, or not at all, when
    another process enqueued between the read and the write."""
    cron = scheduler(connection)
    job = cron.get_jobs()[0]
    key = last_enqueued_key(job)
    seen = connection.get(key)  # nothing enqueued yet
    other = scheduler(connection)
    assert other.enqueue_once(other.get_jobs()[0], key, seen, other.server_time())
    assert not cron.enqueue_once(job, key, seen, cron.server_time())
    assert enqueued(connection) == {TALLY: 1}


def test_a_scheduler_taking_over_goes_on_with_the_schedule(connection):
    """A new holder enqueues what is due, not everything again: the schedule is in Redis."""
    first = scheduler(connection, interval=60)
    first.tick()
    first.lease.release()
    second = scheduler(connection, interval=60)
    wait = second.tick()
    assert second.lease.held
    assert enqueued(connection) == {TALLY: 1, PRUNE: 1}
    assert 0 < wait <= second.check_every
    tally = second.get_jobs()[0]
    assert 59 < (tally.next_enqueue_time - datetime.now(UTC)).total_seconds() <= 60


def test_a_cron_expression_runs_at_its_occurrences_only(connection):
    """A daily schedule seen for the first time waits for its next occurrence; one missed
    while no scheduler ran is made up once; the same occurrence is never run twice."""
    cron = LeasedCronScheduler(connection, lease_seconds=3)
    digest = cron.register(send_digests, "mail", cron="0 17 * * *")
    cron.enqueue_due()
    assert enqueued(connection) == {}
    recorded = float(connection.get(last_enqueued_key(digest)))
    assert abs(recorded - cron.server_time()) < 5

    # Last run the day before yesterday: yesterday's 17:00 was missed.
    connection.set(last_enqueued_key(digest), repr(cron.server_time() - 2 * 86400))
    cron.enqueue_due()
    cron.enqueue_due()
    assert enqueued(connection) == {"campaigns.letters.tasks.send_digests": 1}
    assert digest.next_enqueue_time.hour == 17 and digest.next_enqueue_time.minute == 0


def test_cron_expressions_are_read_in_utc():
    """17:00 is 17:00 UTC on every machine, whatever its time zone."""
    job = CronJob("mail", func=send_digests, cron="0 17 * * *")
    last = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()
    due = datetime.fromtimestamp(next_due(job, last, last), UTC)
    assert due == datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
    interval = CronJob("counts", func=tally_counts, interval=30)
    assert next_due(interval, None, last) == last
    assert next_due(interval, last, last + 1) == last + 30


def test_a_stopped_scheduler_gives_the_lease_up(connection):
    """A clean stop frees the lease at once, so the next process need not wait for it."""
    cron = scheduler(connection)
    cron.stopping.set()
    cron.lease.acquire()
    cron.start()  # returns at once: it was asked to stop
    assert cron.lease.holder() is None
