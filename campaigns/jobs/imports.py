"""The supporter import job."""

from __future__ import annotations

from rq import get_current_job

from campaigns.supporters import imports


def import_supporters(import_id: int) -> int | None:
    """Add or merge the people of one uploaded list; returns the rows read."""
    try:
        record = imports.run(import_id)
    except Exception as exc:
        job = get_current_job()
        if job is None or not job.retries_left:
            imports.fail(import_id, f"{type(exc).__name__}: {exc}")
        raise
    return record.rows_done if record else None
