"""An RFC 6238 implementation for tests, written apart from campaigns.accounts.totp so a
shared mistake cannot make both agree."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


def totp(secret_b32: str, at: float | None = None, digits: int = 6, step: int = 30) -> str:
    counter = int((time.time() if at is None else at) // step)
    return totp_for_counter(secret_b32, counter, digits)


def totp_for_counter(secret_b32: str, counter: int, digits: int = 6) -> str:
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, counter.to_bytes(8, "big"), hashlib.sha1).digest()
    start = mac[19] & 15
    number = int.from_bytes(mac[start : start + 4], "big") & 0x7FFFFFFF
    return f"{number % 10**digits:0{digits}d}"


def current_counter() -> int:
    return int(time.time() // 30)
