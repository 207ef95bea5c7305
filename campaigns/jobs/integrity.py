"""Periodic job: flag addresses and email domains signing one action in bulk."""

from __future__ import annotations

from campaigns.services import integrity_review


def flag_trends() -> int:
    """Open or update a Trend for every address or domain over its hourly threshold."""
    return integrity_review.flag_trends()
