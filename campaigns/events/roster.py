"""An event's roster: who comes to each shift, on the page and as a CSV file."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from campaigns.core.spreadsheets import safe_cell
from campaigns.events import rsvps
from campaigns.extensions import db
from campaigns.models import Action, Rsvp, RsvpStatus, Shift, Submission

# The roster: who comes to each shift.
ROSTER_COLUMNS = (
    "shift_start_utc",
    "shift_end_utc",
    "place",
    "status",
    "first_name",
    "last_name",
    "email",
    "postcode",
    "city",
    "rsvp_at_utc",
)


@dataclass
class RosterShift:
    shift: Shift
    attending: list[Rsvp]
    waitlisted: list[Rsvp]
    cancelled: list[Rsvp]


def roster(action: Action) -> list[RosterShift]:
    out = []
    for shift in rsvps.shifts_of(action):
        rows = db.session.scalars(
            select(Rsvp)
            .where(Rsvp.shift_id == shift.id)
            .options(selectinload(Rsvp.submission).selectinload(Submission.supporter))
            .order_by(Rsvp.created_at, Rsvp.id)
        ).all()
        by = {s: [r for r in rows if r.status == s] for s in RsvpStatus}
        out.append(
            RosterShift(
                shift, by[RsvpStatus.attending], by[RsvpStatus.waitlisted], by[RsvpStatus.cancelled]
            )
        )
    return out


def roster_rows(action: Action):
    """The roster as CSV rows (header first), every cell neutralized against formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(ROSTER_COLUMNS)
    yield buffer.getvalue()
    for item in roster(action):
        shift = item.shift
        for row in item.attending + item.waitlisted + item.cancelled:
            person = row.submission.supporter
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(
                safe_cell(v)
                for v in (
                    f"{shift.starts_at:%Y-%m-%d %H:%M}",
                    f"{shift.ends_at:%Y-%m-%d %H:%M}",
                    shift.place or shift.online_url,
                    row.status.value,
                    person.first_name,
                    person.last_name,
                    person.email,
                    person.postcode,
                    person.city,
                    f"{row.created_at:%Y-%m-%d %H:%M}",
                )
            )
            yield buffer.getvalue()
