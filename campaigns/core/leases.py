"""A lease in Redis: one process at a time holds a named role, and loses it when it dies.

The holder takes the key with `SET NX PX` and a random owner token, renews it well before it
expires, and deletes it on a clean shutdown. A holder that dies without a word (SIGKILL, a
machine gone) just stops renewing, so the key expires and another process takes it. Renewing
and releasing compare the token first, in one Lua script, so a process whose lease already
expired (a long pause, a lost network) can never extend or delete the next holder's lease.
This is the single-instance lock of https://redis.io/docs/latest/develop/use/patterns/distributed-locks/.

A lease is no fence: a paused holder may still act for a moment after it lost the lease, so
whatever it guards must also be safe to do twice (the cron scheduler records each period's
enqueue atomically for that reason).
"""

from __future__ import annotations

import os
import secrets
import socket

from redis import Redis

KEY_PREFIX = "campaigns:lease:"

# KEYS[1] the lease, ARGV[1] the owner's token, ARGV[2] the new lifetime in milliseconds.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class Lease:
    """The lease named `name`, held for `seconds` at a time by whoever took it."""

    def __init__(self, connection: Redis, name: str, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("a lease lasts a positive number of seconds")
        self.connection = connection
        self.key = KEY_PREFIX + name
        self.milliseconds = int(seconds * 1000)
        # The host and pid tell an operator who holds it; the random part keeps a restarted
        # process with a reused pid from taking over its predecessor's lease.
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(8)}"
        self.held = False
        self._renew = connection.register_script(_RENEW)
        self._release = connection.register_script(_RELEASE)

    @property
    def seconds(self) -> float:
        return self.milliseconds / 1000

    def acquire(self) -> bool:
        """Take the lease if nobody holds it."""
        self.held = bool(self.connection.set(self.key, self.owner, nx=True, px=self.milliseconds))
        return self.held

    def renew(self) -> bool:
        """Extend the lease by its full lifetime, only if this process still holds it."""
        self.held = bool(self._renew(keys=[self.key], args=[self.owner, self.milliseconds]))
        return self.held

    def hold(self) -> bool:
        """Renew the lease, else try to take it: True while this process holds it.

        Renewing is tried first even when `held` says no: a renewal whose answer was lost
        (a timeout) may have left this process's token in place, which no SET NX can take.
        """
        return self.renew() or self.acquire()

    def release(self) -> bool:
        """Give the lease up now, if this process holds it, so the next holder need not wait."""
        released = bool(self._release(keys=[self.key], args=[self.owner]))
        self.held = False
        return released

    def holder(self) -> str | None:
        """The owner token of whoever holds the lease now, or None."""
        value = self.connection.get(self.key)
        return value.decode() if isinstance(value, bytes) else value
