"""IP addresses kept only as keyed hashes: equal addresses match, but no address can be read
back, and without SECRET_KEY no one can hash the 4 billion IPv4 addresses to reverse them."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from functools import lru_cache

from flask import current_app, has_request_context, request


def keyed_hash(purpose: str, value: str) -> str:
    """HMAC-SHA256 of `value` under a key derived from SECRET_KEY for `purpose`.

    A key per purpose keeps one kind of hash from being matched against another.
    """
    secret = current_app.config["SECRET_KEY"]
    if isinstance(secret, str):
        secret = secret.encode()
    return hmac.new(_key(secret, purpose), value.encode(), hashlib.sha256).hexdigest()


@lru_cache(maxsize=32)
def _key(secret: bytes, purpose: str) -> bytes:
    # Derived once per secret and purpose: signing hashes an address on every request.
    return hmac.new(secret, f"campaigns/{purpose}".encode(), hashlib.sha256).digest()


def ip_hash(ip: str) -> str:
    """The stored form of an IP address; spellings of one IPv6 address hash alike."""
    try:
        ip = ipaddress.ip_address(ip.strip()).compressed
    except ValueError:
        ip = ip.strip()
    return keyed_hash("ip", ip)


def request_ip_hash() -> str | None:
    """The hash of the address the current request came from (None outside a request).

    `remote_addr` is the peer's address; behind proxies, TRUSTED_PROXIES makes it the
    client's (werkzeug's ProxyFix).
    """
    if not has_request_context() or not request.remote_addr:
        return None
    return ip_hash(request.remote_addr)
