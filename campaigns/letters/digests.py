"""The daily digest: letters over a target's hourly cap, bundled into one email per target.

Where an organizer caps letters per target and chooses the digest, letters over the cap are
`bundled`. Once a day this job sends each target one email, "37 constituents wrote today",
with each writer's name, city and words, and marks the bundled letters `sent` with that
email's provider id. Like any batch, a bundle is claimed (`bundled -> sending`) before the
send, so two runs never send it twice; a failed send gives it back for the next run.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from flask import render_template
from sqlalchemy import select, update

from campaigns import mail
from campaigns.extensions import db
from campaigns.models import Action, Message, MessageStatus, Submission, Supporter, Target, utcnow

log = logging.getLogger(__name__)

# 17:00 UTC: the end of the working day across the Americas.
DIGEST_CRON = "0 17 * * *"


def send_digests() -> dict[str, int]:
    """Send one digest per (action, target) with bundled letters; returns a tally."""
    pairs = db.session.execute(
        select(Message.action_id, Message.target_id)
        .where(Message.status == MessageStatus.bundled)
        .distinct()
    ).all()
    db.session.rollback()
    tally: dict[str, int] = defaultdict(int)
    for action_id, target_id in pairs:
        outcome, n = _send_digest(action_id, target_id)
        tally[outcome] += n
    return dict(tally)


def _send_digest(action_id: int, target_id: int) -> tuple[str, int]:
    now = utcnow()
    claimed = list(
        db.session.scalars(
            update(Message)
            .where(
                Message.action_id == action_id,
                Message.target_id == target_id,
                Message.status == MessageStatus.bundled,
            )
            .values(status=MessageStatus.sending, claimed_at=now, updated_at=now)
            .returning(Message.id)
        )
    )
    db.session.commit()
    if not claimed:
        return "none", 0
    letters = db.session.execute(
        select(Message, Supporter)
        .join(Submission, Submission.id == Message.submission_id)
        .join(Supporter, Supporter.id == Submission.supporter_id)
        .where(Message.id.in_(claimed))
        .order_by(Message.created_at)
    ).all()
    action = db.session.get(Action, action_id)
    target = db.session.get(Target, target_id)
    organization = action.campaign.organization
    count = len(letters)
    text = render_template(
        "email/digest.txt", target=target, organization=organization, letters=letters, count=count
    )
    email = mail.EmailMessage(
        to=target.email,
        to_name=target.name,
        from_name=organization.name,
        subject=f"{count} constituents wrote to you today: {letters[0][0].subject}",
        text=text,
        organization_id=organization.id,
        tracking={"digest_action_id": str(action_id), "digest_target_id": str(target_id)},
    )
    try:
        provider_id = mail.send(email)
    except mail.UnknownOutcomeMailError as exc:
        # It may have gone out: never sent again blindly. The letters wait, unknown, and the
        # sweep fails them after UNKNOWN_OUTCOME_GRACE_MINUTES for the organizer to decide.
        db.session.execute(
            update(Message)
            .where(Message.id.in_(claimed), Message.status == MessageStatus.sending)
            .values(
                status=MessageStatus.unknown,
                last_error=f"{exc}; the digest may have gone out"[:1000],
            )
        )
        db.session.commit()
        log.warning("digest to target %s unanswered: %s", target_id, exc)
        return "unknown", count
    except mail.MailError as exc:
        # Given back whole: the next run sends them, and the delivery page shows them bundled.
        db.session.execute(
            update(Message)
            .where(Message.id.in_(claimed), Message.status == MessageStatus.sending)
            .values(status=MessageStatus.bundled, last_error=str(exc)[:1000])
        )
        db.session.commit()
        log.warning("digest to target %s failed: %s", target_id, exc)
        return "failed", count
    db.session.execute(
        update(Message)
        .where(Message.id.in_(claimed), Message.status == MessageStatus.sending)
        .values(
            status=MessageStatus.sent,
            provider_message_id=provider_id or None,
            sent_at=utcnow(),
            last_error=None,
        )
    )
    db.session.commit()
    return "sent", count
