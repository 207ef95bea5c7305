"""RQ entry points of supporter lists: exports, imports, retention."""

from __future__ import annotations

import logging
from collections.abc import Callable

from rq import get_current_job

from campaigns.supporters import exports, imports, retention

log = logging.getLogger(__name__)


def _failing_on_last_try(run: Callable[[int], object], fail: Callable[[int, str], None], row_id):
    """Run `run(row_id)`; when it raises on the job's last try, record why with `fail`.

    RQ retries the job; only the last try marks the row failed for the organizer.
    """
    try:
        return run(row_id)
    except Exception as exc:
        job = get_current_job()
        if job is None or not job.retries_left:
            fail(row_id, f"{type(exc).__name__}: {exc}")
        raise


def build_export(export_id: int) -> int | None:
    """Write the file of one export; returns the rows written."""
    export = _failing_on_last_try(exports.build, exports.fail, export_id)
    return export.rows_done if export else None


def delete_expired_exports() -> int:
    """Delete export files past EXPORT_RETENTION_HOURS."""
    deleted = exports.delete_expired()
    log.info("deleted %s expired export files", deleted)
    return deleted


def import_supporters(import_id: int) -> int | None:
    """Add or merge the people of one uploaded list; returns the rows read."""
    record = _failing_on_last_try(imports.run, imports.fail, import_id)
    return record.rows_done if record else None


def apply_retention_policies() -> dict:
    """Erase people and drop address fingerprints past each organization's policy."""
    totals = retention.apply_all()
    log.info("retention: %s", totals)
    return totals
