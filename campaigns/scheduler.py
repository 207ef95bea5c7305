"""The cron scheduler: the periodic tasks enqueued on time by any number of processes.

Every `campaigns cron` process runs the same loop; the one holding the lease `cron`
(core/leases.py) enqueues, the others stand by and try for the lease every third of its
lifetime. The holder renews it at that pace too, so it has two chances before it expires; a
holder that dies is replaced within a lifetime and a third (CRON_LEASE_SECONDS).

What was last enqueued lives in Redis, not in the process: one key per task holds the Redis
server's time of its last enqueue, and the job and the new time are written in one
transaction that fails if the key changed since it was read. So a process that takes over
goes on where its predecessor stopped, and two processes that both believe they hold the
lease (one paused past its lease, then resumed) still enqueue each period once. Time is the
Redis server's, so machines whose clocks disagree agree on what is due.

RQ's CronScheduler still keeps the list of tasks and the registry of live schedulers that
RQ's tools read; its own loop is replaced, since it keeps the schedule in memory and enqueues
every interval task again whenever a process starts.
"""

from __future__ import annotations

import signal
import threading
from contextlib import suppress
from datetime import UTC, datetime

from croniter import croniter
from redis import Redis
from redis.exceptions import RedisError, WatchError
from rq import Queue
from rq.cron import CronJob, CronScheduler

from campaigns.core.leases import Lease

LEASE_NAME = "cron"
LAST_ENQUEUED_PREFIX = "campaigns:cron:last-enqueued:"
# Longer than any task's period; a key of a task no longer scheduled goes away by itself.
LAST_ENQUEUED_TTL = 40 * 24 * 60 * 60
# Never spin: a round that finds something due at once still waits this long.
SHORTEST_WAIT = 0.05


class LeasedCronScheduler(CronScheduler):
    """RQ's CronScheduler with the schedule kept in Redis and enqueued by the lease holder."""

    def __init__(self, connection: Redis, lease_seconds: float, name: str = "") -> None:
        super().__init__(connection=connection, name=name)
        self.lease = Lease(connection, LEASE_NAME, lease_seconds)
        self.stopping = threading.Event()

    @property
    def check_every(self) -> float:
        return self.lease.seconds / 3

    def start(self) -> None:
        """Run until SIGTERM or SIGINT, then give the lease up for the next process."""
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        self.log.info("cron %s: starting, lease %s", self.name, self.lease.owner)
        try:
            self.register_birth()
            while not self.stopping.is_set():
                self.stopping.wait(self.tick())
        finally:
            with suppress(RedisError):
                self.lease.release()
                self.register_death()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.log.info("cron %s: stopped", self.name)

    def _stop(self, signum, frame) -> None:
        self.stopping.set()

    def tick(self) -> float:
        """One round: hold the lease and enqueue what is due. Returns the seconds to wait."""
        held_before = self.lease.held
        try:
            holding = self.lease.hold()
            if holding and not held_before:
                self.log.info("cron %s: holds the lease, enqueues the periodic tasks", self.name)
            elif held_before and not holding:
                self.log.warning("cron %s: lost the lease to %s", self.name, self.lease.holder())
            wait = self.enqueue_due() if holding else self.check_every
            self.heartbeat()
        except RedisError:
            # Redis gone or failing over: nothing can be enqueued anyway. Try again, and
            # count the lease as lost, since it may expire before Redis answers again.
            self.log.exception("cron %s: Redis failed; trying again", self.name)
            self.lease.held = False
            return self.check_every
        return max(SHORTEST_WAIT, min(self.check_every, wait))

    def server_time(self) -> float:
        seconds, microseconds = self.connection.time()
        return seconds + microseconds / 1_000_000

    def enqueue_due(self) -> float:
        """Enqueue every task whose period has come; returns the seconds until the next one."""
        now = self.server_time()
        keys = [last_enqueued_key(job) for job in self._cron_jobs]
        seen_values = self.connection.mget(keys)
        soonest = float("inf")
        enqueued = False
        for job, key, seen in zip(self._cron_jobs, keys, seen_values, strict=True):
            last = float(seen) if seen is not None else None
            if last is None and job.cron:
                # A schedule seen for the first time starts now: its past occurrences are
                # not run (as RQ's own scheduler does).
                self.connection.set(key, repr(now), nx=True, ex=LAST_ENQUEUED_TTL)
                last = now
            due = next_due(job, last, now)
            if due <= now:
                if self.enqueue_once(job, key, seen, now):
                    enqueued = True
                # Enqueued here or by another process since the read: the next period starts.
                last = now
                due = next_due(job, last, now)
            job.latest_enqueue_time = (
                datetime.fromtimestamp(last, UTC) if last is not None else None
            )
            job.next_enqueue_time = datetime.fromtimestamp(due, UTC)
            soonest = min(soonest, due - now)
        if enqueued:
            self.save()  # what RQ's tools show of this scheduler's jobs
        return soonest

    def enqueue_once(self, job: CronJob, key: str, seen: bytes | None, now: float) -> bool:
        """Enqueue `job` and record `now` as its last enqueue, only if its record still holds
        `seen`: whoever changed it since has enqueued this period already."""
        queue = Queue(job.queue_name, connection=self.connection)
        options = dict(job.job_options)
        options["meta"] = {**options.get("meta", {}), "enqueued_by": self.lease.owner}
        with self.connection.pipeline() as pipe:
            try:
                pipe.watch(key)
                if pipe.get(key) != seen:
                    return False
                pipe.multi()
                pipe.set(key, repr(now), ex=LAST_ENQUEUED_TTL)
                queue.enqueue(job.func, args=job.args, kwargs=job.kwargs, **options, pipeline=pipe)
                pipe.execute()
            except WatchError:
                return False
        self.log.info("cron %s: enqueued %s on %s", self.name, job.name, job.queue_name)
        return True


def last_enqueued_key(job: CronJob) -> str:
    return LAST_ENQUEUED_PREFIX + job.name


def next_due(job: CronJob, last: float | None, now: float) -> float:
    """When `job` is next due, given its last enqueue (None: never, so at once for an interval
    task). A cron expression is read in UTC, the same on every machine whatever its zone; an
    occurrence missed while no scheduler ran is made up once, when one runs again."""
    if last is None:
        return now
    if job.cron:
        return croniter(job.cron, datetime.fromtimestamp(last, UTC)).get_next(float)
    return last + job.interval
