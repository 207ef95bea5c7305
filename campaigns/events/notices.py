"""Sending event notices: the day-before reminder and the "a place opened up" email."""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from campaigns import mail
from campaigns.events.emails import promotion_email, reminder_email
from campaigns.extensions import db
from campaigns.models import Rsvp, RsvpStatus, Shift, utcnow

log = logging.getLogger(__name__)


def send_reminders(shift_id: int) -> int:
    """Remind everyone still attending `shift_id`; returns how many were sent.

    Cancelled and waitlisted people are not reminded. Each RSVP is claimed (reminded_at set
    where still empty) before its email, so a retried job does not remind anyone twice.
    """
    shift = db.session.get(Shift, shift_id)
    if shift is None or shift.starts_at <= utcnow():
        return 0
    ids = db.session.scalars(
        select(Rsvp.id).where(
            Rsvp.shift_id == shift_id,
            Rsvp.status == RsvpStatus.attending,
            Rsvp.reminded_at.is_(None),
        )
    ).all()
    sent = 0
    for rsvp_id in ids:
        claimed = db.session.execute(
            update(Rsvp)
            .where(
                Rsvp.id == rsvp_id,
                Rsvp.reminded_at.is_(None),
                Rsvp.status == RsvpStatus.attending,
            )
            .values(reminded_at=utcnow())
        ).rowcount
        db.session.commit()
        if not claimed:
            continue
        try:
            mail.send(reminder_email(db.session.get(Rsvp, rsvp_id)))
        except mail.PermanentMailError as exc:
            log.warning("reminder for rsvp %s failed: %s", rsvp_id, exc)
            continue
        except mail.TemporaryMailError:
            # Give the claim back so the retried job sends it.
            db.session.execute(update(Rsvp).where(Rsvp.id == rsvp_id).values(reminded_at=None))
            db.session.commit()
            raise
        sent += 1
    return sent


def send_promotion(rsvp_id: int) -> str | None:
    """Tell someone promoted from the waitlist that they now have a place."""
    row = db.session.get(Rsvp, rsvp_id)
    if row is None or row.status != RsvpStatus.attending:
        return None  # cancelled again meanwhile: nothing to announce
    return mail.send(promotion_email(row))
