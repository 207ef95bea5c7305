"""The embedded Redis of `campaigns up` is reachable through its private socket alone."""

import os
import stat
from pathlib import Path

import redis

from campaigns import embedded_redis


def _listening_tcp_inodes() -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                inodes.add(fields[9])
    return inodes


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            link = os.readlink(fd)
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[len("socket:[") : -1])
    return inodes


def test_no_tcp_listener_and_an_owner_only_socket(tmp_path):
    server = embedded_redis.start(str(tmp_path))
    try:
        url = embedded_redis.socket_url(server)
        assert url.startswith("unix://")
        client = redis.Redis.from_url(url)
        assert client.ping()
        assert client.config_get("port") == {"port": "0"}
        pid = client.info("server")["process_id"]
        assert _socket_inodes(pid), "the server's sockets are visible"
        assert not _socket_inodes(pid) & _listening_tcp_inodes()
        mode = stat.S_IMODE(os.stat(server.unix_socket_path).st_mode)
        assert mode & 0o077 == 0
    finally:
        server.stop()
