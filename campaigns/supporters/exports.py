"""Supporter exports: a filtered list written to a CSV file by a job, with progress, an
expiring download link, and an audit event for each one.

The file is built in batches of supporter ids. Each batch is one short query, so no
transaction stays open for the whole export (on PostgreSQL a long one holds back vacuum),
memory holds one batch at most however long the list, and progress is committed between
batches for the organizer's progress bar. On PostgreSQL each batch is written by the
database itself (`COPY (…) TO STDOUT WITH CSV`, streamed through psycopg); elsewhere by
Python's csv module. Both run the same SELECT, built by `export_query`.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import Select, String, case, func, literal, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql import ColumnElement

from campaigns.core import audit, storage, tokens
from campaigns.core.spreadsheets import FORMULA_STARTS
from campaigns.extensions import db
from campaigns.models import (
    Export,
    ExportStatus,
    OptIn,
    OptInState,
    Organization,
    Submission,
    Supporter,
    Tag,
    Tagging,
    User,
    utcnow,
)
from campaigns.queues import enqueue
from campaigns.supporters import filters as supporter_filters
from campaigns.supporters.filters import SupporterFilter

log = logging.getLogger(__name__)

DOWNLOAD = "export-download"
# Supporter ids per batch: small enough to keep memory flat, large enough that the per-query
# cost vanishes next to the rows.
BATCH_IDS = 20_000
# UTF-8 with a byte-order mark: without it Excel reads the file as Windows-1252 and shows
# "GarcÃ­a" for "García".
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Column:
    label: str
    # Text a supporter typed: neutralized against formulas.
    typed: bool = True


COLUMNS: dict[str, Column] = {
    "first_name": Column("First name"),
    "last_name": Column("Last name"),
    "email": Column("Email"),
    "postcode": Column("Postcode"),
    "city": Column("City"),
    "language": Column("Language", typed=False),
    "subscribed": Column("Subscribed", typed=False),
    "joined": Column("Joined (UTC)", typed=False),
    "actions": Column("Actions taken", typed=False),
    "tags": Column("Tags"),
    "partners": Column("Opted in to partners"),
    "employer": Column("Employer"),
    "worksite": Column("Worksite"),
    "department": Column("Department"),
    "work_shift": Column("Shift"),
}
# Kept per submission (Submission.employer …); a row of the export is a person.
WORKPLACE_COLUMNS = ("employer", "worksite", "department", "work_shift")
DEFAULT_COLUMNS = ["first_name", "last_name", "email", "postcode", "city", "subscribed"]


class ExportError(Exception):
    """An export that cannot be made or downloaded; the message says why."""


def neutralized(expression: ColumnElement) -> ColumnElement:
    """`expression`, with a quote in front when it starts like a formula; done in SQL so
    both ways of writing the file (COPY and Python's csv) give the same cells."""
    return case(
        (func.substr(expression, 1, 1).in_(FORMULA_STARTS), literal("'", String) + expression),
        else_=expression,
    )


def _expression(key: str, dialect: str) -> ColumnElement:
    table = Supporter.__table__.c
    if key == "language":
        return table.locale
    if key == "subscribed":
        return case((table.subscribed.is_(True), "yes"), else_="no")
    if key == "joined":
        # Formatted by the database: the same text from COPY and from Python.
        if dialect == "postgresql":
            return func.to_char(table.created_at, "YYYY-MM-DD HH24:MI:SS")
        return func.strftime("%Y-%m-%d %H:%M:%S", table.created_at)
    if key == "actions":
        return (
            select(func.count())
            .where(Submission.supporter_id == table.id)
            .correlate(Supporter.__table__)
            .scalar_subquery()
        )
    if key == "tags":
        names = (
            func.string_agg(Tag.name, literal(", ", String))
            if dialect == "postgresql"
            else func.group_concat(Tag.name, ", ")
        )
        tags = (
            select(names)
            .join(Tagging, Tagging.tag_id == Tag.id)
            .where(Tagging.supporter_id == table.id)
            .correlate(Supporter.__table__)
            .scalar_subquery()
        )
        return neutralized(tags)
    if key == "partners":
        return neutralized(_partner_names(dialect))
    if key in WORKPLACE_COLUMNS:
        return neutralized(_latest_workplace(key))
    return neutralized(table[key])


def _partner_names(dialect: str) -> ColumnElement:
    """The coalition partners the person opted in to, on any action, by name in alphabetical
    order; an opt-in withdrawn with its partner's removal is not one any more."""
    chosen = (
        select(OptIn.organization_id)
        .where(OptIn.supporter_id == Supporter.__table__.c.id, OptIn.state != OptInState.withdrawn)
        .correlate(Supporter.__table__)
    )
    partners = select(Organization.name).where(Organization.id.in_(chosen))
    if dialect == "postgresql":
        joined = select(
            func.string_agg(
                Organization.name, aggregate_order_by(literal(", ", String), Organization.name)
            )
        ).where(Organization.id.in_(chosen))
    else:
        # SQLite joins the rows in the order the subquery gives them.
        ordered = partners.order_by(Organization.name).subquery()
        joined = select(func.group_concat(ordered.c.name, ", "))
    return func.coalesce(joined.correlate(Supporter.__table__).scalar_subquery(), "")


def _latest_workplace(key: str) -> ColumnElement:
    """The person's workplace as of their newest submission that gave one: every column
    from that same submission, so a new job's employer never pairs with an old worksite."""
    sub = Submission.__table__.c
    gave_one = (sub.employer != "") | (sub.worksite != "") | (sub.department != "")
    newest = (
        select(sub[key])
        .where(sub.supporter_id == Supporter.__table__.c.id, gave_one | (sub.work_shift != ""))
        .order_by(sub.created_at.desc(), sub.id.desc())
        .limit(1)
        .correlate(Supporter.__table__)
        .scalar_subquery()
    )
    return func.coalesce(newest, "")


def export_query(
    organization_id: int, f: SupporterFilter, columns: Iterable[str], dialect: str
) -> Select:
    """The SELECT behind the file: the chosen columns of the filtered list, oldest first."""
    selected = [_expression(key, dialect).label(key) for key in columns]
    return (
        select(*selected)
        .where(*supporter_filters.conditions(organization_id, f))
        .order_by(Supporter.id)
    )


def clean_columns(columns: Iterable[str]) -> list[str]:
    chosen = [key for key in COLUMNS if key in set(columns)]
    if not chosen:
        raise ExportError("Choose at least one column.")
    return chosen


def request_export(
    organization: Organization, user: User, f: SupporterFilter, columns: Iterable[str]
) -> Export:
    """Record the export and its audit event in one transaction, then queue the job."""
    export = Export(
        organization_id=organization.id,
        requested_by_id=user.id,
        filters=f.to_dict(),
        columns=clean_columns(columns),
    )
    db.session.add(export)
    db.session.flush()
    audit.record(
        "export_requested",
        organization=organization,
        actor=user,
        subject=f"Export {export.id}",
        details={"filters": export.filters, "columns": export.columns},
    )
    db.session.commit()
    enqueue(
        "campaigns.supporters.tasks.build_export",
        export.id,
        queue="exports",
        job_id=f"export-{export.id}",
    )
    return export


def build(export_id: int) -> Export | None:
    """Write the export's file, batch by batch, committing progress after each batch."""
    export = db.session.get(Export, export_id)
    if export is None or export.status not in (ExportStatus.queued, ExportStatus.running):
        return export
    f = SupporterFilter.from_dict(export.filters)
    conditions = supporter_filters.conditions(export.organization_id, f)
    total, first, last = db.session.execute(
        select(func.count(), func.min(Supporter.id), func.max(Supporter.id)).where(*conditions)
    ).one()
    # A retried job starts the file again from the top.
    filename = export.filename or f"{secrets.token_hex(16)}.csv"
    export.filename = filename
    export.status = ExportStatus.running
    export.rows_total = total
    export.rows_done = 0
    db.session.commit()

    dialect = db.engine.dialect.name
    query = export_query(export.organization_id, f, export.columns, dialect)
    with storage.current().writer("exports", filename) as out:
        out.write(BOM)
        header = io.StringIO()
        csv.writer(header, lineterminator=_line_end(dialect)).writerow(
            [COLUMNS[key].label for key in export.columns]
        )
        out.write(header.getvalue().encode())
        start = first
        while start is not None and start <= last:
            batch = query.where(Supporter.id >= start, Supporter.id < start + BATCH_IDS)
            written = _write_batch(batch, out, dialect)
            start += BATCH_IDS
            if written:
                db.session.execute(
                    update(Export)
                    .where(Export.id == export.id)
                    .values(rows_done=Export.rows_done + written)
                )
                db.session.commit()
    db.session.refresh(export)
    export.status = ExportStatus.done
    export.finished_at = utcnow()
    export.expires_at = export.finished_at + timedelta(
        hours=current_app.config["EXPORT_RETENTION_HOURS"]
    )
    audit.record(
        "export_completed",
        organization=db.session.get(Organization, export.organization_id),
        actor=export.requested_by,
        subject=f"Export {export.id}",
        details={"rows": export.rows_done, "filters": export.filters},
    )
    db.session.commit()
    return export


def _write_batch(query: Select, out, dialect: str) -> int:
    """Append the rows of one batch to `out` (a binary file); returns how many."""
    with db.engine.connect() as connection:
        if dialect == "postgresql":
            return _copy_batch(connection, query, out)
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        writer = csv.writer(text, lineterminator=_line_end(dialect))
        written = 0
        for row in connection.execute(query):
            writer.writerow(row)
            written += 1
        text.detach()  # leave `out` open for the next batch
        return written


def _line_end(dialect: str) -> str:
    """COPY ends lines with LF and quotes any field holding CR or LF. Python's csv module
    quotes only fields holding its own line ending's characters, so it must use CRLF
    (RFC 4180's) for a lone CR in a name to be quoted too."""
    return "\n" if dialect == "postgresql" else "\r\n"


def _copy_batch(connection, query: Select, out) -> int:
    """PostgreSQL formats the CSV itself; psycopg hands it over in chunks as it comes."""
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor:
        statement = f"COPY ({compiled.string}) TO STDOUT WITH (FORMAT csv)"
        with cursor.copy(statement, compiled.params) as copy:
            for chunk in copy:
                out.write(chunk)
        written = cursor.rowcount
    raw.commit()
    return written


def fail(export_id: int, reason: str) -> None:
    db.session.rollback()
    export = db.session.get(Export, export_id)
    if export is None:
        return
    export.status = ExportStatus.failed
    export.error = reason[:500]
    export.finished_at = utcnow()
    db.session.commit()
    _remove_file(export)


def recent(organization: Organization, limit: int = 20) -> list[Export]:
    return list(
        db.session.scalars(
            select(Export)
            .where(Export.organization_id == organization.id)
            .order_by(Export.created_at.desc(), Export.id.desc())
            .limit(limit)
        )
    )


def get(organization: Organization, export_id: int) -> Export | None:
    export = db.session.get(Export, export_id)
    if export is None or export.organization_id != organization.id:
        return None
    return export


def download_token(export: Export) -> str:
    return tokens.make(DOWNLOAD, export.id)


def file_for_download(organization: Organization, token: str) -> Export:
    """The export a download link names, if the link is genuine and recent and the export
    still kept; raises ExportError otherwise."""
    minutes = current_app.config["EXPORT_LINK_MINUTES"]
    try:
        export_id = tokens.read(DOWNLOAD, token, max_age_seconds=minutes * 60)
    except tokens.InvalidToken:
        raise ExportError(
            f"This download link has expired (links work for {minutes} minutes)."
        ) from None
    export = get(organization, export_id)
    if export is None:
        raise ExportError("No such export.")
    if export.status != ExportStatus.done or export.expires_at <= utcnow():
        raise ExportError("This export is no longer available. Make a new one.")
    return export


def record_download(export: Export, user: User) -> None:
    audit.record(
        "export_downloaded",
        organization=db.session.get(Organization, export.organization_id),
        actor=user,
        subject=f"Export {export.id}",
        details={"rows": export.rows_done},
    )
    db.session.commit()


def delete_expired(now=None) -> int:
    """Delete the files of exports past their expiry (and of failed ones); returns how many
    exports were expired. The rows stay: they are the record of what was exported."""
    now = now or utcnow()
    expired = list(
        db.session.scalars(
            select(Export).where(Export.status == ExportStatus.done, Export.expires_at <= now)
        )
    )
    for export in expired:
        _remove_file(export)
        export.status = ExportStatus.expired
    db.session.commit()
    return len(expired)


def _remove_file(export: Export) -> None:
    if export.filename:
        storage.current().delete("exports", export.filename)
