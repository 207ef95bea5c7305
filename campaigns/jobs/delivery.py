"""Jobs on the `mail` queue: delivering a petition to its targets."""

from __future__ import annotations

import logging

from sqlalchemy import update

from campaigns import mail
from campaigns.extensions import db
from campaigns.jobs import enqueue
from campaigns.models import PetitionDelivery, utcnow
from campaigns.tracking import petition_delivery as service

log = logging.getLogger(__name__)


def queue_delivery(delivery_id: int) -> None:
    enqueue(deliver_petition, delivery_id, queue="mail")


def deliver_petition(delivery_id: int) -> int:
    """Send the delivery to each recipient not yet sent to; returns how many were sent now.

    Each recipient is marked as soon as its email went out, so a retry after a temporary
    failure (which RQ schedules with the mail queue's back-off) sends only to the rest.
    """
    table = PetitionDelivery.__table__
    # Claimed by one worker at a time: a second job for the same delivery finds it taken.
    claimed = db.session.execute(
        update(table)
        .where(table.c.id == delivery_id, table.c.status == "queued")
        .values(status="sending")
    ).rowcount
    db.session.commit()
    if not claimed:
        return 0
    delivery = db.session.get(PetitionDelivery, delivery_id)
    messages, count = service.build_emails(delivery)
    recipients = [dict(r) for r in delivery.recipients]
    sent = 0
    for recipient, message in zip(recipients, messages, strict=True):
        if recipient.get("sent_at"):
            continue
        try:
            recipient["message_id"] = mail.send(message)
        except mail.TemporaryMailError:
            delivery.status = "queued"
            delivery.recipients = recipients
            db.session.commit()
            raise
        except mail.PermanentMailError as exc:
            recipient["error"] = str(exc)[:200]
            log.warning("delivery %s to %s refused: %s", delivery_id, recipient["email"], exc)
        else:
            sent += 1
        recipient["sent_at"] = utcnow().isoformat()
        delivery.recipients = recipients
        db.session.commit()
    failed = [r for r in recipients if r.get("error")]
    delivery.signatures = count
    delivery.sent_at = utcnow()
    delivery.status = "failed" if len(failed) == len(recipients) else "sent"
    if failed:
        delivery.error = "; ".join(f"{r['email']}: {r['error']}" for r in failed)[:500]
    db.session.commit()
    return sent
