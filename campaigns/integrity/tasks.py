"""RQ entry points of signature integrity: flag bulk signing, forget old address hashes."""

from __future__ import annotations

from campaigns.integrity import held, review


def flag_trends() -> int:
    """Open or update a Trend for every address or domain over its hourly threshold."""
    return review.flag_trends()


def forget_addresses() -> int:
    """Clear the address hashes of signatures older than IP_HASH_RETENTION_DAYS."""
    return review.forget_addresses()


def notify_held() -> int:
    """Email owners whose organization had many submissions held in the last hour."""
    return held.notify_owners()
