"""Putting letters back to work: the organizer's retry, and the sweep after lost jobs.

What the sweep finds and why is in docs/queue.md; the states are those of `delivery`.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from campaigns.extensions import db
from campaigns.letters import congress_delivery, delivery
from campaigns.models import Channel, ConstituentAddress, Message, MessageStatus, utcnow

# A queued message past its due time by this much lost its job (a Redis restart).
SWEEP_GRACE = timedelta(minutes=2)


def retry_failed(action_id: int, target_id: int | None = None) -> int:
    """The organizer's "retry failed" button: failed letters get a fresh set of tries."""
    now = utcnow()
    query = update(Message).where(
        Message.action_id == action_id, Message.status == MessageStatus.failed
    )
    if target_id is not None:
        query = query.where(Message.target_id == target_id)
    ids = list(
        db.session.scalars(
            query.values(
                status=MessageStatus.queued, attempts=0, due_at=now, updated_at=now
            ).returning(Message.id)
        )
    )
    db.session.commit()
    if ids:
        delivery.queue_letters(ids)
    return len(ids)


def sweep() -> dict[str, int]:
    """Put back to work what a lost job or a dead worker left behind.

    - `queued` past its due time by SWEEP_GRACE: its job was lost (Redis restarted without
      persistence, or an enqueue failed); it is queued again.
    - `sending` for longer than a job may run: its worker died during that batch's API call,
      and whether the provider took it is unknown. An email is not sent again blindly: it
      becomes `unknown`, for the provider's events to settle (or, without any, failed after
      UNKNOWN_OUTCOME_GRACE_MINUTES, for the organizer to resend). A letter to Congress is
      queued again: it carries the same DeliveryId, which the chamber delivers once.
    """
    now = utcnow()
    stale_after = timedelta(seconds=2 * current_app.config["JOB_TIMEOUT"])
    stale = (Message.status == MessageStatus.sending) & (Message.claimed_at < now - stale_after)
    unanswered = db.session.execute(
        update(Message)
        .where(stale, Message.channel == Channel.email)
        .values(
            status=MessageStatus.unknown,
            updated_at=now,
            last_error=(
                "the worker stopped during the send; waiting for SendGrid to report "
                "whether it went out"
            ),
        )
    ).rowcount
    stranded = list(
        db.session.scalars(
            update(Message)
            .where(stale, Message.channel != Channel.email)
            .values(
                status=MessageStatus.queued,
                due_at=now,
                updated_at=now,
                last_error="the worker stopped during the send; sent again with its DeliveryId",
            )
            .returning(Message.id)
        )
    )
    db.session.commit()
    overdue = list(
        db.session.scalars(
            select(Message.id).where(
                Message.status == MessageStatus.queued, Message.due_at < now - SWEEP_GRACE
            )
        )
    )
    ids = sorted(set(stranded) | set(overdue))
    if ids:
        delivery.queue_letters(ids)
    return {
        "stranded": len(stranded) + unanswered,
        "overdue": len(overdue),
        "unanswered": _fail_unanswered(now),
        "addresses_forgotten": _forget_old_addresses(now),
    }


def _forget_old_addresses(now) -> int:
    """Postal addresses of letters to Congress are kept while a letter may still need them,
    and never past ADDRESS_KEEP_DAYS."""
    cutoff = now - timedelta(days=congress_delivery.ADDRESS_KEEP_DAYS)
    n = db.session.execute(
        delete(ConstituentAddress).where(ConstituentAddress.created_at < cutoff)
    ).rowcount
    db.session.commit()
    return n


def _fail_unanswered(now) -> int:
    """Letters whose send timed out and of which the provider has said nothing since: failed,
    with the reason, so the organizer decides whether to send them again."""
    grace = current_app.config["UNKNOWN_OUTCOME_GRACE_MINUTES"]
    unanswered = db.session.execute(
        update(Message)
        .where(
            Message.status == MessageStatus.unknown,
            Message.claimed_at < now - timedelta(minutes=grace),
        )
        .values(
            status=MessageStatus.failed,
            updated_at=now,
            last_error=(
                f"SendGrid did not answer and reported nothing within {grace} minutes: it may "
                "not have gone out. 'Retry failed' sends it again."
            ),
        )
    ).rowcount
    db.session.commit()
    return unanswered
