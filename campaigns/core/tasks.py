"""RQ entry points of the shared building blocks: the daily prune of the audit log."""

from __future__ import annotations

import logging

from campaigns.core import audit

log = logging.getLogger(__name__)


def prune_audit_log() -> int:
    """Delete audit events older than AUDIT_RETENTION_DAYS; returns how many were deleted."""
    deleted = audit.prune()
    log.info("pruned %s audit events", deleted)
    return deleted
