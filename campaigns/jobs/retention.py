"""The daily job that applies every organization's retention policy."""

from __future__ import annotations

import logging

from campaigns.supporters import retention

log = logging.getLogger(__name__)


def apply_retention_policies() -> dict:
    """Erase people and drop address fingerprints past each organization's policy."""
    totals = retention.apply_all()
    log.info("retention: %s", totals)
    return totals
