"""Periodic jobs of signature integrity: flag bulk signing, and forget old address hashes."""

from __future__ import annotations

from campaigns.integrity import review as integrity_review


def flag_trends() -> int:
    """Open or update a Trend for every address or domain over its hourly threshold."""
    return integrity_review.flag_trends()


def forget_addresses() -> int:
    """Clear the address hashes of signatures older than IP_HASH_RETENTION_DAYS."""
    return integrity_review.forget_addresses()
