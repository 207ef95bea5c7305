"""Event actions: shifts with a capacity, RSVPs, the waitlist, cancelling and promotion.

Capacity holds under concurrency because every change to a shift's attendance first takes the
shift's row with `SELECT … FOR UPDATE` on PostgreSQL, so two RSVPs for the last place are
decided one after the other; SQLite has one writer at a time, and an RSVP's transaction has
already written (the supporter) before it counts, so it holds that lock while it counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, exists, func, select, update

from campaigns.core import tokens
from campaigns.events import times
from campaigns.extensions import db
from campaigns.models import Action, Rsvp, RsvpStatus, Shift, Submission, utcnow
from campaigns.queues import enqueue
from campaigns.submissions import signals
from campaigns.submissions.signing import Signer, SignResult, sign

# Reminders go out this long before a shift starts.
REMINDER_BEFORE = timedelta(days=1)
# A thank-you page link that shows a person's RSVPs works for a day.
THANKS_MAX_AGE = 24 * 3600


class ShiftChoiceError(ValueError):
    """The shifts asked for do not belong to the event, or none was chosen."""


@dataclass
class ShiftLine:
    starts_at: datetime
    ends_at: datetime
    capacity: int
    place: str = ""
    online_url: str = ""


@dataclass
class RsvpOutcome:
    result: SignResult
    placed: dict[int, RsvpStatus] = field(default_factory=dict)  # shift id -> status


def shifts_of(action: Action | int) -> list[Shift]:
    action_id = action if isinstance(action, int) else action.id
    return list(
        db.session.scalars(
            select(Shift).where(Shift.action_id == action_id).order_by(Shift.starts_at, Shift.id)
        )
    )


def attending_counts(shift_ids: Iterable[int]) -> dict[int, int]:
    ids = list(shift_ids)
    rows = db.session.execute(
        select(Rsvp.shift_id, func.count())
        .where(Rsvp.shift_id.in_(ids), Rsvp.status == RsvpStatus.attending)
        .group_by(Rsvp.shift_id)
    )
    found = dict(rows.all())
    return {i: found.get(i, 0) for i in ids}


def rsvp(action, signer: Signer, shift_ids: list[int]) -> RsvpOutcome:
    """RSVP `signer` to the chosen shifts of the event `action` (an Action or ActionRef).

    A new person goes through `sign()` with the places written in the same transaction as
    the submission. Someone who already RSVPed is added to the shifts they were not in yet.
    """
    wanted = _valid_shift_ids(action.id, shift_ids)
    placed: dict[int, RsvpStatus] = {}

    def place_new(submission_id: int, verdict):
        # An RSVP marked fraudulent takes no place: a flood of them must not fill a picket
        # shift and waitlist the real people. A held one (over a rate limit) keeps its choice
        # of shifts and takes its places when the person confirms (`place_held`).
        if verdict.held:
            placed.update(_hold(submission_id, wanted))
        elif not verdict.fraudulent:
            placed.update(_place(submission_id, wanted))
        return None

    result = sign(action, signer, on_created=place_new)
    if not result.created:
        placed.update(_place(result.submission_id, wanted))
        db.session.commit()
    return RsvpOutcome(result, placed)


def _valid_shift_ids(action_id: int, shift_ids: list[int]) -> list[int]:
    chosen = sorted(set(shift_ids))
    if not chosen:
        raise ShiftChoiceError("no shift chosen")
    known = set(
        db.session.scalars(
            select(Shift.id).where(Shift.action_id == action_id, Shift.id.in_(chosen))
        )
    )
    if known != set(chosen):
        raise ShiftChoiceError("unknown shift")
    return chosen


def _lock_shift(shift_id: int) -> Shift:
    """The shift, locked until the transaction ends. Callers lock ids in ascending order, so
    two requests locking several shifts never deadlock."""
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite ignores FOR UPDATE; a write takes its single writer lock, which a read would
        # not (two transactions could both count the last place free).
        db.session.execute(
            update(Shift).where(Shift.id == shift_id).values(capacity=Shift.capacity)
        )
    return db.session.scalars(
        select(Shift)
        .where(Shift.id == shift_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _attending(shift_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(Rsvp.shift_id == shift_id, Rsvp.status == RsvpStatus.attending)
    )


def _place(submission_id: int, shift_ids: list[int]) -> dict[int, RsvpStatus]:
    """Attending where there is room, else waitlisted; runs inside the caller's transaction.

    A shift the person already holds keeps its status; a cancelled place, or one held for
    a confirmation, is taken up now.
    """
    placed: dict[int, RsvpStatus] = {}
    now = utcnow()
    for shift_id in shift_ids:
        shift = _lock_shift(shift_id)
        existing = db.session.scalars(
            select(Rsvp).where(Rsvp.shift_id == shift_id, Rsvp.submission_id == submission_id)
        ).first()
        if existing is not None and existing.status not in (RsvpStatus.cancelled, RsvpStatus.held):
            placed[shift_id] = existing.status
            continue
        status = (
            RsvpStatus.attending if _attending(shift_id) < shift.capacity else RsvpStatus.waitlisted
        )
        if existing is None:
            db.session.add(
                Rsvp(shift_id=shift_id, submission_id=submission_id, status=status, created_at=now)
            )
        else:
            existing.status, existing.cancelled_at, existing.created_at = status, None, now
        placed[shift_id] = status
    db.session.flush()
    return placed


def _hold(submission_id: int, shift_ids: list[int]) -> dict[int, RsvpStatus]:
    now = utcnow()
    db.session.add_all(
        Rsvp(shift_id=s, submission_id=submission_id, status=RsvpStatus.held, created_at=now)
        for s in shift_ids
    )
    db.session.flush()
    return dict.fromkeys(shift_ids, RsvpStatus.held)


@signals.confirmed.connect
def place_held(submission_id: int) -> dict[int, RsvpStatus]:
    """A held RSVP's person confirmed: each held shift takes a place if one is free, else
    the waitlist, as at the moment of confirming."""
    shift_ids = list(
        db.session.scalars(
            select(Rsvp.shift_id)
            .where(Rsvp.submission_id == submission_id, Rsvp.status == RsvpStatus.held)
            .order_by(Rsvp.shift_id)
        )
    )
    if not shift_ids:
        return {}
    placed = _place(submission_id, shift_ids)
    db.session.commit()
    return placed


def cancel(rsvp_row: Rsvp) -> Rsvp | None:
    """Cancel an RSVP; if it held a place, the first person on the waitlist gets it.

    Returns the promoted RSVP (who is then emailed), or None. Safe to call twice.
    """
    shift = _lock_shift(rsvp_row.shift_id)
    db.session.refresh(rsvp_row)
    if rsvp_row.status == RsvpStatus.cancelled:
        db.session.rollback()
        return None
    was_attending = rsvp_row.status == RsvpStatus.attending
    rsvp_row.status = RsvpStatus.cancelled
    rsvp_row.cancelled_at = utcnow()
    db.session.flush()
    promoted = _promote(shift) if was_attending else None
    db.session.commit()
    if promoted is not None:
        enqueue("campaigns.events.tasks.send_promotion", promoted.id, queue="mail")
    return promoted


def _promote(shift: Shift) -> Rsvp | None:
    if _attending(shift.id) >= shift.capacity:
        return None
    first = db.session.scalars(
        select(Rsvp)
        .where(Rsvp.shift_id == shift.id, Rsvp.status == RsvpStatus.waitlisted)
        .order_by(Rsvp.created_at, Rsvp.id)
        .limit(1)
    ).first()
    if first is None:
        return None
    first.status = RsvpStatus.attending
    first.promoted_at = utcnow()
    db.session.flush()
    return first


def withdrawn(action_id: int, confirmed_only: bool) -> int:
    """People who RSVP'd to the event and then cancelled every place they had: the tally
    counted their submission, and the public count must not."""
    cancelled_all = and_(
        exists().where(Rsvp.submission_id == Submission.id),
        ~exists().where(Rsvp.submission_id == Submission.id, Rsvp.status != RsvpStatus.cancelled),
    )
    query = select(func.count()).where(
        Submission.action_id == action_id, Submission.fraudulent.is_(False), cancelled_all
    )
    if confirmed_only:
        query = query.where(Submission.confirmed_at.is_not(None))
    return db.session.scalar(query) or 0


def rsvps_of_submission(submission_id: int) -> list[Rsvp]:
    return list(
        db.session.scalars(
            select(Rsvp)
            .join(Shift, Shift.id == Rsvp.shift_id)
            .where(Rsvp.submission_id == submission_id)
            .order_by(Shift.starts_at, Shift.id)
        )
    )


# Tokens: a cancel link and a calendar link per RSVP, a thank-you page link per submission.
def cancel_token(rsvp_row: Rsvp) -> str:
    return tokens.make(tokens.CANCEL_RSVP, rsvp_row.id)


def calendar_token(rsvp_row: Rsvp) -> str:
    return tokens.make(tokens.RSVP_CALENDAR, rsvp_row.id)


def thanks_token(submission_id: int) -> str:
    return tokens.make(tokens.RSVP_THANKS, submission_id)


def rsvp_for_token(purpose: str, token: str) -> Rsvp | None:
    try:
        rsvp_id = tokens.read(purpose, token)
    except tokens.InvalidToken:
        return None
    return db.session.get(Rsvp, rsvp_id)


def submission_for_thanks(token: str) -> Submission | None:
    try:
        submission_id = tokens.read(tokens.RSVP_THANKS, token, THANKS_MAX_AGE)
    except tokens.InvalidToken:
        return None
    return db.session.get(Submission, submission_id)


# Organizers: shifts and their reminders.
def save_shifts(action: Action, lines: list[ShiftLine]) -> None:
    """Replace the event's shift list with `lines`, keeping shifts (and their RSVPs) whose
    start time is unchanged; schedule each shift's reminder. Commits."""
    existing = {s.starts_at: s for s in shifts_of(action)}
    keep = set()
    for line in lines:
        shift = existing.get(line.starts_at)
        if shift is None:
            shift = Shift(action_id=action.id, starts_at=line.starts_at)
            db.session.add(shift)
        shift.ends_at, shift.capacity = line.ends_at, line.capacity
        shift.place, shift.online_url = line.place, line.online_url
        keep.add(line.starts_at)
    for starts_at, shift in existing.items():
        if starts_at not in keep:
            db.session.delete(shift)
    db.session.commit()
    for shift in shifts_of(action):
        schedule_reminder(shift)


def reminder_due(shift: Shift) -> datetime:
    return shift.starts_at - REMINDER_BEFORE


def schedule_reminder(shift: Shift) -> None:
    """Put the day-before reminder of `shift` in RQ's scheduled registry (replaced when the
    shift moves: the job id is the shift's). A shift less than a day away is reminded now."""
    now = utcnow()
    if shift.starts_at <= now:
        return
    delay = max(reminder_due(shift) - now, timedelta(seconds=1))
    # One job per shift with a fixed id: saving the event again replaces it, not adds one.
    enqueue(
        "campaigns.events.tasks.send_reminders",
        shift.id,
        queue="mail",
        job_id=reminder_job_id(shift.id),
        delay=delay,
    )


def reminder_job_id(shift_id: int) -> str:
    return f"remind-shift-{shift_id}"


def parse_shift_lines(text: str, zone=UTC) -> tuple[list[ShiftLine], list[str]]:
    """Organizer input, one shift a line: `start, end, capacity, place or https link`, with
    times as `YYYY-MM-DD HH:MM` in the event's `zone` (events.times). Returns the shifts (as
    UTC instants) and one message per bad line."""
    zone_name = getattr(zone, "key", "UTC")
    lines, errors = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.split(",", 3)]
        if len(parts) < 3:
            errors.append(f"Line {number}: write start, end, capacity, place or link.")
            continue
        try:
            starts = times.parse_local(parts[0], zone)
            ends = times.parse_local(parts[1], zone)
        except ValueError as exc:
            if "does not exist" in str(exc):
                errors.append(f"Line {number}: {exc}.")
            else:
                errors.append(f"Line {number}: times look like 2026-12-01 09:00 ({zone_name}).")
            continue
        if ends <= starts:
            errors.append(f"Line {number}: the end must come after the start.")
            continue
        if not parts[2].isdigit() or not 1 <= int(parts[2]) <= 100_000:
            errors.append(f"Line {number}: capacity is a whole number from 1 to 100000.")
            continue
        where = parts[3] if len(parts) > 3 else ""
        if len(where) > 500:
            errors.append(f"Line {number}: the place is too long.")
            continue
        online = where if where.startswith(("https://", "http://")) else ""
        lines.append(
            ShiftLine(starts, ends, int(parts[2]), place="" if online else where, online_url=online)
        )
    if not lines and not errors:
        errors.append("Add at least one shift.")
    starts = [line.starts_at for line in lines]
    if len(set(starts)) != len(starts):
        errors.append("Two shifts start at the same time; make them one shift.")
    return lines, errors


def format_shift_lines(action: Action) -> str:
    """The event's shifts as the organizer typed them, in the event's zone."""
    zone = times.zone_of(action)
    return "\n".join(
        f"{times.entry_text(s.starts_at, zone)}, {times.entry_text(s.ends_at, zone)}, "
        f"{s.capacity}, {s.online_url or s.place}".rstrip(", ")
        for s in shifts_of(action)
    )


def shift_choices(action: Action) -> list[tuple[Shift, int]]:
    """The event's shifts with the places left in each (0: full, RSVPs join the waitlist)."""
    shifts = shifts_of(action)
    taken = attending_counts(s.id for s in shifts)
    return [(s, max(s.capacity - taken[s.id], 0)) for s in shifts]
