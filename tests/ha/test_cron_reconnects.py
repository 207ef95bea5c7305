"""`campaigns cron` waits out a Redis that is not there, instead of ending (and with it the
sweeps that find what a failover lost)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import redis
from rq.cron import CronScheduler

from tests.support.processes import kill_tree
from tests.support.servers import redis_binary


def test_cron_waits_for_redis_and_then_schedules(tmp_path):
    """Started while no Redis answers, the cron keeps trying; once Redis is up it registers."""
    sock = tmp_path / "redis.sock"
    env = {
        **os.environ,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'campaigns.db'}",
        "REDIS_URL": f"unix://{sock}",
    }
    cron = subprocess.Popen(
        [sys.executable, "-m", "campaigns", "cron"],
        env=env,
        start_new_session=True,
        stdout=(tmp_path / "cron.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    server = None
    try:
        time.sleep(3)  # RQ's own scheduler would have ended by now
        assert cron.poll() is None, (tmp_path / "cron.log").read_text()[-2000:]
        server = subprocess.Popen(
            [redis_binary(), "--port", "0", "--unixsocket", str(sock), "--save", ""],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        connection = redis.Redis(unix_socket_path=str(sock))
        deadline = time.monotonic() + 15
        while True:
            try:
                if len(CronScheduler.all(connection)) == 1:
                    break
            except redis.exceptions.ConnectionError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "cron.log").read_text()[-2000:]
            time.sleep(0.1)
    finally:
        kill_tree(cron.pid)
        cron.wait(timeout=10)
        if server is not None:
            server.kill()
            server.wait()
