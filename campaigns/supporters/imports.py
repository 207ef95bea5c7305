"""Supporter imports: check an uploaded CSV, map its columns, then a job adds or merges the
people, line by line, listing what it could not use.

A file that cannot be read as a whole (not UTF-8, no header, duplicate column names, no
rows) is refused at upload and changes nothing. A mapping without an email column is
refused before anything runs. Then each row stands on its own: a bad row is reported by
line and column and skipped, the others go in.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import select

from campaigns.core import audit, storage
from campaigns.core.addresses import canonical_email
from campaigns.extensions import db
from campaigns.models import ImportStatus, Organization, Supporter, SupporterImport, User, utcnow
from campaigns.queues import enqueue

MAX_BYTES = 20 * 1024 * 1024
PREVIEW_ROWS = 5
ERRORS_KEPT = 500
# Rows per transaction (and per progress update).
BATCH = 1000
FIELDS = {
    "email": ("Email", 254),
    "first_name": ("First name", 100),
    "last_name": ("Last name", 100),
    "postcode": ("Postcode", 16),
    "city": ("City", 100),
    "language": ("Language", 8),
}
# Header names we recognise, lower case, for the mapping form's first guess.
GUESSES = {
    "email": {"email", "e-mail", "email address", "correo", "correo electrónico"},
    "first_name": {"first name", "first", "given name", "nombre", "first_name"},
    "last_name": {"last name", "last", "surname", "family name", "apellido", "last_name"},
    "postcode": {"postcode", "zip", "zip code", "postal code", "código postal", "zipcode"},
    "city": {"city", "town", "ciudad"},
    "language": {"language", "lang", "idioma", "locale"},
}


class ImportRefused(ValueError):
    """A file or mapping that cannot be imported; the message says why."""


@dataclass
class Upload:
    columns: list[str]
    rows: int


def check(data: bytes) -> Upload:
    """Read the whole file once; raise ImportRefused with the reason when it is unusable."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRefused(
            f"The file is not UTF-8 text (line {line}). Save it as “CSV UTF-8” and upload it again."
        ) from None
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        rows = sum(1 for row in reader if any(cell.strip() for cell in row))
    except csv.Error as exc:
        raise ImportRefused(f"The file is not a readable CSV: {exc}.") from None
    if not header or not any(name.strip() for name in header):
        raise ImportRefused("The file is empty: its first line should name the columns.")
    names = [name.strip() for name in header]
    seen, duplicates = set(), []
    for name in names:
        if name.lower() in seen and name.lower() not in duplicates:
            duplicates.append(name)
        seen.add(name.lower())
    if duplicates:
        raise ImportRefused(f"Two columns have the same name: {', '.join(duplicates)}.")
    if rows == 0:
        raise ImportRefused("The file has column names but no rows of people.")
    return Upload(names, rows)


def upload(
    organization: Organization, user: User, name: str, data: bytes, source: str, consent: bool
) -> SupporterImport:
    """Check the file and keep it for mapping; nothing about supporters changes yet."""
    checked = check(data)
    filename = f"{secrets.token_hex(16)}.csv"
    storage.current().put("imports", filename, data)
    record = SupporterImport(
        organization_id=organization.id,
        requested_by_id=user.id,
        original_name=(name or "upload.csv")[:200],
        filename=filename,
        source=source.strip()[:200],
        consent=consent,
        columns=checked.columns,
        mapping=[guess(column) for column in checked.columns],
        rows_total=checked.rows,
    )
    db.session.add(record)
    db.session.commit()
    return record


def guess(column: str) -> str:
    lowered = column.strip().lower()
    for field, names in GUESSES.items():
        if lowered in names:
            return field
    return ""


def preview(record: SupporterImport) -> list[list[str]]:
    with storage.text_reader(storage.current().open("imports", record.filename)) as fh:
        reader = csv.reader(fh)
        next(reader)
        return [row for _, row in zip(range(PREVIEW_ROWS), reader, strict=False)]


def start(record: SupporterImport, mapping: list[str], user: User) -> None:
    """Save the mapping and queue the import; refuse a mapping without exactly one email."""
    if mapping.count("email") != 1:
        raise ImportRefused("Choose which column holds the email address.")
    for field in FIELDS:
        if mapping.count(field) > 1:
            raise ImportRefused(f"Only one column can be the {FIELDS[field][0].lower()}.")
    record.mapping = mapping
    record.status = ImportStatus.queued
    audit.record(
        "import_started",
        organization=db.session.get(Organization, record.organization_id),
        actor=user,
        subject=f"Import {record.id} ({record.original_name})",
        details={"rows": record.rows_total, "source": record.source, "consent": record.consent},
    )
    db.session.commit()
    enqueue(
        "campaigns.supporters.tasks.import_supporters",
        record.id,
        queue="exports",
        job_id=f"import-{record.id}",
    )


def run(import_id: int) -> SupporterImport | None:
    """Add or merge every usable row, BATCH rows per transaction, reporting progress."""
    record = db.session.get(SupporterImport, import_id)
    if record is None or record.status not in (ImportStatus.queued, ImportStatus.running):
        return record
    record.status = ImportStatus.running
    record.rows_done = record.created = record.merged = record.error_count = 0
    record.errors = []
    db.session.commit()
    errors: list[dict] = []
    counts = {"created": 0, "merged": 0, "errors": 0}
    seen: dict[str, Supporter] = {}
    with storage.text_reader(storage.current().open("imports", record.filename)) as fh:
        reader = csv.reader(fh)
        next(reader)
        done = 0
        for line, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            values, problems = _validate(record, row)
            for column, message in problems:
                counts["errors"] += 1
                if len(errors) < ERRORS_KEPT:
                    errors.append({"line": line, "column": column, "message": message})
            if values is not None:
                _add_or_merge(record, values, seen, counts)
            done += 1
            if done % BATCH == 0:
                _progress(record, done, counts, errors)
                seen.clear()
        _progress(record, done, counts, errors)
    record.status = ImportStatus.done
    record.finished_at = utcnow()
    storage.current().delete("imports", record.filename)
    record.filename = None
    audit.record(
        "import_completed",
        organization=db.session.get(Organization, record.organization_id),
        actor=record.requested_by,
        subject=f"Import {record.id} ({record.original_name})",
        details={"created": record.created, "merged": record.merged, "errors": counts["errors"]},
    )
    db.session.commit()
    return record


def _progress(record: SupporterImport, done: int, counts: dict, errors: list) -> None:
    record.rows_done = done
    record.created = counts["created"]
    record.merged = counts["merged"]
    record.error_count = counts["errors"]
    record.errors = list(errors)
    db.session.commit()


def _validate(record: SupporterImport, row: list[str]) -> tuple[dict | None, list]:
    """The row's values by field, or None with the reasons it cannot be used."""
    values, problems = {}, []
    for position, field in enumerate(record.mapping):
        if not field:
            continue
        column = record.columns[position]
        value = row[position].strip() if position < len(row) else ""
        label, limit = FIELDS[field]
        if len(value) > limit:
            problems.append((column, f"{label} is longer than {limit} characters."))
            continue
        if field in ("first_name", "last_name") and any(c in value for c in "<>{}[]\\"):
            problems.append((column, f"{label} contains < > {{ }} [ ] or \\."))
            continue
        if field == "language" and value:
            value = value.lower()[:2]
            if value not in current_app.config["LANGUAGES"]:
                problems.append((column, "Language must be en or es."))
                continue
        values[field] = value
    email_column = record.columns[record.mapping.index("email")]
    email = values.get("email", "")
    if not email:
        problems.append((email_column, "Email is missing."))
    elif "email" in values:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            problems.append((email_column, f"“{email[:60]}” is not an email address."))
    if problems:
        return None, problems
    return values, []


def _add_or_merge(record: SupporterImport, values: dict, seen: dict, counts: dict) -> None:
    key = canonical_email(values["email"])
    supporter = seen.get(key) or db.session.scalar(
        select(Supporter).where(
            Supporter.organization_id == record.organization_id, Supporter.email_key == key
        )
    )
    now = utcnow()
    if supporter is None:
        supporter = Supporter(
            organization_id=record.organization_id,
            email=values["email"],
            email_key=key,
            first_name=values.get("first_name", ""),
            last_name=values.get("last_name", ""),
            postcode=values.get("postcode", ""),
            city=values.get("city", ""),
            locale=values.get("language") or "en",
            subscribed=record.consent,
            subscribed_at=now if record.consent else None,
        )
        db.session.add(supporter)
        db.session.flush()
        counts["created"] += 1
    else:
        # What we know already wins: a list fills gaps, it does not overwrite.
        for field, attribute in [
            ("first_name", "first_name"),
            ("last_name", "last_name"),
            ("postcode", "postcode"),
            ("city", "city"),
        ]:
            if values.get(field) and not getattr(supporter, attribute):
                setattr(supporter, attribute, values[field])
        # Consent on a list subscribes, except someone who unsubscribed: their choice wins.
        if record.consent and not supporter.subscribed and supporter.unsubscribed_at is None:
            supporter.subscribed = True
            supporter.subscribed_at = now
        counts["merged"] += 1
    seen[key] = supporter


def recent(organization: Organization, limit: int = 20) -> list[SupporterImport]:
    return list(
        db.session.scalars(
            select(SupporterImport)
            .where(SupporterImport.organization_id == organization.id)
            .order_by(SupporterImport.id.desc())
            .limit(limit)
        )
    )


def get(organization: Organization, import_id: int) -> SupporterImport | None:
    record = db.session.get(SupporterImport, import_id)
    if record is None or record.organization_id != organization.id:
        return None
    return record


def fail(import_id: int, reason: str) -> None:
    db.session.rollback()
    record = db.session.get(SupporterImport, import_id)
    if record is not None:
        record.status = ImportStatus.failed
        record.errors = [*record.errors, {"line": None, "column": None, "message": reason[:500]}]
        record.finished_at = utcnow()
        db.session.commit()
