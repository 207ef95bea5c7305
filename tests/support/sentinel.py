"""A real Redis Sentinel set for failover tests: a primary, a replica and three Sentinels.

Each runs on its own TCP port of 127.0.0.1 (Sentinels tell clients the master's address, so a
Unix socket will not do), with its files in one temporary folder. The Sentinels call the
primary down after one second without an answer, so a failover takes a few seconds.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tests.support.servers import free_port, redis_binary

SERVICE = "campaigns"
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 3000


@dataclass
class SentinelSet:
    folder: Path
    primary_port: int
    replica_port: int
    sentinel_ports: list[int]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)
        return f"redis+sentinel://{hosts}/{SERVICE}/0"

    def master_port(self) -> int | None:
        """The master's port as the first Sentinel that answers sees it."""
        for port in self.sentinel_ports:
            try:
                found = redis.Redis(port=port, socket_timeout=1).sentinel_get_master_addr_by_name(
                    SERVICE
                )
            except redis.exceptions.RedisError:
                continue
            if found:
                return int(found[1])
        return None

    def kill_primary(self) -> None:
        """SIGKILL the primary: no shutdown, no last write to its replica."""
        process = self.processes.pop("primary")
        process.kill()
        process.wait()

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()
        shutil.rmtree(self.folder, ignore_errors=True)


def sentinel_command(config: Path) -> list[str]:
    """Debian's redis-sentinel, else the Redis (or Valkey) server in Sentinel mode."""
    found = shutil.which("redis-sentinel")
    if found:
        return [found, str(config)]
    return [redis_binary(), str(config), "--sentinel"]


def _data_node(folder: Path, name: str, port: int, *extra: str) -> subprocess.Popen:
    # A config file of its own, so that CONFIG REWRITE (sent at promotion) has one to write.
    config = folder / f"{name}.conf"
    config.write_text("")
    return subprocess.Popen(
        [
            redis_binary(),
            str(config),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
            *extra,
        ],
        stdout=(folder / f"{name}.log").open("wb"),
        stderr=subprocess.STDOUT,
    )


def _sentinel(folder: Path, index: int, port: int, primary_port: int) -> subprocess.Popen:
    config = folder / f"sentinel-{index}.conf"
    config.write_text(
        f"port {port}\n"
        "bind 127.0.0.1\n"
        f'dir "{folder}"\n'
        f"sentinel monitor {SERVICE} 127.0.0.1 {primary_port} 2\n"
        f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}\n"
        f"sentinel failover-timeout {SERVICE} {FAILOVER_TIMEOUT_MS}\n"
        f"sentinel parallel-syncs {SERVICE} 1\n"
    )
    return subprocess.Popen(
        sentinel_command(config),
        stdout=(folder / f"sentinel-{index}.log").open("wb"),
        stderr=subprocess.STDOUT,
    )


def _wait(what: str, ready, processes: dict, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if ready():
                return
        except redis.exceptions.RedisError:
            pass
        dead = [name for name, p in processes.items() if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not ready (stopped: {dead})")
        time.sleep(0.05)


def start_sentinel_set() -> SentinelSet:
    """Start the five processes and wait until every Sentinel knows the others and the
    replica is in sync, so that a failover can be agreed on at once."""
    redis_binary()  # Unavailable when there is no server to run
    folder = Path(tempfile.mkdtemp(prefix="campaigns-sentinel-"))
    found = SentinelSet(folder, free_port(), free_port(), [free_port() for _ in range(3)])
    processes = found.processes
    try:
        processes["primary"] = _data_node(folder, "primary", found.primary_port)
        processes["replica"] = _data_node(
            folder, "replica", found.replica_port, "--replicaof", "127.0.0.1",
            str(found.primary_port),
        )  # fmt: skip
        replica = redis.Redis(port=found.replica_port, socket_timeout=1)
        _wait(
            "replica",
            lambda: replica.info("replication").get("master_link_status") == "up",
            processes,
        )
        for index, port in enumerate(found.sentinel_ports):
            processes[f"sentinel-{index}"] = _sentinel(folder, index, port, found.primary_port)

        def agreed() -> bool:
            for port in found.sentinel_ports:
                sentinel = redis.Redis(port=port, socket_timeout=1)
                if len(sentinel.sentinel_sentinels(SERVICE)) < 2:
                    return False
                if not sentinel.sentinel_slaves(SERVICE):
                    return False
            return True

        _wait("sentinels", agreed, processes)
    except BaseException:
        found.stop()
        raise
    return found
