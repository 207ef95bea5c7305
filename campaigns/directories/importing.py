"""Importing a directory's targets and its postcode → district table from CSV files.

Each import reads and checks the whole file before it changes anything: one bad row and
nothing is written, and `ImportErrors` lists what to fix ("line 14, column email: not a valid
email address"), at most `MAX_ERRORS` of them. Importing a file again updates what is there
instead of adding copies. Files are UTF-8, with or without a byte-order mark; column names
are matched without regard to case; blank lines are skipped.

Formats:

- generic targets: `name,title,email,district`, optionally `phone,contact_url,external_id`
  and `channel` (email, cwc_house, cwc_senate or none; empty derives it from the data) with
  `office_code` for a CWC channel.
  A row is matched to an existing target of the directory by `external_id`, or, when it has
  none, by name and district. Email is optional (such a target is shown, never emailed).
  An optional column the file leaves out leaves that detail of existing targets as it is.
- generic postcodes: `postcode,district`, postcodes in the normal form of
  `campaigns.directories.lookup.normalize_postcode` (so ZIP+4 becomes the five-digit ZIP).
- `legislators`: the `legislators-current.csv` layout of the unitedstates/congress-legislators
  project. Senators get title "Senator", representatives (and delegates) "Representative";
  the bioguide id is the external id; the contact URL is the contact form, else (when it is
  missing or not a web address) the website.
  They publish no email, so none is imported, and one an organizer added by hand is kept.
  Each gets its CWC office code (`HCA12` for a representative, `SCA03` from a senator's
  `senate_class`), which letters to Congress go by.
- `zccd`: `state_fips,state_abbr,zcta,cd`, each ZCTA a ZIP code (leading zeros kept);
  `state_fips` is not needed.

US district keys: a House district is `ST-N`, the state's two letters and the district
number without leading zeros (`CA-12`); an at-large seat (a state or territory with one
representative) is `ST-0`, as both sources number it `0`. Senators have no district and get
the bare state, `ST`, which a lookup adds to every district of that state. The two US
formats write the same keys, so a legislators file and a zccd file make one directory.

Rows are not deleted by a re-import: past letters point at their targets, and a directory
may be built from several files (e.g. one per state).
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import insert, select

from campaigns.congress.offices import house_office, senate_office
from campaigns.directories.lookup import normalize_postcode
from campaigns.directories.target_columns import channel_columns
from campaigns.extensions import db
from campaigns.models import Directory, PostcodeDistrict, Target

MAX_ERRORS = 100
Source = TextIO | str | os.PathLike

STATE = re.compile(r"[A-Z]{2}")
URL = re.compile(r"https?://\S+", re.IGNORECASE)


@dataclass(frozen=True)
class RowError:
    line: int  # 1-based, the header being line 1
    column: str | None  # None when the error is about the whole row or file
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class ImportErrors(Exception):
    """The file was not imported; `errors` says where and why."""

    def __init__(self, errors: list[RowError], truncated: bool = False):
        self.errors = errors
        self.truncated = truncated
        more = f" (only the first {len(errors)} are listed)" if truncated else ""
        noun = "error" if len(errors) == 1 else "errors"
        super().__init__(f"nothing was imported: {len(errors)} {noun}{more}")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0  # already there as in the file, or repeated within the file


class _TooManyErrors(Exception):
    pass


@dataclass
class _Csv:
    """Reads rows as dicts keyed by lower-case column name, noting each error as it goes."""

    required: tuple[str, ...]
    errors: list[RowError] = field(default_factory=list)
    truncated: bool = False

    def error(self, line: int, column: str | None, message: str) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.truncated = True
            raise _TooManyErrors
        self.errors.append(RowError(line, column, message))

    def fail(self) -> ImportErrors:
        return ImportErrors(self.errors, self.truncated)

    def rows(self, stream: TextIO) -> Iterator[tuple[int, dict[str, str]]]:
        reader = csv.reader(stream)
        header: list[str] | None = None
        end = 0
        try:
            for cells in reader:
                line, end = end + 1, reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                if header is None:
                    header = self._header(line, cells)
                    continue
                if len(cells) > len(header):
                    self.error(line, None, f"{len(cells)} fields, but the header has {len(header)}")
                    continue
                values = {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
                yield line, {name: values.get(name, "") for name in header}
        except csv.Error as exc:
            self.error(reader.line_num, None, f"not readable as CSV: {exc}")
        except UnicodeDecodeError:
            self.error(end + 1, None, "not UTF-8 text")
        if header is None and not self.errors:
            self.error(1, None, "the file is empty")

    def _header(self, line: int, cells: list[str]) -> list[str]:
        names = [cell.strip().lstrip("\ufeff").strip().lower() for cell in cells]
        missing = [name for name in self.required if name not in names]
        if missing:
            self.error(line, None, f"missing columns: {', '.join(missing)}")
            raise ImportErrors(self.errors)
        return names


def _open(source: Source) -> TextIO:
    if hasattr(source, "read"):
        return source  # type: ignore[return-value]
    return open(source, encoding="utf-8-sig", newline="")


def _parse(
    source: Source,
    reader: _Csv,
    parse_row: Callable[[_Csv, int, dict[str, str]], Any],
) -> list:
    """Every row's record, or ImportErrors with every problem in the file."""
    stream = _open(source)
    records = []
    try:
        for line, row in reader.rows(stream):
            record = parse_row(reader, line, row)
            if record is not None:
                records.append(record)
    except _TooManyErrors:
        pass
    finally:
        if stream is not source:
            stream.close()
    if reader.errors:
        raise reader.fail()
    return records


def _text(
    reader: _Csv, line: int, row: dict[str, str], column: str, limit: int, required: bool = False
) -> str | None:
    value = row.get(column, "")
    if required and not value:
        reader.error(line, column, "must not be empty")
        return None
    if len(value) > limit:
        reader.error(line, column, f"too long ({len(value)} characters; at most {limit})")
        return None
    return value


def _url(reader: _Csv, line: int, column: str, value: str | None) -> str | None:
    if value and (len(value) > 500 or not URL.fullmatch(value)):
        reader.error(line, column, "not a web address starting with http:// or https://")
        return None
    return value


def _unique(reader: _Csv, seen: dict, key, line: int, column: str, value: str) -> bool:
    if key in seen:
        reader.error(line, column, f"{value!r} is already on line {seen[key]}")
        return False
    seen[key] = line
    return True


# Targets


def import_targets(directory: Directory, source: Source) -> ImportResult:
    """Import targets from a generic CSV (see the module docstring)."""
    reader = _Csv(("name", "title", "email", "district"))
    seen: dict = {}

    def parse(reader: _Csv, line: int, row: dict[str, str]) -> dict | None:
        before = len(reader.errors)
        record = {
            "name": _text(reader, line, row, "name", 200, required=True),
            "title": _text(reader, line, row, "title", 200),
            "district": _text(reader, line, row, "district", 32, required=True),
            "external_id": _text(reader, line, row, "external_id", 64) or None,
            "email": None,
        }
        # An optional column the file lacks leaves that detail of existing targets alone.
        if "phone" in row:
            record["phone"] = _text(reader, line, row, "phone", 40)
        if "contact_url" in row:
            record["contact_url"] = _url(reader, line, "contact_url", row["contact_url"])
        if "channel" in row:
            record.update(channel_columns(reader, line, row))
        email = row.get("email", "")
        if email:
            try:
                record["email"] = validate_email(email, check_deliverability=False).normalized
            except EmailNotValidError as exc:
                reader.error(line, "email", f"not a valid email address ({exc})")
        if len(reader.errors) > before:
            return None
        if record["external_id"]:
            key = ("id", record["external_id"])
            ok = _unique(reader, seen, key, line, "external_id", record["external_id"])
        else:
            key = ("name", record["name"].casefold(), record["district"])
            ok = _unique(reader, seen, key, line, "name", record["name"])
        return record if ok else None

    return _save_targets(directory, _parse(source, reader, parse))


def import_legislators(directory: Directory, source: Source) -> ImportResult:
    """Import members of Congress from a legislators-current.csv (see the module docstring)."""
    reader = _Csv(("last_name", "first_name", "type", "state", "district", "bioguide_id"))
    seen: dict = {}

    def parse(reader: _Csv, line: int, row: dict[str, str]) -> dict | None:
        before = len(reader.errors)
        name = row.get("full_name") or " ".join(
            part for part in (row["first_name"], row["last_name"]) if part
        )
        if not name:
            reader.error(
                line, "last_name", "no name: first_name, last_name and full_name are empty"
            )
        elif len(name) > 200:
            reader.error(line, "full_name", f"too long ({len(name)} characters; at most 200)")
        kind = row["type"].lower()
        if kind not in ("sen", "rep"):
            reader.error(line, "type", f"must be sen or rep, not {row['type']!r}")
        state = row["state"].upper()
        if not STATE.fullmatch(state):
            reader.error(line, "state", f"not a two-letter state code: {row['state']!r}")
        district = state
        if kind == "rep":
            number = row["district"]
            if not number.isdigit():
                reader.error(line, "district", f"not a district number: {number!r}")
            else:
                district = f"{state}-{int(number)}"
        record = {
            "name": name,
            "title": "Senator" if kind == "sen" else "Representative",
            "district": district,
            "external_id": _text(reader, line, row, "bioguide_id", 64, required=True),
        }
        if kind == "rep":
            record["office_code"] = house_office(district)
        elif row.get("senate_class"):
            record["office_code"] = senate_office(state, row["senate_class"])
            if record["office_code"] is None:
                reader.error(
                    line, "senate_class", f"must be 1, 2 or 3, not {row['senate_class']!r}"
                )
        # No email: they publish none, and one an organizer added must survive a re-import.
        if "phone" in row:
            record["phone"] = _text(reader, line, row, "phone", 40)
        if "contact_form" in row or "url" in row:
            record["contact_url"] = _contact_url(reader, line, row)
        if len(reader.errors) > before:
            return None
        bioguide_id = record["external_id"]
        if not _unique(reader, seen, ("id", bioguide_id), line, "bioguide_id", bioguide_id):
            return None
        return record

    return _save_targets(directory, _parse(source, reader, parse))


def _contact_url(reader: _Csv, line: int, row: dict[str, str]) -> str | None:
    # The source has typos (a contact form at "hhttps://…"): one member's broken link must
    # not hold up the whole of Congress, so the website stands in for a broken form.
    given = [(c, row[c]) for c in ("contact_form", "url") if row.get(c)]
    for _column, value in given:
        if len(value) <= 500 and URL.fullmatch(value):
            return value
    if given:
        return _url(reader, line, *given[-1])
    return ""


def _save_targets(directory: Directory, records: list[dict]) -> ImportResult:
    """Create or update a target per record, setting the record's fields and no others."""
    existing = list(db.session.scalars(select(Target).where(Target.directory_id == directory.id)))
    by_id = {t.external_id: t for t in existing if t.external_id}
    by_name = {(t.name.casefold(), t.district): t for t in existing if not t.external_id}
    result = ImportResult()
    try:
        for record in records:
            if record["external_id"]:
                target = by_id.get(record["external_id"])
            else:
                target = by_name.get((record["name"].casefold(), record["district"]))
            if target is None:
                db.session.add(
                    Target(
                        organization_id=directory.organization_id,
                        directory_id=directory.id,
                        **record,
                    )
                )
                result.created += 1
                continue
            changes = {f: v for f, v in record.items() if getattr(target, f) != v}
            for name, value in changes.items():
                setattr(target, name, value)
            if changes:
                result.updated += 1
            else:
                result.unchanged += 1
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


# Postcodes


def import_postcodes(directory: Directory, source: Source) -> ImportResult:
    """Import a generic postcode → district CSV (see the module docstring)."""
    reader = _Csv(("postcode", "district"))

    def parse(reader: _Csv, line: int, row: dict[str, str]) -> tuple | None:
        postcode = normalize_postcode(row["postcode"])
        if postcode is None:
            message = "must not be empty" if not row["postcode"] else "not a valid postcode"
            reader.error(line, "postcode", message)
        district = _text(reader, line, row, "district", 32, required=True)
        return (postcode, district) if postcode and district else None

    return _save_postcodes(directory, _parse(source, reader, parse))


def import_zccd(directory: Directory, source: Source) -> ImportResult:
    """Import a ZCTA → congressional district table, zccd.csv (see the module docstring)."""
    reader = _Csv(("state_abbr", "zcta", "cd"))

    def parse(reader: _Csv, line: int, row: dict[str, str]) -> tuple | None:
        before = len(reader.errors)
        zcta, state, cd = row["zcta"], row["state_abbr"].upper(), row["cd"]
        if not (len(zcta) == 5 and zcta.isdigit()):
            hint = " (were leading zeros lost?)" if zcta.isdigit() and len(zcta) < 5 else ""
            reader.error(line, "zcta", f"not a five-digit ZIP code: {zcta!r}{hint}")
        if not STATE.fullmatch(state):
            reader.error(line, "state_abbr", f"not a two-letter state code: {row['state_abbr']!r}")
        if not cd.isdigit():
            reader.error(line, "cd", f"not a district number: {cd!r}")
        if len(reader.errors) > before:
            return None
        return (zcta, f"{state}-{int(cd)}")

    return _save_postcodes(directory, _parse(source, reader, parse))


def _save_postcodes(directory: Directory, records: list[tuple[str, str]]) -> ImportResult:
    rows = db.session.execute(
        select(PostcodeDistrict.postcode, PostcodeDistrict.district).where(
            PostcodeDistrict.directory_id == directory.id
        )
    )
    existing = {(postcode, district) for postcode, district in rows}
    new = list(dict.fromkeys(r for r in records if r not in existing))
    result = ImportResult(created=len(new), unchanged=len(records) - len(new))
    try:
        if new:
            # Tens of thousands of rows: one executemany, not an ORM object each.
            db.session.execute(
                insert(PostcodeDistrict),
                [{"directory_id": directory.id, "postcode": p, "district": d} for p, d in new],
            )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result
