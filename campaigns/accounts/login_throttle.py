"""Counting failed logins in Redis: per email, to lock an account, and per address.

Keyed by the email as typed (normalized), whether or not an account has it: an unknown
email locks exactly like a known one, so the lock message tells nothing about who has an
account. Keys hold keyed hashes, never an email or an address.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from redis.exceptions import RedisError

from campaigns.core.ip import keyed_hash
from campaigns.extensions import queues

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Block:
    """Logins refused until `until`; `scope` is "account" or "address"."""

    scope: str
    until: datetime


def _keys(scope: str, value: str) -> tuple[str, str]:
    base = f"login-throttle:{scope}:{value}"
    return f"{base}:failures", f"{base}:locked"


def _email_value(email: str) -> str:
    return keyed_hash("login-email", email.strip().lower())


def blocked(email: str, ip_hash: str | None) -> Block | None:
    """The lock in force on this email or this address, if any."""
    scopes = [("account", _email_value(email))]
    if ip_hash:
        scopes.append(("address", ip_hash))
    try:
        values = queues.connection.mget([_keys(scope, value)[1] for scope, value in scopes])
    except RedisError:
        # Fail open: a Redis outage must not lock every organizer out. It is logged, and the
        # password (and the second factor) still guard the account.
        log.exception("login throttle unavailable; allowing the attempt")
        return None
    for (scope, _), until in zip(scopes, values, strict=True):
        if until is not None:
            return Block(scope, datetime.fromtimestamp(float(until), UTC))
    return None


def record_failure(email: str, ip_hash: str | None) -> list[Block]:
    """Count a failed attempt; returns the locks it set off, if it was one too many."""
    config = current_app.config
    window = config["LOGIN_FAILURE_WINDOW_MINUTES"] * 60
    lockout = config["LOGIN_LOCKOUT_MINUTES"] * 60
    limits = [("account", _email_value(email), config["LOGIN_MAX_FAILURES"])]
    if ip_hash:
        limits.append(("address", ip_hash, config["LOGIN_MAX_FAILURES_PER_IP"]))
    blocks = []
    try:
        pipe = queues.connection.pipeline()
        for scope, value, _ in limits:
            failures, _locked = _keys(scope, value)
            # The window starts at the first failure: SET NX gives the key its expiry once,
            # and INCR keeps it.
            pipe.set(failures, 0, ex=window, nx=True)
            pipe.incr(failures)
        counts = pipe.execute()[1::2]
        until = time.time() + lockout
        for (scope, value, limit), count in zip(limits, counts, strict=True):
            if count >= limit:
                failures, locked = _keys(scope, value)
                pipe.set(locked, until, ex=lockout)
                pipe.delete(failures)
                blocks.append(Block(scope, datetime.fromtimestamp(until, UTC)))
        if blocks:
            pipe.execute()
    except RedisError:
        log.exception("login throttle unavailable; failure not counted")
    return blocks


def clear(email: str) -> None:
    """A successful login starts the account's count afresh."""
    try:
        queues.connection.delete(*_keys("account", _email_value(email)))
    except RedisError:
        log.exception("login throttle unavailable; count not reset")
