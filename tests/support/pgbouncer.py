"""A real PgBouncer in transaction mode in front of the test PostgreSQL server.

Two names lead to the same database: `<database>` with a pool of a few server connections,
as a deployment would have, and `<database>_single` with one, so that every client's
transactions share one server connection and whatever a client leaves on it (a prepared
statement) meets the next client at once.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.servers import Unavailable, free_port

PGBOUNCER = "/usr/sbin/pgbouncer"


@dataclass
class PgBouncer:
    port: int
    database: str
    folder: Path
    process: subprocess.Popen

    def url(self, single: bool = False) -> str:
        name = f"{self.database}_single" if single else self.database
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def version(self) -> str:
        return subprocess.run(
            [binary(), "--version"], capture_output=True, text=True, check=True
        ).stdout.splitlines()[0]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def binary() -> str:
    found = shutil.which("pgbouncer") or (PGBOUNCER if os.path.exists(PGBOUNCER) else None)
    if not found:
        raise Unavailable("PgBouncer is not installed (no pgbouncer)")
    return found


def start_pgbouncer(host: str, port: int, database: str) -> PgBouncer:
    """PgBouncer on a free port of 127.0.0.1 for `database` on the server at `host` (a
    socket folder) and `port`; as root it drops to `postgres`, as it refuses to run as root."""
    command = [binary()]
    folder = Path(tempfile.mkdtemp(prefix="campaigns-pgbouncer-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        command += ["-u", "postgres"]
    listen = free_port()
    # trust still looks the user up in the auth file.
    (folder / "userlist.txt").write_text('"postgres" ""\n')
    server = f"host={host} port={port} dbname={database} user=postgres"
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"{database} = {server} pool_size=4\n"
        f"{database}_single = {server} pool_size=1\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {listen}\n"
        "unix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {folder / 'userlist.txt'}\n"
        "pool_mode = transaction\n"
        "max_client_conn = 200\n"
        f"logfile = {folder / 'pgbouncer.log'}\n"
        f"pidfile = {folder / 'pgbouncer.pid'}\n"
        # psycopg and SQLAlchemy send no other start-up parameter PgBouncer does not know.
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    process = subprocess.Popen(
        [*command, str(folder / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", listen), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log = folder / "pgbouncer.log"
                detail = log.read_text() if log.exists() else ""
                process.kill()
                shutil.rmtree(folder, ignore_errors=True)
                raise RuntimeError(f"pgbouncer did not start: {detail[-2000:]}") from None
            time.sleep(0.05)
    return PgBouncer(listen, database, folder, process)
