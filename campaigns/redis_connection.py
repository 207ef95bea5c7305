"""The Redis client REDIS_URL names: one server, or the master a set of Sentinels watches.

A Sentinel set is written as one URL, so that every process (web, worker, cron) is configured
the same way and nothing else has to know which kind it is:

    redis+sentinel://[[username]:password@]host[:port][,host[:port]...]/service[/db]

- each host is a Sentinel (port 26379 unless given; an IPv6 address in brackets);
- `service` is the name the Sentinels monitor (`sentinel monitor <service> ...`);
- `db` is the database number on the master, 0 unless given;
- the username and password, percent-encoded, are the master's (its `requirepass`), as in a
  `redis://` URL. The Sentinels' own password, if they have one, is REDIS_SENTINEL_PASSWORD.

The client from `master_for` asks the Sentinels where the master is whenever it opens a
connection, and drops a connection that fails or finds a read-only replica, so after a
failover the next command (and a worker's next BLPOP) goes to the promoted replica.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote

from redis import Redis
from redis.sentinel import Sentinel

SENTINEL_SCHEME = "redis+sentinel"
SENTINEL_PORT = 26379


@dataclass(frozen=True)
class SentinelSet:
    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = None


def is_sentinel_url(url: str) -> bool:
    return url.lower().startswith(SENTINEL_SCHEME + "://")


def parse_sentinel_url(url: str) -> SentinelSet:
    """The parts of a `redis+sentinel://` URL; ValueError says what is wrong with one."""
    if not is_sentinel_url(url):
        raise ValueError(f"not a {SENTINEL_SCHEME}:// URL")
    rest = url[len(SENTINEL_SCHEME) + 3 :]
    if "?" in rest or "#" in rest:
        raise ValueError(f"{SENTINEL_SCHEME}:// takes no query or fragment")
    netloc, _, path = rest.partition("/")
    userinfo, at, hosts = netloc.rpartition("@")
    username = password = None
    if at:
        name, colon, secret = userinfo.partition(":")
        username = unquote(name) or None
        password = unquote(secret) if colon else None
    sentinels = tuple(_address(part) for part in hosts.split(",") if part.strip())
    if not sentinels:
        raise ValueError(f"{SENTINEL_SCHEME}:// needs at least one Sentinel host")
    parts = [p for p in path.split("/") if p]
    if not parts or len(parts) > 2:
        raise ValueError(f"{SENTINEL_SCHEME}:// needs /service or /service/db after the hosts")
    service = unquote(parts[0])
    try:
        db = int(parts[1]) if len(parts) == 2 else 0
    except ValueError:
        raise ValueError(f"the database number {parts[1]!r} is not a number") from None
    return SentinelSet(sentinels, service, db, username, password)


def _address(text: str) -> tuple[str, int]:
    text = text.strip()
    if text.startswith("["):  # [::1]:26379
        host, _, after = text[1:].partition("]")
        port = after.removeprefix(":")
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        host, port = text, ""
    if not host:
        raise ValueError(f"no host in {text!r}")
    try:
        return host, int(port) if port else SENTINEL_PORT
    except ValueError:
        raise ValueError(f"the port in {text!r} is not a number") from None


def sentinel_url(sentinels: str, service: str, password: str = "", db: int = 0) -> str:
    """The URL for REDIS_SENTINELS (`host:port,host:port`) and REDIS_SENTINEL_SERVICE."""
    auth = f":{quote(password, safe='')}@" if password else ""
    hosts = ",".join(part.strip() for part in sentinels.split(",") if part.strip())
    url = f"{SENTINEL_SCHEME}://{auth}{hosts}/{quote(service, safe='')}/{db}"
    parse_sentinel_url(url)  # a mistake in the variables fails at start-up, with its reason
    return url


def connect(
    url: str,
    *,
    sentinel_password: str = "",
    socket_connect_timeout: float = 5,
    socket_timeout: float = 30,
) -> Redis:
    """A client for `url`: `redis://`, `rediss://`, `unix://`, or `redis+sentinel://`."""
    if not is_sentinel_url(url):
        return Redis.from_url(
            url, socket_connect_timeout=socket_connect_timeout, socket_timeout=socket_timeout
        )
    found = parse_sentinel_url(url)
    # Asking a Sentinel where the master is must be quick: a dead one is skipped for the next.
    asking = {
        "socket_connect_timeout": socket_connect_timeout,
        "socket_timeout": socket_connect_timeout,
        "password": sentinel_password or None,
    }
    sentinel = Sentinel(list(found.sentinels), sentinel_kwargs=asking)
    return sentinel.master_for(
        found.service,
        db=found.db,
        username=found.username,
        password=found.password,
        socket_connect_timeout=socket_connect_timeout,
        socket_timeout=socket_timeout,
    )
