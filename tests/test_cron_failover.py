"""Two real `campaigns cron` processes: one enqueues, the other takes over when it is killed,
and no period is enqueued twice."""

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from itertools import pairwise

import redis
from rq import Queue

from campaigns.core.leases import KEY_PREFIX
from campaigns.queues import QUEUE_NAMES
from campaigns.scheduler import LEASE_NAME
from campaigns.worker import PERIODIC_TASKS
from tests.support.processes import kill_tree

LEASE_SECONDS = 2.0
SCALE = 0.05  # the counts tally every 1.5 s, the letters sweep every 3 s
TALLY = "campaigns.tracking.tasks.tally_counts"
# How late a process on this shared, two-core machine may be woken; generous on purpose.
LATENESS = 1.0


def cron_process(app, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "CRON_LEASE_SECONDS": str(LEASE_SECONDS),
        "CRON_INTERVAL_SCALE": str(SCALE),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "campaigns", "cron"],
        env=env,
        start_new_session=True,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def holder_pid(connection) -> int | None:
    owner = connection.get(KEY_PREFIX + LEASE_NAME)
    return int(owner.decode().split(":")[-2]) if owner else None


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"waited {seconds} s for {what}")


def enqueued(connection) -> dict[str, list[tuple[float, str]]]:
    """(time, owner of the lease that enqueued it) of every job, per task, oldest first."""
    jobs = defaultdict(list)
    for name in QUEUE_NAMES:
        for job in Queue(name, connection=connection).get_jobs():
            jobs[job.func_name].append((job.enqueued_at.timestamp(), job.meta["enqueued_by"]))
    return {task: sorted(times) for task, times in jobs.items()}


def test_a_killed_cron_process_is_replaced_and_no_period_is_enqueued_twice(app, tmp_path):
    """SIGKILL the process holding the lease: the other takes over within a lease, goes on
    with the same schedule, and every task is enqueued once per period, never twice."""
    connection = redis.Redis.from_url(app.config["REDIS_URL"])
    logs = [open(tmp_path / f"cron-{n}.log", "w") for n in (1, 2)]  # noqa: SIM115
    processes = [cron_process(app, log) for log in logs]
    by_pid = {p.pid: p for p in processes}
    try:
        first = by_pid[wait_for(lambda: holder_pid(connection), 20, "a lease holder")]
        (second,) = [p for p in processes if p is not first]
        # Three tallies under the first holder, which keeps the lease all along.
        wait_for(lambda: len(enqueued(connection).get(TALLY, [])) >= 3, 10, "three tallies")
        assert holder_pid(connection) == first.pid and second.poll() is None

        kill_tree(first.pid)
        first.wait(5)
        killed_at = time.time()
        wait_for(lambda: holder_pid(connection) == second.pid, 10, "the takeover")
        took = time.time() - killed_at
        assert took <= LEASE_SECONDS + LEASE_SECONDS / 3 + LATENESS, took

        tallies_before = len(enqueued(connection)[TALLY])
        wait_for(lambda: len(enqueued(connection)[TALLY]) >= tallies_before + 3, 10, "new tallies")
        second.send_signal(signal.SIGTERM)
        assert second.wait(10) == 0
        assert connection.get(KEY_PREFIX + LEASE_NAME) is None  # given up on the way out
    finally:
        for process in processes:
            kill_tree(process.pid)
            process.wait(5)
        for log in logs:
            log.close()

    jobs = enqueued(connection)
    owners = {owner for times in jobs.values() for _, owner in times}
    first_owner = next(o for o in owners if o.split(":")[-2] == str(first.pid))
    second_owner = next(o for o in owners if o.split(":")[-2] == str(second.pid))
    for task, _, seconds in PERIODIC_TASKS:
        times = jobs.get(task)
        assert times, f"{task} was never enqueued"
        assert times[0][1] == first_owner  # everything is due at the first start
        period = seconds * SCALE
        for (earlier, _), (later, _) in pairwise(times):
            assert later - earlier >= period - 0.05, f"{task} enqueued twice in one period"
        # One process enqueued at a time: the first until it was killed, then the second.
        assert all(t < killed_at for t, owner in times if owner == first_owner), task
        assert all(t > killed_at for t, owner in times if owner == second_owner), task

    tallies = jobs[TALLY]
    gaps = [later - earlier for (earlier, _), (later, _) in pairwise(tallies)]
    handover = next(i for i, ((_, a), (_, b)) in enumerate(pairwise(tallies)) if a != b)
    # On schedule under each holder, and late across the handover by no more than it took.
    period = 30 * SCALE
    assert all(gap <= period + LATENESS for i, gap in enumerate(gaps) if i != handover), gaps
    assert gaps[handover] <= period + took + LATENESS, (gaps[handover], took)
    assert {owner for _, owner in tallies} == {first_owner, second_owner}
