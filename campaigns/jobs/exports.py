"""Export jobs: build a supporter list's CSV file, and delete files past their expiry."""

from __future__ import annotations

import logging

from rq import get_current_job

from campaigns.supporters import exports

log = logging.getLogger(__name__)


def build_export(export_id: int) -> int | None:
    """Write the file of one export; returns the rows written."""
    try:
        export = exports.build(export_id)
    except Exception as exc:
        job = get_current_job()
        # RQ retries the job; only the last try marks the export failed for the organizer.
        if job is None or not job.retries_left:
            exports.fail(export_id, f"{type(exc).__name__}: {exc}")
        raise
    return export.rows_done if export else None


def delete_expired_exports() -> int:
    """Delete export files past EXPORT_RETENTION_HOURS."""
    deleted = exports.delete_expired()
    log.info("deleted %s expired export files", deleted)
    return deleted
